"""Whether a run fits in this machine's memory, said before it starts rather than by the kernel's OOM killer."""

from __future__ import annotations

import os

from amp_studio.errors import AmpStudioError
from amp_studio.learning.agent_config import AgentConfig

ENV_BYTES_PER_ENV = 100_000
"""Physics and env state per env beyond its rollout (measured with the humanoid: 88 KB per env)."""
UPDATE_COPIES = 3
"""The rollout's size in memory at the update's peak: the storage, its normalized copies and the demo windows
(measured with the humanoid: 213 KB per env after an iteration of 32 steps, 3.0x its storage)."""


def available_memory() -> int | None:
    """Bytes the system can give without swapping (Linux's MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def training_memory(num_envs: int, obs_dim: int, action_dim: int, disc_obs_dim: int, config: AgentConfig) -> int:
    """Estimated bytes a run of num_envs envs adds: rollouts at the update's peak, env state, replay buffer."""
    per_step = 4 * (2 * obs_dim + action_dim + disc_obs_dim + 2) + 8  # float32 storage; dones as int64
    per_env = UPDATE_COPIES * config.steps_per_iter * per_step + ENV_BYTES_PER_ENV
    return num_envs * per_env + 4 * config.disc_buffer_size * disc_obs_dim


def check_training_memory(num_envs: int, obs_dim: int, action_dim: int, disc_obs_dim: int, config: AgentConfig,
                          available: int | None = None) -> None:
    """Raise AmpStudioError if num_envs is not positive, or if the run would need more memory than is free."""
    if num_envs < 1:
        raise AmpStudioError(None, f"num_envs must be at least 1, got {num_envs}")
    available = available_memory() if available is None else available
    if available is None:
        return
    need = training_memory(num_envs, obs_dim, action_dim, disc_obs_dim, config)
    if need > available:
        fixed = training_memory(0, obs_dim, action_dim, disc_obs_dim, config)
        fits = max(0, (available - fixed) // max(1, training_memory(1, obs_dim, action_dim, disc_obs_dim, config)
                                                 - fixed))
        raise AmpStudioError(None, f"num_envs {num_envs:,d} needs about {need / 1e9:,.1f} GB of memory and "
                                   f"{available / 1e9:.1f} GB is free; at most about {fits:,d} envs fit")
