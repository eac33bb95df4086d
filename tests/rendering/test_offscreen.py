"""The offscreen renderer: one GL context for every view size, the same pixels as mujoco.Renderer made for that
size, and a clear error outside the offscreen buffer or after closing."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from amp_studio.rendering.offscreen import OffscreenRenderer
from amp_studio.rendering.scene import MAX_SIZE


def test_each_size_matches_a_renderer_made_for_it(scene):
    kept = OffscreenRenderer(scene.model)
    try:
        for width, height in [(320, 240), (640, 240), (200, 500), (320, 240)]:
            made = mujoco.Renderer(scene.model, height, width)
            made.update_scene(scene.data, scene.camera, scene.option)
            expected = made.render()
            made.close()
            kept.update_scene(scene.data, scene.camera, scene.option)
            image = kept.render(width, height)
            assert image.shape == (height, width, 3)
            assert image.std() > 1.0  # a picture, not a blank buffer
            np.testing.assert_array_equal(image, expected)
    finally:
        kept.close()


def test_sizes_outside_the_buffer_and_a_closed_renderer_are_refused(scene):
    kept = OffscreenRenderer(scene.model)
    assert (kept.max_width, kept.max_height) == MAX_SIZE
    with pytest.raises(ValueError, match="offscreen buffer"):
        kept.render(MAX_SIZE[0] + 1, 100)
    with pytest.raises(ValueError, match="offscreen buffer"):
        kept.render(100, 0)
    kept.close()
    kept.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        kept.render(100, 100)


def test_the_scene_keeps_one_renderer_across_sizes(scene):
    first, _ = scene.render(320, 240)
    renderer = scene.open_renderer()
    second, _ = scene.render(641, 333)
    assert scene.open_renderer() is renderer
    assert first.shape == (240, 320, 3) and second.shape == (333, 641, 3)
