from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_obs import quat_from_heading
from amp_studio.envs.env_config import SteeringEnvConfig
from amp_studio.envs.steering_reward import steering_reward


def test_steering_reward_hand_computed():
    w = SteeringEnvConfig(char_file="c", motion_file="m")
    vel = torch.tensor([[2.0, 0.0], [0.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [0.0, 2.0]])
    direction = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    speed = torch.tensor([2.0, 1.0, 1.0, 1.0, 2.0])
    facing = direction.clone()
    headings = torch.tensor([0.0, 0.0, math.pi / 3, 0.0, math.pi])  # the last faces -x, away from +y: no facing term
    r = steering_reward(vel, quat_from_heading(headings), direction, speed, facing, w)
    expected = torch.tensor([
        0.7 * 1.0 + 0.3 * 1.0,                          # at the commanded velocity, facing it
        0.7 * math.exp(-0.5 * 1.0) + 0.3,                # standing still: 1 m/s short
        0.7 * math.exp(-0.5 * 1.0) + 0.3 * 0.5,          # 1 m/s sideways too much; facing 60 degrees off
        0.0 + 0.3,                                       # moving against the direction earns no velocity term
        0.7 * 1.0 + 0.0,                                 # right velocity, facing 90 degrees off
    ])
    assert torch.allclose(r, expected, atol=1e-5)


def test_weights_and_scale_come_from_the_config():
    w = SteeringEnvConfig(char_file="c", motion_file="m", reward_steering_tar_w=1.0, reward_steering_face_w=0.0,
                          reward_steering_vel_scale=2.0)
    r = steering_reward(torch.tensor([[0.5, 0.0]]), quat_from_heading(torch.zeros(1)), torch.tensor([[1.0, 0.0]]),
                        torch.tensor([1.0]), torch.tensor([[1.0, 0.0]]), w)
    assert torch.allclose(r, torch.tensor([math.exp(-2.0 * 0.25)]))


def test_a_relative_error_costs_a_walk_and_a_run_alike():
    w = SteeringEnvConfig(char_file="c", motion_file="m", reward_steering_tar_w=1.0, reward_steering_face_w=0.0,
                          reward_steering_vel_scale=4.0, reward_steering_vel_relative=True)
    # 20% short at 1 and at 3 m/s; 0.1 m/s short of a 0.2 m/s command is measured against the 0.5 m/s floor.
    vel = torch.tensor([[0.8, 0.0], [2.4, 0.0], [0.1, 0.0]])
    direction = torch.tensor([[1.0, 0.0]]).expand(3, 2)
    r = steering_reward(vel, quat_from_heading(torch.zeros(3)), direction, torch.tensor([1.0, 3.0, 0.2]),
                        direction, w)
    assert torch.allclose(r, torch.tensor([math.exp(-4.0 * 0.04), math.exp(-4.0 * 0.04), math.exp(-4.0 * 0.04)]))
