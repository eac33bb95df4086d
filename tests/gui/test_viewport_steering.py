"""Steering a replay in the viewport: keys and ground drags become commands relative to the camera, only while it
shows a steering replay; the replay controller sends each new command to the worker once."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QFocusEvent, QMouseEvent

from amp_studio import DEFAULT_CHARACTER
from amp_studio.gui.viewport import Viewport

RANGE = (0.67, 3.56)
CRUISE = math.sqrt(RANGE[0] * RANGE[1])
S = math.sqrt(0.5)


@pytest.fixture
def viewport(qtbot):
    vp = Viewport(str(DEFAULT_CHARACTER))
    qtbot.addWidget(vp)
    vp.resize(640, 480)
    vp.show()
    vp.steering_keys.speed_range = RANGE
    yield vp
    vp.close_renderer()


def _steer(vp: Viewport) -> list[tuple[float, float, float]]:
    """Put the viewport in steering mode (a steering replay's pose) and collect what it emits."""
    vp.set_pose(vp.scene.pose, command=[1.0, 0.0, 1.0], velocity=[0.2, 0.0])
    assert vp.steering
    emitted = []
    vp.steering_command.connect(lambda dx, dy, speed: emitted.append((dx, dy, speed)))
    return emitted


def _mouse(kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton,
           modifiers=Qt.KeyboardModifier.NoModifier) -> QMouseEvent:
    return QMouseEvent(kind, pos, pos, button, Qt.MouseButton.LeftButton, modifiers)


def test_keys_steer_relative_to_the_camera(qtbot, viewport):
    emitted = _steer(viewport)
    viewport.scene.camera.azimuth = 90.0  # looking along +y: right is +x
    qtbot.keyPress(viewport, Qt.Key.Key_W)
    assert emitted[-1] == pytest.approx((0.0, 1.0, CRUISE), abs=1e-9)
    qtbot.keyPress(viewport, Qt.Key.Key_Right)
    assert emitted[-1] == pytest.approx((S, S, CRUISE), abs=1e-9)
    qtbot.keyRelease(viewport, Qt.Key.Key_W)
    assert emitted[-1] == pytest.approx((1.0, 0.0, CRUISE), abs=1e-9)
    qtbot.keyRelease(viewport, Qt.Key.Key_Right)
    assert emitted[-1] == pytest.approx((1.0, 0.0, RANGE[0]), abs=1e-9)  # released: the slowest, same way
    qtbot.keyPress(viewport, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert emitted[-1] == pytest.approx((-1.0, 0.0, RANGE[1]), abs=1e-9)  # Shift: the top speed
    qtbot.keyRelease(viewport, Qt.Key.Key_A)
    assert len(emitted) == 6


def test_shift_alone_changes_speed_only_while_keys_are_held(qtbot, viewport):
    emitted = _steer(viewport)
    viewport.scene.camera.azimuth = 0.0
    qtbot.keyPress(viewport, Qt.Key.Key_Shift)
    assert emitted == []
    qtbot.keyPress(viewport, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    assert emitted[-1] == pytest.approx((-1.0, 0.0, RANGE[1]), abs=1e-9)
    qtbot.keyRelease(viewport, Qt.Key.Key_Shift)
    assert emitted[-1] == pytest.approx((-1.0, 0.0, CRUISE), abs=1e-9)


def test_keys_do_not_steer_outside_a_steering_replay(qtbot, viewport):
    emitted = _steer(viewport)
    viewport.set_pose(viewport.scene.pose)  # a clip's or a location replay's pose: no command
    assert not viewport.steering and viewport.scene.steering_command is None
    qtbot.keyPress(viewport, Qt.Key.Key_W)
    assert emitted == []


def test_losing_the_keyboard_releases_held_keys(qtbot, viewport):
    emitted = _steer(viewport)
    viewport.scene.camera.azimuth = 0.0
    qtbot.keyPress(viewport, Qt.Key.Key_W)
    viewport.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))  # the key's release will go to another widget
    assert emitted[-1] == pytest.approx((1.0, 0.0, RANGE[0]), abs=1e-9)
    assert not viewport.steering_keys.held


def test_a_drag_on_the_ground_steers_and_a_ctrl_drag_orbits(viewport):
    emitted = _steer(viewport)
    vp = viewport
    vp.set_tracking(False)
    start, end = QPointF(320, 400), QPointF(420, 330)  # both on the ground in front of the camera
    vp.mousePressEvent(_mouse(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton))
    azimuth = vp.scene.camera.azimuth
    for f in (0.5, 1.0):
        vp.mouseMoveEvent(_mouse(QEvent.Type.MouseMove, start + (end - start) * f, Qt.MouseButton.NoButton))
    vp.mouseReleaseEvent(_mouse(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton))
    assert vp.scene.camera.azimuth == azimuth  # steered, not orbited
    a, b = (vp.scene.pick_ground(p.x() / 640, 1 - p.y() / 480, 640 / 480) for p in (start, end))
    dx, dy, speed = emitted[-1]
    length = math.dist(a, b)
    assert math.degrees(math.atan2(dy, dx)) == pytest.approx(math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])),
                                                            abs=0.6)
    assert speed == pytest.approx(min(max(length / 0.5, RANGE[0]), RANGE[1]), abs=0.03)

    count = len(emitted)
    ctrl = Qt.KeyboardModifier.ControlModifier
    vp.mousePressEvent(_mouse(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton, ctrl))
    vp.mouseMoveEvent(_mouse(QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, ctrl))
    vp.mouseReleaseEvent(_mouse(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton, ctrl))
    assert vp.scene.camera.azimuth != azimuth and len(emitted) == count


