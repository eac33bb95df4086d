"""env.camera_mode sets the viewer's camera: 'track' follows the root, 'still' looks at the start. No display needed:
the settings are chosen and applied to a camera object without a window."""

from __future__ import annotations

import argparse

import mujoco
import pytest

from amp_studio.character import CharacterModel
from amp_studio.engines.mujoco_engine import build_sim_model
from amp_studio.runs import live_viewer
from amp_studio.runs.live_viewer import apply_camera, camera_settings, root_body_id


def test_track_follows_the_root_body():
    cam = mujoco.MjvCamera()
    apply_camera(cam, camera_settings("track", 1, (2.0, 3.0, 0.9)))
    assert cam.type == mujoco.mjtCamera.mjCAMERA_TRACKING and cam.trackbodyid == 1
    assert cam.distance == live_viewer.CAMERA_DISTANCE


def test_still_looks_at_the_start_with_a_free_camera():
    cam = mujoco.MjvCamera()
    apply_camera(cam, camera_settings("still", 1, (2.0, 3.0, 0.9)))
    assert cam.type == mujoco.mjtCamera.mjCAMERA_FREE and cam.trackbodyid == -1
    assert list(cam.lookat) == [2.0, 3.0, 0.9]
    with pytest.raises(ValueError, match="camera_mode"):
        camera_settings("orbit", 1, (0.0, 0.0, 0.0))


def test_the_tracked_body_is_the_characters_root():
    character = CharacterModel()
    model = build_sim_model(character, 60)
    assert mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, root_body_id(model, character)) == "pelvis"


def test_visualize_passes_the_env_configs_camera_mode(monkeypatch):
    from amp_studio.cli import _viewer

    opened = []
    monkeypatch.setattr(live_viewer, "display_available", lambda: True)
    monkeypatch.setattr(live_viewer, "LiveViewer", lambda engine, camera_mode: opened.append((engine, camera_mode)))

    class Env:
        engine = "the engine"
        config = argparse.Namespace(camera_mode="still")

    _viewer(argparse.Namespace(visualize=True), Env())
    assert opened == [("the engine", "still")]
    assert _viewer(argparse.Namespace(visualize=False), Env()) is None
