"""Judge a recorded rollout's acrobatics from its file alone: the root's orientation and height, frame by frame.

The question a flip or a cartwheel is asked: did the character invert (the pelvis's up axis turned past
skill_measures.INVERSION_DEG from the world's up), how often, and is it standing at the end? The rule is
skill_measures' own (an inversion counts again only after the pelvis came back within REARM_DEG of upright), so a
recording and the evaluation's per-episode counts agree.
"""

from __future__ import annotations

import numpy as np
import torch

from amp_studio.motion import MotionClip
from amp_studio.rotations import exp_map_to_quat, tilt_deg
from amp_studio.runs.skill_measures import inversion_step

UPRIGHT_DEG = 45.0
"""Standing: the pelvis within this of upright (a standing humanoid's: under 15; a landing crouch's: up to ~35)."""


def count_inversions(tilt: np.ndarray) -> int:
    """Inversions in a sequence of pelvis tilts (deg), by skill_measures.inversion_step."""
    count, armed = 0, torch.ones(1, dtype=torch.bool)
    for value in torch.as_tensor(tilt, dtype=torch.float64).reshape(-1, 1):
        inverted, armed = inversion_step(armed, value)
        count += int(inverted)
    return count


def judge_skill_recording(clip: MotionClip, episode_seconds: float | None = None) -> dict[str, float | int | bool]:
    """Inversions, the peak tilt (deg) and root height (m), the tilt at the last frame, the recording's length (s),
    and whether the character stands at the end: upright (UPRIGHT_DEG) at the last frame of a recording that ran
    its whole episode (episode_seconds, if given; a recording ends early at a fall)."""
    frames = torch.from_numpy(np.asarray(clip.frames, dtype=np.float64))
    tilt = tilt_deg(exp_map_to_quat(frames[:, 3:6])).numpy()
    seconds = (clip.num_frames - 1) / clip.fps
    whole = episode_seconds is None or seconds >= episode_seconds - 1.5 / clip.fps
    return {"inversions": count_inversions(tilt), "tilt_peak_deg": float(tilt.max()),
            "height_peak": float(frames[:, 2].max()), "tilt_end_deg": float(tilt[-1]), "seconds": float(seconds),
            "stands_at_end": bool(whole and tilt[-1] <= UPRIGHT_DEG)}
