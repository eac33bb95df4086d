"""PD targets of spherical joints, held short of a half turn: shared by every backend (torch only)."""

from __future__ import annotations

import math

import torch

# Just short of pi: at pi a spherical joint's exponential map flips to the opposite side.
MAX_SPHERICAL_TARGET_ANGLE = math.pi - 1e-3


def clamp_spherical_targets(targets: torch.Tensor, ball_dofs: torch.Tensor,
                            max_angle: float = MAX_SPHERICAL_TARGET_ANGLE) -> torch.Tensor:
    """The targets with each spherical joint's exponential map shortened to max_angle where longer; a new tensor.

    A map of angle beyond pi is the same rotation as a shorter one the other way round, but a PD drive on the map
    would chase it round and round, so it is held at max_angle about the same axis.
    Shapes: targets (..., num_dofs); ball_dofs (num_spherical, 3) DoF indices, on targets' device.
    """
    out = targets.clone()
    spherical = targets[..., ball_dofs]
    angle = spherical.norm(dim=-1, keepdim=True)
    out[..., ball_dofs] = spherical * (max_angle / angle.clamp_min(max_angle))
    return out
