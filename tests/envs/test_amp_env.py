from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from amp_studio.character import CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines import load_engine_config
from amp_studio.envs import DoneFlag, make_env_from_files
from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.env_config import load_env_config
from amp_studio.motion import MotionClip, MotionLibrary, load_clip
from amp_studio.rotations import exp_map_to_quat, quat_mul, quat_rotate, quat_to_exp_map

ENV = "data/envs/amp_humanoid_env.yaml"
LOCATION = "data/envs/amp_location_humanoid_env.yaml"
ENGINE = "data/engines/mujoco_engine.yaml"


def _walk_env(deepmimic_dir, n=4, path=ENV, **overrides):
    return make_env_from_files(path, ENGINE, n, seed=0,
                               env_overrides={"motion_file": str(deepmimic_dir / "humanoid3d_walk.txt"), **overrides})


def test_dimensions_of_the_default_env():
    env = make_env_from_files(ENV, ENGINE, 2, seed=0)
    assert (env.obs_dim, env.action_dim, env.disc_obs_dim) == (128, 28, 2 * 130)
    obs, reward, done, info = env.step(torch.zeros(2, 28))
    assert obs.shape == (2, 128) and info["disc_obs"].shape == (2, 260)
    assert torch.equal(reward, torch.zeros(2))
    assert env.fetch_disc_obs_demo(5).shape == (5, 260)
    env.close()


@pytest.mark.deepmimic
def test_contact_bodies_come_from_the_clips_unless_the_config_names_them(deepmimic_dir):
    cartwheel = str(deepmimic_dir / "humanoid3d_cartwheel.txt")
    env = make_env_from_files(ENV, ENGINE, 2, seed=0, env_overrides={"motion_file": cartwheel})
    assert env.contact_bodies == ("right_hand", "left_hand", "right_foot", "left_foot")
    hands = [env.character.body_id(name) for name in ("right_hand", "left_hand")]
    assert not env.non_contact_bodies[hands].any()
    env.close()
    named = make_env_from_files(ENV, ENGINE, 2, seed=0,
                                env_overrides={"motion_file": cartwheel, "contact_bodies": ["right_foot"]})
    assert named.contact_bodies == ("right_foot",) and named.non_contact_bodies[hands].all()
    named.close()


def test_config_errors_name_file_and_key(tmp_path):
    bad = tmp_path / "env.yaml"
    bad.write_text("env_name: amp\nenv:\n  char_file: x.xml\n  motion_file: y.pkl\n  num_disc_obs_step: 2\n")
    with pytest.raises(ConfigError, match="env.yaml: unknown key 'env.num_disc_obs_step'; did you mean "
                                          "'num_disc_obs_steps'"):
        load_env_config(bad)
    bad.write_text("env_name: amp_walk\nenv: {}\n")
    with pytest.raises(ConfigError, match="env_name: expected one of amp, view_motion, task_location"):
        load_env_config(bad)
    bad.write_text("env_name: amp\nenv:\n  motion_file: y.pkl\n")
    with pytest.raises(ConfigError, match="missing key 'env.char_file'"):
        load_env_config(bad)
    bad.write_text(Path(ENV).read_text().replace("heading: twist", "heading: yaw"))
    with pytest.raises(ConfigError, match="env.heading: expected one of x_axis, twist, got 'yaw'"):
        load_env_config(bad)


def test_env_engine_block_overrides_the_engine_file(tmp_path):
    path = tmp_path / "env.yaml"
    path.write_text(Path(ENV).read_text() + "\nengine:\n  num_threads: 1\n")
    _, _, overrides = load_env_config(path)
    assert load_engine_config(ENGINE, overrides).num_threads == 1


@pytest.mark.deepmimic
def test_reset_puts_bodies_at_the_clip_pose(deepmimic_dir):
    env = _walk_env(deepmimic_dir)
    clips = torch.zeros(4, dtype=torch.long)
    times = torch.tensor([0.0, 0.3, 0.71, 1.2])
    env.reset_to(torch.arange(4), clips, times)
    s = env.motion_lib.get_state(clips, times)
    pos, _ = env.character.forward_kinematics(s.root_pos, s.root_rot, s.dof_pos)
    assert (env.engine.body_pos - pos).abs().max() < 1e-4
    env.close()


