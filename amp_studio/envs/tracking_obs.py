"""Observation math of the tracking env (ADD): a character against its clip, as pure functions of batched state.

Both frames follow MimicKit's `global_obs`: with heading None everything is in the world frame and the root's
position is absolute, so drifting away from the clip shows; with a heading each pose is seen from its own heading
frame and only the root's height is kept.
"""

from __future__ import annotations

import torch

from amp_studio.envs.amp_obs import heading_cos_sin, rotation_axes, unturn


def joint_codes(joint_mat: torch.Tensor) -> torch.Tensor:
    """Each joint rotation's x and z axes (a continuous 6-D code). Shape: (..., J, 3, 3) -> (..., 6J)."""
    return torch.cat((joint_mat[..., :, 0], joint_mat[..., :, 2]), dim=-1).flatten(-2)


def body_offsets(root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor, heading: str | None
                 ) -> torch.Tensor:
    """Every non-root body's position relative to the root, in the heading frame (world if heading is None).
    Shapes: (N, 3), (N, 4), (N, B, 3) -> (N, B - 1, 3)."""
    offsets = body_pos[:, 1:] - root_pos.unsqueeze(1)
    if heading is None:
        return offsets
    cos, sin = heading_cos_sin(root_rot, heading)
    return unturn(cos.unsqueeze(-1), sin.unsqueeze(-1), offsets)


def pose_features(root_pos: torch.Tensor, root_rot: torch.Tensor, root_vel: torch.Tensor, root_ang_vel: torch.Tensor,
                  body_pos: torch.Tensor, joint_mat: torch.Tensor, dof_vel: torch.Tensor, heading: str | None
                  ) -> torch.Tensor:
    """One step of a pose for the differential discriminator (MimicKit's ADD observation): the root's position
    (all of it in the world frame, its height otherwise), its x and z axes, every body relative to the root, the
    joints' rotation codes, the root's velocities and the DoF velocities.

    Shapes: (N, 3), (N, 4), (N, 3), (N, 3), (N, B, 3), (N, J, 3, 3), (N, D) -> (N, 3 or 1 + 3 (4 + B - 1) + 6J + D).
    """
    col_x, col_z = rotation_axes(root_rot)
    vectors = torch.cat((torch.stack((col_x, col_z, root_vel, root_ang_vel), dim=1),
                         body_pos[:, 1:] - root_pos.unsqueeze(1)), dim=1)
    root = root_pos
    if heading is not None:
        cos, sin = heading_cos_sin(root_rot, heading)
        vectors = unturn(cos.unsqueeze(-1), sin.unsqueeze(-1), vectors)
        root = root_pos[:, 2:3]
    return torch.cat((root, vectors.flatten(1), joint_codes(joint_mat), dof_vel), dim=-1)


def target_obs(root_pos: torch.Tensor, root_rot: torch.Tensor, tar_root_pos: torch.Tensor, tar_root_rot: torch.Tensor,
               tar_key_pos: torch.Tensor, tar_joint_mat: torch.Tensor, heading: str | None) -> torch.Tensor:
    """The clip's coming poses as the policy sees them (MimicKit's target observation), from the character's frame:
    per pose the offset of its root from the character's (the height its own), its root's x and z axes, its key
    bodies relative to its root, and its joints' rotation codes.

    Shapes: root (N, 3), (N, 4); targets (N, S, 3), (N, S, 4), (N, S, K, 3) world, (N, S, J, 3, 3)
    -> (N, S (3 (3 + K) + 6J)).
    """
    col_x, col_z = rotation_axes(tar_root_rot)
    offset = tar_root_pos - root_pos.unsqueeze(1)
    vectors = torch.cat((torch.stack((offset, col_x, col_z), dim=2), tar_key_pos - tar_root_pos.unsqueeze(2)), dim=2)
    if heading is not None:
        cos, sin = heading_cos_sin(root_rot, heading)
        vectors = unturn(cos[:, None, None], sin[:, None, None], vectors)
    vectors[:, :, 0, 2] = tar_root_pos[..., 2]
    return torch.cat((vectors.flatten(2), joint_codes(tar_joint_mat)), dim=-1).flatten(1)


def _body_gaps(root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor, ref_root_pos: torch.Tensor,
               ref_root_rot: torch.Tensor, ref_body_pos: torch.Tensor, heading: str | None) -> torch.Tensor:
    """Each non-root body's offset from its root minus the clip's, in the heading frame. Shape: (N, B - 1, 3)."""
    return body_offsets(ref_root_pos, ref_root_rot, ref_body_pos, heading) - body_offsets(
        root_pos, root_rot, body_pos, heading)


def pose_gaps(root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor, ref_root_pos: torch.Tensor,
              ref_root_rot: torch.Tensor, ref_body_pos: torch.Tensor, heading: str | None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """The largest distance of a body (relative to its root, in the heading frame) from the clip's, and the root's
    distance from the clip's root in the world. Shapes: (N, 3), (N, 4), (N, B, 3) twice -> (N,), (N,)."""
    gap = _body_gaps(root_pos, root_rot, body_pos, ref_root_pos, ref_root_rot, ref_body_pos, heading)
    return gap.square().sum(-1).amax(-1).sqrt(), (ref_root_pos - root_pos).square().sum(-1).sqrt()


def pose_too_far(root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor, ref_root_pos: torch.Tensor,
                 ref_root_rot: torch.Tensor, ref_body_pos: torch.Tensor, heading: str | None, distance: float
                 ) -> torch.Tensor:
    """MimicKit's pose termination: some body (relative to its root) farther than distance from the clip's, or,
    in the world frame, the root itself. Shapes: (N, 3), (N, 4), (N, B, 3) twice -> (N,) bool."""
    body_gap, root_gap = pose_gaps(root_pos, root_rot, body_pos, ref_root_pos, ref_root_rot, ref_body_pos, heading)
    far = body_gap > distance
    if heading is None:
        far |= root_gap > distance
    return far


ROOT_REWARD_SCALE = 5.0
"""Per m^2 of the root's distance from the clip's (DeepMimic's root term): 0.3 m keeps 0.64 of it, 1 m 0.007."""


def tracking_reward(root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor, ref_root_pos: torch.Tensor,
                    ref_root_rot: torch.Tensor, ref_body_pos: torch.Tensor, heading: str | None, scale: float,
                    root_weight: float = 0.0) -> torch.Tensor:
    """exp(-scale * mean over bodies of the squared distance to the clip's body, relative to the roots), in [0, 1];
    with root_weight w, (1 - w) of that and w of exp(-ROOT_REWARD_SCALE * squared distance of the root from the
    clip's root in the world). Shape: (N,)."""
    gap = _body_gaps(root_pos, root_rot, body_pos, ref_root_pos, ref_root_rot, ref_body_pos, heading)
    pose = torch.exp(-scale * gap.square().sum(-1).mean(-1))
    if root_weight <= 0:
        return pose
    root = torch.exp(-ROOT_REWARD_SCALE * (ref_root_pos - root_pos).square().sum(-1))
    return (1.0 - root_weight) * pose + root_weight * root
