"""A steering run end to end: test mode judges heading and speed, `--record_clip` stores the commands per frame so
that the recording alone can be judged the same way, and the ONNX export describes the command's observations."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from amp_studio import DATA_DIR
from amp_studio.cli import main
from amp_studio.motion import load_clip
from amp_studio.runs.evaluation import evaluate
from amp_studio.runs.onnx_export import export_onnx
from amp_studio.runs.rollout_recording import record_rollout
from amp_studio.runs.steering_judge import judge_recording
from amp_studio.runs.training import make_training

ENV = DATA_DIR / "envs" / "amp_steering_humanoid_env.yaml"
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"
AGENT = DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml"


@pytest.fixture(scope="module")
def steering_run(tmp_path_factory, deepmimic_dir):
    """Two iterations of a steering run on the walk and the run, with commands changing every 1-2 s."""
    folder = tmp_path_factory.mktemp("steering")
    dataset = folder / "walk_and_run.yaml"
    dataset.write_text(f"motions:\n  - {{file: {deepmimic_dir / 'humanoid3d_walk.txt'}, weight: 1.0}}\n"
                       f"  - {{file: {deepmimic_dir / 'humanoid3d_run.txt'}, weight: 1.0}}\n")
    overrides = {"motion_file": str(dataset), "tar_change_time_min": 1.0, "tar_change_time_max": 2.0,
                 "episode_length": 5.0, "enable_early_termination": False}
    runner = make_training(ENV, ENGINE, AGENT, 8, seed=0, out_dir=folder / "run", env_overrides=overrides,
                           agent_overrides={"steps_per_iter": 8}, logger="txt", log=lambda line: None)
    runner.train(max_iterations=2)
    checkpoint = runner.save_checkpoint(folder / "steering.pt")
    return runner, checkpoint, overrides


def test_a_recorded_run_carries_its_commands_and_judges_as_the_evaluation(steering_run):
    runner, _, _ = steering_run
    env = runner.env
    clip, _ = record_rollout(env, runner.agent, 5.0)
    assert clip.task_commands.shape == (clip.num_frames, 3) and clip.num_frames > 100
    assert np.allclose(np.linalg.norm(clip.task_commands[:, :2], axis=-1), 1.0, atol=1e-5)
    lo, hi = env.speed_range
    assert (clip.task_commands[:, 2] >= lo - 1e-6).all() and (clip.task_commands[:, 2] <= hi + 1e-6).all()
    assert len(np.unique(clip.task_commands[:, 2])) >= 2  # commands changed during the recording
    judged = judge_recording(clip.frames[:, :2], clip.task_commands, clip.fps)
    assert 0 <= judged["heading_error_deg_median"] <= 180 and judged["judged_seconds"] > 0.5
    result = evaluate(env, runner.agent, 4, pose_error=False)
    for key in ("heading_error_deg_median", "speed_error_median", "task_return", "judged_seconds"):
        assert np.isfinite(result[key]), key
    assert result["judged_seconds"] > 0  # each command is judged only from 1.5 s after it came


def test_test_mode_reports_the_errors_and_records_the_commands(steering_run, tmp_path, capsys):
    _, checkpoint, _ = steering_run
    out = tmp_path / "drive.pkl"
    code = main(["--mode", "test", "--model_configs", "true", "--num_envs", "2", "--model_file", str(checkpoint),
                 "--test_episodes", "2", "--record_clip", str(out), "--json"])
    text = capsys.readouterr().out
    assert code == 0, text
    figures = json.loads(text.strip().splitlines()[-1])
    assert {"heading_error_deg_median", "speed_error_median", "fall_rate"} <= set(figures)
    clip = load_clip(out, 28)
    assert clip.task_commands.shape == (clip.num_frames, 3)


def test_the_onnx_export_names_the_command_observations(steering_run, tmp_path):
    _, checkpoint, _ = steering_run
    meta = {p.key: p.value for p in onnx.load(str(export_onnx(checkpoint, tmp_path / "s.onnx"))).metadata_props}
    names = [name for name, _ in json.loads(meta["observation_layout"])]
    assert names[-3:] == ["command_direction_xy (heading frame: twist)", "command_speed (m/s)",
                          "command_facing_xy (heading frame: twist)"]


def test_the_replay_video_shows_the_command_and_velocity_not_a_ghost(steering_run):
    from amp_studio.runs.policy_video import policy_video_frames

    runner, _, _ = steering_run
    frames = list(policy_video_frames(runner.env, runner.agent, 1.0, 10.0))
    assert len(frames) == 10 and all(f.ghost is None and f.target is None for f in frames)
    assert all(len(f.command) == 3 and len(f.velocity) == 2 for f in frames)
    assert frames[-1].command == pytest.approx(tuple(runner.env.command()[0].tolist()))
