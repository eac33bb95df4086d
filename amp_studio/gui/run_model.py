"""What the GUI knows about a run, without any widgets: status, progress, metric curves, weight changes."""

from __future__ import annotations

import json
import math
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Shown in the plots panel, in this order: (metric keys, title).
PLOTTED = (  # metrics, title, what it is and which way is good
    (("disc_reward_mean",), "style reward",
     "The discriminator's reward per step: how much the motion looks like the clips. Higher is better; it rises "
     "and falls as the discriminator learns, so watch the trend."),
    (("task_reward_mean",), "task reward",
     "The task's reward per step (0 to 1 for the location task; 0 without a task). Higher is better."),
    (("episode_length_mean",), "episode length (s)",
     "Mean length of the episodes that ended in the iteration. Longer is better, up to the episode limit."),
    (("fall_share",), "envs that fell",
     "Share of the envs that fell at least once during the iteration. Lower is better."),
    (("disc_agent_acc", "disc_demo_acc"), "discriminator accuracy (agent, demo)",
     "How often the discriminator tells the policy's motion (solid) and the clips' (dashed) apart. Lower, toward "
     "0.5, is better: the policy's motion passes for the clips'; near 1 the discriminator wins."),
    (("samples_per_s",), "samples / s", "Training speed: env steps per second of training. Higher is faster."),
    (("skill_extremes", "skill_events_share"), "skill reached (extremes, events)",
     "How far the episodes that ended reached their clip's own skill: the weakest of its extremes (pelvis tilt, "
     "turn, root height, time in the air) as a share of the clip's (solid), and its key event (a flip, a full "
     "turn, a flight) performed as often as the clip does (dashed). 1 is the clip's; a character standing in a "
     "flip clip's pose scores low here however small its pose error. Higher is better."),
)


class MetricsStore:
    """Metric curves in arrays that double when full, so appending stays cheap for long runs."""

    def __init__(self, capacity: int = 256):
        self._data: dict[str, np.ndarray] = {}
        self.size = 0
        self._capacity = capacity
        self.version = 0  # bumps on every change: plots redraw only what changed

    def append(self, metrics: dict) -> None:
        """One iteration's metrics; keys seen for the first time get NaN for earlier iterations."""
        if self.size == self._capacity:
            self._capacity *= 2
            for key, arr in self._data.items():
                grown = np.full(self._capacity, np.nan)
                grown[: self.size] = arr[: self.size]
                self._data[key] = grown
        for key, value in metrics.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if key not in self._data:
                self._data[key] = np.full(self._capacity, np.nan)
            self._data[key][self.size] = value
        self.size += 1
        self.version += 1

    def series(self, key: str) -> np.ndarray:
        """A metric's values so far (NaN where missing). Shape: (size,)."""
        arr = self._data.get(key)
        return np.full(self.size, np.nan) if arr is None else arr[: self.size]

    def last(self, key: str, default: float = math.nan) -> float:
        """The newest value of a metric."""
        if self.size == 0 or key not in self._data:
            return default
        return float(self._data[key][self.size - 1])


@dataclass
class ReplayProgress:
    """What a replayed model is doing, counted from the poses its worker streams (one per control step)."""

    model_file: Path
    episodes: int = 0
    """Episodes ended (a fall, or the episode's time limit) since the replay started."""
    fps: float = 0.0
    """Poses a second, over the last second."""
    started: float | None = None
    """When the first pose came (the worker loads for seconds before): the replay's time runs from there."""
    ended: float | None = None
    _counted_since: float = 0.0
    _poses: int = 0

    def count_pose(self, done: bool, now: float | None = None) -> bool:
        """Count one streamed pose (done: its episode ended there); True when what the row shows changed (an
        episode ended, or a second's rate is in), so the table is redrawn once a second rather than per pose."""
        now = time.monotonic() if now is None else now
        if self.started is None:
            self.started = self._counted_since = now
        self._poses += 1
        self.episodes += bool(done)
        if now - self._counted_since < 1.0:
            return bool(done)
        self.fps = self._poses / (now - self._counted_since)
        self._counted_since, self._poses = now, 0
        return True

    def end(self) -> None:
        """The worker is gone: the time stops, and nothing plays."""
        self.ended = time.monotonic() if self.ended is None else self.ended
        self.fps = 0.0

    @property
    def seconds(self) -> float:
        """Wall time the replay has played."""
        if self.started is None:
            return 0.0
        return (time.monotonic() if self.ended is None else self.ended) - self.started


