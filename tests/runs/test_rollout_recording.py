"""A recorded rollout is a clip whose forward kinematics is the simulation it came from."""

from __future__ import annotations

import json

import numpy as np
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterModel
from amp_studio.cli import main
from amp_studio.motion import load_clip, save_clip
from amp_studio.runs.rollout_recording import record_rollout
from amp_studio.runs.training import make_training

MODEL = DATA_DIR / "models" / "amp_humanoid_walk_model.pt"
ENV = DATA_DIR / "envs" / "amp_humanoid_env.yaml"
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"
AGENT = DATA_DIR / "agents" / "amp_humanoid_agent.yaml"
WALK_FRAME = {"heading": "x_axis"}  # the frame the shipped walk was trained to observe in


def test_the_recorded_clip_reproduces_the_simulated_bodies(tmp_path):
    runner = make_training(ENV, ENGINE, AGENT, 2, seed=1, env_overrides=WALK_FRAME, log=lambda line: None)
    runner.load_policy(MODEL)
    clip, bodies = record_rollout(runner.env, runner.agent, 4.0)
    runner.env.close()
    assert clip.num_frames == len(bodies) > 60 and clip.fps == 30
    save_clip(clip, tmp_path / "rollout.pkl")
    loaded = load_clip(tmp_path / "rollout.pkl", 28)
    pos, _ = CharacterModel().forward_kinematics_frames(torch.from_numpy(loaded.frames))
    assert np.abs(pos.double().numpy() - bodies).max() < 1e-4
    assert np.linalg.norm(loaded.frames[-1, :2] - loaded.frames[0, :2]) > 1.0  # it walked somewhere


def test_cli_test_mode_records_a_clip(tmp_path, capsys):
    out = tmp_path / "walked.pkl"
    code = main(["--mode", "test", "--env_config", str(ENV), "--agent_config", str(AGENT), "--num_envs", "2",
                 "--model_file", str(MODEL), "--test_episodes", "2", "--record_clip", str(out), "--json"])
    printed = capsys.readouterr().out
    assert code == 0 and "recorded" in printed and "0 inversions" in printed
    recording = json.loads(printed.strip().splitlines()[-1])["recording"]  # judged from the file's root alone
    assert recording["inversions"] == 0 and recording["seconds"] > 0.3
    assert load_clip(out, 28).num_frames > 10
    assert main(["--mode", "test", "--model_file", str(MODEL), "--record_clip", str(tmp_path / "x.txt")]) == 1
    assert "x.txt" in capsys.readouterr().err
