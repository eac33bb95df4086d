"""The AMP agent's building blocks that stand alone: its optimizers, the style reward, the action-bound loss, the
discriminator step's metrics and the bound on PPO's probability ratio."""

from __future__ import annotations

import torch

from amp_studio.learning.agent_config import OptimizerConfig


def make_optimizer(params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    """SGD with momentum 0.9 (MimicKit's) or Adam, from an OptimizerConfig."""
    if cfg.type == "Adam":
        # The fused step is one kernel per tensor; the default loops over tensors in Python (3x slower here).
        return torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.SGD(params, lr=cfg.learning_rate, momentum=0.9, weight_decay=cfg.weight_decay)


MAX_LOG_RATIO = 20.0
"""PPO's log-probability ratio is clamped here (a ratio of 5e8): finite in float32, far past any clip range."""


def style_reward(logits: torch.Tensor, scale: float) -> torch.Tensor:
    """r = -log(max(1 - sigmoid(D), 1e-4)) * scale: high where the discriminator takes the agent for the demo."""
    return -torch.log(torch.clamp_min(1.0 - torch.sigmoid(logits), 1e-4)) * scale


def action_bound_loss(mean: torch.Tensor) -> torch.Tensor:
    """Squared excess of the mean action outside [-1, 1], summed over dimensions. Shape: (B, A) -> (B,)."""
    return (torch.clamp_min(mean - 1.0, 0.0) ** 2 + torch.clamp_max(mean + 1.0, 0.0) ** 2).sum(-1)


@torch.no_grad()
def disc_stats(bce: torch.Tensor, penalty: torch.Tensor, agent_logit: torch.Tensor, demo_logit: torch.Tensor
               ) -> dict[str, float]:
    """A discriminator step's metrics: its BCE and gradient penalty, accuracy and mean logit on each side."""
    return {
        "disc_loss": bce.item(),
        "disc_grad_penalty": penalty.item(),
        "disc_agent_acc": (agent_logit < 0).float().mean().item(),
        "disc_demo_acc": (demo_logit > 0).float().mean().item(),
        "disc_agent_logit": agent_logit.mean().item(),
        "disc_demo_logit": demo_logit.mean().item(),
    }