@pytest.mark.deepmimic
def test_agent_disc_obs_after_reset_equals_demo(deepmimic_dir):
    """The same function on the same clip window: the engine side and the motion-library side agree."""
    for name in ("walk", "spinkick"):
        env = make_env_from_files(ENV, ENGINE, 5, seed=0,
                                  env_overrides={"motion_file": str(deepmimic_dir / f"humanoid3d_{name}.txt"),
                                                 "num_disc_obs_steps": 10})
        clips = torch.zeros(5, dtype=torch.long)
        times = torch.tensor([0.0, 0.2, 0.45, 0.9, 1.1])
        env.reset_to(torch.arange(5), clips, times)
        agent, demo = env.disc_obs(), env.disc_obs_demo(clips, times)
        assert agent.shape == demo.shape == (5, env.disc_obs_dim)
        assert (agent - demo).abs().max() < 1e-4, name
        # The newest step is also what the engine itself reports after the reset (its state, its kinematics).
        e = env.engine
        vec, flat = env._features(e.get_state(), e.body_pos, e.joint_matrices)
        window_vec, window_flat = env._window()
        assert (vec - window_vec[:, -1]).abs().max() < 1e-4 and (flat - window_flat[:, -1]).abs().max() < 1e-4
        # After physics steps the agent's window is the clip's, shifted, then the engine's new steps.
        clip_vec = env._features(env._clip_window(clips, times))[0].reshape(5, env.num_disc_steps, -1, 3)
        for shift in range(1, 4):
            env.step(torch.zeros(5, 28))
            assert torch.equal(env._window()[0][:, :-shift], clip_vec[:, shift:])
        env.close()


def _moved_clip(clip: MotionClip, yaw: float, shift: tuple[float, float]) -> MotionClip:
    """The whole clip turned by yaw about z and moved by shift on the ground."""
    f = torch.from_numpy(clip.frames.copy())
    turn = torch.tensor([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)], dtype=torch.float64).expand(len(f), 4)
    f[:, :3] = quat_rotate(turn, f[:, :3]) + torch.tensor([shift[0], shift[1], 0.0], dtype=torch.float64)
    f[:, 3:6] = quat_to_exp_map(quat_mul(turn, exp_map_to_quat(f[:, 3:6])))
    return MotionClip(clip.fps, clip.loop, f.numpy(), name=clip.name)


@pytest.mark.deepmimic
@pytest.mark.parametrize("path, clip_name", [(ENV, "walk"), (ENV, "crawl"), (LOCATION, "walk")])
def test_observations_ignore_heading_and_position(deepmimic_dir, path, clip_name):
    """Turn and move the whole clip: after resets into it, policy and discriminator observations are unchanged."""
    from amp_studio.envs import make_env

    clip_file = str(deepmimic_dir / f"humanoid3d_{clip_name}.txt")
    name, config, overrides = load_env_config(path, {"motion_file": clip_file})
    engine_cfg = load_engine_config(ENGINE, overrides)
    clip = load_clip(clip_file)
    times = torch.tensor([0.1, 0.5, 0.9, 1.6])  # the last one in the walk's second cycle
    clips = torch.zeros(4, dtype=torch.long)
    seen = []
    for yaw, shift in ((0.0, (0.0, 0.0)), (2.1, (3.0, -7.5)), (-1.3, (-20.0, 4.0))):
        env = make_env(name, config, engine_cfg, 4, seed=0)
        env.motion_lib = MotionLibrary([_moved_clip(clip, yaw, shift)], None, env.character)
        obs = env.reset_to(torch.arange(4), clips, times)
        if name == "task_location":
            # The same target relative to the character: 2 m ahead and 1 m to its left.
            root = env.engine.get_state().root_pos[:, :2]
            heading = env.engine.get_state().root_rot
            ahead = quat_rotate(heading, torch.tensor([2.0, 1.0, 0.0]).expand(4, 3))[:, :2]
            env.set_target(torch.arange(4), root + ahead)
            obs = env._obs
        seen.append((obs, env.disc_obs(), env.disc_obs_demo(clips, times), env.fetch_disc_obs_demo(3)))
        env.close()
    for other in seen[1:]:
        for a, b in zip(other, seen[0], strict=True):
            assert (a - b).abs().max() < 1e-4


def _lying_state(env: AMPEnv, height: float = 0.1) -> CharacterState:
    """Face down: pitched 90 degrees forward with the root at height; the torso sphere is the lowest point."""
    s = env.engine.get_state().index(torch.arange(env.num_envs))
    pitch = torch.tensor([math.cos(math.pi / 4), 0.0, math.sin(math.pi / 4), 0.0]).expand(env.num_envs, 4)
    return CharacterState(torch.tensor([0.0, 0.0, height]).expand(env.num_envs, 3).clone(), pitch.clone(),
                          torch.zeros_like(s.dof_pos), torch.zeros_like(s.root_vel), torch.zeros_like(s.root_vel),
                          torch.zeros_like(s.dof_vel))