def test_the_replay_sends_each_new_command_once(qtbot, window, monkeypatch):
    """Through the window: the worker's speed range and steering poses reach the viewport, whose keys become
    set_command messages, none repeated; a steering pose draws the arrows and says how to steer."""
    from amp_studio import DATA_DIR
    from amp_studio.gui import worker_process
    from amp_studio.worker.protocol import Message

    monkeypatch.setattr(worker_process.WorkerProcess, "start", lambda self: None)  # its messages come from here
    monkeypatch.setattr(worker_process.WorkerProcess, "alive", property(lambda self: True))
    sent = []
    monkeypatch.setattr(worker_process.WorkerProcess, "send", lambda self, kind, **fields: sent.append((kind, fields)))
    window.open_model(DATA_DIR / "models" / "amp_humanoid_walk_model.pt")
    worker, vp = window.replay, window.viewport
    worker.message.emit(Message("started", {"mode": "replay", "speed_range": [1.0, 3.0]}))
    assert vp.steering_keys.speed_range == (1.0, 3.0)
    worker.message.emit(Message("pose", {"qpos": [0.0, 0.0, 0.9, 1.0] + [0.0] * 31, "time": 0.1,
                                         "command": [0.0, 1.0, 1.0], "velocity": [0.1, 0.8]}))
    assert vp.steering and vp.scene.steering_command is not None and vp.scene.steering_velocity is not None
    assert "W A S D" in window.source_label.text()
    vp.scene.camera.azimuth = 0.0
    qtbot.keyPress(vp, Qt.Key.Key_W)
    window.replays.steering_command(1.0, 0.0, math.sqrt(3.0))  # the same again (e.g. a camera moved a hair)
    qtbot.keyRelease(vp, Qt.Key.Key_W)
    commands = [fields for kind, fields in sent if kind == "set_command"]
    assert commands == [{"direction": pytest.approx([1.0, 0.0]), "speed": pytest.approx(math.sqrt(3.0))},
                        {"direction": pytest.approx([1.0, 0.0]), "speed": pytest.approx(1.0)}]
    # A location replay's pose: the target again, no steering.
    worker.message.emit(Message("pose", {"qpos": [0.0, 0.0, 0.9, 1.0] + [0.0] * 31, "time": 0.2,
                                         "target": [2.0, 0.0]}))
    assert vp.pick_targets and not vp.steering and vp.scene.steering_command is None
