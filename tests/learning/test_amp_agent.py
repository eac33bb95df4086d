from __future__ import annotations

import math
import threading

import pytest
import torch

from amp_studio.envs.policy_mirror import AffineMirror, PolicyMirror
from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning.agent_config import AgentConfig, ModelConfig, OptimizerConfig
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
        storage.add(obs, actions, logp, torch.rand(n, generator=gen), torch.full((n,), DoneFlag.NULL), obs,
                    torch.randn(n, disc_dim, generator=gen))
    return storage


def _disc_grads(agent: AMPAgent, agent_obs: torch.Tensor, demo_obs: torch.Tensor) -> list[torch.Tensor]:
    agent.disc.zero_grad()
    loss, _ = agent.disc_loss(agent_obs, demo_obs)
    loss.backward()
    return [p.grad.clone() for p in agent.disc.parameters()]


def test_disc_loss_parts_all_train_the_discriminator():
    """The gradient penalty and the logit regularizer change the discriminator's gradient (none is detached)."""
    gen = torch.Generator().manual_seed(0)
    agent_obs, demo_obs = torch.randn(32, 4, generator=gen), torch.randn(32, 4, generator=gen) + 1.0
    base = AMPAgent(_tiny(disc_grad_penalty=0.0, disc_logit_reg=0.0), 3, 2, 4)
    state = base.disc.state_dict()
    plain = _disc_grads(base, agent_obs, demo_obs)
    for extra in ({"disc_grad_penalty": 5.0, "disc_logit_reg": 0.0}, {"disc_grad_penalty": 0.0, "disc_logit_reg": 1.0}):
        agent = AMPAgent(_tiny(**extra), 3, 2, 4)
        agent.disc.load_state_dict(state)
        grads = _disc_grads(agent, agent_obs, demo_obs)
        assert any(not torch.allclose(a, b) for a, b in zip(grads, plain, strict=True)), extra
    loss, stats = base.disc_loss(agent_obs, demo_obs)
    expected = 0.5 * (torch.nn.functional.softplus(base.disc(agent_obs)).mean()
                      + torch.nn.functional.softplus(-base.disc(demo_obs)).mean())
    assert torch.allclose(loss, expected, atol=1e-6)
    assert 0.0 <= stats["disc_agent_acc"] <= 1.0


def _demo(n: int) -> torch.Tensor:
    return torch.randn(n, 4) + 1.0


def test_update_reports_metrics_and_uses_current_weights():
    agent = AMPAgent(_tiny(background_updates=False), 3, 2, 4)
    storage = _fake_rollout(agent)
    m = agent.update(storage, torch.zeros(8, 3), _demo)
    for key in ("disc_reward_mean", "task_reward_mean", "reward_mean", "actor_loss", "critic_loss", "disc_loss",
                "disc_grad_penalty", "disc_agent_acc", "disc_demo_acc", "clip_frac", "approx_kl"):
        assert key in m and math.isfinite(m[key]), key
    assert m["disc_reward_weight"] == 1.0 and m["task_reward_weight"] == 0.0
    agent.set_reward_weights(disc_reward_weight=0.25, task_reward_weight=0.75)
    m2 = agent.update(_fake_rollout(agent), torch.zeros(8, 3), _demo)
    assert (m2["disc_reward_weight"], m2["task_reward_weight"]) == (0.25, 0.75)
    assert math.isclose(m2["reward_mean"], 0.25 * m2["disc_reward_mean"] + 0.75 * m2["task_reward_mean"],
                        rel_tol=1e-4)
    assert agent.replay.size > 0


def test_an_overflowing_probability_ratio_leaves_the_actor_finite():
    # Stored log-probabilities far below the current policy's: exp(log ratio) overflows float32, and without the
    # clamp its backward (0 * inf) turns every actor gradient, and then every weight, to NaN.
    agent = AMPAgent(_tiny(background_updates=False), 3, 2, 4)
    storage = _fake_rollout(agent)
    storage.log_probs[:] = -1e4
    m = agent.update(storage, torch.zeros(8, 3), _demo)
    assert all(torch.isfinite(p).all() for p in agent.actor.parameters())
    assert math.isfinite(m["actor_loss"])


