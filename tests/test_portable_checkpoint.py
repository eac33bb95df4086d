"""A full checkpoint without its replay buffer (benchmarks/learning/portable_checkpoint.py) resumes a run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from amp_studio.runs.checkpoints import load_checkpoint, policy_state, save_checkpoint
from tests.runs.test_runner import _runner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "learning"))

from portable_checkpoint import without_replay  # noqa: E402


def test_a_run_resumes_from_the_small_file_with_everything_but_the_buffer(tmp_path):
    first = _runner(tmp_path, "first")
    first.train(max_iterations=3)
    latest = tmp_path / "first" / "checkpoints" / "latest.pt"
    small = tmp_path / "small.pt"
    save_checkpoint(without_replay(load_checkpoint(latest)), small)
    assert small.stat().st_size < latest.stat().st_size
    assert load_checkpoint(small)["agent"]["replay"]["size"] == 0

    resumed = _runner(tmp_path, "resumed", seed=123)
    assert resumed.load_checkpoint(small) == "full"
    assert resumed.iteration == 3 and resumed.agent.replay.size == 0
    for a, b in zip(first.agent.actor.parameters(), resumed.agent.actor.parameters(), strict=True):
        assert torch.equal(a, b)
    resumed.train(max_iterations=5)
    assert resumed.iteration == 5 and resumed.agent.replay.size > 0  # the first rollout refilled it


def test_a_policy_only_file_is_refused(tmp_path):
    run = _runner(tmp_path, "run")
    run.train(max_iterations=1)
    with pytest.raises(ValueError, match="policy-only"):
        without_replay(policy_state(load_checkpoint(tmp_path / "run" / "checkpoints" / "latest.pt")))
