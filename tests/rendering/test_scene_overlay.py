"""The scene's overlay: segments and points drawn over the character (a motion-capture skeleton in the BVH import
dialog), as geoms added after MuJoCo's own, never beyond the scene's room."""

from __future__ import annotations

import mujoco
import numpy as np

from amp_studio.rendering.scene import OVERLAY_RADIUS, OVERLAY_WIDTH, Scene

SEGMENTS = np.array([[[0.0, 1.0, 0.0], [0.0, 1.0, 1.0]],    # upright, 1 m tall, beside the character
                     [[0.0, 1.0, 1.0], [0.5, 1.0, 1.0]],    # across
                     [[0.3, 0.3, 0.3], [0.3, 0.3, 0.3]]])   # zero length: skipped
POINTS = np.array([[0.0, 1.0, 1.0], [0.5, 1.0, 1.0]])


def _filled(scene: Scene, maxgeom: int = 1000) -> tuple[mujoco.MjvScene, int]:
    mjv = mujoco.MjvScene(scene.model, maxgeom)
    mujoco.mjv_updateScene(scene.model, scene.data, scene.option, scene.perturb, scene.camera,
                           mujoco.mjtCatBit.mjCAT_ALL, mjv)
    return mjv, mjv.ngeom


def test_segments_become_capsules_between_their_ends_and_points_spheres(scene):
    version = scene.version
    scene.set_overlay(SEGMENTS, POINTS)
    assert scene.version > version
    mjv, before = _filled(scene)
    scene.add_overlay(mjv)
    assert mjv.ngeom == before + 2 + 2  # the zero-length segment is not drawn
    upright, across, *spheres = (mjv.geoms[i] for i in range(before, mjv.ngeom))
    assert upright.type == mujoco.mjtGeom.mjGEOM_CAPSULE
    np.testing.assert_allclose(upright.pos, [0.0, 1.0, 0.5], atol=1e-9)  # a connector sits at the middle
    np.testing.assert_allclose(upright.size, [OVERLAY_WIDTH, OVERLAY_WIDTH, 0.5], atol=1e-9)  # half-length
    np.testing.assert_allclose(across.pos, [0.25, 1.0, 1.0], atol=1e-9)
    assert [g.type for g in spheres] == [mujoco.mjtGeom.mjGEOM_SPHERE] * 2
    np.testing.assert_allclose(spheres[1].pos, POINTS[1], atol=1e-9)
    np.testing.assert_allclose(spheres[0].size, [OVERLAY_RADIUS] * 3)


def test_a_full_scene_takes_what_fits_and_none_clears(scene):
    scene.set_overlay(np.tile(SEGMENTS[:1], (250, 1, 1)))
    mjv, before = _filled(scene, maxgeom=200)
    room = mjv.maxgeom - before
    assert 0 < room < 250
    scene.add_overlay(mjv)
    assert mjv.ngeom == mjv.maxgeom
    scene.set_overlay(None)
    mjv, before = _filled(scene)
    scene.add_overlay(mjv)
    assert mjv.ngeom == before


def test_the_overlay_is_rendered(scene):
    scene.set_overlay(None)
    plain, _ = scene.render(160, 120)
    plain = plain.copy()
    scene.set_overlay(SEGMENTS, POINTS)
    drawn, version = scene.render(160, 120)
    assert version == scene.version
    changed = np.abs(drawn.astype(int) - plain.astype(int)).sum(-1) > 30
    assert changed.sum() > 20  # orange bones where there were floor and sky
    scene.set_overlay(None)