def test_disc_normalizer_folds_in_the_agent_when_asked():
    """A feature the clips hold constant: from the clips alone its std is the floor, and the agent's least
    deviation reads as the clip; with the agent's observations folded in it is measured against their spread."""
    def constant_first(n: int) -> torch.Tensor:
        demo = _demo(n)
        demo[:, 0] = 0.0
        return demo

    stds = {}
    for with_agent in (False, True):
        agent = AMPAgent(_tiny(background_updates=False, disc_norm_agent_obs=with_agent), 3, 2, 4)
        agent.update(_fake_rollout(agent), torch.zeros(8, 3), constant_first)
        stds[with_agent] = agent.disc_obs_norm.std[0].item()
    assert stds[False] < 1.01e-4 and stds[True] > 0.5  # the floor; the fake agent's values are N(0, 1)
    floored = AMPAgent(_tiny(background_updates=False, disc_norm_min_std=0.1), 3, 2, 4)
    floored.update(_fake_rollout(floored), torch.zeros(8, 3), constant_first)
    assert floored.disc_obs_norm.std[0].item() == pytest.approx(0.1)


def _parameters(agent: AMPAgent) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for m in (agent.actor, agent.critic, agent.disc) for p in m.parameters()])


@pytest.mark.parametrize("schedule", [{}, {"actor_beside_background": True, "background_torch_threads": 1}],
                         ids=["after the policy's update", "beside it, on one thread"])
def test_background_updates_give_the_same_agent_and_report_late(schedule):
    """The critic and discriminator trained on a thread beside the next rollout (and, if asked, beside the
    policy's update): the same parameters as in line."""
    threads = torch.get_num_threads()
    agents = {bg: AMPAgent(_tiny(background_updates=bg, **(schedule if bg else {})), 3, 2, 4, seed=3)
              for bg in (False, True)}
    metrics = {}
    for bg, agent in agents.items():
        torch.manual_seed(7)
        metrics[bg] = [agent.update(_fake_rollout(agent), torch.zeros(8, 3), _demo) for _ in range(3)]
        agent.wait()
    torch.set_num_threads(threads)  # the background thread's setting may reach torch's global count
    assert torch.equal(_parameters(agents[False]), _parameters(agents[True]))
    assert "disc_loss" not in metrics[True][0] and "critic_loss" not in metrics[True][0]
    assert metrics[True][1]["disc_loss"] == metrics[False][0]["disc_loss"]
    assert metrics[True][2]["critic_loss"] == metrics[False][1]["critic_loss"]


def test_background_failure_is_raised_by_the_next_wait():
    agent = AMPAgent(_tiny(), 3, 2, 4)

    def broken_demo(n: int) -> torch.Tensor:
        raise ValueError("demo clip unreadable")

    agent.update(_fake_rollout(agent), torch.zeros(8, 3), broken_demo)
    try:
        agent.wait()
    except ValueError as exc:
        assert "demo clip unreadable" in str(exc)
    else:
        raise AssertionError("the background error was swallowed")
    assert agent.wait() == {}  # raised once


def test_only_what_no_background_update_is_writing_is_offered_for_checking():
    agent = AMPAgent(_tiny(), 3, 2, 4)
    everything = set(agent.named_modules())
    assert set(agent.settled_modules()) == everything
    release = threading.Event()

    def slow_demo(n: int) -> torch.Tensor:
        release.wait(10)
        return _demo(n)

    agent.update(_fake_rollout(agent), torch.zeros(8, 3), slow_demo)  # the background now waits on the demo
    busy = {"critic", "discriminator", "discriminator observation normalizer"}
    assert set(agent.settled_modules()) == everything - busy
    release.set()
    agent.finish_background()
    assert set(agent.settled_modules()) == everything
    assert "disc_loss" in agent.wait()  # finishing kept the metrics for wait()


def test_time_outs_bootstrap_from_the_value_of_the_state_before_the_reset():
    agent = AMPAgent(_tiny(background_updates=False), 3, 2, 4)
    storage = _fake_rollout(agent)
    storage.dones[1, 2] = DoneFlag.TIME
    storage.dones[2, 5] = DoneFlag.FAIL
    storage.final_obs[1, 2] = torch.tensor([5.0, -1.0, 2.0])
    obs_norm = agent.obs_norm(storage.obs.reshape(-1, 3))
    values, last_values, timeout_values = agent._values(storage, obs_norm, torch.ones(8, 3))
    with torch.no_grad():
        expected = agent.critic(agent.obs_norm(storage.final_obs[1, 2:3])).squeeze()
        assert torch.allclose(values, agent.critic(obs_norm).reshape(4, 8))
        assert torch.allclose(last_values, agent.critic(agent.obs_norm(torch.ones(8, 3))).squeeze(-1))
    assert torch.allclose(timeout_values[1, 2], expected)
    assert timeout_values.count_nonzero() == 1


