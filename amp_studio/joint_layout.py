"""A character file's joints as clips see them: which are spherical, and per DoF its name, range, axis and PD drive.
Numpy and MuJoCo only; everything that reads a character file's joints (the character, the ball-joint model)
reads them here, so that they agree.

After the free root, a file may write a spherical joint two ways: MimicKit's three hinges about the body's x, y
and z axes, or MuJoCo's native `<joint type="ball">` (SMPL-style bodies and other people's files). Either is one
joint of three DoFs, an exponential map, at the body origin. Other joints are single hinges. A DoF is a column
of the motion frames and actions: the file's depth-first joint order, three per spherical joint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

_AXES = np.eye(3)
# As ints: a MuJoCo enum asked first (`in`, dict lookups) does not equal a numpy integer of the same value.
_FREE, _BALL, _SLIDE, _HINGE = (int(t) for t in (mujoco.mjtJoint.mjJNT_FREE, mujoco.mjtJoint.mjJNT_BALL,
                                                  mujoco.mjtJoint.mjJNT_SLIDE, mujoco.mjtJoint.mjJNT_HINGE))


@dataclass(frozen=True)
class FileJoint:
    """One joint after the root: a hinge, a hinge triple or a ball joint (the last two spherical)."""

    name: str  # a hinge triple is named after its hinges without _x/_y/_z ("abdomen")
    body: int  # MuJoCo body id
    dof_start: int
    num_dofs: int  # 1 or 3
    mj_joints: tuple  # the file's joint ids: one hinge, three hinges, or one ball joint

    @property
    def is_ball(self) -> bool:
        """Written as a MuJoCo ball joint (not a hinge triple)."""
        return self.num_dofs == 3 and len(self.mj_joints) == 1


@dataclass(frozen=True)
class JointLayout:
    """The file's joints after the root and, per DoF (shape (num_dofs, ...)), name, range and rotation axis."""

    joints: tuple
    names: tuple
    lower: np.ndarray  # -inf where unlimited
    upper: np.ndarray
    limited: np.ndarray
    axes: np.ndarray  # a hinge's axis; a spherical joint's DoFs are about the body's x, y and z axes

    @property
    def num_dofs(self) -> int:
        return len(self.names)


def read_joint_layout(m: mujoco.MjModel, path: Path) -> JointLayout:
    """The joints of a character file as loaded by MuJoCo. Raises ValueError naming the file for anything else
    than a free root followed by hinges and ball joints, and for spherical joints that cannot be an exp map."""
    _check_kinds(m, path)
    per_body: dict = {}
    for j in range(1, m.njnt):
        per_body.setdefault(int(m.jnt_bodyid[j]), []).append(j)
    joints = []
    for body, ids in per_body.items():  # MuJoCo numbers joints depth-first, a body's together
        name = m.joint(ids[0]).name
        start = int(m.jnt_dofadr[ids[0]]) - 6
        balls = [m.joint(j).name for j in ids if m.jnt_type[j] == _BALL]
        if balls and len(ids) > 1:
            raise ValueError(f"{path}: body '{m.body(body).name}' has the ball joint '{balls[0]}' and other joints; "
                             "a ball joint must be its body's only joint")
        if balls:
            _check_at_origin(m, path, ids, f"the ball joint '{name}'")
            joints.append(FileJoint(name, body, start, 3, (ids[0],)))
        elif len(ids) == 3:
            _check_triple(m, path, ids)
            joints.append(FileJoint(name[:-2] if name[-2:] in ("_x", "_y", "_z") else name, body, start, 3,
                                    tuple(ids)))
        else:
            joints.extend(FileJoint(m.joint(j).name, body, start + k, 1, (j,)) for k, j in enumerate(ids))
    names, lower, upper, limited, axes = [], [], [], [], []
    for joint in joints:
        # A spherical joint's DoFs are about x, y and z exactly (its exp map's components), whatever the rounding
        # of a hinge triple's axes in the file.
        axes += list(_AXES) if joint.num_dofs == 3 else [m.jnt_axis[joint.mj_joints[0]].copy()]
        if joint.is_ball:
            # MuJoCo limits a ball joint by one angle (the range's second value): each component of its exp map
            # is within it.
            on = bool(m.jnt_limited[joint.mj_joints[0]])
            r = float(m.jnt_range[joint.mj_joints[0], 1]) if on else np.inf
            names += [f"{joint.name}_{axis}" for axis in "xyz"]
            lower += [-r] * 3
            upper += [r] * 3
            limited += [on] * 3
            continue
        for j in joint.mj_joints:
            on = bool(m.jnt_limited[j])
            names.append(m.joint(j).name)
            lower.append(float(m.jnt_range[j, 0]) if on else -np.inf)
            upper.append(float(m.jnt_range[j, 1]) if on else np.inf)
            limited.append(on)
    return JointLayout(tuple(joints), tuple(names), np.array(lower), np.array(upper), np.array(limited, dtype=bool),
                       np.array(axes, dtype=np.float64).reshape(-1, 3))


