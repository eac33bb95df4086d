"""Runs on the G1 robot as on the humanoid: exports (an ONNX policy with its 29 actions equal to torch's, a
recorded rollout as a G1 clip, a replay video), evaluation, and the location task, from a run on the robot (a few
iterations on a standing clip written by the test)."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterModel
from amp_studio.cli import main
from amp_studio.engines.spherical_targets import clamp_spherical_targets
from amp_studio.motion import MotionClip, load_clip, save_clip
from amp_studio.runs.onnx_export import export_onnx
from amp_studio.runs.rollout_recording import record_rollout
from amp_studio.runs.training import make_training

G1 = DATA_DIR / "assets" / "g1" / "g1.xml"
ENV = DATA_DIR / "envs" / "amp_g1_walk_env.yaml"
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"
AGENT = DATA_DIR / "agents" / "amp_humanoid_agent.yaml"


@pytest.fixture(scope="module")
def g1_run(tmp_path_factory):
    """A checkpoint of a G1 run: two iterations on a clip of the robot standing with its knees a little bent."""
    folder = tmp_path_factory.mktemp("g1")
    g1 = CharacterModel(G1)
    frames = np.zeros((60, 6 + g1.num_dofs))
    frames[:, 2] = 0.76
    for name, angle in (("hip_pitch_joint", -0.2), ("knee_joint", 0.42), ("ankle_pitch_joint", -0.23)):
        for side in ("left", "right"):
            frames[:, 6 + g1.dof_names.index(f"{side}_{name}")] = angle
    clip_path = folder / "g1_stand.pkl"
    save_clip(MotionClip(30.0, "wrap", frames, name="g1_stand"), clip_path)
    overrides = {"motion_file": str(clip_path)}
    runner = make_training(ENV, ENGINE, AGENT, 8, seed=0, out_dir=folder / "run", env_overrides=overrides,
                           agent_overrides={"steps_per_iter": 8}, logger="txt", log=lambda line: None)
    runner.train(max_iterations=2)
    checkpoint = runner.save_checkpoint(folder / "g1.pt")
    return runner, checkpoint, clip_path


def test_the_onnx_policy_gives_the_robots_29_targets_as_torch_does(g1_run, tmp_path):
    runner, checkpoint, _ = g1_run
    path = export_onnx(checkpoint, tmp_path / "g1.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    env, agent = runner.env, runner.agent
    obs = env.reset()
    observed, targets = [], []
    for _ in range(20):
        actions, _ = agent.act(obs, deterministic=True)
        observed.append(obs.clone())
        targets.append(clamp_spherical_targets(env.action_to_targets(actions), env.engine._ball_dofs))
        obs, _, done, _ = env.step(actions)
        if done.any():
            obs = env.reset(done.nonzero().flatten())
    out = session.run(None, {"obs": torch.cat(observed).numpy()})[0]
    assert out.shape == (160, 29)
    assert np.abs(out - torch.cat(targets).numpy()).max() < 1e-5
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["dof_names"]) == CharacterModel(G1).dof_names
    assert meta["character_file"] == "g1.xml" and len(json.loads(meta["pd_kp"])) == 29


def test_a_recorded_rollout_is_a_g1_clip_of_the_simulated_bodies(g1_run, tmp_path):
    runner, _, _ = g1_run
    clip, bodies = record_rollout(runner.env, runner.agent, 1.0)
    save_clip(clip, tmp_path / "rollout.pkl")
    loaded = load_clip(tmp_path / "rollout.pkl", 29)
    pos, _ = CharacterModel(G1).forward_kinematics_frames(torch.from_numpy(loaded.frames))
    assert np.abs(pos.double().numpy() - bodies).max() < 1e-4


def test_test_mode_renders_a_g1_replay_video(g1_run, tmp_path, capsys):
    _, checkpoint, clip_path = g1_run
    out = tmp_path / "g1.mp4"
    code = main(["--mode", "test", "--model_file", str(checkpoint), "--model_configs", "true", "--num_envs", "1",
                 "--test_episodes", "1",
                 "--motion_file", str(clip_path), "--video", str(out), "--video_seconds", "1",
                 "--video_size", "160x120", "--video_fps", "10"])
    assert code == 0 and "wrote" in capsys.readouterr().out
    assert out.stat().st_size > 1000


def test_the_g1_is_evaluated_like_the_humanoid(g1_run):
    """Fall rate, pose error against its clip and speed from the robot's own key bodies; a replay of the clip
    itself has no pose error."""
    from amp_studio.runs.evaluation import evaluate, pose_error_to_clips, relative_body_positions

    runner, _, _ = g1_run
    env = runner.env
    figures = evaluate(env, runner.agent, 2)
    assert 0.0 <= figures["fall_rate"] <= 1.0 and np.isfinite(figures["pose_error_dtw"])
    times = torch.arange(0.0, env.config.episode_length, env.dt, dtype=torch.float64)
    state = env.motion_lib.get_state(torch.zeros(len(times), dtype=torch.long), times)
    pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    episode = relative_body_positions(env, pos, state.root_pos, state.root_rot).numpy()
    assert pose_error_to_clips(env, episode) < 1e-4


def test_the_location_task_runs_on_the_g1(g1_run):
    from amp_studio.envs import make_env_from_files

    _, _, clip_path = g1_run
    env = make_env_from_files(str(DATA_DIR / "envs" / "amp_location_humanoid_env.yaml"), str(ENGINE), 4,
                              env_overrides={"char_file": str(G1), "motion_file": str(clip_path),
                                             "key_bodies": None, "contact_bodies": None})
    assert env.action_dim == 29
    obs = env.reset()
    for _ in range(10):
        obs, reward, done, info = env.step(torch.zeros(4, 29))
    assert torch.isfinite(obs).all() and torch.isfinite(reward).all()
    env.close()
