from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_obs import quat_from_heading
from amp_studio.envs.env_config import LocationEnvConfig
from amp_studio.envs.location_reward import location_reward


def test_location_reward_hand_computed():
    weights = LocationEnvConfig(char_file="c", motion_file="m")
    root = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    vel = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [0.5, 0.0], [0.0, 0.0]])
    target = torch.tensor([[3.0, 0.0], [3.0, 0.0], [1.0, 3.0], [0.0, 2.0], [-3.0, 0.0], [0.6, 0.0]])
    facing_x = quat_from_heading(torch.zeros(6))
    r = location_reward(root, vel, facing_x, target, weights)
    expected = torch.tensor([
        0.5 * math.exp(-0.5 * 9) + 0.4 * 1.0 + 0.1 * 1.0,  # moving at v* straight to a target it faces
        0.5 * math.exp(-0.5 * 9) + 0.0 + 0.1 * 1.0,  # standing still: no speed toward it
        0.5 * math.exp(-0.5 * 4) + 0.4 * 1.0 + 0.0,  # faster than v* is not penalised; facing sideways earns 0
        0.5 * math.exp(-0.5 * 4) + 0.0 + 0.0,  # moving sideways: no speed toward the target
        0.5 * math.exp(-0.5 * 9) + 0.0 + 0.0,  # moving away from a target behind it
        0.5 * math.exp(-0.5 * 0.36) + 0.4 + 0.1,  # arrived (0.36 m^2 < 0.5): speed and facing terms full
    ])
    assert torch.allclose(r, expected, atol=1e-6)
    short = location_reward(root[:1], torch.tensor([[0.5, 0.0]]), facing_x[:1], target[:1], weights)
    assert torch.allclose(short, torch.tensor([0.5 * math.exp(-4.5) + 0.4 * math.exp(-4 * 0.25) + 0.1]))
