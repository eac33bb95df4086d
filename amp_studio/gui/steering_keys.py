"""Steering a replay from the keyboard and the mouse: held keys and ground drags as commands of direction and speed.

The viewport feeds key presses and releases in; out come commands (world direction x, y and speed in m/s) for
a steering policy's replay (`set_command`). The logic is plain Python so it can be tested without a window.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from amp_studio.rendering.scene import ARROW_SCALE

QT_KEYS = {
    Qt.Key.Key_W: "forward", Qt.Key.Key_Up: "forward",
    Qt.Key.Key_S: "back", Qt.Key.Key_Down: "back",
    Qt.Key.Key_A: "left", Qt.Key.Key_Left: "left",
    Qt.Key.Key_D: "right", Qt.Key.Key_Right: "right",
}
"""The keys that steer, by the way they push (relative to the camera's view of the ground)."""
_PUSH = {"forward": (1, 0), "back": (-1, 0), "left": (0, -1), "right": (0, 1)}  # (ahead, to the right)
DEFAULT_SPEED_RANGE = (0.67, 3.56)
"""m/s: the shipped steering env's range (the locomotion dataset's), until a replay says its own."""
MIN_DRAG = 0.05
"""Metres: a shorter drag on the ground has no clear direction and commands nothing."""
DRAG_SPEED_STEP = 0.05
"""m/s: drag speeds are rounded to it, so a hand's pixel jitter is not a stream of new commands."""

Command = tuple[float, float, float]
"""World direction x, y (unit length) and speed (m/s)."""


class SteeringKeys:
    """Which steering keys are held, and the command they make.

    W / Up is away from the camera (the direction it looks, flattened onto the ground), S / Down toward it, A / Left
    and D / Right to its left and right; two keys together give the diagonal between them, opposite keys cancel.
    Speeds, from `speed_range` (the speeds the policy was trained to follow):
      - held keys: the cruise speed, the geometric mean of the range (1.54 m/s on the shipped 0.67-3.56 m/s range:
        a walk, between the slowest's stroll and the top speed's run, each about 2.3 times the one below);
      - Shift with them: the top speed;
      - all released: the last direction at the slowest speed, so the character slows down rather than stopping
        (the policy was never asked to stand) or turning somewhere the user did not choose.
    A drag on the ground (`drag`) sets the direction from its start to its end and a speed of its length /
    ARROW_SCALE: the drag draws the command arrow the viewport then shows.
    """

    def __init__(self, speed_range: tuple[float, float] = DEFAULT_SPEED_RANGE):
        self.speed_range = speed_range
        self.held: set[str] = set()
        self.fast = False  # Shift is down
        self.direction: tuple[float, float] | None = None  # the last commanded world direction

    @property
    def speed_range(self) -> tuple[float, float]:
        """The (slowest, top) speed in m/s."""
        return self._range

    @speed_range.setter
    def speed_range(self, value) -> None:
        lo, hi = (float(v) for v in value)
        self._range = (min(lo, hi), max(lo, hi))

    @property
    def cruise_speed(self) -> float:
        """Held keys' speed: the range's geometric mean (its midpoint when the slowest is 0)."""
        lo, hi = self._range
        return math.sqrt(lo * hi) if lo > 0 else 0.5 * (lo + hi)

    def press(self, name: str) -> None:
        """A steering key ('forward', 'back', 'left', 'right'; QT_KEYS names them) went down."""
        self.held.add(name)

    def release(self, name: str) -> None:
        """A steering key went up."""
        self.held.discard(name)

    def release_all(self) -> None:
        """Every key is up (the view lost the keyboard, and with it the releases)."""
        self.held.clear()
        self.fast = False

    def command(self, azimuth: float) -> Command | None:
        """The held keys' command for a camera at `azimuth` degrees (MuJoCo's: it looks along (cos, sin) of it), or
        None when nothing was ever commanded (no direction to keep)."""
        ahead = sum(_PUSH[name][0] for name in self.held)
        right = sum(_PUSH[name][1] for name in self.held)
        if ahead or right:
            az = math.radians(azimuth)
            forward, to_right = (math.cos(az), math.sin(az)), (math.sin(az), -math.cos(az))
            self.direction = _rounded_direction(ahead * forward[0] + right * to_right[0],
                                                ahead * forward[1] + right * to_right[1])
            speed = self._range[1] if self.fast else self.cruise_speed
        elif self.direction is None:
            return None
        else:
            speed = self._range[0]
        return (*self.direction, speed)

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> Command | None:
        """The command of a drag on the ground from start to end (world x, y in metres), or None when too short."""
        dx, dy = end[0] - start[0], end[1] - start[1]
        length = math.hypot(dx, dy)
        if length < MIN_DRAG:
            return None
        self.direction = _rounded_direction(dx, dy)
        speed = round(length / ARROW_SCALE / DRAG_SPEED_STEP) * DRAG_SPEED_STEP
        return (*self.direction, min(max(speed, self._range[0]), self._range[1]))


def _rounded_direction(x: float, y: float) -> tuple[float, float]:
    """The unit vector along (x, y) at a whole degree: an orbiting camera or a trembling drag then changes the
    command (and so sends one) only once a degree."""
    angle = math.radians(round(math.degrees(math.atan2(y, x))))
    return math.cos(angle), math.sin(angle)
