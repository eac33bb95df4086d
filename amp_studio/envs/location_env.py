"""The location task: walk to a target on the ground, in the style of the clips."""

from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.amp_obs import heading_frame_offset
from amp_studio.envs.env_config import LocationEnvConfig
from amp_studio.envs.location_reward import location_reward
from amp_studio.envs.policy_mirror import AffineMirror


class LocationEnv(AMPEnv):
    """AMP plus a task: a target up to tar_dist_max away, re-drawn every tar_change_time_min..max seconds.

    The policy also observes the target's xy offset in its heading frame; the env reward is the task reward.
    `info["success"]` marks envs within success_distance of their target.
    """

    config: LocationEnvConfig
    _STATE = AMPEnv._STATE + ("target", "target_steps_left", "target_held")

    def _init_task(self) -> None:
        self.target = torch.zeros(self.num_envs, 2)
        self.target_steps_left = torch.zeros(self.num_envs, dtype=torch.long)
        self.target_held = torch.zeros(self.num_envs, dtype=torch.bool)

    def _reset_task(self, env_ids: torch.Tensor) -> None:
        self._draw_targets(env_ids[~self.target_held[env_ids]])

    def _draw_targets(self, env_ids: torch.Tensor) -> None:
        if len(env_ids) == 0:
            return
        root = self.engine.get_state().root_pos[env_ids, :2]
        dist = self.config.tar_dist_max * torch.rand(len(env_ids), generator=self.generator)
        angle = 2 * math.pi * torch.rand(len(env_ids), generator=self.generator)
        self.target[env_ids] = root + dist.unsqueeze(-1) * torch.stack((angle.cos(), angle.sin()), dim=-1)
        self._draw_timers(env_ids)

    def _draw_timers(self, env_ids: torch.Tensor) -> None:
        c = self.config
        self.target_steps_left[env_ids] = self._random_steps(len(env_ids), c.tar_change_time_min, c.tar_change_time_max)

    def set_target(self, env_ids: torch.Tensor, target_xy: torch.Tensor, hold: bool = True) -> None:
        """Place targets from outside (the GUI); held targets stay until set again with hold=False."""
        self.target[env_ids] = target_xy.float()
        self.target_held[env_ids] = hold
        if not hold:
            self._draw_timers(env_ids)
        self._obs[env_ids] = self._compute_obs(env_ids)

    def target_distance(self) -> torch.Tensor:
        """Horizontal distance from each root to its target. Shape: (num_envs,)."""
        return (self.target - self.engine.get_state().root_pos[:, :2]).norm(dim=-1)

    def _compute_obs(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        ids = slice(None) if env_ids is None else env_ids
        state = self.engine.get_state()
        root_pos, root_rot = state.root_pos[ids], state.root_rot[ids]
        task = heading_frame_offset(root_rot, self.target[ids] - root_pos[:, :2], self.config.heading)
        return torch.cat((super()._compute_obs(env_ids), task), dim=-1)

    def _task_obs_mirror(self) -> AffineMirror:
        # The target's offset in the heading frame: ahead stays ahead, left becomes right.
        return AffineMirror.signed([0, 1], [1.0, -1.0])

    def _compute_reward(self) -> torch.Tensor:
        s = self.engine.get_state()
        return location_reward(s.root_pos[:, :2], s.root_vel[:, :2], s.root_rot, self.target, self.config)

    def _post_step(self, done: torch.Tensor, info: dict) -> None:
        distance = self.target_distance()
        info["success"] = distance < self.config.success_distance
        info["target_distance"] = distance
        self.target_steps_left -= (~self.target_held).long()
        due = torch.nonzero((self.target_steps_left <= 0) & ~self.target_held).flatten()
        if len(due):
            self._draw_targets(due)
            self._obs[due] = self._compute_obs(due)
