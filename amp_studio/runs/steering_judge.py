"""How well a steering policy follows its commands: heading and speed errors of the root's planar velocity against
the commanded direction and speed, judged once each new command has had time to take effect.

Speed is judged two ways: frame by frame (speed_error_median), and over the last second, about a gait cycle
(speed_error_1s_median). A pelvis speeds up and slows down within every stride: the locomotion clips' own frame
speeds differ from their 1-s speed by 6-29% (median 13%), so the frame-by-frame error of a gait that holds the
commanded speed exactly is not zero; the 1-s error says whether the commanded speed is held."""

from __future__ import annotations

import numpy as np
import torch

SETTLE_SECONDS = 1.5
"""Time after each new command (and each episode start) before the motion is judged: a turn about or a change
from walk to run takes a stride or two."""
CYCLE_SECONDS = 1.0
"""The window of the gait-cycle speed (clip_speeds.SPEED_WINDOW's second): within SETTLE_SECONDS, so a judged
window never reaches back before its command."""


def velocity_errors(velocity_xy: np.ndarray, commands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heading error (degrees, the angle between the planar velocity and the commanded direction) and relative
    speed error (|speed - commanded| / commanded). Shapes: (T, 2), (T, 3: direction x, y, speed) -> (T,), (T,)."""
    direction = commands[:, :2] / np.maximum(np.linalg.norm(commands[:, :2], axis=-1, keepdims=True), 1e-9)
    dot = (velocity_xy * direction).sum(-1)
    cross = direction[:, 0] * velocity_xy[:, 1] - direction[:, 1] * velocity_xy[:, 0]
    heading = np.degrees(np.abs(np.arctan2(cross, dot)))
    speed = np.linalg.norm(velocity_xy, axis=-1)
    return heading, np.abs(speed - commands[:, 2]) / np.maximum(commands[:, 2], 1e-9)


def settled_frames(commands: np.ndarray, fps: float, settle: float = SETTLE_SECONDS) -> np.ndarray:
    """Which frames are at least `settle` seconds after the latest change of command (the first frame counts as
    one). Shape: (T, 3) -> (T,) bool."""
    changed = np.ones(len(commands), dtype=bool)
    changed[1:] = np.abs(np.diff(commands, axis=0)).max(-1) > 1e-6
    start = np.maximum.accumulate(np.where(changed, np.arange(len(commands)), 0))
    return (np.arange(len(commands)) - start) / fps >= settle - 1e-9


def judge_recording(root_xy: np.ndarray, commands: np.ndarray, fps: float,
                    settle: float = SETTLE_SECONDS) -> dict[str, float]:
    """Judge a recorded run from its root positions and per-frame commands (a clip's frames[:, :2] and its
    task_commands): the velocity from frame i to i + 1 is held against frame i's command.
    Returns heading_error_deg_median, speed_error_median, speed_error_1s_median and judged_seconds (NaN medians
    if none is judged)."""
    velocity = np.diff(root_xy, axis=0) * fps
    commands = commands[:-1]
    judged = settled_frames(commands, fps, settle)
    heading, speed = velocity_errors(velocity, commands)
    cycle_speed = velocity_errors(cycle_velocities(velocity, fps), commands)[1]
    return _summary(heading[judged], speed[judged], judged.sum() / fps, cycle_speed[judged])


def cycle_velocities(velocity: np.ndarray, fps: float) -> np.ndarray:
    """Each frame's velocity averaged over the CYCLE_SECONDS ending there (fewer frames at the start: a judged
    frame is SETTLE_SECONDS into its command, so its window is whole). Shape: (T, 2) -> (T, 2)."""
    k = max(1, round(CYCLE_SECONDS * fps))
    sums = np.cumsum(np.concatenate((np.zeros((1, 2)), velocity)), axis=0)
    starts = np.maximum(np.arange(1, len(velocity) + 1) - k, 0)
    return (sums[1:] - sums[starts]) / (np.arange(1, len(velocity) + 1) - starts)[:, None]


class SteeringJudge:
    """The same judgement over a vectorized env's steps, as an evaluation plays them: add() each step's commands
    and planar velocities; restart(ids) when episodes restart (their first seconds are not judged).
    Per env, `since` is the time since its command came and `commands` how many its episode has had; per judged
    env-step, `commanded` keeps the commanded speed beside the errors (a breakdown by speed)."""

    def __init__(self, num_envs: int, dt: float, settle: float = SETTLE_SECONDS):
        self.dt, self.settle = dt, settle
        self.last = torch.full((num_envs, 3), float("nan"))
        self.since = torch.zeros(num_envs)
        self.commands = torch.zeros(num_envs, dtype=torch.long)
        self.heading: list[np.ndarray] = []
        self.speed: list[np.ndarray] = []
        self.cycle_speed: list[np.ndarray] = []
        self.commanded: list[np.ndarray] = []
        self.judged_steps = 0
        self._window = torch.zeros(max(1, round(CYCLE_SECONDS / dt)), num_envs, 2)  # the last second's velocities
        self._step = 0

    def add(self, commands: torch.Tensor, velocity_xy: torch.Tensor, active: torch.Tensor) -> None:
        """One step: the commands in force during it (N, 3), the velocity it produced (N, 2), envs counted (N,)."""
        changed = ~((commands - self.last).abs().max(-1).values <= 1e-6)
        self.since = torch.where(changed, 0.0, self.since)
        self.commands += changed.long()
        self.last = commands.clone()
        judged = active & (self.since >= self.settle - 1e-6)
        self._window[self._step % len(self._window)] = velocity_xy
        self._step += 1
        if bool(judged.any()):
            command = commands[judged].double().numpy()
            heading, speed = velocity_errors(velocity_xy[judged].double().numpy(), command)
            self.heading.append(heading)
            self.speed.append(speed)
            self.cycle_speed.append(velocity_errors(self._window[:, judged].mean(0).double().numpy(), command)[1])
            self.commanded.append(command[:, 2])
            self.judged_steps += int(judged.sum())
        self.since += self.dt

    def restart(self, env_ids: torch.Tensor) -> None:
        """Episodes restarted in env_ids: judge them again only after the settle time."""
        self.last[env_ids] = float("nan")
        self.commands[env_ids] = 0

    def summary(self) -> dict[str, float]:
        """heading_error_deg_median, speed_error_median, speed_error_1s_median and judged_seconds over every judged
        env-step."""
        return _summary(_joined(self.heading), _joined(self.speed), self.judged_steps * self.dt,
                        _joined(self.cycle_speed))


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _summary(heading: np.ndarray, speed: np.ndarray, seconds: float, cycle_speed: np.ndarray) -> dict[str, float]:
    def median(values: np.ndarray) -> float:
        return float(np.median(values)) if len(values) else float("nan")

    return {"heading_error_deg_median": median(heading), "speed_error_median": median(speed),
            "speed_error_1s_median": median(cycle_speed), "judged_seconds": float(seconds)}
