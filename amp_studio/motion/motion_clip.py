"""A motion clip: frames of root position, root rotation (exp map) and joint DoFs at a fixed rate."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from amp_studio.errors import MotionError, describe

LOOP_MODES = ("clamp", "wrap")
ROOT_WIDTH = 6  # root position (3) + root rotation as an exponential map (3)
# Far beyond any real clip (an hour at 240 fps is 864,000 frames; positions are metres, angles radians); larger
# ones are garbage, refused before anything is allocated for them.
MAX_FPS = 10_000.0
MAX_FRAMES = 1_000_000
MAX_FRAME_WIDTH = 10_000
MAX_ABS_VALUE = 1e6
MAX_DURATION = 86_400.0  # a day: longer clips (two frames at 1e-300 fps) overflow the times sampled in them


@dataclass
class MotionClip:
    """A clip as docs/design.md section 3 (Clips and formats) defines it.

    Shape: frames (num_frames, 6 + num_dofs). Duration is (num_frames - 1) / fps.
    """

    fps: float
    loop: str
    frames: np.ndarray
    name: str = ""
    source: str = field(default="", compare=False)
    mirrored: bool = field(default=False, compare=False)  # the left-right mirror of the source's motion
    retarget: dict | None = field(default=None, compare=False)
    """For a clip made from motion capture of another skeleton: where from, and how well it was retargeted."""
    task_commands: np.ndarray | None = field(default=None, compare=False)
    """For a recorded steering run: each frame's command, [frames, 3] of world direction x, y and speed (m/s)."""

    def __post_init__(self) -> None:
        self.frames = validate_frames(self.frames, self.source)
        if self.task_commands is not None:
            self.task_commands = validate_task_commands(self.task_commands, self.num_frames, self.source)
        try:
            self.fps = float(self.fps)
        except (TypeError, ValueError, OverflowError):
            raise MotionError(self.source, f"field 'fps': expected a number, got {describe(self.fps)}") from None
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise MotionError(self.source, f"field 'fps': must be a positive number, got {self.fps}")
        if self.fps > MAX_FPS:
            raise MotionError(self.source, f"field 'fps': must be at most {MAX_FPS:g}, got {self.fps:g}")
        if self.duration > MAX_DURATION:
            raise MotionError(self.source, f"field 'fps': {self.num_frames:,d} frames at {self.fps:g} fps last "
                                           f"{self.duration:g} s, more than a day ({MAX_DURATION:g} s)")
        if self.loop not in LOOP_MODES:
            raise MotionError(self.source, f"field 'loop': must be one of {LOOP_MODES}, got {describe(self.loop)}")

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


def validate_task_commands(commands: object, num_frames: int, source: str) -> np.ndarray:
    """Per-frame steering commands as a float64 (num_frames, 3) array, or a MotionError naming the problem."""
    try:
        arr = np.asarray(commands, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise MotionError(source, f"field 'task_commands': not a table of numbers ({exc})") from None
    if arr.shape != (num_frames, 3):
        raise MotionError(source, f"field 'task_commands': expected shape ({num_frames}, 3) (direction x, y and "
                                  f"speed for each of the {num_frames} frames), got {arr.shape}")
    if not np.isfinite(arr).all() or np.abs(arr).max() > MAX_ABS_VALUE:
        raise MotionError(source, "field 'task_commands': values must be finite numbers of sensible size")
    return arr


def validate_frames(frames: object, source: str) -> np.ndarray:
    """Frames as a float64 array (2 <= N <= MAX_FRAMES, 6 < width <= MAX_FRAME_WIDTH, all finite and within
    +-MAX_ABS_VALUE), or a MotionError naming the problem."""
    if isinstance(frames, (list, tuple)):
        _check_rows(frames, source)
    if isinstance(frames, np.ndarray) and np.iscomplexobj(frames):
        raise MotionError(source, "field 'frames': complex numbers; expected real numbers")
    try:
        arr = np.asarray(frames, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise MotionError(source, f"field 'frames': not a rectangular table of numbers ({exc})") from None
    if arr.ndim != 2:
        raise MotionError(source, f"field 'frames': expected a 2-D table [frames, values], got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise MotionError(source, f"field 'frames': a clip needs at least 2 frames, got {arr.shape[0]}")
    if arr.shape[1] <= ROOT_WIDTH:
        raise MotionError(
            source, f"field 'frames': each frame needs the 6 root values and joint DoFs, got {arr.shape[1]} values"
        )
    if arr.shape[0] > MAX_FRAMES or arr.shape[1] > MAX_FRAME_WIDTH:
        raise MotionError(source, f"field 'frames': {arr.shape[0]:,d} frames of {arr.shape[1]:,d} values; at most "
                                  f"{MAX_FRAMES:,d} frames of {MAX_FRAME_WIDTH:,d} values")
    bad = ~np.isfinite(arr)
    if bad.any():
        frame, col = (int(i) for i in np.argwhere(bad)[0])
        raise MotionError(
            source,
            f"field 'frames': {int(bad.sum())} non-finite values (NaN or inf), first at frame {frame}, column {col}",
        )
    huge = np.abs(arr) > MAX_ABS_VALUE
    if huge.any():
        frame, col = (int(i) for i in np.argwhere(huge)[0])
        raise MotionError(source, f"field 'frames': value {arr[frame, col]:g} at frame {frame}, column {col} is out of "
                                  f"range (positions are metres, angles radians; at most {MAX_ABS_VALUE:g})")
    return arr


def _check_rows(rows: list | tuple, source: str) -> None:
    """A table given as lists holds numbers in rows of sane length. Checked before numpy reads it: lists nested
    deeper, or sharing rows by reference (a pickle can build 10**9 values from 100 bytes), would have numpy
    allocate without bound."""
    if len(rows) > MAX_FRAMES:
        raise MotionError(source, f"field 'frames': {len(rows):,d} frames, at most {MAX_FRAMES:,d}")
    for i, row in enumerate(rows):
        if isinstance(row, np.ndarray):
            continue
        if not isinstance(row, (list, tuple)):
            return  # a flat list: numpy reads it and the shape check says what is wrong
        if len(row) > MAX_FRAME_WIDTH:
            raise MotionError(source, f"field 'frames': frame {i} has {len(row):,d} values, at most "
                                      f"{MAX_FRAME_WIDTH:,d}")
        for j, value in enumerate(row):
            if not isinstance(value, (int, float, np.number)) or isinstance(value, np.complexfloating):
                raise MotionError(source, f"field 'frames': frame {i}, value {j} is {describe(value)}, not a number")
