"""The steering task: move at the commanded speed in the commanded direction, facing the commanded way."""

from __future__ import annotations

import math

import torch

from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.amp_obs import heading_frame_offset
from amp_studio.envs.env_config import SteeringEnvConfig
from amp_studio.envs.policy_mirror import AffineMirror
from amp_studio.envs.steering_reward import steering_reward
from amp_studio.motion.clip_speeds import root_speed_range


class SteeringEnv(AMPEnv):
    """AMP plus a command of planar direction, speed and facing, re-drawn every tar_change_time_min..max seconds
    (MimicKit's task_steering). The policy also observes the direction (2) and facing (2) in its heading frame and
    the speed (1); the env reward is the task reward. `speed_range` is the (min, max) commanded speed: the
    config's, else the clips' own. `set_command` drives it from outside (the app's keys, a scripted drive)."""

    config: SteeringEnvConfig
    _STATE = AMPEnv._STATE + ("direction", "speed", "facing", "command_steps_left", "command_held", "_prev_xy")

    def _init_task(self) -> None:
        n = self.num_envs
        self.speed_range = self._speed_range()
        self.direction = torch.zeros(n, 2)
        self.direction[:, 0] = 1.0
        self.speed = torch.full((n,), self.speed_range[0])
        self.facing = self.direction.clone()
        self.command_steps_left = torch.zeros(n, dtype=torch.long)
        self.command_held = torch.zeros(n, dtype=torch.bool)
        self._prev_xy = torch.zeros(n, 2)

    def _speed_range(self) -> tuple[float, float]:
        """The config's speeds where given, else the clips' (a given bound the clips' other bound crosses wins)."""
        c = self.config
        lo, hi = root_speed_range(self.motion_lib.clips, self.motion_lib.clip_weights.tolist())
        lo = c.tar_speed_min if c.tar_speed_min is not None else lo
        hi = c.tar_speed_max if c.tar_speed_max is not None else hi
        if lo > hi:
            lo, hi = (lo, lo) if c.tar_speed_min is not None else (hi, hi)
        return float(lo), float(hi)

    def _reset_task(self, env_ids: torch.Tensor) -> None:
        state = self.engine.get_state()
        self._prev_xy[env_ids] = state.root_pos[env_ids, :2]
        free = env_ids[~self.command_held[env_ids]]
        self._draw_commands(free)
        p = self.config.clip_command_prob
        if p > 0 and len(free):
            clip_ids = free[torch.rand(len(free), generator=self.generator) < p]
            velocity = state.root_vel[clip_ids, :2]
            moving = velocity.norm(dim=-1) > 1e-3  # a start standing still keeps its random direction
            clip_ids, velocity = clip_ids[moving], velocity[moving]
            speed = velocity.norm(dim=-1)
            self.direction[clip_ids] = velocity / speed.unsqueeze(-1)
            self.speed[clip_ids] = speed.clamp(*self.speed_range)
            if not self.config.rand_face_dir:
                self.facing[clip_ids] = self.direction[clip_ids]

    def _draw_commands(self, env_ids: torch.Tensor) -> None:
        n, c, g = len(env_ids), self.config, self.generator
        if n == 0:
            return
        angle = 2 * math.pi * torch.rand(n, generator=g) if c.rand_tar_dir else torch.zeros(n)
        face = 2 * math.pi * torch.rand(n, generator=g) if c.rand_face_dir else angle
        lo, hi = self.speed_range
        self.direction[env_ids] = torch.stack((angle.cos(), angle.sin()), dim=-1)
        self.facing[env_ids] = torch.stack((face.cos(), face.sin()), dim=-1)
        self.speed[env_ids] = lo + (hi - lo) * torch.rand(n, generator=g)
        self._draw_timers(env_ids)

    def _draw_timers(self, env_ids: torch.Tensor) -> None:
        c = self.config
        steps = self._random_steps(len(env_ids), c.tar_change_time_min, c.tar_change_time_max)
        self.command_steps_left[env_ids] = steps

    def set_command(self, env_ids: torch.Tensor, direction_xy: torch.Tensor, speed: torch.Tensor,
                    facing_xy: torch.Tensor | None = None, hold: bool = True) -> None:
        """Command env_ids from outside: world direction (n, 2; normalized here), speed (n,) m/s, facing (n, 2;
        default the direction). Held commands stay until set again with hold=False, which resumes drawing."""
        direction = direction_xy.float()
        direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        facing = direction if facing_xy is None else facing_xy.float() / facing_xy.float().norm(
            dim=-1, keepdim=True).clamp_min(1e-9)
        self.direction[env_ids] = direction
        self.facing[env_ids] = facing
        self.speed[env_ids] = speed.float()
        self.command_held[env_ids] = hold
        if not hold:
            self._draw_timers(env_ids)
        self._obs[env_ids] = self._compute_obs(env_ids)

    def resample_commands(self, env_ids: torch.Tensor) -> None:
        """Draw new commands for env_ids now (on demand), releasing any held ones; the timers start anew."""
        self.command_held[env_ids] = False
        self._draw_commands(env_ids)
        self._obs[env_ids] = self._compute_obs(env_ids)

    def command(self) -> torch.Tensor:
        """Each env's command as MimicKit's recorded task_commands: world direction x, y and speed (m/s).
        Shape: (num_envs, 3)."""
        return torch.cat((self.direction, self.speed.unsqueeze(-1)), dim=-1)

    def _compute_obs(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        ids = slice(None) if env_ids is None else env_ids
        root_rot = self.engine.get_state().root_rot[ids]
        heading = self.config.heading
        task = (heading_frame_offset(root_rot, self.direction[ids], heading), self.speed[ids].unsqueeze(-1),
                heading_frame_offset(root_rot, self.facing[ids], heading))
        return torch.cat((super()._compute_obs(env_ids), *task), dim=-1)

    def _task_obs_mirror(self) -> AffineMirror:
        # Direction and facing in the heading frame: ahead stays ahead, left becomes right; the speed stays.
        return AffineMirror.signed([0, 1, 2, 3, 4], [1.0, -1.0, 1.0, 1.0, -1.0])

    def step(self, actions: torch.Tensor):
        """See AMPEnv.step; the velocity the reward judges is the root's displacement over the step / dt (as
        MimicKit's), which a single physics step's velocity would make noisier."""
        self._prev_xy = self.engine.get_state().root_pos[:, :2].clone()
        return super().step(actions)

    def planar_velocity(self) -> torch.Tensor:
        """The root's planar velocity over the last control step (m/s). Shape: (num_envs, 2)."""
        return (self.engine.get_state().root_pos[:, :2] - self._prev_xy) / self.dt

    def _compute_reward(self) -> torch.Tensor:
        root_rot = self.engine.get_state().root_rot
        return steering_reward(self.planar_velocity(), root_rot, self.direction, self.speed, self.facing,
                               self.config)

    def _post_step(self, done: torch.Tensor, info: dict) -> None:
        info["command"] = self.command()
        info["planar_velocity"] = self.planar_velocity()
        self.command_steps_left -= (~self.command_held).long()
        due = torch.nonzero((self.command_steps_left <= 0) & ~self.command_held).flatten()
        if len(due):
            self._draw_commands(due)
            self._obs[due] = self._compute_obs(due)
