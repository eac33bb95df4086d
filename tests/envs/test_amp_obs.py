from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_obs import (
    heading_angle,
    heading_frame_offset,
    heading_inverse,
    location_reward,
    quat_from_heading,
    tan_norm,
)
from amp_studio.rotations import quat_from_axis_angle, quat_mul


def test_heading_ignores_pitch_and_roll():
    yaw = quat_from_heading(torch.tensor([0.7]))
    pitch = quat_from_axis_angle(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([0.4]))
    assert torch.allclose(heading_angle(quat_mul(yaw, pitch)), torch.tensor([0.7]), atol=1e-6)
    assert torch.allclose(heading_angle(quat_mul(heading_inverse(yaw), yaw)), torch.zeros(1), atol=1e-6)


def test_tan_norm_of_identity_and_quarter_turn():
    ident = torch.tensor([[1.0, 0, 0, 0]])
    assert torch.allclose(tan_norm(ident), torch.tensor([[1.0, 0, 0, 0, 0, 1]]))
    turn = quat_from_heading(torch.tensor([math.pi / 2]))
    assert torch.allclose(tan_norm(turn), torch.tensor([[0.0, 1, 0, 0, 0, 1]]), atol=1e-6)


def test_target_offset_in_heading_frame():
    facing_y = quat_from_heading(torch.tensor([math.pi / 2]))
    # A target 2 m along +y is straight ahead (+x) of a character facing +y.
    assert torch.allclose(heading_frame_offset(facing_y, torch.tensor([[0.0, 2.0]])), torch.tensor([[2.0, 0.0]]),
                          atol=1e-6)


def test_location_reward_hand_computed():
    root = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    vel = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0], [-1.0, 0.0]])
    target = torch.tensor([[3.0, 0.0], [3.0, 0.0], [1.0, 3.0], [0.0, 2.0]])
    r = location_reward(root, vel, target, 1.0)
    expected = torch.tensor([
        0.7 * math.exp(-0.5 * 9) + 0.3 * 1.0,  # moving at v* straight to the target
        0.7 * math.exp(-0.5 * 9) + 0.3 * math.exp(-1.0),  # standing still: short by 1 m/s
        0.7 * math.exp(-0.5 * 4) + 0.3 * 1.0,  # faster than v* is not penalised
        0.7 * math.exp(-0.5 * 4) + 0.3 * math.exp(-1.0),  # moving sideways: no speed toward the target
    ])
    assert torch.allclose(r, expected, atol=1e-6)
    at_target = location_reward(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 2), 1.0)
    assert torch.allclose(at_target, torch.tensor([0.7 + 0.3 * math.exp(-1.0)]))
