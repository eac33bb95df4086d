"""A motion clip: frames of root position, root rotation (exp map) and joint DoFs at a fixed rate."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from amp_studio.errors import MotionError

LOOP_MODES = ("clamp", "wrap")
ROOT_WIDTH = 6  # root position (3) + root rotation as an exponential map (3)


@dataclass
class MotionClip:
    """A clip as DESIGN section 4 defines it.

    Shape: frames (num_frames, 6 + num_dofs). Duration is (num_frames - 1) / fps.
    """

    fps: float
    loop: str
    frames: np.ndarray
    name: str = ""
    source: str = field(default="", compare=False)
    mirrored: bool = field(default=False, compare=False)  # the left-right mirror of the source's motion

    def __post_init__(self) -> None:
        self.frames = validate_frames(self.frames, self.source)
        try:
            self.fps = float(self.fps)
        except (TypeError, ValueError):
            raise MotionError(self.source, f"field 'fps': expected a number, got {self.fps!r}") from None
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise MotionError(self.source, f"field 'fps': must be a positive number, got {self.fps}")
        if self.loop not in LOOP_MODES:
            raise MotionError(self.source, f"field 'loop': must be one of {LOOP_MODES}, got {self.loop!r}")

    @property
    def num_frames(self) -> int:
        """Number of frames."""
        return int(self.frames.shape[0])

    @property
    def num_dofs(self) -> int:
        """Joint DoFs per frame (frame width minus the root's 6)."""
        return int(self.frames.shape[1]) - ROOT_WIDTH

    @property
    def duration(self) -> float:
        """Length in seconds: (num_frames - 1) / fps."""
        return (self.num_frames - 1) / self.fps

    def check_dofs(self, num_dofs: int) -> None:
        """Raise MotionError unless each frame has 6 root values and num_dofs joint values."""
        if self.num_dofs != num_dofs:
            raise MotionError(
                self.source,
                f"field 'frames': expected {ROOT_WIDTH + num_dofs} values per frame "
                f"(3 root position + 3 root rotation + {num_dofs} DoFs), got {self.frames.shape[1]}",
            )


def validate_frames(frames: object, source: str) -> np.ndarray:
    """Frames as a float64 array (N >= 2, width > 6, all finite), or a MotionError naming the problem."""
    try:
        arr = np.asarray(frames, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MotionError(source, f"field 'frames': not a rectangular table of numbers ({exc})") from None
    if arr.ndim != 2:
        raise MotionError(source, f"field 'frames': expected a 2-D table [frames, values], got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise MotionError(source, f"field 'frames': a clip needs at least 2 frames, got {arr.shape[0]}")
    if arr.shape[1] <= ROOT_WIDTH:
        raise MotionError(
            source, f"field 'frames': each frame needs the 6 root values and joint DoFs, got {arr.shape[1]} values"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        frame, col = (int(i) for i in np.argwhere(bad)[0])
        raise MotionError(
            source,
            f"field 'frames': {int(bad.sum())} non-finite values (NaN or inf), first at frame {frame}, column {col}",
        )
    return arr
