"""The 3D viewport: MuJoCo renders the scene on a thread of its own; the widget shows the newest frame.

Rendering never runs on the GUI thread (a software-GL frame takes 10-30 ms here), and poses arriving
faster than frames are simply overwritten: the viewport always shows the newest.
"""

from __future__ import annotations

import math
import threading
import time

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from amp_studio.gui.steering_keys import QT_KEYS, SteeringKeys
from amp_studio.rendering.scene import Scene

MAX_FPS = 40.0  # smooth enough for a viewport; every frame costs the training worker CPU
OPEN_WAIT = 20.0  # seconds at most the GUI waits for the render thread's GL context (0.1-0.3 s here)
TARGET_GRAB = 0.5  # metres: a left press this close to the target marker drags it


class _FrameSignal(QObject):
    ready = Signal(QImage, int)


class RenderThread(threading.Thread):
    """Renders the scene whenever it is marked dirty, at most MAX_FPS times a second."""

    def __init__(self, scene: Scene, signal: _FrameSignal):
        super().__init__(name="viewport-render", daemon=True)
        self.scene = scene
        self.signal = signal
        self.size = (640, 480)
        self._dirty = threading.Event()
        self.opened = threading.Event()  # set once the GL context is made (or failed)
        self._stopping = False

    def request(self) -> None:
        """Render again soon."""
        self._dirty.set()

    def stop(self) -> None:
        """End the thread after its current frame; frees the GL context."""
        self._stopping = True
        self._dirty.set()
        self.join(timeout=5)

    def run(self) -> None:
        try:
            try:
                self.scene.open_renderer()
            finally:
                self.opened.set()
            while True:
                self._dirty.wait()
                if self._stopping:
                    return
                self._dirty.clear()
                start = time.monotonic()
                width, height = self.size
                pixels, version = self.scene.render(width, height)
                h, w = pixels.shape[:2]
                image = QImage(pixels, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: pixels are reused
                self.signal.ready.emit(image, version)
                time.sleep(max(0.0, 1.0 / MAX_FPS - (time.monotonic() - start)))
        finally:
            self.scene.close()


class Viewport(QWidget):
    """Shows the scene; left-drag orbits, right- or shift-drag pans, the wheel zooms, a click picks the ground.

    `ground_clicked(x, y)` is emitted for clicks (not drags) on the floor when `pick_targets` is on, and while
    the target marker is dragged (a left press within TARGET_GRAB metres of it).

    While `steering` is on (it shows a steering replay: set_pose with a command), W A S D or the arrow keys (with
    Shift: faster) and left-drags that start on the ground steer instead (`steering_keys` says how), and
    `steering_command(dx, dy, speed)` is emitted for each key change and drag movement; a left-drag from the
    character or the sky, or with Ctrl held, still orbits.
    """

    ground_clicked = Signal(float, float)
    steering_command = Signal(float, float, float)  # world direction x, y (unit length), speed m/s
    frame_shown = Signal()

    def __init__(self, char_file: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.char_file = str(char_file)
        self.scene = Scene(char_file)
        self.pick_targets = False
        self.steering = False
        self.steering_keys = SteeringKeys()
        self.image: QImage | None = None
        self.frames_shown = 0
        self.shown_version = -1  # the scene version of the frame on screen
        self._press: QPointF | None = None
        self._dragging_target = False
        self._steering_drag = False
        self._last: QPointF | None = None
        self._dragged = False
        self._thread = self._start_renderer()
        self.refresh()

    def _start_renderer(self) -> RenderThread:
        signal = _FrameSignal(self)
        thread = RenderThread(self.scene, signal)
        # Frames of a renderer already replaced (another character's scene) may still be queued: they are dropped.
        signal.ready.connect(lambda image, version: self._show_frame(image, version) if thread is self._thread
                             else None)
        thread.start()
        # The GUI thread does nothing while the render thread makes its GL context: EGL context creation on one
        # thread while this one laid out a resized window hung a test run once (docs/design.md, the viewport).
        thread.opened.wait(timeout=OPEN_WAIT)
        return thread

    def set_character(self, char_file: str) -> None:
        """Show another character (the camera and its settings stay). The scene is replaced with its render thread,
        which owns the old scene's GL context; a character with meshes compiles in a second unless
        amp_studio.rendering.scene.view_model has it already."""
        old = self.scene
        scene = Scene(char_file)  # first: a file that fails leaves the viewport as it was
        scene.tracking, scene.shadows = old.tracking, old.shadows
        for name in ("distance", "azimuth", "elevation", "lookat"):
            setattr(scene.camera, name, getattr(old.camera, name))
        self.close_renderer()
        self.char_file, self.scene = str(char_file), scene
        self.shown_version = -1
        self._thread = self._start_renderer()
        self.refresh()

    # ----- what is shown -----

    def set_pose(self, pose, ghost=None, target=None, command=None, velocity=None) -> None:
        """Pose the character (and ghost, and target marker, and steering arrows); the next frame shows them.
        Poses: root position, root quaternion (w, x, y, z), DoFs (a spherical joint's three: its exponential map).
        A pose of another character (the viewport is switching to it) is not shown. A steering command
        ([direction x, y, speed]) turns steering on and any other pose turns it off, so a clip or a run shown after
        a steering replay gets its drags back without anyone having to say so."""
        if len(pose) != len(self.scene.pose) or (ghost is not None and len(ghost) != len(self.scene.pose)):
            return
        self.scene.set_pose(pose)
        self.scene.set_ghost(ghost)
        self.scene.set_target(target)
        self.scene.set_steering(command, velocity)
        if self.steering and command is None:
            self.steering_keys.release_all()
        self.steering = command is not None
        self.refresh()

    def set_shadows(self, on: bool) -> None:
        """Shadows look better and render about 4x slower on software GL."""
        self.scene.shadows = on
        self.refresh()

    def set_tracking(self, on: bool) -> None:
        """The camera follows the character's root."""
        self.scene.tracking = on
        self.scene.set_pose(self.scene.pose)
        self.refresh()

    def refresh(self) -> None:
        """Ask for a new frame at the widget's size."""
        ratio = self.devicePixelRatioF()
        self._thread.size = (max(16, int(self.width() * ratio)), max(16, int(self.height() * ratio)))
        self._thread.request()

    def _show_frame(self, image: QImage, version: int) -> None:
        self.image = image
        self.shown_version = version
        self.frames_shown += 1
        self.update()
        self.frame_shown.emit()

    @property
    def up_to_date(self) -> bool:
        """Whether the frame on screen shows the scene's latest pose and camera."""
        return self.shown_version >= self.scene.version

    def close_renderer(self) -> None:
        """Stop the render thread (before the widget goes away)."""
        if self._thread.is_alive():
            self._thread.stop()

    # ----- Qt events -----

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        if self.image is None:
            painter.fillRect(self.rect(), Qt.GlobalColor.darkGray)
        else:
            painter.drawImage(self.rect(), self.image)
        painter.end()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self._steer_key(event, pressed=True):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self._steer_key(event, pressed=False):
            super().keyReleaseEvent(event)

    def _steer_key(self, event: QKeyEvent, pressed: bool) -> bool:
        """Whether the key steers (then it is used up); emits the command it makes."""
        key = event.key()
        if not self.steering or (key not in QT_KEYS and key != Qt.Key.Key_Shift):
            return False
        if event.isAutoRepeat():
            return True  # a held key repeats its press: nothing changed
        keys = self.steering_keys
        if key == Qt.Key.Key_Shift:
            keys.fast = pressed
            if not keys.held:
                return True  # Shift alone changes nothing: the slowest speed stays
        else:
            keys.fast = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            (keys.press if pressed else keys.release)(QT_KEYS[key])
        self._emit_keys()
        return True

    def _emit_keys(self) -> None:
        command = self.steering_keys.command(self.scene.camera.azimuth)
        if command is not None:
            self.steering_command.emit(*command)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        # The releases of keys held now go elsewhere: the character would keep going as if they were still held.
        if self.steering and self.steering_keys.held:
            self.steering_keys.release_all()
            self._emit_keys()
        super().focusOutEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = self._last = event.position()
        self._dragged = False
        left = event.button() == Qt.MouseButton.LeftButton
        self._dragging_target = (self.pick_targets and left
                                 and self._near_target(event.position().x(), event.position().y()))
        plain = not event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
        self._steering_drag = (self.steering and left and plain
                               and self._ground(event.position().x(), event.position().y()) is not None)

    def _ground(self, x: float, y: float) -> tuple[float, float] | None:
        """The ground point under widget pixel (x, y), or None."""
        return self.scene.pick_ground(x / self.width(), 1.0 - y / self.height(), self.width() / self.height())

    def _near_target(self, x: float, y: float) -> bool:
        target = self.scene.target
        point = self._ground(x, y)
        return target is not None and point is not None and math.dist(point, target) < TARGET_GRAB

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._last is None:
            return
        pos = event.position()
        dx, dy = (pos.x() - self._last.x()) / self.height(), (pos.y() - self._last.y()) / self.height()
        self._last = pos
        if (pos - self._press).manhattanLength() > 4:
            self._dragged = True
        pan = event.buttons() & Qt.MouseButton.RightButton or event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if self._dragging_target:
            point = self.click_at(pos.x(), pos.y())
            if point is not None:
                self.scene.set_target(point)  # shown at once; the replay confirms it with its next pose
        elif self._steering_drag:
            self._steer_drag(pos)
        elif pan:
            self.scene.pan(dx, dy)
        elif event.buttons() & Qt.MouseButton.LeftButton:
            self.scene.orbit(dx, dy)
            if self.steering and self.steering_keys.held:
                self._emit_keys()  # held keys are relative to the camera: they turn with it
        self.refresh()

    def _steer_drag(self, pos: QPointF) -> None:
        # Both ends are picked under the camera as it is now, not the press's ground point kept from then: the
        # tracking camera follows the character, and a kept point would slide away and lengthen the drag by itself.
        start, end = self._ground(self._press.x(), self._press.y()), self._ground(pos.x(), pos.y())
        command = None if start is None or end is None else self.steering_keys.drag(start, end)
        if command is not None:
            self.steering_command.emit(*command)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self._dragged and self.pick_targets and event.button() == Qt.MouseButton.LeftButton:
            self.click_at(event.position().x(), event.position().y())
        self._press = self._last = None
        self._dragging_target = self._steering_drag = False

    def click_at(self, x: float, y: float) -> tuple[float, float] | None:
        """Pick the ground under widget pixel (x, y); emits ground_clicked when it hits the floor."""
        point = self._ground(x, y)
        if point is not None:
            self.ground_clicked.emit(*point)
        return point

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.scene.zoom(event.angleDelta().y() / 120.0)
        self.refresh()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.close_renderer()
        super().closeEvent(event)
