"""Quality checks of a clip on a character, computed with the character in MuJoCo."""

from __future__ import annotations

import mujoco
import numpy as np

from amp_studio.character import CharacterModel
from amp_studio.motion.motion_clip import MotionClip

# Above these a clip gets a QA flag: radians past a joint range, metres below the ground.
JOINT_LIMIT_TOLERANCE = 0.05
PENETRATION_TOLERANCE = 0.02
# A body whose geoms come this close to the ground (m) in a clip touches it there. Mocap feet sit within +-2 cm of
# z = 0; on the shared clips 3 cm picks the feet of walks and spins, hands and feet of the cartwheel, forearms,
# knees and feet of the crawl, and back, head, arms and feet of the roll, and no body that stays clear.
CONTACT_CLEARANCE = 0.03


def geom_lowest_points(model: mujoco.MjModel, data: mujoco.MjData) -> np.ndarray:
    """Lowest world z of each geom of the posed model (after mj_kinematics). Shape: (ngeom,)."""
    z = data.geom_xpos[:, 2]
    mat = data.geom_xmat.reshape(-1, 3, 3)
    size = model.geom_size
    lowest = z - model.geom_rbound  # any other shape: its bounding sphere
    types = model.geom_type
    sphere = types == mujoco.mjtGeom.mjGEOM_SPHERE
    lowest[sphere] = z[sphere] - size[sphere, 0]
    capsule = types == mujoco.mjtGeom.mjGEOM_CAPSULE
    axis_z = np.abs(mat[:, 2, 2])
    lowest[capsule] = z[capsule] - axis_z[capsule] * size[capsule, 1] - size[capsule, 0]
    cylinder = types == mujoco.mjtGeom.mjGEOM_CYLINDER
    radial = np.sqrt(np.clip(1.0 - axis_z**2, 0.0, 1.0))
    lowest[cylinder] = z[cylinder] - axis_z[cylinder] * size[cylinder, 1] - radial[cylinder] * size[cylinder, 0]
    box = types == mujoco.mjtGeom.mjGEOM_BOX
    lowest[box] = z[box] - (np.abs(mat[box, 2, :]) * size[box]).sum(-1)
    ellipsoid = types == mujoco.mjtGeom.mjGEOM_ELLIPSOID
    lowest[ellipsoid] = z[ellipsoid] - np.sqrt(((mat[ellipsoid, 2, :] * size[ellipsoid]) ** 2).sum(-1))
    return lowest


def body_lowest_points(clip: MotionClip, character: CharacterModel) -> np.ndarray:
    """Per frame and body, the lowest point of the body's colliding geoms (metres above z = 0; inf for a body
    without any). Shape: (num_frames, num_bodies)."""
    model = character.mj_model
    data = mujoco.MjData(model)
    qpos = character.frames_to_qpos(clip.frames)
    out = np.full((clip.num_frames, model.nbody), np.inf)
    # Only the geoms that collide: a robot's visual meshes (contype = conaffinity = 0) never touch the ground,
    # and their bounding spheres reach far below its feet.
    solid = (model.geom_contype != 0) | (model.geom_conaffinity != 0)
    for i in range(clip.num_frames):
        data.qpos[:] = qpos[i]
        mujoco.mj_kinematics(model, data)
        np.minimum.at(out[i], model.geom_bodyid[solid], geom_lowest_points(model, data)[solid])
    return out[:, 1:]  # the world body (the ground's own geoms) is not the character's


def lowest_point_per_frame(clip: MotionClip, character: CharacterModel) -> np.ndarray:
    """Per frame, the lowest point of any character geom (metres above z = 0). Shape: (num_frames,)."""
    return body_lowest_points(clip, character).min(axis=1)


def contact_bodies(clip: MotionClip, character: CharacterModel, clearance: float = CONTACT_CLEARANCE,
                   lowest: np.ndarray | None = None) -> tuple[str, ...]:
    """The bodies that touch the ground somewhere in the clip (come within `clearance` of it), in body order:
    those an episode of this clip may let touch without ending as a fall."""
    if lowest is None:
        lowest = body_lowest_points(clip, character)
    touching = lowest.min(axis=0) <= clearance
    return tuple(name for name, t in zip(character.body_names, touching) if t)


def joint_limit_violation(clip: MotionClip, character: CharacterModel) -> np.ndarray:
    """Per frame, the largest amount (radians) by which any DoF leaves its range. Shape: (num_frames,)."""
    dof = clip.frames[:, 6:]
    lo = character.dof_lower.double().numpy()
    hi = character.dof_upper.double().numpy()
    return np.maximum(np.maximum(lo - dof, dof - hi), 0.0).max(axis=1)


def motion_info(clip: MotionClip, character: CharacterModel) -> dict:
    """The `motion info` report: timing, root height, ground clearance and joint-limit violation."""
    clip.check_dofs(character.num_dofs)
    root_z = clip.frames[:, 2]
    per_body = body_lowest_points(clip, character)
    lowest = per_body.min(axis=1)
    info = {
        "duration": float(clip.duration),
        "fps": float(clip.fps),
        "frames": clip.num_frames,
        "loop": clip.loop,
        "num_dofs": clip.num_dofs,
        "root_height_min": float(root_z.min()),
        "root_height_mean": float(root_z.mean()),
        "root_height_max": float(root_z.max()),
        "lowest_point_min": float(lowest.min()),
        "lowest_point_mean": float(lowest.mean()),
        "joint_limit_violation_max": float(joint_limit_violation(clip, character).max()),
        "contact_bodies": list(contact_bodies(clip, character, lowest=per_body)),
    }
    if clip.retarget:
        info["retarget"] = clip.retarget
    return info


def qa_findings(info: dict) -> list[tuple[str, str]]:
    """The problems a motion_info report shows, each as (a name for a narrow column, a description)."""
    found = []
    if info["joint_limit_violation_max"] > JOINT_LIMIT_TOLERANCE:
        found.append(("joint limits", f"joint limits exceeded by up to {info['joint_limit_violation_max']:.2f} rad"))
    if info["lowest_point_min"] < -PENETRATION_TOLERANCE:
        found.append(("in ground", f"{-info['lowest_point_min'] * 100:.1f} cm below the ground"))
    return found


def qa_flags(info: dict) -> list[str]:
    """Problem descriptions for a motion_info report (the CLI's warnings, the GUI's QA tooltips)."""
    return [description for _, description in qa_findings(info)]
