"""The env contract the learner sees: batched observations, rewards and done flags."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import IntEnum

import torch


class DoneFlag(IntEnum):
    """Why an episode ended at this step (MimicKit's numbering)."""

    NULL = 0
    """Still running."""
    FAIL = 1
    """Fell or broke down: no future reward to bootstrap."""
    SUCC = 2
    """Reached a goal."""
    TIME = 3
    """Time limit: the return is cut, so the value is bootstrapped."""


class VecEnv(ABC):
    """num_envs environments stepped together. Envs are not reset automatically: reset the done ones."""

    num_envs: int
    obs_dim: int
    action_dim: int

    @abstractmethod
    def reset(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Start new episodes for env_ids (all if None); the observations of every env. Shape: (num_envs, obs_dim)."""

    @abstractmethod
    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """Apply actions in [-1, 1] (num_envs, action_dim) for one control step.

        Returns obs (num_envs, obs_dim), reward (num_envs,), done (num_envs,) of DoneFlag values, and info with
        per-env tensors (`disc_obs` for AMP envs).
        """

    def close(self) -> None:
        """Release the engine."""
