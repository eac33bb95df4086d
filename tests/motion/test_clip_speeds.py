from __future__ import annotations

import numpy as np
import pytest

from amp_studio.motion.clip_speeds import root_speed_range, window_speeds
from amp_studio.motion.motion_clip import MotionClip


def straight_clip(speed: float, seconds: float, fps: float = 30.0, sway: float = 0.0) -> MotionClip:
    t = np.arange(round(seconds * fps) + 1) / fps
    frames = np.zeros((len(t), 7))
    frames[:, 0] = speed * t
    frames[:, 1] = sway * np.sin(2 * np.pi * t)  # a side-to-side sway of one cycle per second
    return MotionClip(fps, "clamp", frames)


def test_window_speeds_ignore_a_sway_of_one_cycle_per_window():
    assert np.allclose(window_speeds(straight_clip(1.5, 4.0, sway=0.05)), 1.5)
    assert np.allclose(window_speeds(straight_clip(2.0, 0.5)), 2.0)  # shorter than a window: end to end


def test_the_range_weighs_clips_as_they_are_sampled_not_by_length():
    walk, run = straight_clip(1.0, 30.0), straight_clip(3.0, 0.8)
    assert root_speed_range([walk, run], [1.0, 1.0]) == pytest.approx((1.0, 3.0))
    assert root_speed_range([walk, run], [1.0, 0.01]) == pytest.approx((1.0, 1.0))  # the run is 1% of samples


def test_a_clip_speeding_up_gives_the_percentiles_of_its_speeds():
    fps, t = 30.0, np.arange(301) / 30.0
    frames = np.zeros((len(t), 7))
    frames[:, 0] = 0.25 * t ** 2  # speed 0.5 t: the 1-s windows' speeds run evenly from 0.25 to 4.75 m/s
    lo, hi = root_speed_range([MotionClip(fps, "clamp", frames)], [1.0])
    assert lo == pytest.approx(0.25 + 0.05 * 4.5, abs=0.02) and hi == pytest.approx(4.75 - 0.05 * 4.5, abs=0.02)
