"""A character's spherical joints as MuJoCo ball joints, and poses as MuJoCo qpos: numpy and MuJoCo only.

Character files may keep MimicKit's layout: a spherical joint is three hinges about the body's x, y and z axes, and
clips, actions and observations give it three values, an exponential map (axis times angle) whose rotation is
`exp(v)`. MuJoCo would apply the three hinges one after another, a different rotation; so the simulation and
every viewer build the character with one ball joint in their place; a file's own ball joints are kept as they
are (amp_studio.joint_layout reads both kinds). Three `position` actuators on a ball joint with gears (1 0 0),
(0 1 0), (0 0 1) have the exponential map's components as their lengths, so they are a PD drive on the
exponential map, and a ball joint's velocity is its local angular velocity, MimicKit's DoF velocity.

A pose is `[root position (3), root quaternion w x y z (4), DoFs]`, the DoFs in the file's DoF order: this is
what workers stream and what the viewport shows, without torch.
"""

from __future__ import annotations

import math
from pathlib import Path

import mujoco
import numpy as np

from amp_studio.joint_layout import DofDrives, read_drives, read_joint_layout


class BallJointCharacter:
    """The character with ball joints (no floor): its MuJoCo model and how poses map to its qpos."""

    def __init__(self, model: mujoco.MjModel, drives: DofDrives, spherical_starts: tuple[int, ...],
                 cone_limits: tuple[float, ...]):
        self.model = model
        self.drives = drives
        self.spherical_starts = spherical_starts  # first DoF of each ball joint
        self.cone_limits = cone_limits  # each ball joint's largest rotation angle (radians)
        ball_q, ball_dof, hinge_q, hinge_dof = [], [], [], []
        dof = 0
        for j in range(1, model.njnt):
            adr = int(model.jnt_qposadr[j])
            if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_BALL:
                ball_q.append(adr)
                ball_dof.append(dof)
                dof += 3
            else:
                hinge_q.append(adr)
                hinge_dof.append(dof)
                dof += 1
        self.num_dofs = dof
        # Where each ball joint's quaternion sits in qpos and its exp map among the DoFs; likewise for hinges.
        self.ball_qpos = np.array(ball_q, dtype=np.int64).reshape(-1, 1) + np.arange(4)
        self.ball_dofs = np.array(ball_dof, dtype=np.int64).reshape(-1, 1) + np.arange(3)
        self.hinge_qpos = np.array(hinge_q, dtype=np.int64)
        self.hinge_dofs = np.array(hinge_dof, dtype=np.int64)

    def pose_to_qpos(self, pose: np.ndarray) -> np.ndarray:
        """MuJoCo qpos of poses. Shape: (..., 7 + num_dofs) -> (..., nq)."""
        pose = np.asarray(pose, dtype=np.float64)
        dofs = pose[..., 7:]
        qpos = np.zeros(pose.shape[:-1] + (self.model.nq,))
        qpos[..., :7] = pose[..., :7]
        qpos[..., self.ball_qpos] = exp_map_to_quat(dofs[..., self.ball_dofs])
        qpos[..., self.hinge_qpos] = dofs[..., self.hinge_dofs]
        return qpos

    def qpos_to_pose(self, qpos: np.ndarray) -> np.ndarray:
        """Poses of MuJoCo qpos (ball joints as exponential maps of angle at most pi). Shape: (..., nq) -> (...)."""
        qpos = np.asarray(qpos, dtype=np.float64)
        pose = np.zeros(qpos.shape[:-1] + (7 + self.num_dofs,))
        pose[..., :7] = qpos[..., :7]
        pose[..., 7 + self.ball_dofs] = quat_to_exp_map(qpos[..., self.ball_qpos])
        pose[..., 7 + self.hinge_dofs] = qpos[..., self.hinge_qpos]
        return pose


