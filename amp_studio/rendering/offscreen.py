"""One offscreen GL context for a scene's whole life, rendering any view size up to the model's offscreen buffer.

mujoco.Renderer fixes its image size when it is made, so a viewport being resized needed a new one for each new
size: a new GL context, and the character's meshes and textures uploaded again (benchmarks/viewport_resize.py
measures what that cost). It also put GL context creation on the render thread at the moment the GUI thread was
busiest, laying out a window being resized, which is where a test run once hung. Here the context is made once, at
the offscreen buffer's size, and each frame renders into the lower-left rectangle of the view's size.
"""

from __future__ import annotations

import mujoco
import numpy as np

MAX_GEOMS = 10000  # mujoco.Renderer's default


class OffscreenRenderer:
    """Renders an MjvScene of `model` at any size up to model.vis.global_.offwidth x offheight.

    Made, used and closed on one thread: the GL context is current there.
    """

    def __init__(self, model: mujoco.MjModel):
        self.model = model
        self.max_width, self.max_height = int(model.vis.global_.offwidth), int(model.vis.global_.offheight)
        self.scene = mujoco.MjvScene(model, maxgeom=MAX_GEOMS)
        self._perturb = mujoco.MjvPerturb()
        self._gl = mujoco.GLContext(self.max_width, self.max_height)
        self._gl.make_current()
        self._mjr: mujoco.MjrContext | None = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_150)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._mjr)
        self._read = np.empty(self.max_width * self.max_height * 3, np.uint8)  # GL's pixels, reused every frame

    def update_scene(self, data: mujoco.MjData, camera: mujoco.MjvCamera, option: mujoco.MjvOption) -> None:
        """Fill `scene` with everything visible in `data`, seen by `camera`."""
        mujoco.mjv_updateScene(self.model, data, option, self._perturb, camera, mujoco.mjtCatBit.mjCAT_ALL,
                               self.scene)

    def render(self, width: int, height: int) -> np.ndarray:
        """The scene as an RGB image, (height, width, 3) uint8, top row first; a new array each call."""
        if self._mjr is None:
            raise RuntimeError("the renderer is closed")
        if not (0 < width <= self.max_width and 0 < height <= self.max_height):
            raise ValueError(f"{width}x{height} is outside the offscreen buffer ({self.max_width}x{self.max_height})")
        self._gl.make_current()
        rect = mujoco.MjrRect(0, 0, width, height)
        mujoco.mjr_render(rect, self.scene, self._mjr)
        pixels = self._read[:height * width * 3].reshape(height, width, 3)
        mujoco.mjr_readPixels(pixels, None, rect, self._mjr)
        return pixels[::-1].copy()  # GL's rows run bottom-up

    def close(self) -> None:
        """Free the GL context (the thread that made it must be the one closing it)."""
        if self._mjr is None:
            return
        self._gl.make_current()
        self._mjr.free()
        self._mjr = None
        self._gl.free()
