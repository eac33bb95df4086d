"""ADD as a training method: the add env with the ADD agent trains and resumes exactly from the same files as AMP's
runs, and a method paired with the other method's env is refused, naming the agent config."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from amp_studio.config_loading import ConfigError
from amp_studio.learning.add_agent import ADDAgent
from amp_studio.runs.rollout_recording import record_rollout
from amp_studio.runs.training import make_training
from tests.runs.test_runner import TINY, _params

ENV = "data/envs/add_humanoid_env.yaml"
ENGINE = "data/engines/mujoco_engine.yaml"
AGENT = "data/agents/add_humanoid_agent.yaml"


def _runner(tmp_path, name, seed=0):
    return make_training(ENV, ENGINE, AGENT, 8, seed=seed, out_dir=tmp_path / name, agent_overrides=TINY,
                         log=lambda line: None)


def test_add_trains_and_resumes_exactly(tmp_path):
    straight = _runner(tmp_path, "straight")
    assert isinstance(straight.agent, ADDAgent)
    straight.train(max_iterations=4)
    first = _runner(tmp_path, "first")
    first.train(max_iterations=2)
    resumed = _runner(tmp_path, "resumed", seed=7)
    resumed.load_checkpoint(tmp_path / "first" / "checkpoints" / "latest.pt")
    resumed.train(max_iterations=4)
    for a, b in zip(_params(straight), _params(resumed), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(straight.env.clip_times(), resumed.env.clip_times())
    metrics = straight.train_iteration()
    assert 0 < metrics["task_reward_mean"] <= 1  # the tracking reward, for the plots
    assert "disc_demo_logit" in metrics or "disc_demo_logit" in straight.agent.wait()


@pytest.mark.parametrize("env, agent", [(ENV, "data/agents/amp_humanoid_agent.yaml"),
                                        ("data/envs/amp_humanoid_env.yaml", AGENT)])
def test_a_method_with_the_other_methods_env_is_refused(env, agent):
    with pytest.raises(ConfigError, match="cannot train env_name") as caught:
        make_training(env, ENGINE, agent, 2, log=lambda line: None)
    assert caught.value.path is not None and str(caught.value.path).endswith(agent.split("/")[-1])


def test_mirror_augment_is_refused_for_add():
    with pytest.raises(ConfigError, match="mirror_augment"):
        make_training(ENV, ENGINE, AGENT, 2, agent_overrides={"mirror_augment": True}, log=lambda line: None)


def test_the_exported_observation_layout_covers_the_add_env():
    from amp_studio.engines import load_engine_config
    from amp_studio.envs import make_env
    from amp_studio.envs.env_config import load_env_config
    from amp_studio.runs.onnx_export import observation_layout

    name, config, engine_overrides = load_env_config(ENV)
    env = make_env(name, config, load_engine_config(ENGINE, engine_overrides), 1, seed=0)
    layout = observation_layout(env.character, config, name)
    assert sum(size for _, size in layout) == env.obs_dim
    assert any(label.startswith("clip_pose_3_steps_ahead") for label, _ in layout)
    env.close()


def test_a_tracking_recording_starts_where_the_env_says(tmp_path, deepmimic_dir):
    """On a looped skill the recording begins at recording_start's clip time, the clip's pose there."""
    runner = make_training(ENV, ENGINE, AGENT, 2, seed=3, agent_overrides=TINY, log=lambda line: None,
                           env_overrides={"motion_file": str(deepmimic_dir / "humanoid3d_cartwheel.txt")})
    env = runner.env
    clip_id, start = env.recording_start(2.0)
    clip, _ = record_rollout(env, runner.agent, 2.0)
    expected = env.motion_lib.get_state(torch.tensor([clip_id]), torch.tensor([start], dtype=env.motion_lib.dtype))
    assert np.allclose(clip.frames[0, :3], expected.root_pos[0].double().numpy(), atol=1e-4)
    env.close()
