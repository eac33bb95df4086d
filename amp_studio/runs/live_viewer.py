"""`--visualize true`: MuJoCo's own viewer window showing env 0, where a display exists; its camera follows the
character or stays where the episode began, as the env config's `camera_mode` says."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence

import mujoco

# A little behind and above the character's side.
CAMERA_DISTANCE = 3.5
CAMERA_AZIMUTH = 135.0
CAMERA_ELEVATION = -15.0


def display_available() -> bool:
    """Whether a window can open (X11 or Wayland on Linux; always elsewhere)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def camera_settings(camera_mode: str, root_body: int, start: Sequence[float]) -> dict:
    """The viewer camera's fields for env.camera_mode: 'track' follows the root body; 'still' is a free camera
    looking at `start` (the root's position when the window opened), which stays put as the character moves."""
    view = {"distance": CAMERA_DISTANCE, "azimuth": CAMERA_AZIMUTH, "elevation": CAMERA_ELEVATION}
    if camera_mode == "track":
        return {"type": mujoco.mjtCamera.mjCAMERA_TRACKING, "trackbodyid": root_body, **view}
    if camera_mode == "still":
        return {"type": mujoco.mjtCamera.mjCAMERA_FREE, "trackbodyid": -1, "lookat": [float(v) for v in start],
                **view}
    raise ValueError(f"camera_mode: expected 'track' or 'still', got {camera_mode!r}")


def apply_camera(cam, settings: dict) -> None:
    """Set an MjvCamera's fields from camera_settings."""
    for key, value in settings.items():
        if key == "lookat":
            cam.lookat[:] = value
        else:
            setattr(cam, key, value)


def root_body_id(model: mujoco.MjModel, character) -> int:
    """The MuJoCo body id of the character's root (the first of its bodies)."""
    body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, character.body_names[0])
    return body if body >= 0 else 1  # body 0 is the world; the character's root comes next


class LiveViewer:
    """A passive MuJoCo viewer showing one env of an engine; `update()` after each step."""

    def __init__(self, engine, env_index: int = 0, camera_mode: str = "track"):
        import mujoco.viewer

        self.engine = engine
        self.env_index = env_index
        self.data = mujoco.MjData(engine.model)
        self.data.qpos[:] = engine.qpos()[env_index]
        mujoco.mj_forward(engine.model, self.data)
        settings = camera_settings(camera_mode, root_body_id(engine.model, engine.character), self.data.qpos[:3])
        before = set(threading.enumerate())
        self.handle = mujoco.viewer.launch_passive(engine.model, self.data, show_left_ui=False,
                                                   show_right_ui=False)
        # The window's thread (mujoco.viewer does not name it): close() waits for it, since a process that exits
        # while it still draws dies of X errors or a segfault in GLFW's teardown.
        self._threads = [t for t in threading.enumerate() if t not in before]
        with self.handle.lock():
            apply_camera(self.handle.cam, settings)

    def update(self) -> bool:
        """Show the current pose; False once the window has been closed."""
        if not self.handle.is_running():
            return False
        with self.handle.lock():
            self.data.qpos[:] = self.engine.qpos()[self.env_index]
            mujoco.mj_forward(self.engine.model, self.data)
        self.handle.sync()
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Close the window and wait until it is gone."""
        self.handle.close()
        for thread in self._threads:
            thread.join(timeout)
