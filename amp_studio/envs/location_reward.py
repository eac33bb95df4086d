"""The location task's reward: how well a character heads for and reaches a target on the ground."""

from __future__ import annotations

import torch

from amp_studio.envs.amp_obs import heading_cos_sin
from amp_studio.envs.env_config import LocationEnvConfig


def location_reward(root_xy: torch.Tensor, root_vel_xy: torch.Tensor, root_rot: torch.Tensor,
                    target_xy: torch.Tensor, w: LocationEnvConfig) -> torch.Tensor:
    """MimicKit's location reward (the AMP paper's, App. A, plus a facing term and an at-target bonus).

    pos_w exp(-pos_err_scale |x* - x|^2) + vel_w exp(-vel_err_scale max(0, v* - d*.v)^2) + face_w max(0, d*.f),
    where d* is the unit direction to the target and f the facing direction; moving away from the target earns no
    velocity reward, and within |x* - x|^2 < dist_threshold the velocity and facing terms are full.
    Shapes: (N, 2), (N, 2), (N, 4), (N, 2) -> (N,); the maximum is pos_w + vel_w + face_w (1 by default).
    The weights, scales, tar_speed and dist_threshold are the env config's.
    """
    offset = target_xy - root_xy
    dist_sq = (offset * offset).sum(-1)
    direction = offset / dist_sq.sqrt().clamp_min(1e-6).unsqueeze(-1)
    speed_toward = (direction * root_vel_xy).sum(-1)
    speed_short = (w.tar_speed - speed_toward).clamp_min(0.0)
    vel_reward = torch.where(speed_toward > 0, torch.exp(-w.vel_err_scale * speed_short * speed_short), 0.0)
    cos, sin = heading_cos_sin(root_rot, w.heading)
    face_reward = (direction[:, 0] * cos + direction[:, 1] * sin).clamp_min(0.0)
    arrived = dist_sq < w.dist_threshold
    vel_reward = torch.where(arrived, 1.0, vel_reward)
    face_reward = torch.where(arrived, 1.0, face_reward)
    return (w.pos_reward_w * torch.exp(-w.pos_err_scale * dist_sq) + w.vel_reward_w * vel_reward
            + w.face_reward_w * face_reward)
