"""How well a steering policy follows its commands: heading and speed errors of the root's planar velocity against
the commanded direction and speed, judged once each new command has had time to take effect."""

from __future__ import annotations

import numpy as np
import torch

SETTLE_SECONDS = 1.5
"""Time after each new command (and each episode start) before the motion is judged: a turn about or a change
from walk to run takes a stride or two."""


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
    Returns heading_error_deg_median, speed_error_median and judged_seconds (NaN medians if none is judged)."""
    velocity = np.diff(root_xy, axis=0) * fps
    commands = commands[:-1]
    judged = settled_frames(commands, fps, settle)
    heading, speed = velocity_errors(velocity, commands)
    return _summary(heading[judged], speed[judged], judged.sum() / fps)


class SteeringJudge:
    """The same judgement over a vectorized env's steps, as an evaluation plays them: add() each step's commands
    and planar velocities; restart(ids) when episodes restart (their first seconds are not judged)."""

    def __init__(self, num_envs: int, dt: float, settle: float = SETTLE_SECONDS):
        self.dt, self.settle = dt, settle
        self.last = torch.full((num_envs, 3), float("nan"))
        self.since = torch.zeros(num_envs)
        self.heading: list[np.ndarray] = []
        self.speed: list[np.ndarray] = []
        self.judged_steps = 0

    def add(self, commands: torch.Tensor, velocity_xy: torch.Tensor, active: torch.Tensor) -> None:
        """One step: the commands in force during it (N, 3), the velocity it produced (N, 2), envs counted (N,)."""
        changed = ~((commands - self.last).abs().max(-1).values <= 1e-6)
        self.since = torch.where(changed, 0.0, self.since)
        self.last = commands.clone()
        judged = active & (self.since >= self.settle - 1e-6)
        if bool(judged.any()):
            heading, speed = velocity_errors(velocity_xy[judged].double().numpy(), commands[judged].double().numpy())
            self.heading.append(heading)
            self.speed.append(speed)
            self.judged_steps += int(judged.sum())
        self.since += self.dt

    def restart(self, env_ids: torch.Tensor) -> None:
        """Episodes restarted in env_ids: judge them again only after the settle time."""
        self.last[env_ids] = float("nan")

    def summary(self) -> dict[str, float]:
        """heading_error_deg_median, speed_error_median and judged_seconds over every judged env-step."""
        return _summary(_joined(self.heading), _joined(self.speed), self.judged_steps * self.dt)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _summary(heading: np.ndarray, speed: np.ndarray, seconds: float) -> dict[str, float]:
    return {"heading_error_deg_median": float(np.median(heading)) if len(heading) else float("nan"),
            "speed_error_median": float(np.median(speed)) if len(speed) else float("nan"),
            "judged_seconds": float(seconds)}
