"""Character states to and from MuJoCo's qpos/qvel with ball joints: shared by the C MuJoCo and MuJoCo Warp backends.

qpos holds the free root (position, quaternion w x y z), then each ball joint's quaternion and each hinge's angle;
qvel the root's linear velocity (world) and angular velocity (body frame), then each joint's local velocity.
"""

from __future__ import annotations

import functools

import mujoco
import numpy as np
import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.rotations import nearest_exp_map, quat_conj, quat_normalize, quat_rotate, quat_to_exp_map

MAX_QVEL = 1e3
"""Speeds no character reaches (rad/s or m/s); beyond them the integration has diverged."""


def check_pd_actuators(model: mujoco.MjModel, character: CharacterModel) -> None:
    """Refuse a model without a PD drive (a position actuator with a positive gain) for every DoF."""
    if model.nu != character.num_dofs or not np.all(model.actuator_gainprm[:, 0] > 0):
        raise ConfigError(character.path, "the mujoco engines need PD gains for every DoF: position actuators, or "
                                          "(MimicKit's files) joint stiffness")


def state_to_qpos_qvel(character: CharacterModel, state: CharacterState) -> tuple[np.ndarray, np.ndarray]:
    """MuJoCo qpos and qvel (float64) of a batch of character states."""
    s = state.to(torch.float64)
    root_rot = quat_normalize(s.root_rot)
    qpos = character.ball.pose_to_qpos(torch.cat((s.root_pos, root_rot, s.dof_pos), dim=-1).numpy())
    # MuJoCo's free joint takes its angular velocity in the body frame; a ball joint's DoF velocity is its local
    # angular velocity, as in clips.
    local_ang_vel = quat_rotate(quat_conj(root_rot), s.root_ang_vel)
    return qpos, torch.cat((s.root_vel, local_ang_vel, s.dof_vel), dim=-1).numpy()


@functools.lru_cache(maxsize=None)
def _ball_indices(ball) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The ball joints' qpos and DoF columns, flat (four and three per joint), and the hinges' (made once per
    character, not per step)."""
    return tuple(torch.from_numpy(a.reshape(-1))
                 for a in (ball.ball_qpos, ball.ball_dofs, ball.hinge_qpos, ball.hinge_dofs))


def qpos_qvel_to_state(character: CharacterModel, qpos: torch.Tensor, qvel: torch.Tensor,
                       last_exp_maps: torch.Tensor) -> tuple[CharacterState, torch.Tensor]:
    """Float32 character states of MuJoCo qpos and qvel, and each ball joint's exponential map (float64), taken
    nearest to last_exp_maps so that it stays continuous in time where a joint's angle passes pi."""
    ball_qpos, ball_dofs, hinge_qpos, hinge_dofs = _ball_indices(character.ball)
    n, joints = len(qpos), len(ball_qpos) // 4
    qpos = qpos.to(torch.float64)
    qvel = qvel.float()
    root_rot = quat_normalize(qpos[:, 3:7].float())
    dof_pos = torch.empty(n, character.num_dofs, dtype=torch.float64)
    # index_select and index_copy_ rather than advanced indexing: the same numbers, 2-3x faster per step.
    ball_quats = qpos.index_select(1, ball_qpos).view(n, joints, 4)
    exp_maps = nearest_exp_map(quat_to_exp_map(ball_quats), last_exp_maps)
    dof_pos.index_copy_(1, ball_dofs, exp_maps.reshape(n, 3 * joints))
    dof_pos.index_copy_(1, hinge_dofs, qpos.index_select(1, hinge_qpos))
    state = CharacterState(qpos[:, :3].float(), root_rot, dof_pos.float(), qvel[:, :3],
                           quat_rotate(root_rot, qvel[:, 3:6]), qvel[:, 6:])
    return state, exp_maps
