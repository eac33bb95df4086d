"""Observation math for the AMP envs: pure functions of batched character state.

The agent's and the demo's discriminator observations come from the same functions, so that the
discriminator can only tell them apart by how the character moves.
"""

from __future__ import annotations

import torch

from amp_studio.rotations import quat_mul, quat_rotate

_X = (1.0, 0.0, 0.0)
_Z = (0.0, 0.0, 1.0)


def heading_angle(rot: torch.Tensor) -> torch.Tensor:
    """Yaw of the rotated x axis. Shape: (..., 4) -> (...)."""
    fwd = quat_rotate(rot, torch.tensor(_X, dtype=rot.dtype).expand(rot.shape[:-1] + (3,)))
    return torch.atan2(fwd[..., 1], fwd[..., 0])


def heading_inverse(rot: torch.Tensor) -> torch.Tensor:
    """Rotation about z that undoes the heading: expresses world vectors in the heading frame. Shape: (..., 4)."""
    half = -0.5 * heading_angle(rot)
    zero = torch.zeros_like(half)
    return torch.stack((torch.cos(half), zero, zero, torch.sin(half)), dim=-1)


def tan_norm(rot: torch.Tensor) -> torch.Tensor:
    """The rotated x (tangent) and z (normal) axes: a continuous 6-D rotation code. Shape: (..., 4) -> (..., 6)."""
    shape = rot.shape[:-1] + (3,)
    x = quat_rotate(rot, torch.tensor(_X, dtype=rot.dtype).expand(shape))
    z = quat_rotate(rot, torch.tensor(_Z, dtype=rot.dtype).expand(shape))
    return torch.cat((x, z), dim=-1)


def _frame(rot: torch.Tensor, global_obs: bool) -> torch.Tensor:
    if global_obs:
        ident = torch.zeros(rot.shape, dtype=rot.dtype)
        ident[..., 0] = 1.0
        return ident
    return heading_inverse(rot)


def compute_policy_obs(
    root_pos: torch.Tensor,
    root_rot: torch.Tensor,
    root_vel: torch.Tensor,
    root_ang_vel: torch.Tensor,
    joint_rot: torch.Tensor,
    dof_vel: torch.Tensor,
    key_pos: torch.Tensor,
    global_obs: bool,
    root_height_obs: bool,
) -> torch.Tensor:
    """The policy's view of the character, in its heading frame unless global_obs.

    Shapes: root_pos (N, 3), root_rot (N, 4), root_vel (N, 3), root_ang_vel (N, 3), joint_rot (N, J, 4),
    dof_vel (N, D), key_pos (N, K, 3) world -> (N, [1] + 6 + 3 + 3 + 6J + D + 3K).
    """
    inv = _frame(root_rot, global_obs)
    parts = [root_pos[:, 2:3]] if root_height_obs else []
    key = quat_rotate(inv.unsqueeze(1).expand(key_pos.shape[:-1] + (4,)), key_pos - root_pos.unsqueeze(1))
    parts += [
        tan_norm(quat_mul(inv, root_rot)),
        quat_rotate(inv, root_vel),
        quat_rotate(inv, root_ang_vel),
        tan_norm(joint_rot).flatten(1),
        dof_vel,
        key.flatten(1),
    ]
    return torch.cat(parts, dim=-1)


def disc_step_features(joint_rot: torch.Tensor, key_pos: torch.Tensor, root_pos: torch.Tensor) -> tuple:
    """The frame-independent parts of one step: joint rotation codes and key bodies relative to the root.

    Shapes: joint_rot (..., J, 4), key_pos (..., K, 3), root_pos (..., 3) -> (..., 6J), (..., K, 3).
    """
    return tan_norm(joint_rot).flatten(-2), key_pos - root_pos.unsqueeze(-2)


def compute_disc_obs(
    root_pos: torch.Tensor,
    root_rot: torch.Tensor,
    root_vel: torch.Tensor,
    root_ang_vel: torch.Tensor,
    joint_code: torch.Tensor,
    dof_vel: torch.Tensor,
    key_rel: torch.Tensor,
    global_obs: bool,
    root_height_obs: bool,
) -> torch.Tensor:
    """A window of T steps expressed in the last step's frame (its root position and, unless global, heading).

    Shapes: root_pos (N, T, 3), root_rot (N, T, 4), root_vel (N, T, 3), root_ang_vel (N, T, 3),
    joint_code (N, T, 6J), dof_vel (N, T, D), key_rel (N, T, K, 3) -> (N, T * (3 + 6 + 3 + 3 + 6J + D + 3K)).
    """
    inv = _frame(root_rot[:, -1], global_obs).unsqueeze(1).expand(root_rot.shape)
    rel = root_pos - root_pos[:, -1:]
    if root_height_obs:
        rel = torch.cat((rel[..., :2], root_pos[..., 2:3]), dim=-1)
    key_inv = inv.unsqueeze(2).expand(key_rel.shape[:-1] + (4,))
    per_step = torch.cat(
        (
            quat_rotate(inv, rel),
            tan_norm(quat_mul(inv, root_rot)),
            quat_rotate(inv, root_vel),
            quat_rotate(inv, root_ang_vel),
            joint_code,
            dof_vel,
            quat_rotate(key_inv, key_rel).flatten(-2),
        ),
        dim=-1,
    )
    return per_step.flatten(1)


def location_reward(root_xy: torch.Tensor, root_vel_xy: torch.Tensor, target_xy: torch.Tensor,
                    target_speed: float) -> torch.Tensor:
    """AMP paper, App. A: 0.7 exp(-0.5 |x* - x|^2) + 0.3 exp(-max(0, v* - d* . v)^2). Shapes: (N, 2) -> (N,)."""
    offset = target_xy - root_xy
    dist_sq = (offset * offset).sum(-1)
    direction = offset / dist_sq.sqrt().clamp_min(1e-6).unsqueeze(-1)
    speed_short = (target_speed - (direction * root_vel_xy).sum(-1)).clamp_min(0.0)
    return 0.7 * torch.exp(-0.5 * dist_sq) + 0.3 * torch.exp(-speed_short * speed_short)


def quat_from_heading(angle: torch.Tensor) -> torch.Tensor:
    """Rotation about z by angle. Shape: (...) -> (..., 4)."""
    zero = torch.zeros_like(angle)
    return torch.stack((torch.cos(0.5 * angle), zero, zero, torch.sin(0.5 * angle)), dim=-1)


def heading_frame_offset(root_rot: torch.Tensor, world_offset_xy: torch.Tensor) -> torch.Tensor:
    """A world xy offset in the character's heading frame. Shapes: (N, 4), (N, 2) -> (N, 2)."""
    inv = heading_inverse(root_rot)
    v = torch.cat((world_offset_xy, torch.zeros_like(world_offset_xy[:, :1])), dim=-1)
    return quat_rotate(inv, v)[:, :2]


__all__ = [
    "compute_disc_obs",
    "compute_policy_obs",
    "disc_step_features",
    "heading_angle",
    "heading_frame_offset",
    "heading_inverse",
    "location_reward",
    "quat_from_heading",
    "tan_norm",
]