def _one_sided_rollout(agent: AMPAgent, gen: torch.Generator, n=64, t=4) -> RolloutStorage:
    """Observations (1, s, 0) with s > 0 only; the task rewards the second action component."""
    storage = RolloutStorage(t, n, 3, 2, 4)
    for _ in range(t):
        obs = torch.stack((torch.ones(n), 0.5 + torch.rand(n, generator=gen), torch.zeros(n)), dim=-1)
        actions, logp = agent.act(obs)
        storage.add(obs, actions, logp, actions[:, 1], torch.full((n,), DoneFlag.NULL), obs, torch.zeros(n, 4))
    return storage


_S_FLIP = PolicyMirror(AffineMirror.signed([0, 1, 2], [1.0, -1.0, 1.0]), AffineMirror.signed([0, 1], [1.0, -1.0]))
"""The toy task's mirror: s -> -s, a1 -> -a1."""


def _task_only(**kw) -> AgentConfig:
    """A tiny agent on the task reward alone, with a fast actor (the one-sided rollouts' updates)."""
    return _tiny(background_updates=False, task_reward_weight=1.0, disc_reward_weight=0.0,
                 actor_optimizer=OptimizerConfig(type="Adam", learning_rate=3e-3), **kw)


def test_mirror_augment_teaches_the_side_never_visited():
    """Only s > 0 is visited, where a larger second action pays. With the mirror (s -> -s, a1 -> -a1) the policy
    learns the opposite at s < 0; without it, that side follows the visited one."""
    unseen = torch.tensor([[1.0, -1.0, 0.0]])
    moved = {}
    for augment in (False, True):
        agent = AMPAgent(_task_only(mirror_augment=augment), 3, 2, 4, mirror=_S_FLIP)
        before = agent.act(unseen, deterministic=True)[0][0, 1].item()
        gen = torch.Generator().manual_seed(2)
        for _ in range(8):
            agent.update(_one_sided_rollout(agent, gen), torch.ones(64, 3), _demo)
        moved[augment] = agent.act(unseen, deterministic=True)[0][0, 1].item() - before
        seen = agent.act(torch.tensor([[1.0, 1.0, 0.0]]), deterministic=True)[0][0, 1].item() - before
        assert seen > 0.05, (augment, seen)  # both learn the visited side
    assert moved[False] > 0.0 and moved[True] < -0.05, moved
    with pytest.raises(ValueError, match="mirror_augment needs the env's policy mirror"):
        AMPAgent(_tiny(mirror_augment=True), 3, 2, 4)


def test_mirror_loss_holds_the_policy_symmetric():
    """A policy whose second action leans one way everywhere is far from its mirror (a1 -> -a1). The mirror loss
    pulls it back; without the loss the same updates leave it leaning. `mirror_gap` reports the distance."""
    gaps = {}
    for weight in (0.0, 1.0):
        agent = AMPAgent(_task_only(mirror_augment=True, mirror_loss_weight=weight), 3, 2, 4, mirror=_S_FLIP)
        with torch.no_grad():
            agent.actor[-1].bias[1] += 0.3  # the gap is 2 x 0.3 / action std
        gen = torch.Generator().manual_seed(2)
        gaps[weight] = [agent.update(_one_sided_rollout(agent, gen), torch.ones(64, 3), _demo)["mirror_gap"]
                        for _ in range(8)]
    std = agent.action_std
    # RMS over both actions: 0.6 / std / sqrt(2) before the first step, the same for both weights
    assert gaps[0.0][0] == pytest.approx(gaps[1.0][0]) and gaps[1.0][0] > 0.3 / std, gaps
    assert gaps[1.0][-1] < 0.3 * gaps[1.0][0], gaps
    assert gaps[0.0][-1] > 0.6 * gaps[0.0][0], gaps
