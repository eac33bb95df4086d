"""The ONNX policy: the same PD targets as the torch policy, the same walk when it drives the simulation."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterModel
from amp_studio.engines.spherical_targets import clamp_spherical_targets
from amp_studio.learning.normalizer import Normalizer
from amp_studio.runs.checkpoints import CheckpointError, load_checkpoint
from amp_studio.runs.onnx_export import PolicyGraph, build_policy_graph, export_onnx
from amp_studio.runs.training import make_training

MODEL = DATA_DIR / "models" / "amp_humanoid_walk_model.pt"
ENV = DATA_DIR / "envs" / "amp_humanoid_env.yaml"  # the bundled clip: no shared files needed
ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"
AGENT = DATA_DIR / "agents" / "amp_humanoid_agent.yaml"
WALK_FRAME = {"heading": "x_axis"}  # the frame the shipped walk was trained to observe in


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = export_onnx(MODEL, tmp_path_factory.mktemp("onnx") / "walk.onnx")
    return path, ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _runner(n: int):
    runner = make_training(ENV, ENGINE, AGENT, n, seed=3, env_overrides=WALK_FRAME, log=lambda line: None)
    runner.load_policy(MODEL)
    return runner


def _torch_targets(env, agent, obs):
    actions, _ = agent.act(obs, deterministic=True)
    return clamp_spherical_targets(env.action_to_targets(actions), env.engine._ball_dofs)


def test_onnx_targets_equal_torch_on_1000_recorded_observations(exported):
    _, session = exported
    runner = _runner(8)
    env, agent = runner.env, runner.agent
    obs_log, target_log = [], []
    obs = env.reset()
    for _ in range(125):
        obs_log.append(obs.clone())
        target_log.append(_torch_targets(env, agent, obs))
        obs, _, done, _ = env.step(agent.act(obs, deterministic=True)[0])
        if done.any():
            obs = env.reset(done.nonzero().flatten())
    obs_all, torch_all = torch.cat(obs_log), torch.cat(target_log)
    assert len(obs_all) == 1000
    onnx_all = session.run(None, {"obs": obs_all.numpy()})[0]
    assert onnx_all.shape == (1000, 28)
    assert np.abs(onnx_all - torch_all.numpy()).max() < 1e-5
    env.close()


def _rollout(policy, steps: int = 300, n: int = 8) -> tuple[int, float]:
    """Falls and mean root speed of n envs over steps control steps, driven by policy(env, agent, obs) targets."""
    runner = _runner(n)
    env, agent = runner.env, runner.agent
    obs = env.reset()
    falls, speeds = 0, []
    for _ in range(steps):
        targets = policy(env, agent, obs)
        obs, _, done, _ = env.step((targets - env.action_offset) / env.action_scale)
        speeds.append(env.engine.get_state().root_vel[:, :2].norm(dim=-1).mean().item())
        falls += int((done == 1).sum())
        if done.any():
            obs = env.reset(done.nonzero().flatten())
    env.close()
    return falls, float(np.mean(speeds))


def test_an_onnx_driven_replay_walks_like_the_torch_one(exported):
    _, session = exported

    def onnx_policy(env, agent, obs):
        return torch.from_numpy(session.run(None, {"obs": obs.numpy()})[0])

    torch_falls, torch_speed = _rollout(_torch_targets)
    onnx_falls, onnx_speed = _rollout(onnx_policy)
    assert onnx_falls == torch_falls
    assert onnx_speed == pytest.approx(torch_speed, abs=0.02)
    assert torch_speed > 0.5  # the shipped walk walks


def test_metadata_says_how_to_wire_the_policy(exported):
    path, _ = exported
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    layout = json.loads(meta["observation_layout"])
    assert sum(size for _, size in layout) == int(meta["observation_size"]) == 128
    assert json.loads(meta["dof_names"]) == CharacterModel().dof_names
    assert (int(meta["control_hz"]), int(meta["physics_hz"])) == (30, 120)
    assert len(json.loads(meta["pd_kp"])) == len(json.loads(meta["pd_kd"])) == 28
    assert meta["character_file"] == "humanoid.xml" and meta["project_version"]


def test_the_graph_holds_spherical_targets_as_the_engine_does():
    ball_dofs = torch.from_numpy(CharacterModel().ball.ball_dofs)
    identity = PolicyGraph(Normalizer(28, clip=1e9), torch.nn.Identity(), torch.zeros(28), torch.ones(28), ball_dofs)
    wild = 4.0 * torch.randn(500, 28, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(identity(wild), clamp_spherical_targets(wild, ball_dofs), atol=1e-6)


def test_a_checkpoint_without_configs_is_refused_by_name(tmp_path):
    state = load_checkpoint(MODEL)
    state["configs"] = {}
    bad = tmp_path / "bare.pt"
    torch.save(state, bad)
    with pytest.raises(CheckpointError, match="bare.pt.*configs"):
        build_policy_graph(bad)
