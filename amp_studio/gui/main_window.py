"""The main window: motion library, viewport with timeline, training controls, runs, plots and log.

The window builds the widgets and menus and connects them to the parts that do the work: the character
(character_choice), the runs and their workers (run_supervisor), replays (replay_controller), exports
(export_actions), help (help_dialogs) and the layout kept between sessions (window_settings).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from amp_studio.engine_availability import KNOWN_ENGINES, available_engines
from amp_studio.gui import help_dialogs, window_settings
from amp_studio.gui.character_choice import CharacterChoice, initial_viewport
from amp_studio.gui.export_actions import ExportActions
from amp_studio.gui.icons import action_icon, app_icon
from amp_studio.gui.log_panel import LogPanel
from amp_studio.gui.motion_panel import ClipEntry, MotionPanel
from amp_studio.gui.plots_panel import PlotsPanel
from amp_studio.gui.replay_controller import ReplayController
from amp_studio.gui.run_supervisor import RunSupervisor
from amp_studio.gui.runs_panel import RunsPanel
from amp_studio.gui.timeline import Timeline
from amp_studio.gui.training_panel import TrainingPanel
from amp_studio.gui.window_settings import app_settings
from amp_studio.gui.worker_pythons import WorkerPythons, WorkerPythonsDialog
from amp_studio.rendering.clip_poses import ClipPoses


def _delegated(part: str, name: str) -> property:
    """The window's name for a part's method or attribute: `window.start_run(...)` is
    `window.supervisor.start_run(...)`."""
    return property(lambda window: getattr(getattr(window, part), name), doc=f"The window's {part}.{name}.")


class MainWindow(QMainWindow):
    """Everything in one window; runs and replays are worker processes this window supervises."""

    def __init__(self, char_file: str | None = None):
        """char_file: the character to start with (None: the last session's, else the humanoid)."""
        super().__init__()
        self.setWindowTitle("AMP Studio")
        self.setWindowIcon(app_icon())
        self.setObjectName("MainWindow")
        self.resize(1500, 950)
        self.setDockNestingEnabled(True)
        self.viewport, char_file, character_problem = initial_viewport(char_file)
        self.char_file = char_file  # the app's character (the choice changes it)
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
        self.training_panel.char_file = char_file
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
        self.clip: ClipPoses | None = None
        self.source = "none"  # what the viewport shows: none | clip | run | replay (the parts set it)
        self.characters = CharacterChoice(self)

        self.supervisor = RunSupervisor(self)
        self.replays = ReplayController(self)
        self.exports = ExportActions(self)
        self._fps_frames, self._fps_time = 0, time.monotonic()
        self.fps_label = QLabel("idle")
        self.statusBar().addPermanentWidget(self.fps_label)
        self._build_menus()
        self._connect()
        self._fps_timer = QTimer(self)
        self._fps_timer.setInterval(1000)
        self._fps_timer.timeout.connect(self._update_fps)
        self._fps_timer.start()
        self._default_state = window_settings.restore_layout(self)
        self.statusBar().showMessage(character_problem or "Ready")

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
        action(file, "Open character…", self.characters.open_by_dialog)
        action(file, "Open run…", self.supervisor.open_run_by_dialog, "Ctrl+Shift+O", icon="open-run")
        action(file, "Open model…", self.replays.open_model_by_dialog, "Ctrl+Alt+O", icon="open-model")
        action(file, "Save dataset…", self.motion_panel.save_by_dialog, QKeySequence.StandardKey.Save)
        action(file, "Save selected clips as dataset…", lambda: self.motion_panel.save_by_dialog(selected_only=True))
        action(file, "Save screenshot…", self.exports.save_screenshot_by_dialog, "Ctrl+Shift+S", icon="screenshot")
        file.addSeparator()
        action(file, "Export policy (ONNX)…", self.exports.export_policy_by_dialog, "Ctrl+E", icon="export-policy")
        action(file, "Export video…", self.exports.export_video_by_dialog, "Ctrl+Shift+E", icon="export-video")
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
        mp, tp, rp, runs = self.motion_panel, self.training_panel, self.runs_panel, self.supervisor
        mp.clip_selected.connect(self.show_clip)
        mp.wrong_character.connect(self.characters.refuse)
        mp.load_failed.connect(self._load_failed)
        self.timeline.time_changed.connect(self._clip_time)
        tp.start_requested.connect(runs.start_run)
        tp.library_requested.connect(runs.use_library_for_training)
        tp.pythons_requested.connect(self.show_worker_pythons)
        tp.command.connect(runs.command)
        tp.weights_changed.connect(runs.set_weights)
        rp.run_selected.connect(runs.run_selected)
        rp.replay_requested.connect(self.replays.start_replay)
        rp.open_requested.connect(runs.open_run_by_dialog)
        rp.stream_env_changed.connect(lambda env_id: runs.command("stream_env", env_id=env_id))
        self.viewport.ground_clicked.connect(self.replays.ground_clicked)
        self.viewport.frame_shown.connect(self._count_frame)

    def _engine_status(self, name: str) -> None:
        wp = self.worker_pythons
        self.training_panel.set_engine_status(name, wp.reason(name), wp.describe(name), wp.python(name))

    # ----- clips -----

    def show_clip(self, entry: ClipEntry) -> None:
        """Play a library clip in the viewport (on the app's character, after a run's or a replay's)."""
        self.characters.display()
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

    # ----- frames a second -----

    def _count_frame(self) -> None:
        self._fps_frames += 1

    def _update_fps(self) -> None:
        self.supervisor.watch_workers()  # the same once-a-second timer
        now = time.monotonic()
        frames = self._fps_frames
        fps = frames / max(now - self._fps_time, 1e-6)
        self._fps_frames, self._fps_time = 0, now
        # Nothing drawn is not a fault: the viewport only renders when the pose or the camera changes.
        self.fps_label.setText(f"{fps:.0f} fps" if frames else "idle")

    # ----- the parts' entry points, under the window's names that scripts, benchmarks and tests call -----

    workers = _delegated("supervisor", "workers")  # each run's training worker by run index (None: it has none)
    replay = _delegated("replays", "worker")  # the last replay worker started
    start_run = _delegated("supervisor", "start_run")
    open_run = _delegated("supervisor", "open_run")
    choose_character = _delegated("characters", "choose")
    use_library_for_training = _delegated("supervisor", "use_library_for_training")
    selected_worker = _delegated("supervisor", "selected_worker")
    set_weights = _delegated("supervisor", "set_weights")
    open_model = _delegated("replays", "open_model")
    start_replay = _delegated("replays", "start_replay")
    set_recording = _delegated("replays", "set_recording")
    save_recording = _delegated("replays", "save_recording")
    export_policy = _delegated("exports", "export_policy")
    video_dialog = _delegated("exports", "video_dialog")
    export_video = _delegated("exports", "export_video")

    def shortcut_table(self) -> list[tuple[str, str, str]]:
        return help_dialogs.shortcut_table(self.menuBar())

    def show_shortcuts(self) -> QMessageBox:
        return help_dialogs.show_shortcuts(self, self.shortcut_table())

    def about_text(self) -> str:
        return help_dialogs.about_text(self.worker_pythons)

    def show_about(self) -> QMessageBox:
        return help_dialogs.show_about(self, self.about_text())

    def show_worker_pythons(self) -> WorkerPythonsDialog:
        return help_dialogs.show_worker_pythons(self.worker_pythons, self)

    def reset_layout(self) -> None:
        window_settings.reset_layout(self, self._default_state)

    # ----- closing -----

    def shutdown(self) -> None:
        """Stop workers (they checkpoint first), the loader and the renderer."""
        self.supervisor.shutdown(self.replays.worker)
        self.motion_panel.shutdown()
        self.characters.shutdown()
        self.worker_pythons.stop()
        self.viewport.close_renderer()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        window_settings.save_layout(self)
        self.shutdown()
        super().closeEvent(event)
