"""One iteration's rollout, and the TD(lambda) returns computed from it."""

from __future__ import annotations

import torch

from amp_studio.envs.vec_env import DoneFlag


class RolloutStorage:
    """steps_per_iter control steps of num_envs envs. Shapes: (T, N, ...)."""

    def __init__(self, steps: int, num_envs: int, obs_dim: int, action_dim: int, disc_obs_dim: int):
        t, n = steps, num_envs
        self.obs = torch.zeros(t, n, obs_dim)
        self.actions = torch.zeros(t, n, action_dim)
        self.log_probs = torch.zeros(t, n)
        self.task_rewards = torch.zeros(t, n)
        self.dones = torch.zeros(t, n, dtype=torch.long)
        self.final_obs = torch.zeros(t, n, obs_dim)
        """Each step's observation before any reset: where time ran out, the value of this state bootstraps."""
        self.disc_obs = torch.zeros(t, n, disc_obs_dim)
        self.step = 0

    def add(self, obs, actions, log_probs, task_rewards, dones, final_obs, disc_obs) -> None:
        """Record one control step of every env. Values are evaluated by the update, for all steps at once."""
        i = self.step
        self.obs[i], self.actions[i], self.log_probs[i] = obs, actions, log_probs
        self.task_rewards[i], self.dones[i], self.final_obs[i], self.disc_obs[i] = (
            task_rewards, dones, final_obs, disc_obs)
        self.step += 1

    @property
    def full(self) -> bool:
        """All steps recorded."""
        return self.step == self.obs.shape[0]


def td_lambda_advantages(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor,
                         timeout_values: torch.Tensor, last_values: torch.Tensor, discount: float,
                         td_lambda: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and TD(lambda) returns (GAE), with episode ends handled by why they ended.

    A failure ends the return (no future value); a time-out bootstraps from the value of the state where time ran
    out (`timeout_values`), since the episode was only cut short. Shapes: (T, N) and last_values (N,).
    Returns advantages (T, N) and returns = advantages + values (T, N).
    """
    steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    next_advantage = torch.zeros_like(last_values)
    next_value = last_values
    for t in reversed(range(steps)):
        done = dones[t] != DoneFlag.NULL
        bootstrap = torch.where(done, timeout_values[t], next_value)
        bootstrap = torch.where(dones[t] == DoneFlag.FAIL, torch.zeros_like(bootstrap), bootstrap)
        delta = rewards[t] + discount * bootstrap - values[t]
        # At an episode end the recursion restarts: later steps belong to another episode.
        next_advantage = delta + discount * td_lambda * torch.where(done, torch.zeros_like(next_advantage),
                                                                    next_advantage)
        advantages[t] = next_advantage
        next_value = values[t]
    return advantages, advantages + values


class ReplayBuffer:
    """Past agent discriminator observations: filled completely, then a few new samples replace old ones."""

    def __init__(self, capacity: int, dim: int):
        self.data = torch.zeros(capacity, dim)
        self.size = 0

    def add(self, samples: torch.Tensor, replace: int, generator: torch.Generator) -> None:
        """Store samples while there is room; when full, `replace` random samples take random places."""
        capacity = len(self.data)
        room = capacity - self.size
        if room > 0:
            take = samples[:room]
            self.data[self.size:self.size + len(take)] = take
            self.size += len(take)
            return
        n = min(replace, len(samples))
        pick = torch.randperm(len(samples), generator=generator)[:n]
        where = torch.randint(0, capacity, (n,), generator=generator)
        self.data[where] = samples[pick]

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n stored samples, uniformly with replacement. Shape: (n, dim)."""
        return self.data[torch.randint(0, self.size, (n,), generator=generator)]

    def state_dict(self) -> dict:
        """Contents for a checkpoint."""
        return {"data": self.data[: self.size].clone(), "size": self.size}

    def load_state_dict(self, state: dict) -> None:
        """Restore from state_dict()."""
        self.size = int(state["size"])
        self.data[: self.size] = state["data"]
