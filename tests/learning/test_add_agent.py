"""ADD's discriminator: the zero difference is its one positive sample, the gradient penalty holds at both kinds,
it learns to tell the rollout's differences from zero, and its checkpoints are its own."""

from __future__ import annotations

import pytest
import torch

from amp_studio.learning.add_agent import ADDAgent
from amp_studio.learning.agent_config import AgentConfig, ModelConfig, OptimizerConfig
from amp_studio.learning.amp_agent import AMPAgent
from amp_studio.learning.state_checks import CheckpointError
from tests.learning.test_amp_agent import _fake_rollout


def _tiny(**kw) -> AgentConfig:
    return AgentConfig(agent_name="ADD", model=ModelConfig(actor_net=[16], critic_net=[16], disc_net=[16]),
                       steps_per_iter=4, disc_buffer_size=64, disc_replay_samples=8, background_updates=False, **kw)


def _no_demo(n: int) -> torch.Tensor:
    raise AssertionError("ADD fetches no clip windows")


def test_disc_learns_zero_from_the_rollout_differences():
    agent = ADDAgent(_tiny(disc_grad_penalty=0.1, disc_optimizer=OptimizerConfig(type="Adam", learning_rate=1e-2)),
                     3, 2, 4, seed=1)
    for _ in range(40):
        storage = _fake_rollout(agent)
        storage.disc_obs += 2.0  # the character's differences from the clip: away from zero
        metrics = agent.update(storage, torch.zeros(8, 3), _no_demo)
    assert metrics["disc_demo_acc"] == 1.0 and metrics["disc_agent_acc"] > 0.9
    zero, off = agent.disc_logits(torch.zeros(1, 4)), agent.disc_logits(torch.full((1, 4), 2.0))
    assert zero > off  # the style reward is highest where the character tracks the clip
    assert torch.allclose(agent.disc_obs_norm.mean_abs.float(), torch.full((4,), 2.0), atol=0.5)


def test_gradient_penalty_is_half_each_of_both_kinds():
    agent = ADDAgent(_tiny(), 3, 2, 4, seed=2)
    agent_obs, zero = torch.randn(6, 4), torch.zeros(1, 4)
    _, stats = agent.disc_loss(agent_obs, zero)

    def grad_sq(x):
        x = x.clone().requires_grad_(True)
        g = torch.autograd.grad(agent.disc(x).sum(), x)[0]
        return (g * g).sum(-1).mean()

    expected = 0.5 * (grad_sq(agent_obs) + grad_sq(zero))
    assert stats["disc_grad_penalty"] == pytest.approx(float(expected), rel=1e-5)


def test_checkpoints_of_the_other_method_are_refused():
    amp_state = AMPAgent(AgentConfig(model=ModelConfig(actor_net=[16], critic_net=[16], disc_net=[16])), 3, 2, 4
                         ).state_dict()
    add = ADDAgent(_tiny(), 3, 2, 4)
    with pytest.raises(CheckpointError, match="disc_obs_norm"):
        add.load_state_dict(amp_state, source="amp.pt")
    add.load_state_dict(ADDAgent(_tiny(), 3, 2, 4, seed=9).state_dict())
