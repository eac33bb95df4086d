"""How far a character's geoms reach, meshes included: boxes around them in their body's frame (the feet's soles,
the head's middle) and each frame's lowest point (penetration, floating).

MuJoCo gives a mesh geom a frame at the mesh's centre of mass and principal axes, and a size and bounding sphere
that say little about where its surface is (a 21 cm robot foot has a 13 cm bounding sphere, 10 cm below its
sole). Its vertices (model.mesh_vert, in the geom's frame) are where it is.
"""

from __future__ import annotations

import mujoco
import numpy as np

from amp_studio.motion.motion_checks import geom_lowest_points

_CORNERS = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).T.reshape(-1, 3)


def is_mesh(model: mujoco.MjModel, g: int) -> bool:
    return int(model.geom_type[g]) == mujoco.mjtGeom.mjGEOM_MESH  # a plain int: numpy ints and the enum compare badly


def mesh_vertices(model: mujoco.MjModel, g: int) -> np.ndarray:
    """A mesh geom's vertices in the geom's frame. Shape: (V, 3)."""
    mesh = model.geom_dataid[g]
    start = model.mesh_vertadr[mesh]
    return model.mesh_vert[start:start + model.mesh_vertnum[mesh]].astype(np.float64)


def geom_rotation(model: mujoco.MjModel, g: int) -> np.ndarray:
    rot = np.zeros(9)
    mujoco.mju_quat2Mat(rot, model.geom_quat[g])
    return rot.reshape(3, 3)


def mesh_corners(model: mujoco.MjModel, g: int) -> np.ndarray:
    """Corners of the box around a mesh geom's vertices, aligned with its body's frame (a foot's sole is flat in
    its body's frame, not in the mesh's principal axes), in that frame. Shape: (8, 3)."""
    points = model.geom_pos[g] + mesh_vertices(model, g) @ geom_rotation(model, g).T
    low, high = points.min(0), points.max(0)
    return 0.5 * (low + high) + _CORNERS * 0.5 * (high - low)


def lowest_point_per_frame(character, frames: np.ndarray) -> np.ndarray:
    """Per frame, the lowest point of the character's colliding geoms (metres above z = 0): as
    motion_checks.lowest_point_per_frame, with each mesh's lowest vertex in place of its bounding sphere."""
    model = character.mj_model
    data = mujoco.MjData(model)
    qpos = character.frames_to_qpos(frames)
    # Not the world body's geoms (a floor in the file), nor those drawn only (they never touch the ground).
    own = (model.geom_bodyid > 0) & ((model.geom_contype != 0) | (model.geom_conaffinity != 0))
    mesh = np.array([own[g] and is_mesh(model, g) for g in range(model.ngeom)], dtype=bool)
    vertices = {g: mesh_vertices(model, g) for g in np.flatnonzero(mesh)}
    out = np.empty(len(frames))
    for i in range(len(frames)):
        data.qpos[:] = qpos[i]
        mujoco.mj_kinematics(model, data)
        lowest = geom_lowest_points(model, data)  # a mesh's by its bounding sphere: never above its surface
        bound = lowest[own & ~mesh].min(initial=np.inf)
        for g in np.flatnonzero(mesh)[np.argsort(lowest[mesh])]:
            if lowest[g] >= bound:
                break  # this mesh and the rest reach no lower than what is already known
            bound = min(bound, data.geom_xpos[g, 2] + (vertices[g] @ data.geom_xmat[g, 6:9]).min())
        out[i] = bound
    return out
