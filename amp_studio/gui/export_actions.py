"""The window's export actions: what a policy or video export is of, its file dialogs, its progress, its outcome,
and the window's screenshot. The exports themselves (ExportJob, VideoDialog) are in amp_studio.gui.exports.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMessageBox, QProgressDialog

from amp_studio.gui.exports import ExportJob, VideoDialog
from amp_studio.gui.replay_controller import RUN_CONFIGS


class ExportActions(QObject):
    """Exports of what the window shows: the replayed or selected checkpoint's policy, a video, a screenshot."""

    def __init__(self, window: QMainWindow):
        """window: the MainWindow, whose panels, status bar and `source` (what the viewport shows) this uses."""
        super().__init__(window)
        self.window = window
        self.job: ExportJob | None = None

    def policy_source(self) -> tuple[str, Path | None] | None:
        """The checkpoint an export is of (the replay's, else the selected run's chosen one) and its run dir."""
        w = self.window
        rp, replays = w.runs_panel, w.replays
        if w.source == "replay" and replays.checkpoint:
            return replays.checkpoint, rp.runs[replays.run_index].run_dir
        index, path = rp.selected(), rp.checkpoints.currentData()
        if index >= 0 and path:
            return path, rp.runs[index].run_dir
        return None

    def _start_export(self, job: ExportJob, dialog: QProgressDialog) -> None:
        self.job = job
        job.progress.connect(lambda done, total: (dialog.setMaximum(total), dialog.setValue(done)))
        job.finished.connect(lambda ok, message: self._export_finished(ok, message, dialog))
        dialog.canceled.connect(job.cancel)

    def _export_finished(self, ok: bool, message: str, dialog: QProgressDialog) -> None:
        w = self.window
        dialog.reset()
        w.log_panel.add("export", message)
        w.statusBar().showMessage(message, 10000)
        if not ok:
            QMessageBox.warning(w, "Export failed", message)

    def export_policy(self, checkpoint: str, out_path: str) -> ExportJob:
        """Write a checkpoint's policy as ONNX in a child process (`main.py export onnx`)."""
        dialog = QProgressDialog("Exporting the policy to ONNX…", "Cancel", 0, 0, self.window)
        job = ExportJob(self.window)
        self._start_export(job, dialog)
        job.run_command(["export", "onnx", "--model_file", str(checkpoint), "--out", str(out_path)], str(out_path))
        dialog.show()
        return job

    def export_policy_by_dialog(self) -> None:
        source = self.policy_source()
        if source is None:
            self.window.statusBar().showMessage("Select a run and one of its checkpoints (or replay one) to export",
                                                8000)
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export policy", f"{Path(source[0]).stem}.onnx",
                                              "ONNX (*.onnx)")
        if path:
            self.export_policy(source[0], path)

    def video_dialog(self) -> VideoDialog | None:
        """The video dialog for what the viewport shows (a clip, a replay or the selected checkpoint)."""
        w = self.window
        if w.source == "clip" and w.motion_panel.selected() is not None:
            return VideoDialog(f"Video of the clip {w.motion_panel.selected().name}", False, w)
        source = self.policy_source()
        if source is None:
            w.statusBar().showMessage("Select a clip, a run's checkpoint or a replay to make a video of", 8000)
            return None
        return VideoDialog(f"Video of a replay of {Path(source[0]).name}", True, w)

    def export_video(self, dialog: VideoDialog, out_path: str) -> ExportJob:
        """Render the dialog's video to out_path in the background, with a progress dialog."""
        w = self.window
        progress = QProgressDialog("Rendering video…", "Cancel", 0, 100, w)
        job = ExportJob(w)
        self._start_export(job, progress)
        if w.source == "clip" and w.motion_panel.selected() is not None:
            job.run_clip_video(w.motion_panel.selected(), w.viewport.scene.character.spherical_starts,
                               w.char_file, out_path, dialog.settings(), dialog.seconds.value())
        else:
            checkpoint, run_dir = self.policy_source()
            args = ["--mode", "test", "--model_file", str(checkpoint), "--num_envs", "1", "--test_episodes", "1",
                    "--video", str(out_path), *dialog.video_arguments()]
            for flag, name in RUN_CONFIGS:
                if run_dir is not None and (Path(run_dir) / name).is_file():
                    args += [flag, str(Path(run_dir) / name)]
            job.run_command(args, str(out_path))
        progress.show()
        return job

    def export_video_by_dialog(self) -> None:
        dialog = self.video_dialog()
        if dialog is None or dialog.exec() != QDialog.DialogCode.Accepted:
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export video", "amp_studio.mp4", "MP4 video (*.mp4)")
        if path:
            self.export_video(dialog, path if path.lower().endswith(".mp4") else path + ".mp4")

    def save_screenshot_by_dialog(self) -> None:
        """The window as a PNG."""
        path, _ = QFileDialog.getSaveFileName(self.window, "Save screenshot", "amp_studio.png", "PNG (*.png)")
        if path:
            self.window.grab().save(path)
