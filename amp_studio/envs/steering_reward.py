"""The steering task's reward: how well a character moves at the commanded velocity and faces the commanded way."""

from __future__ import annotations

import torch

from amp_studio.envs.amp_obs import heading_cos_sin
from amp_studio.envs.env_config import SteeringEnvConfig

RELATIVE_SPEED_FLOOR = 0.5
"""m/s: slower commands (a stand) have their relative velocity error measured against this speed instead."""


def steering_reward(root_vel_xy: torch.Tensor, root_rot: torch.Tensor, direction: torch.Tensor, speed: torch.Tensor,
                    facing: torch.Tensor, w: SteeringEnvConfig) -> torch.Tensor:
    """MimicKit's steering reward:
    tar_w exp(-vel_scale |speed d* - v|^2) (0 while moving against d*) + face_w max(0, f* . heading),
    with d* the commanded unit direction, f* the commanded unit facing and v the root's planar velocity; with
    reward_steering_vel_relative the squared error is divided by speed^2 (speed at least RELATIVE_SPEED_FLOOR).
    Shapes: (N, 2), (N, 4), (N, 2), (N,), (N, 2) -> (N,); the maximum is tar_w + face_w (1 by default)."""
    error = speed.unsqueeze(-1) * direction - root_vel_xy
    squared = (error * error).sum(-1)
    if w.reward_steering_vel_relative:
        squared = squared / speed.clamp_min(RELATIVE_SPEED_FLOOR).square()
    vel_reward = torch.exp(-w.reward_steering_vel_scale * squared)
    vel_reward = torch.where((direction * root_vel_xy).sum(-1) < 0, 0.0, vel_reward)
    cos, sin = heading_cos_sin(root_rot, w.heading)
    face_reward = (facing[:, 0] * cos + facing[:, 1] * sin).clamp_min(0.0)
    return w.reward_steering_tar_w * vel_reward + w.reward_steering_face_w * face_reward
