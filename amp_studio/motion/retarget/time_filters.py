"""Filters over a clip's frames (axis 0), the ends held: a moving average, and a running maximum that a moving
average of the same width keeps at or above its input (what the retarget's body and feet use so that a smoothed
correction never falls short of what a frame needs)."""

from __future__ import annotations

import numpy as np


def _padded(x: np.ndarray, width: int) -> np.ndarray:
    return np.concatenate((np.repeat(x[:1], width, 0), x, np.repeat(x[-1:], width, 0)))


def moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """The mean over 2 width + 1 frames around each frame. Shape: (F, ...) -> (F, ...)."""
    windows = np.lib.stride_tricks.sliding_window_view(_padded(x, width), 2 * width + 1, axis=0)
    return windows.mean(axis=-1)


def running_max(x: np.ndarray, width: int) -> np.ndarray:
    """The largest value within `width` frames of each frame. Shape: (F, ...) -> (F, ...)."""
    return np.lib.stride_tricks.sliding_window_view(_padded(x, width), 2 * width + 1, axis=0).max(axis=-1)
