"""Small synthetic clips for motion tests."""

from __future__ import annotations

import numpy as np

from amp_studio.motion import MotionClip


def standing_frames(n: int, num_dofs: int = 28) -> np.ndarray:
    """n frames of the rest pose with the root at 0.88 m and the arms down."""
    frames = np.zeros((n, 6 + num_dofs))
    frames[:, 2] = 0.88
    frames[:, 6 + 6] = 1.5708  # right_shoulder_x
    frames[:, 6 + 10] = -1.5708  # left_shoulder_x
    return frames


def make_clip(frames: np.ndarray, fps: float = 30.0, loop: str = "wrap", name: str = "test") -> MotionClip:
    return MotionClip(fps=fps, loop=loop, frames=frames, name=name, source=f"{name}.pkl")
