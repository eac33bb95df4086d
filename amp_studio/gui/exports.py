"""Exports from the app: a policy as ONNX, a video of a clip or a replay, a replay recorded as a clip.

Policy exports run the command line in a child process (the app never loads the trainer); a clip's video renders
on a thread with the viewport's own scene code. Both report progress and leave no file behind when they fail.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QProcess, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from amp_studio import DATA_DIR
from amp_studio.ball_joints import quat_to_exp_map

SIZES = ("640x360", "960x540", "1280x720", "1920x1080")
_PROGRESS = re.compile(r"(\d+)/(\d+) frames")


class VideoDialog(QDialog):
    """Video settings (size, fps, camera, length, ghost) and the export's progress."""

    def __init__(self, what: str, ghost_applies: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.size_box = QComboBox()
        self.size_box.addItems(SIZES)
        self.size_box.setCurrentText("960x540")
        self.fps = QSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        self.camera = QComboBox()
        self.camera.addItems(["track", "fixed"])
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.5, 600.0)
        self.seconds.setValue(10.0)
        self.seconds.setSuffix(" s")
        self.ghost = QCheckBox("Reference clip as a ghost")
        self.ghost.setChecked(ghost_applies)
        self.ghost.setEnabled(ghost_applies)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel(what)
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Size", self.size_box)
        form.addRow("Frames per second", self.fps)
        form.addRow("Camera", self.camera)
        form.addRow("Length", self.seconds)
        form.addRow("", self.ghost)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def video_arguments(self) -> list[str]:
        """The command line's --video_* options for these settings."""
        return ["--video_size", self.size_box.currentText(), "--video_fps", str(self.fps.value()),
                "--video_camera", self.camera.currentText(), "--video_seconds", f"{self.seconds.value():g}",
                "--video_ghost", "true" if self.ghost.isChecked() else "false"]

    def settings(self):
        """These settings as VideoSettings."""
        from amp_studio.rendering.video import VideoSettings

        width, height = (int(v) for v in self.size_box.currentText().split("x"))
        return VideoSettings(width, height, float(self.fps.value()), self.camera.currentText())


class ExportJob(QObject):
    """One export in the background: `progress(done, total)`, then `finished(ok, message)`."""

    progress = Signal(int, int)
    finished = Signal(bool, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self.output: list[str] = []
        self.done = False

    def run_command(self, args: list[str], out_path: str) -> None:
        """`python -m amp_studio.cli ARGS` in the repository root; its progress lines drive `progress`."""
        self.out_path = out_path
        p = self.process = QProcess(self)
        p.setWorkingDirectory(str(DATA_DIR.parent))
        p.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        p.readyReadStandardOutput.connect(self._read)
        p.finished.connect(self._exited)
        p.start(sys.executable, ["-m", "amp_studio.cli", *args])

    def _read(self) -> None:
        text = bytes(self.process.readAllStandardOutput()).decode(errors="replace")
        for part in re.split(r"[\r\n]+", text):
            if not part.strip():
                continue
            match = _PROGRESS.search(part)
            if match:
                self.progress.emit(int(match.group(1)), int(match.group(2)))
            else:
                self.output.append(part.strip())

    def _exited(self, code: int, status) -> None:
        self._read()
        ok = code == 0 and status == QProcess.ExitStatus.NormalExit and Path(self.out_path).is_file()
        errors = [line for line in self.output if line.startswith("error:")]
        message = f"Wrote {self.out_path}" if ok else (errors[-1] if errors else
                                                        "\n".join(self.output[-3:]) or f"exit code {code}")
        self.done = True
        self.finished.emit(ok, message)

    def run_clip_video(self, entry, spherical_starts, char_file: str, out_path: str, settings,
                       seconds: float) -> None:
        """A clip's preview rendered on a thread (numpy and MuJoCo only)."""
        from amp_studio.rendering.clip_poses import ClipPoses
        from amp_studio.rendering.video import clip_video_frames, write_video

        self.out_path = out_path
        poses = ClipPoses(entry.frames, entry.fps, entry.loop, spherical_starts)
        total = max(1, round(seconds * settings.fps))

        def work() -> None:
            try:
                write_video(out_path, clip_video_frames(poses, seconds, settings.fps), total, char_file, settings,
                            progress=lambda d, t: self.progress.emit(d, t))
                ok, message = True, f"Wrote {out_path}"
            except Exception as exc:  # shown to the user; nothing half-written is left
                ok, message = False, str(exc)
            self.done = True
            self.finished.emit(ok, message)

        threading.Thread(target=work, name="clip-video", daemon=True).start()

    def cancel(self) -> None:
        if self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.kill()


class PoseRecorder:
    """Streamed replay poses kept as clip frames (root, root exp map, DoFs) at the replay's rate."""

    def __init__(self):
        self.frames: list[np.ndarray] = []
        self.times: list[float] = []
        self.ended = False

    def add(self, qpos, time: float) -> None:
        if self.ended:
            return
        q = np.asarray(qpos, dtype=np.float64)
        if self.times and time <= self.times[-1]:  # a restart: a clip is one continuous motion, so it ends here
            self.ended = True
            return
        self.frames.append(np.concatenate((q[:3], quat_to_exp_map(q[3:7]), q[7:])))
        self.times.append(float(time))

    def save(self, path: str | Path, name: str = "recorded") -> Path:
        """Write a MimicKit .pkl clip (clamped ends) at the rate the poses came."""
        from amp_studio.motion.motion_clip import MotionClip
        from amp_studio.motion.pkl_format import write_pkl

        if len(self.frames) < 2:
            raise ValueError("fewer than two poses recorded: replay for a moment while recording")
        fps = (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-9)
        clip = MotionClip(fps=round(fps, 3), loop="clamp", frames=np.stack(self.frames), name=name, source=str(path))
        write_pkl(clip, Path(path))
        return Path(path)
