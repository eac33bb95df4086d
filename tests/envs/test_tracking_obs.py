"""The tracking env's observation math: zero differences for equal poses, frames that turn with the heading, the
clip's coming poses seen from the character, and MimicKit's pose termination."""

from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_obs import quat_from_heading
from amp_studio.envs.tracking_obs import ROOT_REWARD_SCALE, pose_features, pose_too_far, target_obs, tracking_reward
from amp_studio.rotations import quat_mul, quat_rotate


def _pose(n=3, bodies=4, joints=2, dofs=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    rot = torch.nn.functional.normalize(torch.randn(n, 4, generator=g), dim=-1)
    root = torch.randn(n, 3, generator=g)
    body = root.unsqueeze(1) + torch.randn(n, bodies, 3, generator=g)
    body[:, 0] = root
    joint = torch.linalg.qr(torch.randn(n, joints, 3, 3, generator=g))[0]
    return dict(root_pos=root, root_rot=rot, root_vel=torch.randn(n, 3, generator=g),
                root_ang_vel=torch.randn(n, 3, generator=g), body_pos=body, joint_mat=joint,
                dof_vel=torch.randn(n, dofs, generator=g))


def _turned(p, angle, shift):
    """The same pose turned by angle about the world z axis and moved by shift."""
    q = quat_from_heading(torch.full((len(p["root_pos"]),), angle))

    def turn(v):
        return quat_rotate(q.reshape((len(q),) + (1,) * (v.dim() - 2) + (4,)).expand(v.shape[:-1] + (4,)), v)

    return dict(p, root_pos=turn(p["root_pos"]) + shift, root_rot=quat_mul(q, p["root_rot"]),
                root_vel=turn(p["root_vel"]), root_ang_vel=turn(p["root_ang_vel"]),
                body_pos=turn(p["body_pos"]) + shift)


def test_pose_features_in_the_heading_frame_ignore_turning_and_moving_but_the_world_frame_sees_it():
    p = _pose()
    q = _turned(p, 1.1, torch.tensor([2.0, -1.0, 0.0]))
    local = pose_features(**p, heading="twist")
    assert torch.allclose(local, pose_features(**q, heading="twist"), atol=1e-5)
    world = pose_features(**p, heading=None)
    assert world.shape[1] == local.shape[1] + 2  # the root's xy as well as its height
    assert not torch.allclose(world, pose_features(**q, heading=None), atol=1e-2)
    assert torch.equal(pose_features(**p, heading=None) - world, torch.zeros_like(world))


def test_target_obs_of_the_character_own_pose_has_no_offset_and_its_height():
    p = _pose(n=2)
    s = 3
    tar_root = p["root_pos"].unsqueeze(1).expand(2, s, 3)
    obs = target_obs(p["root_pos"], p["root_rot"], tar_root, p["root_rot"].unsqueeze(1).expand(2, s, 4),
                     p["body_pos"][:, 1:3].unsqueeze(1).expand(2, s, 2, 3),
                     p["joint_mat"].unsqueeze(1).expand((2, s) + p["joint_mat"].shape[1:]), "twist")
    per_pose = 3 * (3 + 2) + 6 * 2
    assert obs.shape == (2, s * per_pose)
    first = obs[:, :per_pose]
    assert torch.allclose(first[:, :2], torch.zeros(2, 2), atol=1e-6)  # no offset in xy
    assert torch.allclose(first[:, 2], p["root_pos"][:, 2])  # the target's own height
    # a target one metre ahead of a character facing +y is ahead in its frame, whatever the world says
    ahead = target_obs(torch.zeros(1, 3), quat_from_heading(torch.tensor([math.pi / 2])),
                       torch.tensor([[[0.0, 1.0, 0.9]]]), torch.tensor([[[1.0, 0, 0, 0]]]), torch.zeros(1, 1, 1, 3),
                       torch.eye(3).expand(1, 1, 1, 3, 3), "twist")
    assert torch.allclose(ahead[0, :3], torch.tensor([1.0, 0.0, 0.9]), atol=1e-6)


def test_pose_termination_and_tracking_reward():
    p = _pose(n=2)
    args = (p["root_pos"], p["root_rot"], p["body_pos"])
    assert not pose_too_far(*args, *args, None, 1.0).any()
    assert torch.allclose(tracking_reward(*args, *args, None, 10.0), torch.ones(2))
    bent = p["body_pos"].clone()
    bent[0, 2] += torch.tensor([0.0, 0.0, 1.2])  # one body 1.2 m off in the first env
    far = pose_too_far(*args, p["root_pos"], p["root_rot"], bent, "twist", 1.0)
    assert far.tolist() == [True, False]
    moved = p["root_pos"] + torch.tensor([1.5, 0.0, 0.0])
    # the whole character 1.5 m away: a failure in the world frame, nothing in the heading frame
    assert pose_too_far(*args, moved, p["root_rot"], p["body_pos"] + torch.tensor([1.5, 0.0, 0.0]), None, 1.0).all()
    assert not pose_too_far(*args, moved, p["root_rot"], p["body_pos"] + torch.tensor([1.5, 0.0, 0.0]), "twist",
                            1.0).any()
    reward = tracking_reward(*args, p["root_pos"], p["root_rot"], bent, "twist", 10.0)
    assert reward[1] == 1.0 and 0 < reward[0] < 0.1


def test_tracking_reward_root_term():
    """With a root weight, a character posed exactly but 1 m off the clip's path loses that share of the reward;
    without one it loses nothing."""
    p = _pose(n=1)
    args = (p["root_pos"], p["root_rot"], p["body_pos"])
    shift = torch.tensor([1.0, 0.0, 0.0])
    moved = (p["root_pos"] + shift, p["root_rot"], p["body_pos"] + shift)
    assert torch.allclose(tracking_reward(*moved, *args, None, 10.0), torch.ones(1))
    assert torch.allclose(tracking_reward(*args, *args, None, 10.0, root_weight=0.3), torch.ones(1))
    off = tracking_reward(*moved, *args, None, 10.0, root_weight=0.3)
    assert torch.allclose(off, torch.tensor([0.7 + 0.3 * math.exp(-ROOT_REWARD_SCALE)]))
