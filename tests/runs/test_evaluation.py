from __future__ import annotations

import numpy as np

from amp_studio.runs.evaluation import dtw_pose_error


def _wave(t: np.ndarray) -> np.ndarray:
    """A 'pose' of two bodies moving along x with time. Shape: (T, 2, 3)."""
    x = np.sin(2 * np.pi * t)
    return np.stack((np.stack((x, 0 * x, 0 * x), -1), np.stack((0 * x, x, 0 * x), -1)), axis=1)


def test_identical_and_phase_shifted_motion_have_no_error():
    ref = _wave(np.arange(0, 4, 1 / 30))
    assert dtw_pose_error(ref[:60], ref) < 1e-9
    # An episode that starts mid-cycle matches the same phase of the reference.
    assert dtw_pose_error(ref[17:77], ref) < 1e-9
    # Slower or faster playback is warped away.
    slow = _wave(np.arange(0, 2, 1 / 45))
    assert dtw_pose_error(slow, ref) < 0.05


def test_error_is_the_mean_body_distance_when_offset():
    ref = _wave(np.arange(0, 2, 1 / 30))
    shifted = ref[:40] + np.array([0.0, 0.0, 0.1])  # every body 10 cm higher
    assert abs(dtw_pose_error(shifted, ref) - 0.1) < 1e-9
