"""A real Python 3.8 worker, where one is set up: AMP_STUDIO_PYTHON38 names its interpreter (an environment with
README's "Isaac Gym workers" packages). It trains and tests on the Isaac Gym adapter through the in-repo fake of
Isaac Gym, launched from this Python with --worker_python as the app launches Isaac Gym workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAKE = REPO / "tests" / "engines" / "fake_isaacgym"
PYTHON38 = os.environ.get("AMP_STUDIO_PYTHON38")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not PYTHON38, reason="set AMP_STUDIO_PYTHON38 to a Python 3.8 with torch, numpy, mujoco, PyYAML and tensorboard")]


def test_train_and_test_under_python_38(tmp_path):
    launcher = tmp_path / "python38"
    launcher.write_text(f'#!/bin/sh\nPYTHONPATH={FAKE}${{PYTHONPATH:+:$PYTHONPATH}} exec "{PYTHON38}" "$@"\n')
    launcher.chmod(0o755)
    common = ["--engine_config", "data/engines/isaac_gym_engine.yaml", "--worker_python", str(launcher)]
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "main.py", "--mode", "train", *common, "--num_envs", "4",
                           "--max_samples", "300", "--out_dir", str(run)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "iter     3" in done.stdout and (run / "checkpoints" / "latest.pt").is_file()
    done = subprocess.run([sys.executable, "main.py", "--mode", "test", *common, "--num_envs", "2", "--model_file",
                           str(run / "checkpoints" / "latest.pt"), "--test_episodes", "2", "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pose_error_dtw" in json.loads(done.stdout.strip().splitlines()[-1])