def exp_map_to_quat(v: np.ndarray) -> np.ndarray:
    """Quaternion (w, x, y, z) of an exponential map. Shape: (..., 3) -> (..., 4)."""
    angle = np.linalg.norm(v, axis=-1, keepdims=True)
    # sin(a/2)/a tends to 1/2 at 0; the series keeps tiny angles exact.
    scale = np.where(angle > 1e-8, np.sin(0.5 * angle) / np.maximum(angle, 1e-12), 0.5 - angle**2 / 48.0)
    return np.concatenate((np.cos(0.5 * angle), v * scale), axis=-1)


def quat_to_exp_map(q: np.ndarray) -> np.ndarray:
    """Exponential map, angle in [0, pi], of unit quaternions (w, x, y, z). Shape: (..., 4) -> (..., 3)."""
    q = np.where(q[..., :1] < 0, -q, q)
    s = np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., :1])
    scale = np.where(s > 1e-12, angle / np.maximum(s, 1e-12), 2.0)
    return q[..., 1:] * scale


def cone_limit(lower: np.ndarray, upper: np.ndarray) -> float:
    """A ball joint's largest rotation angle from its three per-axis ranges: the farthest corner of the box they
    span, at most pi. Every rotation the per-axis ranges allow is inside it; see docs/design.md section 2."""
    corner = np.maximum(np.abs(lower), np.abs(upper))
    return float(min(np.pi, np.linalg.norm(corner)))


# MuJoCo 3.2 (the newest for Python 3.8, where Isaac Gym's workers run) has an older MjSpec API: these helpers
# take either.
def _spec_from_file(path: Path) -> mujoco.MjSpec:
    try:
        return mujoco.MjSpec.from_file(str(path))
    except TypeError:  # MuJoCo 3.2: an instance method filling an empty spec
        spec = mujoco.MjSpec()
        spec.from_file(str(path))
        return spec


def _delete(spec: mujoco.MjSpec, element) -> None:
    if hasattr(spec, "delete"):
        spec.delete(element)
    else:
        element.delete()


def _bodies(body):
    yield body
    child = body.first_body()
    while child is not None:
        yield from _bodies(child)
        child = body.next_body(child)


def _joint_bodies(spec: mujoco.MjSpec) -> dict:
    """Each named joint's body."""
    found = {}
    for body in _bodies(spec.worldbody):
        joint = body.first_joint()
        while joint is not None:
            found[joint.name] = body
            joint = body.next_joint(joint)
    return found


def _joint(spec: mujoco.MjSpec, name: str, bodies: dict):
    if hasattr(spec, "joint"):
        return spec.joint(name)
    body = bodies[name]
    joint = body.first_joint()
    while joint.name != name:
        joint = body.next_joint(joint)
    return joint


def _set_to_position(act, kp: float, kv: float) -> None:
    if hasattr(act, "set_to_position"):
        act.set_to_position(kp=kp, kv=kv)
    else:
        _position_by_hand(act, kp, kv)


def _position_by_hand(act, kp: float, kv: float) -> None:
    """A position actuator: force kp (target - q) - kv qdot, as MjsActuator.set_to_position makes it."""
    act.dyntype = mujoco.mjtDyn.mjDYN_NONE
    act.gaintype = mujoco.mjtGain.mjGAIN_FIXED
    act.biastype = mujoco.mjtBias.mjBIAS_AFFINE
    gain, bias = [0.0] * 10, [0.0] * 10
    gain[0], bias[1], bias[2] = kp, -kp, -kv
    act.gainprm, act.biasprm = gain, bias


