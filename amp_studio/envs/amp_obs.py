"""Observation math for the AMP envs: pure functions of batched character state.

The agent's and the demo's discriminator observations come from the same functions, so that the
discriminator can only tell them apart by how the character moves.
"""

from __future__ import annotations

import torch

# How a rotation's heading is found. `x_axis`: the yaw of the rotated x axis (MimicKit's); `twist`: the angle of
# the rotation's twist about the world z axis. The two agree while the character is upright, but a crawl's pelvis
# points its x axis at the ground, where that axis's yaw swung by up to 77 degrees between two control steps of
# the DeepMimic crawl (the twist by 5); the twist is undefined only upside down.
HEADINGS = ("x_axis", "twist")


def heading_angle(rot: torch.Tensor, heading: str = "twist") -> torch.Tensor:
    """The heading angle (see HEADINGS). Shape: (..., 4) -> (...)."""
    col_x, col_z = rotation_axes(rot)
    return torch.atan2(*_heading_vector(col_x, col_z, heading).unbind(-1)[::-1])


def heading_inverse(rot: torch.Tensor, heading: str = "twist") -> torch.Tensor:
    """Rotation about z that undoes the heading: expresses world vectors in the heading frame. Shape: (..., 4)."""
    half = -0.5 * heading_angle(rot, heading)
    zero = torch.zeros_like(half)
    return torch.stack((torch.cos(half), zero, zero, torch.sin(half)), dim=-1)


def tan_norm(rot: torch.Tensor) -> torch.Tensor:
    """The rotated x (tangent) and z (normal) axes: a continuous 6-D rotation code. Shape: (..., 4) -> (..., 6)."""
    return torch.cat(rotation_axes(rot), dim=-1)


def heading_cos_sin(rot: torch.Tensor, heading: str = "twist") -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of the heading (see HEADINGS). Shape: (..., 4) -> (...), (...)."""
    cos, sin = _heading_of(*rotation_axes(rot), heading)
    return cos.squeeze(-1), sin.squeeze(-1)


def unturn(cos: torch.Tensor, sin: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """World vectors in a heading frame: turned by -heading about z. Shapes: (...), (...), (..., 3)."""
    x, y, z = v.unbind(-1)
    return torch.stack((cos * x + sin * y, cos * y - sin * x, z), dim=-1)


def rotation_axes(rot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The rotated x and z axes (the first and last rotation-matrix columns). Shape: (..., 4) -> 2 x (..., 3)."""
    w, x, y, z = rot.unbind(-1)
    col_x = torch.stack((1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)), dim=-1)
    col_z = torch.stack((2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)), dim=-1)
    return col_x, col_z


# A step's features: VECTORS world 3-vectors that turn with the heading frame, then frame-free values.
NUM_ROOT_VECTORS = 5  # root position, rotated x axis, rotated z axis, linear velocity, angular velocity


