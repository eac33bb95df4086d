"""How fast the clips move: the planar root speeds a steering task may ask for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from amp_studio.motion.motion_clip import MotionClip

SPEED_WINDOW = 1.0
"""Seconds over which a speed is measured: about a gait cycle (a walk's 1.1-1.3 s, a run's 0.7-0.8 s), so the
sway within a stride does not count as a change of speed."""


def window_speeds(clip: MotionClip, window: float = SPEED_WINDOW) -> np.ndarray:
    """The root's planar displacement over each `window` seconds of the clip, divided by the window (m/s); a clip
    shorter than the window gives its one end-to-end speed. Shape: (num_windows,)."""
    xy = clip.frames[:, :2]
    step = max(1, round(window * clip.fps))
    if len(xy) <= step:
        return np.array([np.linalg.norm(xy[-1] - xy[0]) / max(clip.duration, 1e-9)])
    return np.linalg.norm(xy[step:] - xy[:-step], axis=-1) * clip.fps / step


def root_speed_range(clips: Sequence[MotionClip], weights: Sequence[float],
                     percentiles: tuple[float, float] = (5.0, 95.0)) -> tuple[float, float]:
    """The speeds the clips cover: the given percentiles of their 1-s window speeds, each clip weighted as it is
    sampled (its windows share its weight), so a long clip does not outweigh a short one it is sampled as often
    as. The percentiles drop the few windows where a run starts from a stand or a walk slows to a stop."""
    speeds, mass = [], []
    total = float(sum(weights))
    for clip, weight in zip(clips, weights):
        s = window_speeds(clip)
        speeds.append(s)
        mass.append(np.full(len(s), float(weight) / total / len(s)))
    speeds_all, mass_all = np.concatenate(speeds), np.concatenate(mass)
    order = np.argsort(speeds_all)
    speeds_all, cumulative = speeds_all[order], np.cumsum(mass_all[order])
    cumulative /= cumulative[-1]
    lo, hi = (float(speeds_all[min(np.searchsorted(cumulative, p / 100.0), len(speeds_all) - 1)])
              for p in percentiles)
    return lo, hi
