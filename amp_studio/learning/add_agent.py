"""ADD: the adversarial differential discriminator (Zhang et al. 2025, MimicKit's ADDAgent), a second method beside
AMP, chosen with `agent_name: ADD`."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from amp_studio.learning.amp_agent import AMPAgent
from amp_studio.learning.losses import disc_stats
from amp_studio.learning.normalizer import DiffNormalizer
from amp_studio.learning.precision import run_mlp


class ADDAgent(AMPAgent):
    """AMP's learner with ADD's discriminator. It sees the difference between the clip's pose and the character's
    (the tracking env's `disc_obs`), not a pose: its one positive sample is the zero difference, its negatives the
    rollout's differences (half from the replay buffer, as AMP's). The gradient penalty holds at both, and the
    normalizer only scales (DiffNormalizer). The style reward is AMP's formula of its logit: high where the
    character tracks the clip so closely that the discriminator cannot tell its difference from none.
    """

    def _disc_normalizer(self, size: int) -> torch.nn.Module:
        return DiffNormalizer(size, self.config.normalizer_samples, min_scale=self.config.disc_norm_min_std)

    def _demo_obs(self, fetch_demo: Callable[[int], torch.Tensor], n: int) -> torch.Tensor:
        """The one positive sample: no difference from the clip (no clip windows are fetched)."""
        return torch.zeros(1, self.disc_obs_norm.scale.shape[0])

    def _update_disc_normalizer(self, agent_obs: torch.Tensor, demo_obs: torch.Tensor) -> None:
        self.disc_obs_norm.update(agent_obs)

    def _demo_batch(self, demo_n: torch.Tensor, size: int) -> torch.Tensor:
        return demo_n  # the zero row once: every copy would give the same loss and penalty

    def disc_loss(self, agent: torch.Tensor, demo: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """BCE (zero difference 1, the agent's 0), plus disc_grad_penalty times the mean of the squared logit
        gradient at both (half each, MimicKit's), plus disc_logit_reg times the logit layer's squared weights."""
        c = self.config
        demo = demo.detach().clone().requires_grad_(True)
        agent = agent.detach().clone().requires_grad_(True)
        agent_logit = run_mlp(self.disc, agent, self.bf16["disc"]).squeeze(-1)
        demo_logit = run_mlp(self.disc, demo, self.bf16["disc"]).squeeze(-1)
        bce = 0.5 * (F.binary_cross_entropy_with_logits(agent_logit, torch.zeros_like(agent_logit))
                     + F.binary_cross_entropy_with_logits(demo_logit, torch.ones_like(demo_logit)))
        agent_grad, demo_grad = torch.autograd.grad((agent_logit.sum(), demo_logit.sum()), (agent, demo),
                                                    create_graph=True)
        penalty = 0.5 * ((agent_grad * agent_grad).sum(-1).mean() + (demo_grad * demo_grad).sum(-1).mean())
        logit_reg = (self.disc[-1].weight ** 2).sum()
        loss = bce + c.disc_grad_penalty * penalty + c.disc_logit_reg * logit_reg
        return loss, disc_stats(bce, penalty, agent_logit, demo_logit)
