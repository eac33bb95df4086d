"""The steering env: commands drawn in the clips' speed range and re-drawn on time, held when set from outside,
observed in the heading frame, mirrored as left-right mirrors them."""

from __future__ import annotations

import math

import pytest
import torch

from amp_studio import DATA_DIR
from amp_studio.engines import load_engine_config
from amp_studio.envs import make_env
from amp_studio.envs.amp_obs import heading_angle
from amp_studio.envs.env_config import load_env_config

ENV = DATA_DIR / "envs" / "amp_steering_humanoid_env.yaml"
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"


@pytest.fixture
def walk_and_run(tmp_path, deepmimic_dir):
    path = tmp_path / "walk_and_run.yaml"
    path.write_text(f"motions:\n  - {{file: {deepmimic_dir / 'humanoid3d_walk.txt'}, weight: 1.0}}\n"
                    f"  - {{file: {deepmimic_dir / 'humanoid3d_run.txt'}, weight: 1.0}}\n")
    return path


def steering_env(motion_file, num_envs=4, **overrides):
    name, config, engine_overrides = load_env_config(ENV, {"motion_file": str(motion_file), **overrides})
    return make_env(name, config, load_engine_config(ENGINE, engine_overrides), num_envs, seed=3)


def test_speeds_come_from_the_clips_unless_the_config_gives_them(walk_and_run):
    env = steering_env(walk_and_run, 64)
    lo, hi = env.speed_range
    assert 0.9 < lo < 1.0 and 3.5 < hi < 3.6  # the walk's 0.96 m/s and the run's 3.56
    assert bool(((env.speed >= lo) & (env.speed <= hi)).all()) and float(env.speed.std()) > 0.3
    assert torch.allclose(env.direction.norm(dim=-1), torch.ones(64)) and torch.equal(env.facing, env.direction)
    env.close()
    env = steering_env(walk_and_run, 2, tar_speed_max=2.0)
    assert env.speed_range == (pytest.approx(lo), 2.0)
    env.close()
    env = steering_env(walk_and_run, 2, tar_speed_min=5.0)  # above the clips' fastest: that speed alone
    assert env.speed_range == (5.0, 5.0)
    env.close()


def test_commands_are_redrawn_after_their_time_and_held_ones_stay(walk_and_run):
    env = steering_env(walk_and_run, 4, tar_change_time_min=0.5, tar_change_time_max=0.5,
                       enable_early_termination=False)
    env.set_command(torch.tensor([3]), torch.tensor([[0.0, 2.0]]), torch.tensor([1.5]))
    assert torch.allclose(env.command()[3], torch.tensor([0.0, 1.0, 1.5]))
    first = env.command().clone()
    for _ in range(round(0.5 / env.dt)):
        _, _, _, info = env.step(torch.zeros(4, env.action_dim))
    assert torch.equal(info["command"], first)  # the step's own command, before the re-draw
    changed = (env.command() - first).abs().max(-1).values > 0
    assert changed.tolist() == [True, True, True, False]
    env.set_command(torch.tensor([3]), torch.tensor([[1.0, 0.0]]), torch.tensor([1.0]), hold=False)
    assert not bool(env.command_held[3]) and int(env.command_steps_left[3]) == round(0.5 / env.dt)
    env.set_command(torch.tensor([2]), torch.tensor([[1.0, 0.0]]), torch.tensor([1.0]))
    held = env.command()[2].clone()
    env.resample_commands(torch.tensor([2]))  # on demand: a new command at once, no longer held
    assert not bool(env.command_held[2]) and not torch.equal(env.command()[2], held)
    assert torch.equal(env._obs[2, -5:-3], env._compute_obs(torch.tensor([2]))[0, -5:-3])
    env.close()


def test_starts_can_be_asked_to_go_on_as_the_clip_moves(walk_and_run):
    env = steering_env(walk_and_run, 64, clip_command_prob=1.0)
    velocity = env.engine.get_state().root_vel[:, :2]
    direction = velocity / velocity.norm(dim=-1, keepdim=True)
    assert torch.allclose(env.direction, direction, atol=1e-5) and torch.equal(env.facing, env.direction)
    lo, hi = env.speed_range
    assert torch.allclose(env.speed, velocity.norm(dim=-1).clamp(lo, hi), atol=1e-5)
    env.close()
    env = steering_env(walk_and_run, 64, clip_command_prob=0.0)  # MimicKit's: every start drawn at random
    velocity = env.engine.get_state().root_vel[:, :2]
    agree = (env.direction * velocity).sum(-1) / velocity.norm(dim=-1)
    assert float(agree.min()) < 0.0
    env.close()


def test_the_command_is_observed_in_the_heading_frame_and_mirrors(walk_and_run):
    env = steering_env(walk_and_run, 1)
    heading = float(heading_angle(env.engine.get_state().root_rot, "twist")[0])
    world = torch.tensor([[math.cos(heading + 0.5), math.sin(heading + 0.5)]])
    env.set_command(torch.tensor([0]), world, torch.tensor([2.0]))
    task = env._obs[0, -5:]
    assert torch.allclose(task, torch.tensor([math.cos(0.5), math.sin(0.5), 2.0, math.cos(0.5), math.sin(0.5)]),
                          atol=1e-5)
    mirrored = env.policy_mirror().obs(env._obs)[0, -5:]
    assert torch.allclose(mirrored, task * torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0]), atol=1e-6)
    env.close()


def test_the_reward_judges_the_root_displacement_over_the_step(walk_and_run):
    env = steering_env(walk_and_run, 2)
    env.set_command(torch.arange(2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([1.0, 1.0]))
    before = env.engine.get_state().root_pos[:, :2].clone()
    _, reward, _, info = env.step(torch.zeros(2, env.action_dim))
    velocity = (env.engine.get_state().root_pos[:, :2] - before) / env.dt
    assert torch.allclose(info["planar_velocity"], velocity, atol=1e-5)
    assert bool(((reward >= 0) & (reward <= 1.0 + 1e-6)).all())
    env.close()
