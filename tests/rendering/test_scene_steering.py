"""The steering HUD: the commanded and the actual planar velocity as two arrows on the ground at the character's
root, added after MuJoCo's own geoms, drawn as long as ARROW_SCALE says."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from amp_studio import DEFAULT_CHARACTER
from amp_studio.rendering.scene import ARROW_SCALE, COMMAND_RGBA, VELOCITY_RGBA, Scene


def _arrows(scene: Scene, maxgeom: int = 1000) -> list:
    mjv = mujoco.MjvScene(scene.model, maxgeom)
    mujoco.mjv_updateScene(scene.model, scene.data, scene.option, scene.perturb, scene.camera,
                           mujoco.mjtCatBit.mjCAT_ALL, mjv)
    before = mjv.ngeom
    scene.add_steering(mjv)
    return [mjv.geoms[i] for i in range(before, mjv.ngeom)]


def _direction(geom) -> np.ndarray:
    return geom.mat.reshape(3, 3)[:, 2]  # an arrow points along its frame's z


def test_the_command_and_the_velocity_are_two_arrows_at_the_root(scene):
    scene.set_pose(np.r_[[2.0, -1.0, 0.9, 1.0, 0.0, 0.0, 0.0], scene.pose[7:]])
    version = scene.version
    scene.set_steering([0.0, 2.0, 1.5], [0.5, 0.0])  # the direction need not come normalized
    assert scene.version > version
    command, velocity = _arrows(scene)
    assert command.type == velocity.type == mujoco.mjtGeom.mjGEOM_ARROW
    assert command.category == mujoco.mjtCatBit.mjCAT_DECOR
    np.testing.assert_allclose(command.pos[:2], [2.0, -1.0], atol=1e-9)
    np.testing.assert_allclose(velocity.pos[:2], [2.0, -1.0], atol=1e-9)
    assert 0 < command.pos[2] < 0.1 and 0 < velocity.pos[2] < 0.1  # on the ground, under the feet
    np.testing.assert_allclose(_direction(command), [0.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(_direction(velocity), [1.0, 0.0, 0.0], atol=1e-9)
    assert command.size[2] / velocity.size[2] == pytest.approx(1.5 / 0.5)  # length in proportion to speed
    np.testing.assert_allclose(command.rgba, COMMAND_RGBA, atol=1e-6)
    np.testing.assert_allclose(velocity.rgba, VELOCITY_RGBA, atol=1e-6)
    assert COMMAND_RGBA != VELOCITY_RGBA


def test_none_hides_either_and_standing_still_draws_nothing(scene):
    scene.set_steering([1.0, 0.0, 1.0], None)
    assert [tuple(np.round(_direction(g), 6)) for g in _arrows(scene)] == [(1.0, 0.0, 0.0)]
    scene.set_steering(None, [0.0, 0.0])
    assert _arrows(scene) == []
    scene.set_steering(None, None)
    assert _arrows(scene) == []


def test_a_full_scene_takes_no_arrow(scene):
    scene.set_steering([1.0, 0.0, 1.0], [1.0, 0.0])
    mjv = mujoco.MjvScene(scene.model, 10)
    mujoco.mjv_updateScene(scene.model, scene.data, scene.option, scene.perturb, scene.camera,
                           mujoco.mjtCatBit.mjCAT_ALL, mjv)
    assert mjv.ngeom == mjv.maxgeom
    scene.add_steering(mjv)
    assert mjv.ngeom == mjv.maxgeom


@pytest.mark.parametrize("speed", [1.0, 4.0])
def test_an_arrow_is_drawn_as_long_as_its_speed_says(speed):
    """Seen from straight above: the green of the command arrow spans ARROW_SCALE * speed metres of ground."""
    s = Scene(str(DEFAULT_CHARACTER))
    try:
        s.tracking = False
        s.set_pose(np.r_[[0.0, 0.0, -5.0, 1.0, 0.0, 0.0, 0.0], s.pose[7:]])  # out of the way, under the floor
        s.camera.elevation, s.camera.azimuth, s.camera.distance = -89.9, 90.0, 8.0
        s.camera.lookat[:] = [1.0, 0.0, 0.0]
        s.set_steering([1.0, 0.0, speed], None)
        image, _ = s.render(640, 480)
        green = (image[:, :, 1] > 120) & (image[:, :, 0].astype(int) < image[:, :, 1].astype(int) - 50)
        columns = np.nonzero(green.any(axis=0))[0]
        start, end = (s.pick_ground(c / 640, 0.5, 640 / 480) for c in (columns.min(), columns.max()))
        assert start[0] == pytest.approx(0.0, abs=0.05)
        assert end[0] == pytest.approx(ARROW_SCALE * speed, rel=0.1)  # the cone's shaded tip is not green
    finally:
        s.close()
