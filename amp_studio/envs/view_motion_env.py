"""Kinematic clip playback through the engine: each step puts the characters at the clip's next frame time."""

from __future__ import annotations

import torch

from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.vec_env import DoneFlag


class ViewMotionEnv(AMPEnv):
    """Plays clips with no physics: env i shows clip `i % num_clips` from time 0; actions are ignored."""

    def _init_task(self) -> None:
        self.clip_ids = torch.arange(self.num_envs) % self.motion_lib.num_clips
        # float64: playback accumulates time for as long as it runs.
        self.play_time = torch.zeros(self.num_envs, dtype=torch.float64)

    def reset(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Restart playback of env_ids (all if None) at time 0."""
        ids = torch.arange(self.num_envs) if env_ids is None else env_ids.long()
        self.play_time[ids] = 0.0
        return self.reset_to(ids, self.clip_ids[ids], self.play_time[ids])

    def step(self, actions: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """Advance playback by one control step; done is TIME at the end of a clamped clip."""
        self.play_time += self.dt
        ids = torch.arange(self.num_envs)
        obs = self.reset_to(ids, self.clip_ids, self.play_time)
        self.progress += 1
        ended = ~self.motion_lib.clip_wraps[self.clip_ids] & (
            self.play_time >= self.motion_lib.clip_lengths[self.clip_ids])
        done = torch.where(ended, int(DoneFlag.TIME), int(DoneFlag.NULL)).long()
        return obs, torch.zeros(self.num_envs), done, {"disc_obs": self.disc_obs()}
