from __future__ import annotations

import pytest

from amp_studio.errors import AmpStudioError
from amp_studio.learning.agent_config import load_agent_config
from amp_studio.runs.resources import available_memory, check_training_memory, training_memory
from amp_studio.runs.training import make_training

AGENT = "data/agents/amp_humanoid_agent.yaml"


def test_memory_estimate_grows_with_envs_and_names_what_fits():
    config = load_agent_config(AGENT)
    one, many = training_memory(1, 128, 28, 260, config), training_memory(1000, 128, 28, 260, config)
    assert 150_000 < (many - one) / 999 < 1_000_000  # per env (measured: 213 KB); the replay buffer once
    check_training_memory(256, 128, 28, 260, config, available=10**10)
    with pytest.raises(AmpStudioError, match=r"num_envs 100,000 needs about [\d.]+ GB of memory and 1.0 GB is free; "
                                             r"at most about [\d,]+ envs fit"):
        check_training_memory(100_000, 128, 28, 260, config, available=10**9)
    with pytest.raises(AmpStudioError, match="num_envs must be at least 1, got -1"):
        check_training_memory(-1, 128, 28, 260, config)
    assert available_memory() is None or available_memory() > 0


def test_a_run_too_big_for_memory_is_refused_before_it_starts(tmp_path):
    with pytest.raises(AmpStudioError, match="num_envs 1,000,000,000,000 needs about"):
        make_training("data/envs/amp_humanoid_env.yaml", "data/engines/mujoco_engine.yaml", AGENT, 10**12,
                      out_dir=tmp_path / "run", log=lambda line: None)
    assert not (tmp_path / "run").exists()  # nothing written either