def _check_kinds(m: mujoco.MjModel, path: Path) -> None:
    if m.njnt < 1 or m.jnt_type[0] != _FREE or m.jnt_bodyid[0] != 1:
        raise ValueError(f"{path}: the first body must have a free joint (the root)")
    for j in range(1, m.njnt):
        name = m.joint(j).name
        if int(m.jnt_type[j]) not in (_HINGE, _BALL):
            kind = {_SLIDE: "slide", _FREE: "free"}[int(m.jnt_type[j])]
            raise ValueError(f"{path}: joint '{name or j}' is a {kind} joint; after the free root only hinge and "
                             "ball joints are supported")
        if not name:
            # Clips, actions and the PD actuators name DoFs by their joints.
            raise ValueError(f"{path}: joint {j} (on body '{m.body(int(m.jnt_bodyid[j])).name}') has no name")
    if m.njnt > 1 and any(m.jnt_bodyid[j] == 1 for j in range(1, m.njnt)):
        raise ValueError(f"{path}: the root body may only have its free joint")


def _check_triple(m: mujoco.MjModel, path: Path, ids: list) -> None:
    axes = np.array([m.jnt_axis[j] for j in ids])
    if not np.allclose(axes, _AXES, atol=1e-6):
        names = ", ".join(m.joint(j).name for j in ids)
        raise ValueError(f"{path}: the hinges {names} form a spherical joint only about the body's "
                         f"x, y and z axes in that order; their axes are {axes.tolist()}")
    _check_at_origin(m, path, ids, f"the hinges of body '{m.body(int(m.jnt_bodyid[ids[0]])).name}'")


def _check_at_origin(m: mujoco.MjModel, path: Path, ids: list, what: str) -> None:
    # The exp map rotates the body about its origin; an anchor elsewhere would also move it.
    if np.abs(m.jnt_pos[ids]).max() > 0:
        raise ValueError(f"{path}: {what} must sit at the body origin to form a spherical joint")


@dataclass(frozen=True)
class DofDrives:
    """Per DoF, in the file's DoF order: PD gains, torque limit and rotor inertia, as the file gives them.

    Position actuators give kp, kv and their force range; a file without them (MimicKit's: joint stiffness and
    damping with motors) gives the joints' stiffness, damping and actuator force range, or the motors' gear.
    """

    kp: np.ndarray
    kv: np.ndarray
    force_limit: np.ndarray  # inf where unlimited
    armature: np.ndarray
    damping: np.ndarray  # passive damping beside the PD drive


def read_drives(m: mujoco.MjModel, path: Path) -> DofDrives:
    """Per-DoF drives of the file as written. An actuator on a ball joint drives one component of its exp map,
    chosen by its gear: (1 0 0), (0 1 0) or (0 0 1) (a motor's gear may be scaled: its torque limit)."""
    n = m.nv - 6
    kp, kv = np.zeros(n), np.zeros(n)
    force = np.full(n, np.inf)
    damping = m.dof_damping[6:].copy()
    joint_actuators = [a for a in range(m.nu) if m.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT]
    position = [a for a in joint_actuators if m.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_AFFINE
                and m.actuator_gainprm[a, 0] > 0]
    if position:
        for a in position:
            k, gear = _actuated_dof(m, a, path)
            # Any other gear would scale or flip the exp map compared with the target.
            if m.jnt_type[m.actuator_trnid[a, 0]] == _BALL and gear != 1.0:
                raise ValueError(f"{path}: the position actuator '{m.actuator(a).name or a}' on a ball joint must "
                                 "have gear (1 0 0), (0 1 0) or (0 0 1)")
            kp[k], kv[k] = m.actuator_gainprm[a, 0], -m.actuator_biasprm[a, 2]
            if m.actuator_forcelimited[a]:
                force[k] = np.abs(m.actuator_forcerange[a]).max()
    else:
        # MimicKit's files: the joints' stiffness and damping are the PD gains, motors give the torque limits.
        kp[:] = m.jnt_stiffness[m.dof_jntid[6:]]
        kv[:] = damping
        damping = np.zeros(n)
        for a in joint_actuators:
            k, gear = _actuated_dof(m, a, path)
            limit = abs(gear) * (np.abs(m.actuator_ctrlrange[a]).max() if m.actuator_ctrllimited[a] else np.inf)
            force[k] = min(force[k], limit)
    for k in range(n):
        j = m.dof_jntid[6 + k]
        if m.jnt_actfrclimited[j]:
            force[k] = min(force[k], np.abs(m.jnt_actfrcrange[j]).max())
    return DofDrives(kp, kv, force, m.dof_armature[6:].copy(), damping)


def _actuated_dof(m: mujoco.MjModel, a: int, path: Path) -> tuple:
    """The DoF (0 = first after the root) an actuator on a joint drives, and its gear along it (a hinge's size)."""
    j = int(m.actuator_trnid[a, 0])
    k = int(m.jnt_dofadr[j]) - 6
    if m.jnt_type[j] != _BALL:
        return k, abs(float(m.actuator_gear[a, 0]))
    gear = m.actuator_gear[a, :3]
    axes = np.flatnonzero(gear)
    if len(axes) != 1:
        raise ValueError(f"{path}: the actuator '{m.actuator(a).name or a}' on ball joint '{m.joint(j).name}' "
                         f"must drive one axis, gear (1 0 0), (0 1 0) or (0 0 1); its gear is {gear.tolist()}")
    return k + int(axes[0]), float(gear[axes[0]])