def step_features(root_pos: torch.Tensor, root_rot: torch.Tensor, root_vel: torch.Tensor, root_ang_vel: torch.Tensor,
                  joint_mat: torch.Tensor, dof_vel: torch.Tensor, key_pos: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """The features both observations are made of, packed: world vectors and frame-free values.

    Shapes: root_pos (N, 3), root_rot (N, 4), root_vel (N, 3), root_ang_vel (N, 3), joint_mat (N, J, 3, 3)
    local joint rotations, dof_vel (N, D), key_pos (N, K, 3) world -> vectors (N, 5 + K, 3), flat (N, 6J + D).
    The joint codes are each rotation's x and z axes (a continuous 6-D code).
    """
    col_x, col_z = rotation_axes(root_rot)
    vectors = torch.cat((torch.stack((root_pos, col_x, col_z, root_vel, root_ang_vel), dim=1),
                         key_pos - root_pos.unsqueeze(1)), dim=1)
    codes = torch.cat((joint_mat[..., :, 0], joint_mat[..., :, 2]), dim=-1).flatten(1)
    return vectors, torch.cat((codes, dof_vel), dim=-1)


def _heading_vector(col_x: torch.Tensor, col_z: torch.Tensor, heading: str) -> torch.Tensor:
    """A horizontal vector along the heading (not unit) from the rotated x and z axes. For the twist: the x
    axis's xy plus the horizontal direction at right angles to the rotated y axis, x_xy + (y x e_z)_xy.
    Shapes: 2 x (..., 3) -> (..., 2)."""
    if heading == "x_axis":
        return col_x[..., :2]
    up = 1.0 + col_z[..., 2:3]
    return up * col_x[..., :2] - col_x[..., 2:3] * col_z[..., :2]


def _heading_of(col_x: torch.Tensor, col_z: torch.Tensor, heading: str | None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin of the heading from the rotated x and z axes (identity when heading is None: world frame).

    Shapes: 2 x (..., 3) -> 2 x (..., 1)."""
    if heading is None:
        return torch.ones_like(col_x[..., :1]), torch.zeros_like(col_x[..., :1])
    xy = _heading_vector(col_x, col_z, heading)
    xy = xy / xy.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    return xy[..., :1], xy[..., 1:2]


def compute_policy_obs(vectors: torch.Tensor, flat: torch.Tensor, heading: str | None, root_height_obs: bool
                       ) -> torch.Tensor:
    """The policy's view of the character, in its heading frame (the world's when heading is None).

    Shapes: vectors (N, 5 + K, 3), flat (N, F) from step_features -> (N, [1] + 3 (4 + K) + F): root height,
    rotated axes, velocities and key bodies relative to the root, then joint codes and DoF velocities.
    """
    cos, sin = _heading_of(vectors[:, 1], vectors[:, 2], heading)
    turned = unturn(cos, sin, vectors[:, 1:]).flatten(1)
    parts = [vectors[:, 0, 2:3], turned, flat] if root_height_obs else [turned, flat]
    return torch.cat(parts, dim=-1)


def compute_disc_obs(vectors: torch.Tensor, flat: torch.Tensor, heading: str | None, root_height_obs: bool
                     ) -> torch.Tensor:
    """A window of T steps, every step in the last step's frame (its root position and, unless heading is None,
    its heading).

    Shapes: vectors (N, T, 5 + K, 3), flat (N, T, F) -> (N, T * (3 (5 + K) + F)).
    """
    cos, sin = _heading_of(vectors[:, -1:, 1], vectors[:, -1:, 2], heading)  # (N, 1, 1)
    root = vectors[:, :, 0] - vectors[:, -1:, 0]
    if root_height_obs:
        root = torch.cat((root[..., :2], vectors[:, :, 0, 2:3]), dim=-1)
    vecs = torch.cat((root.unsqueeze(2), vectors[:, :, 1:]), dim=2)
    turned = unturn(cos, sin, vecs).flatten(2)
    return torch.cat((turned, flat), dim=-1).flatten(1)


def quat_from_heading(angle: torch.Tensor) -> torch.Tensor:
    """Rotation about z by angle. Shape: (...) -> (..., 4)."""
    zero = torch.zeros_like(angle)
    return torch.stack((torch.cos(0.5 * angle), zero, zero, torch.sin(0.5 * angle)), dim=-1)


def heading_frame_offset(root_rot: torch.Tensor, world_offset_xy: torch.Tensor, heading: str) -> torch.Tensor:
    """A world xy offset in the character's heading frame. Shapes: (N, 4), (N, 2) -> (N, 2)."""
    cos, sin = heading_cos_sin(root_rot, heading)
    x, y = world_offset_xy.unbind(-1)
    return torch.stack((cos * x + sin * y, cos * y - sin * x), dim=-1)


__all__ = [
    "compute_disc_obs",
    "compute_policy_obs",
    "step_features",
    "heading_angle",
    "heading_frame_offset",
    "heading_inverse",
    "quat_from_heading",
    "tan_norm",
]
