"""The main window: motion library, viewport with timeline, training controls, runs, plots and log."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from amp_studio import DATA_DIR, DEFAULT_CHARACTER
from amp_studio.engine_availability import KNOWN_ENGINES, available_engines, engine_name_of
from amp_studio.gui.exports import ExportJob, PoseRecorder, VideoDialog
from amp_studio.gui.icons import action_icon, app_icon
from amp_studio.gui.log_panel import LogPanel
from amp_studio.gui.motion_panel import ClipEntry, MotionPanel
from amp_studio.gui.plots_panel import PlotsPanel
from amp_studio.gui.run_model import RunRecord, load_run
from amp_studio.gui.runs_panel import RunsPanel
from amp_studio.gui.timeline import Timeline
from amp_studio.gui.training_panel import TrainingPanel, train_arguments
from amp_studio.gui.viewport import Viewport
from amp_studio.gui.worker_client import WorkerClient
from amp_studio.gui.worker_pythons import WorkerPythons, WorkerPythonsDialog
from amp_studio.rendering.clip_poses import ClipPoses
from amp_studio.worker.protocol import Message

SETTINGS_VERSION = 2  # 2: the runs table moved under the motion library


def app_settings() -> QSettings:
    """Where the window layout is kept (AMP_STUDIO_SETTINGS names an ini file instead, e.g. for tests)."""
    path = os.environ.get("AMP_STUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("AMPStudio", "AMP Studio")


class MainWindow(QMainWindow):
    """Everything in one window; runs and replays are worker processes this window supervises."""

    def __init__(self, char_file: str = str(DEFAULT_CHARACTER)):
        super().__init__()
        self.setWindowTitle("AMP Studio")
        self.setWindowIcon(app_icon())
        self.char_file = char_file
        self.setObjectName("MainWindow")
        self.resize(1500, 950)
        self.setDockNestingEnabled(True)
        self.viewport = Viewport(char_file)
        self.timeline = Timeline()
        self.source_label = QLabel("No clip loaded: add clips in the motion library, or start a run")
        self.source_label.setWordWrap(True)  # long replay titles wrap instead of widening the window
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.source_label)
        cl.addWidget(self.viewport, 1)
        cl.addWidget(self.timeline)
        self.setCentralWidget(central)

        self.motion_panel = MotionPanel(char_file)
        self.training_panel = TrainingPanel(available_engines())
        self.worker_pythons = WorkerPythons(app_settings(), self)
        self.worker_pythons.status_changed.connect(self._engine_status)
        for name in KNOWN_ENGINES:
            self._engine_status(name)
        self.runs_panel = RunsPanel()
        self.plots_panel = PlotsPanel()
        self.log_panel = LogPanel()
        self.docks = {}
        # The training form scrolls rather than squeeze the plots on a short screen (1366x768).
        training_scroll = QScrollArea()
        training_scroll.setWidget(self.training_panel)
        training_scroll.setWidgetResizable(True)
        training_scroll.setFrameShape(QFrame.Shape.NoFrame)
        training_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        training_scroll.setMinimumWidth(self.training_panel.minimumSizeHint().width()
                                        + training_scroll.verticalScrollBar().sizeHint().width())
        for name, widget, area in (
            ("Motion library", self.motion_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Runs", self.runs_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Training", training_scroll, Qt.DockWidgetArea.RightDockWidgetArea),
            ("Plots", self.plots_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("Log", self.log_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(name, self)
            dock.setObjectName(f"dock_{name.replace(' ', '_').lower()}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["Plots"], self.docks["Log"])
        self.docks["Plots"].raise_()
        self.resizeDocks([self.docks["Motion library"], self.docks["Training"]], [470, 400],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Motion library"], self.docks["Runs"]], [300, 200], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["Plots"]], [300], Qt.Orientation.Vertical)

        self.workers: list[WorkerClient | None] = []  # by run index
        self.replay: WorkerClient | None = None
        self.replay_run: int = -1
        self.replay_checkpoint: str | None = None
        self.recorder: PoseRecorder | None = None
        self.export_job: ExportJob | None = None
        self.clip: ClipPoses | None = None
        self._replay_title = ""
        self.source = "none"  # what the viewport shows: none | clip | run | replay
        self._fps_frames, self._fps_time = 0, time.monotonic()
        self.fps_label = QLabel("idle")
        self.statusBar().addPermanentWidget(self.fps_label)
        self._build_menus()
        self._connect()
        self._fps_timer = QTimer(self)
        self._fps_timer.setInterval(1000)
        self._fps_timer.timeout.connect(self._update_fps)
        self._fps_timer.start()
        self.restore_layout()
        self.statusBar().showMessage("Ready")

    # ----- wiring -----

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None, checkable=False, checked=False, icon=None):
            a = QAction(text, self)
            if icon:
                a.setIcon(action_icon(icon))
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setCheckable(checkable)
            if checkable:
                a.setChecked(checked)
                a.toggled.connect(slot)
            else:
                a.triggered.connect(slot)
            menu.addAction(a)
            return a

        bar = self.menuBar()
        file = bar.addMenu("&File")
        action(file, "Add clips…", self.motion_panel.add_by_dialog, QKeySequence.StandardKey.Open, icon="add-clips")
        action(file, "Open run…", self.open_run_by_dialog, "Ctrl+Shift+O", icon="open-run")
        action(file, "Open model…", self.open_model_by_dialog, "Ctrl+Alt+O", icon="open-model")
        action(file, "Save dataset…", self.motion_panel.save_by_dialog, QKeySequence.StandardKey.Save)
        action(file, "Save selected clips as dataset…", lambda: self.motion_panel.save_by_dialog(selected_only=True))
        action(file, "Save screenshot…", self._screenshot_by_dialog, "Ctrl+Shift+S", icon="screenshot")
        file.addSeparator()
        action(file, "Export policy (ONNX)…", self.export_policy_by_dialog, "Ctrl+E", icon="export-policy")
        action(file, "Export video…", self.export_video_by_dialog, "Ctrl+Shift+E", icon="export-video")
        self.record_action = action(file, "Record replay as clip", self.set_recording, "Ctrl+R", checkable=True,
                                    icon="record")
        file.addSeparator()
        action(file, "Quit", self.close, QKeySequence.StandardKey.Quit)
        training = bar.addMenu("&Training")
        tp = self.training_panel
        action(training, "Start run", tp.start_button.click, "Ctrl+Return", icon="start")
        action(training, "Pause", tp.pause_button.click, "Ctrl+P", icon="pause")
        action(training, "Resume", tp.resume_button.click, "Ctrl+Shift+P", icon="start")
        action(training, "Stop", tp.stop_button.click, "Ctrl+.", icon="stop")
        action(training, "Save checkpoint", tp.save_button.click, "Ctrl+K", icon="save-checkpoint")
        action(training, "Copy command line", tp.copy_command_line, "Ctrl+Shift+C")
        action(training, "Worker Pythons…", self.show_worker_pythons)
        view = bar.addMenu("&View")
        action(view, "Play / pause clip", lambda: self.timeline.set_playing(not self.timeline.playing), "Space")
        action(view, "Tracking camera", self.viewport.set_tracking, "T", checkable=True, checked=True)
        action(view, "Shadows", self.viewport.set_shadows, "Ctrl+Shift+H", checkable=True, checked=False)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        action(view, "Reset layout", self.reset_layout)
        help_menu = bar.addMenu("&Help")
        action(help_menu, "Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents,
               icon="help")
        action(help_menu, "About AMP Studio", self.show_about)

    def _connect(self) -> None:
        mp, tp, rp = self.motion_panel, self.training_panel, self.runs_panel
        mp.clip_selected.connect(self.show_clip)
        mp.load_failed.connect(self._load_failed)
        self.timeline.time_changed.connect(self._clip_time)
        tp.start_requested.connect(self.start_run)
        tp.library_requested.connect(self.use_library_for_training)
        tp.pythons_requested.connect(self.show_worker_pythons)
        tp.command.connect(self._run_command)
        tp.weights_changed.connect(self.set_weights)
        rp.run_selected.connect(self._run_selected)
        rp.replay_requested.connect(self.start_replay)
        rp.open_requested.connect(self.open_run_by_dialog)
        rp.stream_env_changed.connect(lambda env_id: self._run_command("stream_env", env_id=env_id))
        self.viewport.ground_clicked.connect(self._ground_clicked)
        self.viewport.frame_shown.connect(self._count_frame)

    # ----- clips -----

    def show_clip(self, entry: ClipEntry) -> None:
        """Play a library clip in the viewport."""
        self.clip = ClipPoses(entry.frames, entry.fps, entry.loop, self.viewport.scene.character.spherical_starts)
        self.source = "clip"
        self.viewport.pick_targets = False
        self.source_label.setText(f"Clip: {entry.name}" + (f"  ⚠ {'; '.join(entry.flags)}" if entry.flags else ""))
        self.timeline.set_clip(self.clip.duration, entry.fps)
        if not self.training_panel.motion_file.text():
            self.training_panel.motion_file.setPlaceholderText(str(entry.path))

    def _clip_time(self, t: float) -> None:
        if self.source == "clip" and self.clip is not None:
            self.viewport.set_pose(self.clip.pose(t))

    def _load_failed(self, text: str) -> None:
        self.log_panel.add("library", text)
        self.statusBar().showMessage(f"Not loaded: {text}", 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Clip not loaded", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not modal-blocking: training and the event loop go on

    # ----- runs -----

    def use_library_for_training(self) -> Path | None:
        """Save the motion library as a dataset in the runs folder and make it the next run's motion file."""
        if not self.motion_panel.entries:
            self.statusBar().showMessage("The motion library is empty: add clips or a dataset first", 5000)
            return None
        folder = Path(self.training_panel.out_dir.text().strip() or "output") / "datasets"
        folder.mkdir(parents=True, exist_ok=True)
        path = self.motion_panel.save_dataset(folder / f"library_{time.strftime('%Y%m%d-%H%M%S')}.yaml")
        self.training_panel.motion_file.setText(str(path))
        self.log_panel.add("library", f"training on {len(self.motion_panel.entries)} clips: {path}")
        return path

    def start_run(self, settings: dict) -> int:
        """Start a training worker for the settings; returns the run's index."""
        root = Path(settings["out_root"])
        env_name = Path(settings["env_config"]).stem.replace("_humanoid_env", "")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out_dir = root / f"{env_name}_{stamp}"
        n = 1
        # Not only folders that exist: a run started a moment ago has not made its folder yet.
        taken = {str(r.run_dir) for r in self.runs_panel.runs if r.run_dir is not None}
        while out_dir.exists() or str(out_dir) in taken:
            n += 1
            out_dir = root / f"{env_name}_{stamp}_{n}"
        args = train_arguments(settings, str(out_dir))
        record = RunRecord(name=out_dir.name, run_dir=out_dir, max_samples=settings.get("max_samples"),
                           max_minutes=settings.get("max_minutes"),
                           disc_reward_weight=settings["disc_reward_weight"],
                           task_reward_weight=settings["task_reward_weight"])
        worker = WorkerClient("train", args, self, python=settings.get("worker_python"))
        index = len(self.workers)
        self.workers.append(worker)
        worker.message.connect(lambda msg, i=index: self._worker_message(i, msg))
        worker.state_changed.connect(lambda state, i=index: self._worker_state(i, state))
        worker.output.connect(lambda line, name=record.name: self.log_panel.add(name, line))
        self.plots_panel.add_run(record)
        self.runs_panel.add_run(record)
        worker.start()
        self.log_panel.add(record.name, "started: " + self.training_panel.command_line(str(out_dir)))
        self.source = "run"
        return index

    def _worker_message(self, index: int, msg: Message) -> None:
        record = self.runs_panel.runs[index]
        kind = msg.type
        if kind == "started":
            record.command = msg.get("command", "")
            record.run_dir = Path(msg.get("run_dir")) if msg.get("run_dir") else record.run_dir
        elif kind == "iteration":
            metrics = msg.get("metrics", {})
            record.metrics.append(metrics)
        elif kind == "pose":
            if self.source == "run" and self.runs_panel.selected() == index:
                self.viewport.set_pose(msg.get("qpos"), None, msg.get("target"))
                self.source_label.setText(f"Live: {record.name}, env {msg.get('env_id', 0)}")
            return  # poses arrive at up to 30 Hz and change nothing in the runs table
        elif kind == "weights_applied":
            change = (int(msg.get("iteration")), float(msg.get("disc_reward_weight")),
                      float(msg.get("task_reward_weight")))
            record.weight_changes.append(change)
            record.acknowledged_weights = change
            if self.runs_panel.selected() == index:
                self._show_acknowledged(record)
            self.log_panel.add(record.name, f"reward weights {change[1]:g} / {change[2]:g} from iteration {change[0]}")
        elif kind == "checkpoint":
            record.refresh_checkpoints()
            self.log_panel.add(record.name, f"checkpoint {msg.get('path')} (iteration {msg.get('iteration')})")
        elif kind == "log":
            record.output.append(msg.get("line", ""))
            self.log_panel.add(record.name, msg.get("line", ""))
        elif kind == "error":
            self.log_panel.add(record.name, f"error: {msg.get('message')}")
        self.runs_panel.update_run(index)

    def _worker_state(self, index: int, state: str) -> None:
        record = self.runs_panel.runs[index]
        record.status = state
        worker = self.workers[index]
        if state == "failed" and worker is not None:
            record.output.extend(worker.last_output)
            tail = "\n".join(list(worker.last_output)[-8:]) or "(it wrote nothing before it ended)"
            self.log_panel.add(record.name, f"FAILED: {worker.error}\n{tail}")
            self.statusBar().showMessage(f"{record.name} failed: {worker.error}", 15000)
        self.runs_panel.update_run(index)
        if self.runs_panel.selected() == index:
            self.training_panel.set_run_controls(state)

    def _run_selected(self, index: int) -> None:
        if index < 0:
            self.training_panel.set_run_controls(None)
            return
        record = self.runs_panel.runs[index]
        worker = self.workers[index] if index < len(self.workers) else None
        self.training_panel.set_run_controls(worker.state if worker is not None else None)
        self.training_panel.disc_weight.set_value(record.disc_reward_weight)
        self.training_panel.task_weight.set_value(record.task_reward_weight)
        self._show_acknowledged(record)
        if worker is not None and worker.alive:
            self.source = "run"

    def _show_acknowledged(self, record: RunRecord) -> None:
        ack = record.acknowledged_weights
        tp = self.training_panel
        tp.disc_weight.ack.setText(f"✓ {ack[1]:g} @ it {ack[0]}" if ack else "")
        tp.task_weight.ack.setText(f"✓ {ack[2]:g} @ it {ack[0]}" if ack else "")

    def selected_worker(self) -> WorkerClient | None:
        """The worker of the selected run, if it is alive."""
        index = self.runs_panel.selected()
        if 0 <= index < len(self.workers) and self.workers[index] is not None and self.workers[index].alive:
            return self.workers[index]
        return None

    def _run_command(self, command: str, **fields) -> None:
        worker = self.selected_worker()
        if worker is None:
            self.statusBar().showMessage("No running run selected", 5000)
            return
        if command == "stop":
            worker.stop()
        else:
            worker.send(command, **fields)

    def set_weights(self, disc: float, task: float) -> int:
        """Send new reward weights to the selected run; returns the command's seq (0: no live run)."""
        index = self.runs_panel.selected()
        worker = self.selected_worker()
        if worker is None:
            return 0
        record = self.runs_panel.runs[index]
        record.disc_reward_weight, record.task_reward_weight = disc, task
        return worker.send("set_reward_weights", disc_reward_weight=disc, task_reward_weight=task)

    def open_run_by_dialog(self) -> None:
        """Ask for a run directory and open it."""
        path = QFileDialog.getExistingDirectory(self, "Open run directory", "output")
        if path:
            self.open_run(path)

    def open_run(self, path: str | Path) -> int:
        """Show an existing run's curves and checkpoints; returns its index (-1 if it is not a run)."""
        try:
            record = load_run(path)
        except (OSError, ValueError) as exc:
            self.log_panel.add("runs", str(exc))
            self.statusBar().showMessage(str(exc), 10000)
            return -1
        self.workers.append(None)
        self.plots_panel.add_run(record)
        index = self.runs_panel.add_run(record)
        self.log_panel.add(record.name, f"opened {path}: {record.metrics.size} iterations, "
                                        f"{len(record.checkpoints)} checkpoints")
        return index

    def open_model_by_dialog(self) -> None:
        """Ask for a policy checkpoint and the env config to replay it with, then replay it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open model", str(DATA_DIR / "models"),
                                              "Checkpoints (*.pt);;All files (*)")
        if not path:
            return
        stored = "The configs stored in the model (as it was trained)"
        envs = sorted(str(p.relative_to(DATA_DIR.parent)) for p in (DATA_DIR / "envs").glob("*.yaml"))
        other = "Another env config…"
        choice, ok = QInputDialog.getItem(self, "Open model", f"Replay {Path(path).name} with:",
                                          [stored, *envs, other], 0, False)
        if not ok:
            return
        env_config = None
        if choice == other:
            env_config, _ = QFileDialog.getOpenFileName(self, "Env config", str(DATA_DIR / "envs"),
                                                        "YAML (*.yaml *.yml)")
            if not env_config:
                return
        elif choice != stored:
            env_config = str(DATA_DIR.parent / choice)
        self.open_model(path, env_config)

    def open_model(self, path: str | Path, env_config: str | None = None) -> int:
        """Replay a policy checkpoint that need not come from a run (a shipped model, one from a colleague), with
        the configs stored in it or the given env config; it joins the runs list as a replay. Returns its index."""
        path = Path(path)
        config_args = ["--env_config", env_config] if env_config else ["--model_configs", "true"]
        record = RunRecord(name=f"{path.stem} (model)", status="replay", replay_args=config_args,
                           checkpoints=[path], command=str(path))
        self.workers.append(None)
        self.plots_panel.add_run(record)
        index = self.runs_panel.add_run(record)
        self.start_replay(index, str(path))
        return index

    # ----- replay -----

    def start_replay(self, index: int, checkpoint: str) -> WorkerClient:
        """Replay a checkpoint in a worker; the viewport shows it with the reference clip as a ghost."""
        if self.replay is not None:
            self.replay.stop()
        record = self.runs_panel.runs[index]
        args = ["--model_file", checkpoint, "--num_envs", "1"]
        run_dir = record.run_dir
        for flag, name in (("--env_config", "env_config.yaml"), ("--agent_config", "agent_config.yaml"),
                           ("--engine_config", "engine_config.yaml")):
            if run_dir is not None and (run_dir / name).is_file():
                args += [flag, str(run_dir / name)]
        args += record.replay_args or []
        engine_config = args[args.index("--engine_config") + 1] if "--engine_config" in args else None
        engine = engine_name_of(engine_config) if engine_config else "mujoco"
        worker = WorkerClient("replay", args, self, python=self.worker_pythons.python(engine))
        worker.message.connect(self._replay_message)
        worker.output.connect(lambda line: self.log_panel.add("replay", line))
        worker.state_changed.connect(lambda state: self.log_panel.add("replay", f"replay {state}"
                                     + (f": {worker.error}" if state == "failed" else "")))
        if record.replay_args is not None:  # a model's row says how its replay goes
            worker.state_changed.connect(lambda state, i=index: self._model_replay_state(i, state))
        self.replay, self.replay_run, self.replay_checkpoint = worker, index, checkpoint
        self.source = "replay"
        worker.start()
        self._replay_title = (f"Replay: {Path(checkpoint).name}" if record.replay_args is not None
                              else f"Replay: {Path(checkpoint).name} of {record.name}")
        self.source_label.setText(self._replay_title)
        return worker

    def _model_replay_state(self, index: int, state: str) -> None:
        record = self.runs_panel.runs[index]
        record.status = {"running": "replay", "finished": "replay ended"}.get(state, state)
        if state == "failed" and self.replay is not None:
            record.output.extend(self.replay.last_output)
            record.output.append(f"error: {self.replay.error}")
            self.statusBar().showMessage(f"{record.name}: {self.replay.error}", 15000)
        self.runs_panel.update_run(index)

    def _replay_message(self, msg: Message) -> None:
        if msg.type == "pose" and self.source == "replay":
            if self.recorder is not None:
                self.recorder.add(msg.get("qpos"), msg.get("time"))
            target = msg.get("target")
            self.viewport.pick_targets = target is not None
            self.viewport.set_pose(msg.get("qpos"), msg.get("ref_qpos"), target)
            if target is not None:
                qpos = msg.get("qpos")
                distance = math.dist(qpos[:2], target[:2])
                self.source_label.setText(f"{self._replay_title}  target {distance:.2f} m away "
                                          "(click or drag on the ground to move it)")
        elif msg.type == "error":
            self.log_panel.add("replay", f"error: {msg.get('message')}")

    def _ground_clicked(self, x: float, y: float) -> None:
        if self.source == "replay" and self.replay is not None and self.replay.alive:
            self.replay.send("set_target", xy=[x, y])
            self.statusBar().showMessage(f"Target moved to ({x:.2f}, {y:.2f})", 3000)

    # ----- window -----

    def _count_frame(self) -> None:
        self._fps_frames += 1

    def _update_fps(self) -> None:
        self._watch_workers()
        now = time.monotonic()
        frames = self._fps_frames
        fps = frames / max(now - self._fps_time, 1e-6)
        self._fps_frames, self._fps_time = 0, now
        # Nothing drawn is not a fault: the viewport only renders when the pose or the camera changes.
        self.fps_label.setText(f"{fps:.0f} fps" if frames else "idle")

    def _watch_workers(self) -> None:
        """Mark runs whose worker went silent; the next message from it marks them live again."""
        for index, worker in enumerate(self.workers):
            if worker is None:
                continue
            record = self.runs_panel.runs[index]
            if worker.unresponsive and record.status != "unresponsive":
                record.status = "unresponsive"
                self.log_panel.add(record.name, "no message from the worker for 30 s (still running?)")
                self.runs_panel.update_run(index)
            elif record.status == "unresponsive" and not worker.unresponsive:
                record.status = worker.state
                self.runs_panel.update_run(index)

    # ----- exports -----

    def _policy_source(self) -> tuple[str, Path | None] | None:
        """The checkpoint an export is of (the replay's, else the selected run's chosen one) and its run dir."""
        rp = self.runs_panel
        if self.source == "replay" and self.replay_checkpoint:
            record = self.runs_panel.runs[self.replay_run]
            return self.replay_checkpoint, record.run_dir
        index, path = rp.selected(), rp.checkpoints.currentData()
        if index >= 0 and path:
            return path, rp.runs[index].run_dir
        return None

    def _start_export(self, job: ExportJob, dialog: QProgressDialog) -> None:
        self.export_job = job
        job.progress.connect(lambda done, total: (dialog.setMaximum(total), dialog.setValue(done)))
        job.finished.connect(lambda ok, message: self._export_finished(ok, message, dialog))
        dialog.canceled.connect(job.cancel)

    def _export_finished(self, ok: bool, message: str, dialog: QProgressDialog) -> None:
        dialog.reset()
        self.log_panel.add("export", message)
        self.statusBar().showMessage(message, 10000)
        if not ok:
            QMessageBox.warning(self, "Export failed", message)

    def export_policy(self, checkpoint: str, out_path: str) -> ExportJob:
        """Write a checkpoint's policy as ONNX in a child process (`main.py export onnx`)."""
        dialog = QProgressDialog("Exporting the policy to ONNX…", "Cancel", 0, 0, self)
        job = ExportJob(self)
        self._start_export(job, dialog)
        job.run_command(["export", "onnx", "--model_file", str(checkpoint), "--out", str(out_path)], str(out_path))
        dialog.show()
        return job

    def export_policy_by_dialog(self) -> None:
        source = self._policy_source()
        if source is None:
            self.statusBar().showMessage("Select a run and one of its checkpoints (or replay one) to export", 8000)
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export policy", f"{Path(source[0]).stem}.onnx",
                                              "ONNX (*.onnx)")
        if path:
            self.export_policy(source[0], path)

    def video_dialog(self) -> VideoDialog | None:
        """The video dialog for what the viewport shows (a clip, a replay or the selected checkpoint)."""
        if self.source == "clip" and self.motion_panel.selected() is not None:
            return VideoDialog(f"Video of the clip {self.motion_panel.selected().name}", False, self)
        source = self._policy_source()
        if source is None:
            self.statusBar().showMessage("Select a clip, a run's checkpoint or a replay to make a video of", 8000)
            return None
        return VideoDialog(f"Video of a replay of {Path(source[0]).name}", True, self)

    def export_video(self, dialog: VideoDialog, out_path: str) -> ExportJob:
        """Render the dialog's video to out_path in the background, with a progress dialog."""
        progress = QProgressDialog("Rendering video…", "Cancel", 0, 100, self)
        job = ExportJob(self)
        self._start_export(job, progress)
        if self.source == "clip" and self.motion_panel.selected() is not None:
            job.run_clip_video(self.motion_panel.selected(), self.viewport.scene.character.spherical_starts,
                               self.char_file, out_path, dialog.settings(), dialog.seconds.value())
        else:
            checkpoint, run_dir = self._policy_source()
            args = ["--mode", "test", "--model_file", str(checkpoint), "--num_envs", "1", "--test_episodes", "1",
                    "--video", str(out_path), *dialog.video_arguments()]
            for flag, name in (("--env_config", "env_config.yaml"), ("--agent_config", "agent_config.yaml"),
                               ("--engine_config", "engine_config.yaml")):
                if run_dir is not None and (Path(run_dir) / name).is_file():
                    args += [flag, str(Path(run_dir) / name)]
            job.run_command(args, str(out_path))
        progress.show()
        return job

    def export_video_by_dialog(self) -> None:
        dialog = self.video_dialog()
        if dialog is None or dialog.exec() != QDialog.DialogCode.Accepted:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export video", "amp_studio.mp4", "MP4 video (*.mp4)")
        if path:
            self.export_video(dialog, path if path.lower().endswith(".mp4") else path + ".mp4")

    def set_recording(self, on: bool) -> None:
        """Start keeping the replay's poses, or stop and save them as a clip."""
        if on:
            if self.source != "replay":
                self.statusBar().showMessage("Start a replay first: recording keeps the replay's poses", 8000)
                self.record_action.setChecked(False)
                return
            self.recorder = PoseRecorder()
            self.statusBar().showMessage("Recording the replay (File > Record replay as clip again to stop)")
            return
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save recorded clip", "recorded.pkl", "MimicKit clips (*.pkl)")
        if path:
            self.save_recording(recorder, path)

    def save_recording(self, recorder: PoseRecorder, path: str) -> Path | None:
        """Write a recording as a .pkl clip and add it to the library."""
        try:
            out = recorder.save(path, Path(path).stem)
        except (ValueError, OSError) as exc:
            self.statusBar().showMessage(f"Not saved: {exc}", 10000)
            return None
        self.log_panel.add("export", f"recorded {len(recorder.frames)} poses to {out}")
        self.motion_panel.add_path(out)
        return out

    # ----- help -----

    def shortcut_table(self) -> list[tuple[str, str, str]]:
        """(menu, action, shortcut) for every menu action that has a shortcut, in menu order."""
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            for a in menu.actions() if menu is not None else []:
                keys = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if a.text() and keys:
                    rows.append((menu_action.text().replace("&", ""), a.text().replace("&", ""), keys))
        return rows

    def show_shortcuts(self) -> QMessageBox:
        """A window listing the keyboard shortcuts (read from the menus, so it never goes stale)."""
        lines = "".join(f"<tr><td>{m}</td><td>{a}</td><td><b>{k}</b></td></tr>" for m, a, k in self.shortcut_table())
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          f"<table cellspacing='6'>{lines}</table>", QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setModal(False)
        box.show()
        return box

    def about_text(self) -> str:
        """Version, engines available here and why not the others, and where the settings are kept."""
        from amp_studio import __version__
        engines = "".join(f"<li>{name}: {self.worker_pythons.describe(name)}</li>" for name in KNOWN_ENGINES)
        return (f"<h3>AMP Studio {__version__}</h3>"
                "<p>Physics-based character controllers with Adversarial Motion Priors (Peng et al. 2021), "
                "trained on this machine.</p>"
                f"<p>Engines:</p><ul>{engines}</ul>"
                f"<p>Settings file: {app_settings().fileName()}</p>")

    def _engine_status(self, name: str) -> None:
        wp = self.worker_pythons
        self.training_panel.set_engine_status(name, wp.reason(name), wp.describe(name), wp.python(name))

    def show_worker_pythons(self) -> WorkerPythonsDialog:
        """The dialog choosing each engine's worker Python (non-modal: checks finish while it is open)."""
        dialog = WorkerPythonsDialog(self.worker_pythons, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_about(self) -> QMessageBox:
        """The About box (no links: everything it says is about this installation)."""
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About AMP Studio", self.about_text(),
                          QMessageBox.StandardButton.Close, self)
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setModal(False)
        box.show()
        return box

    def _screenshot_by_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "amp_studio.png", "PNG (*.png)")
        if path:
            self.grab().save(path)

    def restore_layout(self) -> None:
        """Window geometry and dock layout from the last session."""
        s = app_settings()
        self._default_state = self.saveState(SETTINGS_VERSION)
        geometry, state = s.value("geometry"), s.value("state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, SETTINGS_VERSION)

    def save_layout(self) -> None:
        """Keep geometry and dock layout for the next session."""
        s = app_settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState(SETTINGS_VERSION))
        s.sync()

    def reset_layout(self) -> None:
        """Back to the default dock layout."""
        self.restoreState(self._default_state, SETTINGS_VERSION)

    def shutdown(self) -> None:
        """Stop workers (they checkpoint first), the loader and the renderer."""
        for worker in [*self.workers, self.replay]:
            if worker is not None and worker.alive:
                worker.send("stop")
        deadline = time.monotonic() + 10
        for worker in [*self.workers, self.replay]:
            if worker is not None and worker.alive:
                worker.process.waitForFinished(max(0, int(1000 * (deadline - time.monotonic()))))
                worker.kill()
                worker.process.waitForFinished(2000)  # reaped: no zombie, and Qt does not destroy it running
        self.motion_panel.shutdown()
        self.worker_pythons.stop()
        self.viewport.close_renderer()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)