def build_ball_joint_spec(path: str | Path) -> tuple[mujoco.MjSpec, DofDrives, tuple[int, ...], tuple[float, ...]]:
    """The character file as an MjSpec with ball joints and PD position actuators in DoF order.

    Also returns the file's drives per DoF, each ball joint's first DoF and its cone limit. Raises ValueError
    naming the file for joints that cannot be a character's (amp_studio.joint_layout).
    """
    path = Path(path)
    spec = _spec_from_file(path)
    m = mujoco.MjModel.from_xml_path(str(path))  # the file as it is, hinges and all
    layout = read_joint_layout(m, path)
    drives = read_drives(m, path)

    for actuator in list(spec.actuators):
        _delete(spec, actuator)
    for key in list(spec.keys if hasattr(spec, "keys") else spec.key):
        _delete(spec, key)  # keyframes hold the file's qpos, hinge-sized
    bodies = _joint_bodies(spec)  # deleting joints leaves every other joint on its body
    starts, cones = [], []
    targets: list[tuple[str, int, np.ndarray]] = []  # (joint name, DoF, gear) per actuator, DoF order
    for joint in layout.joints:
        if joint.num_dofs == 1:
            targets.append((joint.name, joint.dof_start, np.array([1.0, 0, 0, 0, 0, 0])))
            continue
        ks = list(range(joint.dof_start, joint.dof_start + 3))
        limited = bool(layout.limited[ks].all())
        if joint.is_ball:
            # Already a ball joint: its range is its cone.
            cone = float(layout.upper[ks[0]])
        else:
            name = m.joint(joint.mj_joints[0]).name
            body = bodies[name]
            for i in joint.mj_joints:
                _delete(spec, _joint(spec, m.joint(i).name, bodies))
            ball = body.add_joint(name=joint.name, type=mujoco.mjtJoint.mjJNT_BALL)
            cone = cone_limit(layout.lower[ks], layout.upper[ks]) if limited else 0.0
            ball.limited = mujoco.mjtLimited.mjLIMITED_TRUE if limited else mujoco.mjtLimited.mjLIMITED_FALSE
            # The spec is read in the file's angle unit (MuJoCo's default is degrees); the model in radians.
            degree = spec.compiler.degree if hasattr(spec, "compiler") else spec.degree
            ball.range = [0.0, math.degrees(cone) if degree else cone]
        starts.append(ks[0])
        cones.append(cone if limited else float("inf"))
        for axis, k in enumerate(ks):
            gear = np.zeros(6)
            gear[axis] = 1.0
            targets.append((joint.name, k, gear))

    for joint_name, k, gear in targets:
        act = spec.add_actuator()
        act.name, act.target, act.trntype = f"pd_{k}", joint_name, mujoco.mjtTrn.mjTRN_JOINT
        _set_to_position(act, float(drives.kp[k]), float(drives.kv[k]))
        act.gear = gear
        act.inheritrange = 0.0
        # Targets outside a DoF's range are clipped to it, as the hinge's own range would.
        if layout.limited[k]:
            act.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
            act.ctrlrange = [float(layout.lower[k]), float(layout.upper[k])]
        else:
            act.ctrllimited = mujoco.mjtLimited.mjLIMITED_FALSE
        if np.isfinite(drives.force_limit[k]):
            act.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
            act.forcerange = [-float(drives.force_limit[k]), float(drives.force_limit[k])]
        else:
            act.forcelimited = mujoco.mjtLimited.mjLIMITED_FALSE
    return spec, drives, tuple(starts), tuple(cones)


def finish_ball_joint_model(spec: mujoco.MjSpec, drives: DofDrives, starts: tuple[int, ...],
                            cones: tuple[float, ...]) -> BallJointCharacter:
    """Compile a spec from build_ball_joint_spec (perhaps with a floor, lights or sensors added)."""
    model = spec.compile()
    # A ball joint takes one armature; the file's per-axis values go to its three DoFs. Stiffness in a
    # MimicKit file is its PD gain, now in the actuators, not a spring.
    model.jnt_stiffness[:] = 0.0
    model.dof_armature[6:] = drives.armature
    model.dof_damping[6:] = drives.damping
    return BallJointCharacter(model, drives, starts, cones)


def ball_joint_character(path: str | Path) -> BallJointCharacter:
    """The character file with ball joints, as build_ball_joint_spec and finish_ball_joint_model make it."""
    return finish_ball_joint_model(*build_ball_joint_spec(path))
