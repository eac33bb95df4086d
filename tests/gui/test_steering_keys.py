"""The steering keys' commands: directions relative to the camera, the three speeds, and ground drags."""

from __future__ import annotations

import math

import pytest

from amp_studio.gui.steering_keys import MIN_DRAG, SteeringKeys
from amp_studio.rendering.scene import ARROW_SCALE

RANGE = (0.67, 3.56)
CRUISE = math.sqrt(0.67 * 3.56)
S = math.sqrt(0.5)


def _command(held: list[str], azimuth: float, fast: bool = False) -> tuple[float, float, float]:
    keys = SteeringKeys(RANGE)
    keys.fast = fast
    for name in held:
        keys.press(name)
    return keys.command(azimuth)


@pytest.mark.parametrize("held, azimuth, direction", [
    (["forward"], 0.0, (1.0, 0.0)),        # the camera looks along +x: W goes along +x
    (["back"], 0.0, (-1.0, 0.0)),
    (["right"], 0.0, (0.0, -1.0)),         # looking along +x, the right is -y
    (["left"], 0.0, (0.0, 1.0)),
    (["forward"], 90.0, (0.0, 1.0)),       # the camera turned: so did W
    (["right"], 90.0, (1.0, 0.0)),
    (["forward", "right"], 0.0, (S, -S)),  # diagonals
    (["back", "left"], 0.0, (-S, S)),
    (["forward", "left"], 135.0, (-1.0, 0.0)),  # the app's starting camera looks along (-1, 1)
    (["forward", "back", "right"], 0.0, (0.0, -1.0)),  # opposite keys cancel
])
def test_keys_push_relative_to_the_camera(held, azimuth, direction):
    dx, dy, speed = _command(held, azimuth)
    assert (dx, dy) == pytest.approx(direction, abs=1e-9)
    assert speed == pytest.approx(CRUISE)


def test_shift_gives_the_top_speed_and_the_cruise_is_between():
    assert _command(["forward"], 0.0, fast=True)[2] == pytest.approx(RANGE[1])
    assert RANGE[0] < _command(["forward"], 0.0)[2] < RANGE[1]


def test_releasing_every_key_keeps_the_direction_at_the_slowest_speed():
    keys = SteeringKeys(RANGE)
    assert keys.command(0.0) is None  # nothing commanded yet: no direction to keep
    keys.press("forward")
    keys.press("left")
    keys.release("forward")
    assert keys.command(0.0) == pytest.approx((0.0, 1.0, CRUISE))
    keys.release("left")
    # The camera turning after the release does not turn the character: the last direction is a world one.
    assert keys.command(90.0) == pytest.approx((0.0, 1.0, RANGE[0]))
    keys.press("back")
    keys.press("forward")
    assert keys.command(0.0) == pytest.approx((0.0, 1.0, RANGE[0]))  # cancelling keys are as good as none


def test_a_range_starting_at_zero_cruises_at_its_midpoint():
    keys = SteeringKeys((0.0, 3.0))
    keys.press("forward")
    assert keys.command(0.0)[2] == pytest.approx(1.5)


def test_a_drag_points_from_its_start_and_its_length_is_the_speed():
    keys = SteeringKeys(RANGE)
    dx, dy, speed = keys.drag((1.0, 1.0), (1.0 + 0.6, 1.0 + 0.8))  # 1 m: 2 m/s at 0.5 m per m/s
    assert (dx, dy) == pytest.approx((0.6, 0.8), abs=0.01)  # to a whole degree
    assert speed == pytest.approx(1.0 / ARROW_SCALE)
    assert keys.drag((0.0, 0.0), (0.0, 10.0))[2] == pytest.approx(RANGE[1])  # clamped to the range
    assert keys.drag((0.0, 0.0), (0.1, 0.0))[2] == pytest.approx(RANGE[0])
    assert keys.drag((0.0, 0.0), (MIN_DRAG / 2, 0.0)) is None
    # The last drag's direction (not the too short one's) is the one kept while no key is held.
    assert keys.command(90.0) == pytest.approx((1.0, 0.0, RANGE[0]))


def test_a_jittering_drag_or_camera_repeats_the_same_command():
    keys = SteeringKeys(RANGE)
    assert keys.drag((0.0, 0.0), (1.0, 0.5)) == keys.drag((0.0, 0.0), (1.002, 0.501))
    keys.press("forward")
    assert keys.command(30.0) == keys.command(30.2)
