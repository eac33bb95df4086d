"""Clip playback controls: play/pause, step, speed and a scrubbable timeline."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

TICKS_PER_SECOND = 1000
SPEEDS = (0.25, 0.5, 1.0, 2.0)


class Timeline(QWidget):
    """Emits `time_changed(seconds)` while playing or when the user scrubs or steps."""

    time_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.duration = 0.0
        self.frame_dt = 1.0 / 30
        self.time = 0.0
        self.play_button = QToolButton(text="Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play / pause (Space)")
        self.back_button = QToolButton(text="<")
        self.back_button.setToolTip("Step back one frame")
        self.forward_button = QToolButton(text=">")
        self.forward_button.setToolTip("Step forward one frame")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}x", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.label = QLabel("0.00 / 0.00 s")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (self.play_button, self.back_button, self.forward_button, self.slider, self.label, self.speed):
            layout.addWidget(w)
        layout.setStretch(3, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)
        self.play_button.toggled.connect(self.set_playing)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.slider.valueChanged.connect(self._scrubbed)
        self.setEnabled(False)

    def set_clip(self, duration: float, fps: float) -> None:
        """Show a clip of this length; time goes back to 0."""
        self.duration = duration
        self.frame_dt = 1.0 / fps
        self.setEnabled(True)
        self.slider.blockSignals(True)
        self.slider.setRange(0, int(round(duration * TICKS_PER_SECOND)))
        self.slider.blockSignals(False)
        self.seek(0.0)

    def seek(self, seconds: float) -> None:
        """Go to a time (wrapping within the clip)."""
        if self.duration > 0:
            seconds %= self.duration + 1e-9
        self.time = max(0.0, seconds)
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(self.time * TICKS_PER_SECOND)))
        self.slider.blockSignals(False)
        self.label.setText(f"{self.time:.2f} / {self.duration:.2f} s")
        self.time_changed.emit(self.time)

    def step(self, frames: int) -> None:
        """Move by whole frames (pauses playback)."""
        self.set_playing(False)
        self.seek(self.time + frames * self.frame_dt)

    def set_playing(self, on: bool) -> None:
        """Start or stop playback."""
        self.play_button.blockSignals(True)
        self.play_button.setChecked(on)
        self.play_button.setText("Pause" if on else "Play")
        self.play_button.blockSignals(False)
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    @property
    def playing(self) -> bool:
        """Whether the clip is playing."""
        return self._timer.isActive()

    def _tick(self) -> None:
        self.seek(self.time + self._timer.interval() / 1000.0 * self.speed.currentData())

    def _scrubbed(self, value: int) -> None:
        self.seek(value / TICKS_PER_SECOND)
