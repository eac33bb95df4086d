"""The 3D viewport: MuJoCo renders the scene on a thread of its own; the widget shows the newest frame.

Rendering never runs on the GUI thread (a software-GL frame takes 10-30 ms here), and poses arriving
faster than frames are simply overwritten: the viewport always shows the newest.
"""

from __future__ import annotations

import math
import threading
import time

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from amp_studio.rendering.scene import Scene

MAX_FPS = 40.0  # smooth enough for a viewport; every frame costs the training worker CPU
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
    """

    ground_clicked = Signal(float, float)
    frame_shown = Signal()

    def __init__(self, char_file: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.char_file = str(char_file)
        self.scene = Scene(char_file)
        self.pick_targets = False
        self.image: QImage | None = None
        self.frames_shown = 0
        self.shown_version = -1  # the scene version of the frame on screen
        self._press: QPointF | None = None
        self._dragging_target = False
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

    def set_pose(self, pose, ghost=None, target=None) -> None:
        """Pose the character (and ghost, and target marker); the next frame shows them. Poses: root position,
        root quaternion (w, x, y, z), DoFs (a spherical joint's three: its exponential map). A pose of another
        character (the viewport is switching to it) is not shown."""
        if len(pose) != len(self.scene.pose) or (ghost is not None and len(ghost) != len(self.scene.pose)):
            return
        self.scene.set_pose(pose)
        self.scene.set_ghost(ghost)
        self.scene.set_target(target)
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

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = self._last = event.position()
        self._dragged = False
        self._dragging_target = (self.pick_targets and event.button() == Qt.MouseButton.LeftButton
                                 and self._near_target(event.position().x(), event.position().y()))

    def _near_target(self, x: float, y: float) -> bool:
        target = self.scene.target
        point = self.scene.pick_ground(x / self.width(), 1.0 - y / self.height(), self.width() / self.height())
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
        elif pan:
            self.scene.pan(dx, dy)
        elif event.buttons() & Qt.MouseButton.LeftButton:
            self.scene.orbit(dx, dy)
        self.refresh()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self._dragged and self.pick_targets and event.button() == Qt.MouseButton.LeftButton:
            self.click_at(event.position().x(), event.position().y())
        self._press = self._last = None
        self._dragging_target = False

    def click_at(self, x: float, y: float) -> tuple[float, float] | None:
        """Pick the ground under widget pixel (x, y); emits ground_clicked when it hits the floor."""
        point = self.scene.pick_ground(x / self.width(), 1.0 - y / self.height(), self.width() / self.height())
        if point is not None:
            self.ground_clicked.emit(*point)
        return point

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.scene.zoom(event.angleDelta().y() / 120.0)
        self.refresh()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.close_renderer()
        super().closeEvent(event)
