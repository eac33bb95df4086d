"""`--visualize true`: MuJoCo's own viewer window following env 0, where a display exists."""

from __future__ import annotations

import os
import sys

import mujoco


def display_available() -> bool:
    """Whether a window can open (X11 or Wayland on Linux; always elsewhere)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class LiveViewer:
    """A passive MuJoCo viewer showing one env of an engine; `update()` after each step."""

    def __init__(self, engine, env_index: int = 0):
        import mujoco.viewer

        self.engine = engine
        self.env_index = env_index
        self.data = mujoco.MjData(engine.model)
        self.data.qpos[:] = engine.qpos()[env_index]
        mujoco.mj_forward(engine.model, self.data)
        self.handle = mujoco.viewer.launch_passive(engine.model, self.data, show_left_ui=False,
                                                   show_right_ui=False)
        with self.handle.lock():
            # Follow the character's root from a little behind and above its side.
            cam = self.handle.cam
            cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
            cam.trackbodyid = 1
            cam.distance = 3.5
            cam.azimuth = 135.0
            cam.elevation = -15.0

    def update(self) -> bool:
        """Show the current pose; False once the window has been closed."""
        if not self.handle.is_running():
            return False
        with self.handle.lock():
            self.data.qpos[:] = self.engine.qpos()[self.env_index]
            mujoco.mj_forward(self.engine.model, self.data)
        self.handle.sync()
        return True

    def close(self) -> None:
        """Close the window."""
        self.handle.close()