def test_torso_on_the_ground_fails_and_time_out_does_not():
    from amp_studio.character import CharacterModel

    others = [b for b in CharacterModel().body_names if b != "torso"]
    # Only the torso may end the episode; action 0 holds the T-pose (zero-centred actions) as the body drops.
    env = make_env_from_files(ENV, ENGINE, 1, seed=0, env_overrides={
        "episode_length": 2.0, "contact_bodies": others, "zero_center_action": True})
    env.engine.reset(torch.arange(1), _lying_state(env, height=0.2))  # falls 9 cm onto its chest
    env.progress[:] = 0
    torso = env.character.body_id("torso")
    for step in range(1, 31):
        _, _, done, _ = env.step(torch.zeros(1, 28))
        touching = bool(env.engine.ground_contact[0, torso])
        if step > 1 and touching:
            assert done.item() == DoneFlag.FAIL
            break
        assert done.item() == DoneFlag.NULL
    else:
        pytest.fail("the torso never touched the ground")
    env.close()

    env = make_env_from_files(ENV, ENGINE, 2, seed=0, env_overrides={"episode_length": 0.2})
    dones = []
    for _ in range(6):
        _, _, done, _ = env.step(torch.zeros(2, 28))
        dones.append(done.clone())
    assert all((d == DoneFlag.NULL).all() for d in dones[:5])
    assert (dones[5] == DoneFlag.TIME).all()  # 0.2 s = 6 control steps, still standing: a time-out, not a fall
    env.close()


def test_early_termination_can_be_disabled():
    env = make_env_from_files(ENV, ENGINE, 1, seed=0, env_overrides={"enable_early_termination": False})
    env.engine.reset(torch.arange(1), _lying_state(env))
    for _ in range(3):
        _, _, done, _ = env.step(torch.zeros(1, 28))
    assert done.item() == DoneFlag.NULL
    env.close()


def test_physics_blow_up_ends_the_episode_as_a_failure():
    env = make_env_from_files(ENV, ENGINE, 3, seed=0)
    s = env.engine.get_state()
    wild = CharacterState(s.root_pos.clone(), s.root_rot.clone(), s.dof_pos.clone(), s.root_vel.clone(),
                          s.root_ang_vel.clone(), s.dof_vel.clone())
    wild.dof_vel[1] = 1e12
    env.engine.reset(torch.arange(3), wild)
    _, _, done, info = env.step(torch.zeros(3, 28))
    assert done[1] == DoneFlag.FAIL
    assert torch.isfinite(info["disc_obs"]).all()
    env.close()


def test_actions_map_to_joint_ranges():
    env = make_env_from_files(ENV, ENGINE, 1, seed=0)
    lo, hi = env.character.dof_lower, env.character.dof_upper
    assert torch.allclose(env.action_to_targets(-torch.ones(1, 28)), lo.unsqueeze(0))
    assert torch.allclose(env.action_to_targets(torch.ones(1, 28)), hi.unsqueeze(0))
    env.close()
    centred = make_env_from_files(ENV, ENGINE, 1, seed=0, env_overrides={"zero_center_action": True})
    assert torch.equal(centred.action_to_targets(torch.zeros(1, 28)), torch.zeros(1, 28))
    centred.close()


def test_location_targets(deepmimic_dir):
    env = _walk_env(deepmimic_dir, n=3, path=LOCATION, tar_change_time_min=0.1, tar_change_time_max=0.1)
    assert env.obs_dim == 130
    root = env.engine.get_state().root_pos[:, :2]
    assert ((env.target - root).norm(dim=-1) <= 10.0 + 1e-4).all()
    held = root + torch.tensor([0.2, 0.0])
    env.set_target(torch.tensor([0]), held[:1])
    before = env.target.clone()
    for _ in range(4):  # 0.1 s = 3 steps: free targets are re-drawn, the held one stays
        _, reward, _, info = env.step(torch.zeros(3, 28))
    assert torch.equal(env.target[0], before[0])
    assert not torch.equal(env.target[1:], before[1:])
    assert info["success"][0] and info["target_distance"][0] < 0.5
    assert reward.shape == (3,) and (reward > 0).all() and (reward <= 1).all()
    # The policy sees the target in its heading frame (last two values).
    s = env.engine.get_state()
    from amp_studio.envs.amp_obs import heading_frame_offset

    assert torch.allclose(env._obs[:, -2:], heading_frame_offset(s.root_rot, env.target - s.root_pos[:, :2],
                                                                 env.config.heading))
    env.close()


