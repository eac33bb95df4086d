"""A character's hinge triples as MuJoCo ball joints, and poses as MuJoCo qpos: numpy and MuJoCo only.

Character files keep MimicKit's layout: a spherical joint is three hinges about the body's x, y and z axes, and
clips, actions and observations give it three values, an exponential map (axis times angle) whose rotation is
`exp(v)`. MuJoCo would apply the three hinges one after another, a different rotation; so the simulation and
every viewer build the character with one ball joint in their place. Three `position` actuators on a ball joint
with gears (1 0 0), (0 1 0), (0 0 1) have the exponential map's components as their lengths, so they are a PD
drive on the exponential map, and a ball joint's velocity is its local angular velocity, MimicKit's DoF velocity.

A pose is `[root position (3), root quaternion w x y z (4), DoFs]`, the DoFs in the file's hinge order: this is
what workers stream and what the viewport shows, without torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

_AXES = np.eye(3)


@dataclass(frozen=True)
class DofDrives:
    """Per DoF, in the file's hinge order: PD gains, torque limit and rotor inertia, as the file gives them.

    Position actuators give kp, kv and their force range; a file without them (MimicKit's: joint stiffness and
    damping with motors) gives the joints' stiffness, damping and actuator force range, or the motors' gear.
    """

    kp: np.ndarray
    kv: np.ndarray
    force_limit: np.ndarray  # inf where unlimited
    armature: np.ndarray
    damping: np.ndarray  # passive damping beside the PD drive


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


def _hinge_triples(m: mujoco.MjModel, path: Path) -> list[list[int]]:
    """Joint ids of each body's hinges (after the root); a body with three must have them about x, y, z."""
    per_body: dict[int, list[int]] = {}
    for j in range(1, m.njnt):
        per_body.setdefault(int(m.jnt_bodyid[j]), []).append(j)
    for joints in per_body.values():
        if len(joints) == 3:
            axes = np.array([m.jnt_axis[j] for j in joints])
            if not np.allclose(axes, _AXES, atol=1e-6):
                names = ", ".join(m.joint(j).name for j in joints)
                raise ValueError(f"{path}: the hinges {names} form a spherical joint only about the body's "
                                 f"x, y and z axes in that order; their axes are {axes.tolist()}")
            if np.abs(m.jnt_pos[joints]).max() > 0:
                raise ValueError(f"{path}: the hinges of body '{m.body(int(m.jnt_bodyid[joints[0]])).name}' must "
                                 "sit at the body origin to form a spherical joint")
    return [joints for joints in per_body.values() if len(joints) == 3]


def _drives(m: mujoco.MjModel) -> DofDrives:
    """Per-hinge drives of the file as written (joint 0 is the free root; DoF k is joint k + 1)."""
    n = m.njnt - 1
    kp, kv = np.zeros(n), np.zeros(n)
    force = np.full(n, np.inf)
    damping = m.dof_damping[m.jnt_dofadr[1:]].copy()
    position = [a for a in range(m.nu) if m.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT
                and m.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_AFFINE and m.actuator_gainprm[a, 0] > 0]
    if position:
        for a in position:
            k = int(m.actuator_trnid[a, 0]) - 1
            kp[k], kv[k] = m.actuator_gainprm[a, 0], -m.actuator_biasprm[a, 2]
            if m.actuator_forcelimited[a]:
                force[k] = np.abs(m.actuator_forcerange[a]).max()
    else:
        # MimicKit's files: the joints' stiffness and damping are the PD gains, motors give the torque limits.
        kp[:] = m.jnt_stiffness[1:]
        kv[:] = damping
        damping = np.zeros(n)
        for a in range(m.nu):
            if m.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT:
                k = int(m.actuator_trnid[a, 0]) - 1
                limit = abs(m.actuator_gear[a, 0]) * (np.abs(m.actuator_ctrlrange[a]).max()
                                                       if m.actuator_ctrllimited[a] else np.inf)
                force[k] = min(force[k], limit)
    for k in range(n):
        j = k + 1
        if m.jnt_actfrclimited[j]:
            force[k] = min(force[k], np.abs(m.jnt_actfrcrange[j]).max())
    return DofDrives(kp, kv, force, m.dof_armature[m.jnt_dofadr[1:]].copy(), damping)


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
    """The character file as an MjSpec with ball joints and PD position actuators in joint order.

    Also returns the file's drives per DoF, each ball joint's first DoF and its cone limit. Raises ValueError
    naming the file for hinge triples that cannot be a spherical joint.
    """
    path = Path(path)
    spec = _spec_from_file(path)
    m = mujoco.MjModel.from_xml_path(str(path))  # the file as it is, hinges and all
    drives = _drives(m)
    triples = _hinge_triples(m, path)
    first_of = {joints[0]: joints for joints in triples}
    in_triple = {j for joints in triples for j in joints}

    for actuator in list(spec.actuators):
        _delete(spec, actuator)
    for key in list(spec.keys if hasattr(spec, "keys") else spec.key):
        _delete(spec, key)  # keyframes hold hinge-sized qpos
    bodies = _joint_bodies(spec)  # deleting joints leaves every other joint on its body
    starts, cones = [], []
    targets: list[tuple[str, int, np.ndarray]] = []  # (joint name, DoF, gear) per actuator, DoF order
    for j in range(1, m.njnt):
        if j in in_triple and j not in first_of:
            continue
        name = m.joint(j).name
        if j not in first_of:
            targets.append((name, j - 1, np.array([1.0, 0, 0, 0, 0, 0])))
            continue
        joints = first_of[j]
        ks = [i - 1 for i in joints]
        lower, upper = m.jnt_range[joints, 0], m.jnt_range[joints, 1]
        limited = bool(m.jnt_limited[joints].all())
        body = bodies[name]
        for i in joints:
            _delete(spec, _joint(spec, m.joint(i).name, bodies))
        ball_name = name[:-2] if name[-2:] in ("_x", "_y", "_z") else name
        ball = body.add_joint(name=ball_name, type=mujoco.mjtJoint.mjJNT_BALL)
        cone = cone_limit(lower, upper) if limited else 0.0
        ball.limited = mujoco.mjtLimited.mjLIMITED_TRUE if limited else mujoco.mjtLimited.mjLIMITED_FALSE
        # The spec is read in the file's angle unit (MuJoCo's default is degrees); the model in radians.
        degree = spec.compiler.degree if hasattr(spec, "compiler") else spec.degree
        ball.range = [0.0, math.degrees(cone) if degree else cone]
        starts.append(ks[0])
        cones.append(cone if limited else float("inf"))
        for axis, k in enumerate(ks):
            gear = np.zeros(6)
            gear[axis] = 1.0
            targets.append((ball_name, k, gear))

    for joint_name, k, gear in targets:
        act = spec.add_actuator()
        act.name, act.target, act.trntype = f"pd_{k}", joint_name, mujoco.mjtTrn.mjTRN_JOINT
        _set_to_position(act, float(drives.kp[k]), float(drives.kv[k]))
        act.gear = gear
        act.inheritrange = 0.0
        # Targets outside a DoF's range are clipped to it, as the hinge's own range would.
        if m.jnt_limited[k + 1]:
            act.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
            act.ctrlrange = m.jnt_range[k + 1].tolist()
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
