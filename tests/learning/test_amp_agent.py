from __future__ import annotations

import math

import torch

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning.agent_config import AgentConfig, ModelConfig
from amp_studio.learning.amp_agent import AMPAgent, action_bound_loss, style_reward
from amp_studio.learning.rollout_storage import RolloutStorage


def _tiny(**kw) -> AgentConfig:
    return AgentConfig(model=ModelConfig(actor_net=[16], critic_net=[16], disc_net=[16]), steps_per_iter=4,
                       disc_buffer_size=64, disc_replay_samples=8, **kw)


def test_style_reward_formula():
    logits = torch.tensor([-30.0, 0.0, 2.0, 30.0])
    r = style_reward(logits, 2.0)
    expected = [-2 * math.log(1 - 1 / (1 + math.exp(30))), 2 * math.log(2), -2 * math.log(1 - 1 / (1 + math.exp(-2))),
                -2 * math.log(1e-4)]
    assert torch.allclose(r, torch.tensor(expected), atol=1e-5)
    assert (r[1:] > r[:-1]).all()  # the more demo-like, the more reward


def test_action_bound_loss():
    mean = torch.tensor([[0.5, -0.5], [1.5, -2.0]])
    assert torch.allclose(action_bound_loss(mean), torch.tensor([0.0, 0.25 + 1.0]))


def test_log_prob_matches_torch_normal():
    agent = AMPAgent(_tiny(), 3, 2, 4)
    obs = torch.randn(5, 3)
    actions, logp = agent.act(obs)
    with torch.no_grad():
        mean = agent.actor(agent.obs_norm(obs))
    expected = torch.distributions.Normal(mean, agent.action_std).log_prob(actions).sum(-1)
    assert torch.allclose(logp, expected, atol=1e-4)
    assert torch.allclose(agent._log_prob(mean, actions), expected, atol=1e-4)


def _fake_rollout(agent: AMPAgent, n=8, t=4, obs_dim=3, disc_dim=4) -> RolloutStorage:
    gen = torch.Generator().manual_seed(1)
    storage = RolloutStorage(t, n, obs_dim, 2, disc_dim)
    for _ in range(t):
        obs = torch.randn(n, obs_dim, generator=gen)
        actions, logp = agent.act(obs)
        storage.add(obs, actions, logp, agent.evaluate_value(obs), torch.rand(n, generator=gen),
                    torch.full((n,), DoneFlag.NULL), torch.zeros(n), torch.randn(n, disc_dim, generator=gen))
    return storage


def test_gradient_penalty_reaches_the_discriminator():
    """With only the penalty to minimise, a step must change the discriminator (not a detached constant)."""
    agent = AMPAgent(_tiny(disc_grad_penalty=1.0, disc_logit_reg=0.0), 3, 2, 4)
    demo = torch.randn(32, 4, requires_grad=True)
    logits = agent.disc(demo).squeeze(-1)
    grad = torch.autograd.grad(logits.sum(), demo, create_graph=True)[0]
    penalty = (grad * grad).sum(-1).mean()
    penalty.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in agent.disc.parameters())


def test_update_reports_metrics_and_uses_current_weights():
    agent = AMPAgent(_tiny(), 3, 2, 4)
    storage = _fake_rollout(agent)
    m = agent.update(storage, torch.zeros(8), torch.randn(64, 4))
    for key in ("disc_reward_mean", "task_reward_mean", "reward_mean", "actor_loss", "critic_loss", "disc_loss",
                "disc_grad_penalty", "disc_agent_acc", "disc_demo_acc", "clip_frac", "approx_kl"):
        assert key in m and math.isfinite(m[key]), key
    assert m["disc_reward_weight"] == 1.0 and m["task_reward_weight"] == 0.0
    agent.set_reward_weights(disc_reward_weight=0.25, task_reward_weight=0.75)
    m2 = agent.update(_fake_rollout(agent), torch.zeros(8), torch.randn(64, 4))
    assert (m2["disc_reward_weight"], m2["task_reward_weight"]) == (0.25, 0.75)
    assert math.isclose(m2["reward_mean"], 0.25 * m2["disc_reward_mean"] + 0.75 * m2["task_reward_mean"],
                        rel_tol=1e-4)
    assert agent.replay.size > 0