def test_view_motion_plays_the_clip_kinematically(deepmimic_dir):
    from amp_studio.envs import make_env

    name, config, overrides = load_env_config(ENV, {"motion_file": str(deepmimic_dir / "humanoid3d_walk.txt")})
    env = make_env("view_motion", config, load_engine_config(ENGINE, overrides), 1)
    clip = torch.zeros(1, dtype=torch.long)
    for i in range(1, 50):
        env.step(None)
        s = env.motion_lib.get_state(clip, torch.tensor([i / 30], dtype=torch.float64))
        pos, _ = env.character.forward_kinematics(s.root_pos, s.root_rot, s.dof_pos)
        assert (env.engine.body_pos - pos).abs().max() < 1e-4
    env.close()


def test_failed_starts_are_drawn_more_often_in_training(tmp_path, deepmimic_dir):
    from amp_studio.runs.training import make_training

    dataset = tmp_path / "walk_and_run.yaml"
    dataset.write_text(f"motions:\n  - {{file: {deepmimic_dir / 'humanoid3d_walk.txt'}, weight: 1.0}}\n"
                       f"  - {{file: {deepmimic_dir / 'humanoid3d_run.txt'}, weight: 1.0}}\n")
    overrides = {"motion_file": str(dataset), "start_fail_weight": 4.0}
    evaluation = make_env_from_files(ENV, ENGINE, 2, seed=0, env_overrides=overrides)
    assert evaluation.start_priority is None  # evaluations and test mode start by the clip weights alone
    evaluation.close()
    env = make_training(ENV, ENGINE, "data/agents/amp_humanoid_agent.yaml", 64, seed=0, env_overrides=overrides,
                        log=lambda line: None).env
    # Every run episode fell, no walk episode: mean share 0.5, so the run weighs 1 + 4 x 2 = 9 against the walk's 1.
    env.start_priority.record(torch.tensor([0] * 50 + [1] * 50), torch.tensor([False] * 50 + [True] * 50))
    env._pending_starts = {}
    env.reset()
    runs = int((env.episode_clips == 1).sum())
    assert 48 <= runs <= 64  # 57.6 expected of 64
    env.close()


def test_hard_frames_are_started_from_more_often_in_training_only(deepmimic_dir):
    from amp_studio.runs.training import make_training

    overrides = {"motion_file": str(deepmimic_dir / "humanoid3d_backflip.txt"), "rand_reset_hard_weight": 4.0}

    def hard_share(env) -> float:  # of the starts the env draws next (one clip: its frames are the library's)
        env._pending_starts = {}
        times = env._take_random_starts(256)["time"]
        frames = (times * float(env.motion_lib.clip_fps[0])).floor().long()
        return float(env.motion_lib.hard_frames()[frames].double().mean())

    evaluation = make_env_from_files(ENV, ENGINE, 256, seed=0, env_overrides=overrides)
    uniform = hard_share(evaluation)  # evaluations and test mode start at uniform times
    evaluation.close()
    env = make_training(ENV, ENGINE, "data/agents/amp_humanoid_agent.yaml", 256, seed=0, env_overrides=overrides,
                        log=lambda line: None).env
    weighted = hard_share(env)
    env.close()
    assert 0.2 < uniform < 0.6 and weighted > uniform + 0.2


def test_falls_are_recorded_against_the_clip_the_episode_started_in():
    from amp_studio.character import CharacterModel

    others = [b for b in CharacterModel().body_names if b != "torso"]
    env = make_env_from_files(ENV, ENGINE, 1, seed=0, env_overrides={"contact_bodies": others,
                                                                    "zero_center_action": True,
                                                                    "start_fail_weight": 1.0})
    env.use_training_starts()
    env.engine.reset(torch.arange(1), _lying_state(env, height=0.2))
    env.progress[:] = 0
    for _ in range(30):
        _, _, done, _ = env.step(torch.zeros(1, 28))
        if done.item() != DoneFlag.NULL:
            break
    assert done.item() == DoneFlag.FAIL
    clip = int(env.episode_clips[0])
    assert env.start_priority.falls[clip] == 1.0 and env.start_priority.ends.sum() == 1.0
    env.close()
