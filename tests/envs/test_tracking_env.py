"""The tracking env (ADD): episodes follow their clip in time from the reset, the discriminator sees the difference
from the clip (zero where the character is the clip), clips that do not loop end their episodes, and a character
that strays from the clip fails."""

from __future__ import annotations

import pytest
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines import load_engine_config
from amp_studio.envs import DoneFlag, make_env
from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.env_config import load_env_config
from amp_studio.rotations import quat_from_axis_angle, quat_mul, tilt_deg

ENV = DATA_DIR / "envs" / "add_humanoid_env.yaml"
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"


def tracking_env(motion_file, num_envs=4, **overrides):
    name, config, engine_overrides = load_env_config(ENV, {"motion_file": str(motion_file), **overrides})
    return make_env(name, config, load_engine_config(ENGINE, engine_overrides), num_envs, seed=5)


def test_episodes_follow_their_clip_and_start_on_it(deepmimic_dir):
    env = tracking_env(deepmimic_dir / "humanoid3d_backflip.txt", 4)
    start = env.clip_times().clone()
    assert float(env.disc_obs().abs().max()) < 1e-4  # placed on the clip: no difference
    # the policy sees AMP's observation and, per pose ahead, the root offset and axes, key bodies and joints
    per_pose = 3 * (3 + len(env.key_body_ids)) + 6 * env.engine.joint_matrices.shape[1]
    assert env.obs_dim == AMPEnv._compute_obs(env).shape[1] + len(env.config.tar_obs_steps) * per_pose
    actions = torch.zeros(4, env.action_dim)
    for _ in range(3):
        _, reward, done, info = env.step(actions)
    assert torch.allclose(env.clip_times(), start + 3 * env.dt)
    assert info["disc_obs"].shape == (4, env.disc_obs_dim)
    assert float(info["disc_obs"].abs().max()) > 1e-3  # the character has moved off the clip by now
    assert bool(((reward > 0) & (reward <= 1)).all())
    ended = torch.tensor([1])
    env.reset(ended)
    assert float(env.disc_obs()[1].abs().max()) < 1e-4
    assert torch.equal(env.disc_obs_demo(torch.zeros(3, dtype=torch.long), torch.zeros(3)),
                       torch.zeros(3, env.disc_obs_dim))
    env.close()


def test_a_clip_that_does_not_loop_ends_its_episode_as_a_success(deepmimic_dir):
    env = tracking_env(deepmimic_dir / "humanoid3d_kick.txt", 2, enable_early_termination=False)
    length = float(env.motion_lib.clip_lengths[0])
    env.reset_to(torch.arange(2), torch.zeros(2, dtype=torch.long), torch.tensor([length - 2.5 * env.dt, 0.0]))
    flags = [env.step(torch.zeros(2, env.action_dim))[2].tolist() for _ in range(3)]
    assert flags[0] == [DoneFlag.NULL, DoneFlag.NULL]
    assert flags[2][0] == DoneFlag.SUCC and flags[2][1] == DoneFlag.NULL
    env.close()


def test_a_character_far_from_its_clip_fails(deepmimic_dir):
    env = tracking_env(deepmimic_dir / "humanoid3d_walk.txt", 2)
    s = env.engine.get_state()
    moved = CharacterState(s.root_pos + torch.tensor([[1.5, 0.0, 0.0], [0.3, 0.0, 0.0]]), s.root_rot, s.dof_pos,
                           s.root_vel, s.root_ang_vel, s.dof_vel)
    env.engine.reset(torch.arange(2), moved)
    done = env.step(torch.zeros(2, env.action_dim))[2]
    assert done.tolist() == [DoneFlag.FAIL, DoneFlag.NULL]  # 1.5 m from the clip's root, and 0.3 m
    body_gap, root_gap = env.pose_gaps()  # what the termination compared: the root's gap, the pose still close
    assert 1.3 < float(root_gap[0]) < 1.7 and 0.1 < float(root_gap[1]) < 0.5
    assert float(body_gap.max()) < 0.5
    env.close()


def test_a_root_off_the_clips_height_fails_when_asked(deepmimic_dir):
    """A jump not taken: the root 0.3 m below (here: above) the clip's fails with root_height_termination_dist
    0.2, though pose termination at 1 m lets it pass; a root 0.3 m off along the ground does not."""
    shift = torch.tensor([[0.0, 0.0, 0.3], [0.3, 0.0, 0.0]])
    flags = []
    for dist in (0.0, 0.2):
        env = tracking_env(deepmimic_dir / "humanoid3d_walk.txt", 2, root_height_termination_dist=dist)
        s = env.engine.get_state()
        env.engine.reset(torch.arange(2), CharacterState(s.root_pos + shift, s.root_rot, s.dof_pos, s.root_vel,
                                                         s.root_ang_vel, s.dof_vel))
        flags.append(env.step(torch.zeros(2, env.action_dim))[2].tolist())
        if dist == 0.0:  # still in the air a step later, and on the clip's height along the ground
            assert 0.25 < float(env.root_height_gaps()[0]) < 0.31 and abs(float(env.root_height_gaps()[1])) < 0.05
        env.close()
    assert flags == [[DoneFlag.NULL, DoneFlag.NULL], [DoneFlag.FAIL, DoneFlag.NULL]]


def test_heading_gaps_say_how_far_the_turn_is_behind_the_clips():
    """A root turned 30 degrees left of the clip's, and one turned 170 degrees right: the gaps wrap to +-pi."""
    env = tracking_env(DATA_DIR / "motions" / "walk_keyframed.pkl", 2)
    s = env.engine.get_state()
    turn = quat_from_axis_angle(torch.tensor([[0.0, 0.0, 1.0]] * 2), torch.tensor([0.5236, -2.967]))
    env.engine.reset(torch.arange(2), CharacterState(s.root_pos, quat_mul(turn, s.root_rot), s.dof_pos, s.root_vel,
                                                     s.root_ang_vel, s.dof_vel))
    gaps = torch.rad2deg(env.heading_gaps())
    assert abs(float(gaps[0]) - 30.0) < 0.5 and abs(float(gaps[1]) + 170.0) < 0.5
    env.close()


def test_a_recording_of_a_looped_skill_starts_and_ends_standing(deepmimic_dir):
    """The cartwheel's pelvis tilts past 45 degrees for about half of its 2.7-s loop; a 10-s recording starts where
    both its first and last poses are upright."""
    env = tracking_env(deepmimic_dir / "humanoid3d_cartwheel.txt", 1)
    clip, start = env.recording_start(10.0)
    lib = env.motion_lib
    times = torch.tensor([start, start + 10.0], dtype=lib.dtype)
    tilts = tilt_deg(lib.get_state(torch.zeros(2, dtype=torch.long), times).root_rot.double())
    assert clip == 0 and bool((tilts < 30).all())
    kick = tracking_env(deepmimic_dir / "humanoid3d_kick.txt", 1)  # not looped: from its beginning
    assert kick.recording_start(10.0) == (0, 0.0)
    env.close()
    kick.close()


def test_config_checks():
    with pytest.raises(ConfigError, match="num_disc_obs_steps"):
        load_env_config(ENV, {"num_disc_obs_steps": 2})
    with pytest.raises(ConfigError, match="tar_obs_steps"):
        load_env_config(ENV, {"tar_obs_steps": [0, 1]})
    with pytest.raises(ConfigError, match="root_height_termination_dist"):
        load_env_config(ENV, {"root_height_termination_dist": -0.1})
