"""A policy played deterministically: observe, act, step the env, restart the episodes that ended.

Evaluation, the policy video, rollout recording, the GUI's replay worker and `--mode test --visualize true` all
play a policy this way; they differ only in what they do with each step (per-episode figures, frames, poses,
streamed events, a viewer), which envs' episode ends they care about, and how an episode restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch

from amp_studio.envs.vec_env import DoneFlag

Restart = Callable[[torch.Tensor], torch.Tensor]
"""Restarts the episodes of the given env ids; returns every env's observations."""


@dataclass
class PlaybackStep:
    """What one control step produced, before any episode restarts."""

    reward: torch.Tensor
    done: torch.Tensor
    """Each env's DoneFlag for this step."""
    info: dict
    ended: torch.Tensor
    """Ids of the followed envs whose episode ended at this step (restarted after the step's observer ran)."""
    stopped: bool = False
    """The observer asked to stop: nothing was restarted."""


Observer = Callable[[PlaybackStep], "bool | None"]
"""Called after every step, before any restart; returning False stops the playback there."""


class Playback:
    """Steps an env with an agent's deterministic actions.

    restart(ids) starts those envs' next episodes (default: env.reset). follow, a bool mask over envs, says whose
    episode ends count; the caller may change it between steps (an evaluation stops following envs once enough
    episodes have begun). An env not followed keeps stepping past its episode's end without a restart: a restart
    would draw from the env's random generator and so change what the followed envs do.
    realtime paces the steps to the env's control rate (a viewer, the GUI's replay); it may be switched any time.
    """

    def __init__(self, env, agent, restart: Restart | None = None, follow: torch.Tensor | None = None,
                 realtime: bool = False):
        self.env = env
        self.agent = agent
        self._restart = restart if restart is not None else env.reset
        self.follow = follow if follow is not None else torch.ones(env.num_envs, dtype=torch.bool)
        self.realtime = realtime
        self.obs: torch.Tensor | None = None
        """Every env's current observations (set them after changing the env from outside, e.g. its target)."""
        self._due = 0.0

    def restart(self, ids: torch.Tensor | None = None) -> None:
        """Start new episodes in envs `ids` (default: every env); the first call begins the playback."""
        self.obs = self._restart(torch.arange(self.env.num_envs) if ids is None else ids)

    def step(self, observe: Observer | None = None) -> PlaybackStep:
        """One control step of every env under the deterministic policy. observe(step) runs while the env still
        shows the step's outcome; then the followed envs whose episode ended restart, unless observe returned
        False (the caller is done: the env is left as the step left it)."""
        if self.obs is None:
            self.restart()
        if self.realtime:
            now = time.monotonic()
            if self._due > now:
                time.sleep(self._due - now)
            # Steps keep the control rate; after a pause or a slow step there is no burst to catch up.
            self._due = max(self._due, now) + self.env.dt
        with torch.no_grad():
            actions, _ = self.agent.act(self.obs, deterministic=True)
        self.obs, reward, done, info = self.env.step(actions)
        step = PlaybackStep(reward, done, info, torch.nonzero((done != DoneFlag.NULL) & self.follow).flatten())
        if observe is not None and observe(step) is False:
            step.stopped = True
            return step
        if len(step.ended):
            self.restart(step.ended)
        return step

    def run(self, observe: Observer | None = None,
            max_steps: int | None = None, until: Callable[[], bool] | None = None) -> int:
        """Step (see step) until until() holds (asked before each step), max_steps were taken, or observe returns
        False; returns the number of steps taken."""
        taken = 0
        while (max_steps is None or taken < max_steps) and not (until is not None and until()):
            step = self.step(observe)
            taken += 1
            if step.stopped:
                break
        return taken