@dataclass
class RunRecord:
    """One run as the GUI shows it: live from a worker or read from its directory."""

    name: str
    run_dir: Path | None = None
    command: str = ""
    status: str = "starting"  # starting | running | paused | stopping | finished | failed | loaded
    max_samples: int | None = None
    max_minutes: float | None = None
    started: float = field(default_factory=time.monotonic)
    metrics: MetricsStore = field(default_factory=MetricsStore)
    weight_changes: list[tuple[int, float, float]] = field(default_factory=list)  # (iteration, disc, task)
    checkpoints: list[Path] = field(default_factory=list)
    output: deque = field(default_factory=lambda: deque(maxlen=200))
    disc_reward_weight: float = 1.0
    task_reward_weight: float = 0.0
    acknowledged_weights: tuple[int, float, float] | None = None
    replay_args: list[str] | None = None
    """For a policy opened on its own (not a run): the replay worker's config arguments."""
    replay: ReplayProgress | None = None
    """For a policy opened on its own: what its replay is doing (the row shows it instead of training progress)."""
    char_file: str | None = None
    """The character its worker simulates (the viewport shows its poses on it); None: the app's, or not known."""

    @property
    def samples(self) -> int:
        """Samples trained so far."""
        return int(self.metrics.last("samples", 0))

    @property
    def samples_per_s(self) -> float:
        """The last iteration's training speed."""
        return self.metrics.last("samples_per_s", 0.0)

    @property
    def elapsed(self) -> float:
        """Seconds of training (the run's own wall time)."""
        return self.metrics.last("wall_time", 0.0)

    @property
    def eta(self) -> float | None:
        """Seconds to the first limit reached (samples at the average speed so far, or time), or None."""
        lefts = []
        if self.max_samples and self.elapsed > 0 and self.samples > 0:
            lefts.append(max(0.0, (self.max_samples - self.samples) / (self.samples / self.elapsed)))
        if self.max_minutes:
            lefts.append(max(0.0, 60.0 * self.max_minutes - self.elapsed))
        return min(lefts) if lefts else None

    @property
    def progress(self) -> float | None:
        """Fraction done of the nearest limit (samples or time), or None without a limit."""
        done = []
        if self.max_samples:
            done.append(self.samples / self.max_samples)
        if self.max_minutes:
            done.append(self.elapsed / (60.0 * self.max_minutes))
        return min(1.0, max(done)) if done else None

    def refresh_checkpoints(self) -> list[Path]:
        """The run directory's checkpoints, newest last."""
        if self.run_dir is not None:
            folder = self.run_dir / "checkpoints"
            self.checkpoints = sorted(folder.glob("*.pt"), key=lambda p: (p.name != "latest.pt", p.name))
        return self.checkpoints


def load_run(run_dir: str | Path) -> RunRecord:
    """A finished or running run from its directory: curves, weight changes and checkpoints."""
    run_dir = Path(run_dir)
    metrics_file = run_dir / "metrics.jsonl"
    if not metrics_file.is_file():
        raise FileNotFoundError(f"{run_dir}: not a run directory (no metrics.jsonl)")
    record = RunRecord(name=run_dir.name, run_dir=run_dir, status="loaded")
    for n, line in enumerate(metrics_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record.metrics.append(json.loads(line))
        except json.JSONDecodeError:
            record.output.append(f"{metrics_file}: line {n} is not JSON; skipped")
    events_file = run_dir / "events.jsonl"
    if events_file.is_file():
        for line in events_file.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") == "reward_weights":
                record.weight_changes.append((int(event["iteration"]), float(event["disc_reward_weight"]),
                                              float(event["task_reward_weight"])))
    if record.metrics.size:
        record.disc_reward_weight = record.metrics.last("disc_reward_weight", 1.0)
        record.task_reward_weight = record.metrics.last("task_reward_weight", 0.0)
    record.refresh_checkpoints()
    return record


def format_count(n: float) -> str:
    """A count in three significant figures: 950, 12.3 k, 29.9 M (the runs table stays narrow)."""
    n = float(n)
    for limit, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= limit:
            value = n / limit
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{n:.0f}"


def format_duration(seconds: float | None) -> str:
    """h:mm:ss, or '-' for unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"
