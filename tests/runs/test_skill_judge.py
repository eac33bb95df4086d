"""A recording is judged from its root alone: inversions by skill_measures' rule, and standing at the end."""

from __future__ import annotations

import numpy as np

from amp_studio.motion import MotionClip, load_clip
from amp_studio.runs.skill_judge import count_inversions, judge_skill_recording


def test_an_inversion_counts_again_only_after_coming_back_upright():
    # up, over (one), a wobble past 120 without coming back (still one), upright, over again (two)
    tilt = np.array([5, 60, 130, 150, 110, 125, 170, 95, 40, 10, 100, 121, 90, 30])
    assert count_inversions(tilt) == 2
    assert count_inversions(np.array([0.0, 119.9, 80.0])) == 0


def test_the_clips_own_flip_and_walk(deepmimic_dir):
    flip = judge_skill_recording(load_clip(deepmimic_dir / "humanoid3d_backflip.txt", 28))
    assert flip["inversions"] == 1 and flip["tilt_peak_deg"] > 150 and flip["height_peak"] > 1.1
    assert flip["stands_at_end"] and flip["tilt_end_deg"] < 20
    walk = judge_skill_recording(load_clip(deepmimic_dir / "humanoid3d_walk.txt", 28))
    assert walk["inversions"] == 0 and walk["tilt_peak_deg"] < 30 and walk["stands_at_end"]


def test_a_recording_that_ended_early_or_lying_down_does_not_stand():
    frames = np.zeros((31, 34))
    frames[:, 2] = 0.9
    assert judge_skill_recording(MotionClip(30, "clamp", frames), episode_seconds=1.0)["stands_at_end"]
    short = judge_skill_recording(MotionClip(30, "clamp", frames), episode_seconds=10.0)
    assert short["seconds"] == 1.0 and not short["stands_at_end"]  # a fall ends a recording early
    frames[-1, 3] = np.pi / 2  # on its side at the end
    lying = judge_skill_recording(MotionClip(30, "clamp", frames), episode_seconds=1.0)
    assert abs(lying["tilt_end_deg"] - 90) < 1e-6 and not lying["stands_at_end"]
