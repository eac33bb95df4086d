"""The training panel: what to train, the reward balance, and the run controls."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from amp_studio import DATA_DIR, DEFAULT_CHARACTER
from amp_studio.gui.characters import env_config_for

ENVS = {
    "imitation": ("amp_humanoid_env.yaml", "amp_humanoid_agent.yaml"),
    "location": ("amp_location_humanoid_env.yaml", "amp_task_humanoid_agent.yaml"),
    "steering": ("amp_steering_humanoid_env.yaml", "amp_task_humanoid_agent.yaml"),
    "tracking (ADD)": ("add_humanoid_env.yaml", "add_humanoid_agent.yaml"),
}
MOTION_PLACEHOLDER = "the env config's clip (or the motion library's selection)"
SLIDER_STEPS = 100  # slider ticks per unit of weight
DEBOUNCE_MS = 150


class WeightControl(QWidget):
    """A reward weight as a slider and a numeric field kept in step; `changed(value)` after edits settle."""

    changed = Signal(float)

    def __init__(self, label: str, value: float, maximum: float = 2.0, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, int(maximum * SLIDER_STEPS))
        self.spin = QDoubleSpinBox()
        self.spin.setRange(0.0, 100.0)
        self.spin.setDecimals(2)
        self.spin.setSingleStep(0.05)
        self.ack = QLabel("")
        self.ack.setToolTip("The value the training run acknowledged, and the iteration it took effect")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(label))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        layout.addWidget(self.ack)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.changed.emit(self.value()))
        self.set_value(value)
        self.slider.valueChanged.connect(self._slider_moved)
        self.spin.valueChanged.connect(self._spin_changed)

    def value(self) -> float:
        """The current weight."""
        return float(self.spin.value())

    def set_value(self, value: float) -> None:
        """Show a value without emitting `changed` (an edit still waiting to be sent is dropped)."""
        self._debounce.stop()
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(int(round(value * SLIDER_STEPS)))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _slider_moved(self, ticks: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(ticks / SLIDER_STEPS)
        self.spin.blockSignals(False)
        self._debounce.start()

    def _spin_changed(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(value * SLIDER_STEPS)))
        self.slider.blockSignals(False)
        self._debounce.start()


class TrainingPanel(QWidget):
    """Choose env, engine, envs, seed and limits; start runs; steer the selected run."""

    start_requested = Signal(dict)   # the settings (see settings())
    command = Signal(str)            # pause | resume | stop | save_checkpoint, for the selected run
    weights_changed = Signal(float, float)  # disc_reward_weight, task_reward_weight
    library_requested = Signal()     # train on the motion library's clips (as a dataset file)
    pythons_requested = Signal()     # choose the engines' worker Pythons

    def __init__(self, engines: dict[str, str | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.char_file = str(DEFAULT_CHARACTER)  # the app's character (character_choice sets it): runs train it
        self.env = QComboBox()
        for name in ENVS:
            self.env.addItem(name)
        self.engine = QComboBox()
        self._worker_pythons: dict[str, str] = {}
        for name, reason in engines.items():
            self.engine.addItem(name, name)
            self.set_engine_status(name, reason)
        self.pythons_button = QPushButton("Pythons…")
        self.pythons_button.setToolTip("The Python each engine's workers run under (Isaac Gym: its own Python 3.8)")
        self.pythons_button.clicked.connect(self.pythons_requested.emit)
        engine_row = QHBoxLayout()
        engine_row.addWidget(self.engine, 1)
        engine_row.addWidget(self.pythons_button)
        self.num_envs = QSpinBox()
        self.num_envs.setRange(1, 65536)
        self.num_envs.setValue(256)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.max_samples = QSpinBox()
        self.max_samples.setRange(0, 2_000_000_000)
        self.max_samples.setSingleStep(1_000_000)
        self.max_samples.setValue(20_000_000)
        self.max_samples.setSpecialValueText("no limit")
        self.max_minutes = QDoubleSpinBox()
        self.max_minutes.setRange(0.0, 100_000.0)
        self.max_minutes.setDecimals(1)
        self.max_minutes.setSuffix(" min")
        self.max_minutes.setSpecialValueText("no limit")
        self.motion_file = QLineEdit()
        self.motion_file.setPlaceholderText(MOTION_PLACEHOLDER)
        self.use_library = QPushButton("Use library")
        self.use_library.setToolTip("Train on the clips in the motion library, with their weights: they are saved "
                                    "as a dataset in the runs folder, so the command line can train on them too")
        self.use_library.clicked.connect(self.library_requested.emit)
        motion_row = QHBoxLayout()
        motion_row.addWidget(self.motion_file, 1)
        motion_row.addWidget(self.use_library)
        self.model_file = QLineEdit()
        self.model_file.setPlaceholderText("a fresh policy")
        self.model_file.setToolTip("A checkpoint to start from. A run's full checkpoint (latest.pt, iter_*.pt) "
                                   "continues that run's training, optimizers and discriminator included, with "
                                   "the envs it was saved with; a policy-only file starts a new run from its "
                                   "policy.")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_file, 1)
        model_row.addWidget(browse)
        self.out_dir = QLineEdit(str(Path("output").resolve()))
        form = QFormLayout()
        form.addRow("Env", self.env)
        form.addRow("Engine", engine_row)
        form.addRow("Envs", self.num_envs)
        form.addRow("Seed", self.seed)
        form.addRow("Sample limit", self.max_samples)
        form.addRow("Time limit", self.max_minutes)
        form.addRow("Motion", motion_row)
        form.addRow("Start from", model_row)
        form.addRow("Runs folder", self.out_dir)
        setup = QGroupBox("New run")
        setup.setLayout(form)

        self.disc_weight = WeightControl("imitation", 1.0)
        self.task_weight = WeightControl("task", 0.0)
        balance = QGroupBox("Reward balance (applies to the selected run at its next iteration)")
        bl = QVBoxLayout(balance)
        bl.addWidget(self.disc_weight)
        bl.addWidget(self.task_weight)
        self.disc_weight.changed.connect(self._weights_edited)
        self.task_weight.changed.connect(self._weights_edited)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.save_button = QPushButton("Save checkpoint")
        self.copy_button = QPushButton("Copy command line")
        grid = QGridLayout()
        for i, b in enumerate((self.start_button, self.pause_button, self.resume_button, self.stop_button,
                               self.save_button, self.copy_button)):
            grid.addWidget(b, i // 3, i % 3)
        layout = QVBoxLayout(self)
        layout.addWidget(setup)
        layout.addWidget(balance)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.start_button.clicked.connect(lambda: self.start_requested.emit(self.settings()))
        self.pause_button.clicked.connect(lambda: self.command.emit("pause"))
        self.resume_button.clicked.connect(lambda: self.command.emit("resume"))
        self.stop_button.clicked.connect(lambda: self.command.emit("stop"))
        self.save_button.clicked.connect(lambda: self.command.emit("save_checkpoint"))
        self.copy_button.clicked.connect(self.copy_command_line)
        self.env.currentTextChanged.connect(self._env_changed)
        self.set_run_controls(None)

    def _env_changed(self, name: str) -> None:
        # The agent config's blend (pure imitation has no task reward to weigh); a config that cannot be read
        # here fails with a clear message when the run starts.
        try:
            agent = yaml.safe_load((DATA_DIR / "agents" / ENVS[name][1]).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            agent = {}
        self.task_weight.set_value(float(agent.get("task_reward_weight", 0.0)))
        self.disc_weight.set_value(float(agent.get("disc_reward_weight", 1.0)))

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Start from a checkpoint", self.out_dir.text(),
                                              "Checkpoints (*.pt);;All files (*)")
        if path:
            self.model_file.setText(path)

    def _weights_edited(self) -> None:
        self.weights_changed.emit(self.disc_weight.value(), self.task_weight.value())

    def settings(self) -> dict:
        """The new run's settings."""
        env_file, agent_file = ENVS[self.env.currentText()]
        return {
            "env_config": str(DATA_DIR / "envs" / env_file),
            "agent_config": str(DATA_DIR / "agents" / agent_file),
            "engine": self.engine.currentData(),
            "engine_config": str(DATA_DIR / "engines" / f"{self.engine.currentData()}_engine.yaml"),
            "worker_python": self._worker_pythons.get(self.engine.currentData()),
            "num_envs": self.num_envs.value(),
            "seed": self.seed.value(),
            "max_samples": self.max_samples.value() or None,
            "max_minutes": self.max_minutes.value() or None,
            "motion_file": self.motion_file.text().strip() or None,
            "model_file": self.model_file.text().strip() or None,
            "out_root": self.out_dir.text().strip() or "output",
            "disc_reward_weight": self.disc_weight.value(),
            "task_reward_weight": self.task_weight.value(),
            "char_file": self.char_file,
        }

    def command_line(self, out_dir: str | None = None) -> str:
        """The equivalent `main.py` command for the current settings."""
        settings = self.settings()
        return train_command(settings, train_arguments(settings, out_dir))

    def set_engine_status(self, name: str, reason: str | None, description: str | None = None,
                          python: str | None = None) -> None:
        """Show an engine usable (reason None) or disabled with the reason; python: its workers' interpreter."""
        index = self.engine.findData(name)
        if index < 0:
            return
        item = self.engine.model().item(index)
        item.setEnabled(reason is None)
        item.setText(name if reason is None else f"{name} (unavailable)")
        item.setToolTip(reason or description or "")
        if python:
            self._worker_pythons[name] = python
        else:
            self._worker_pythons.pop(name, None)
        if reason is not None and self.engine.currentIndex() == index:
            first = next((i for i in range(self.engine.count()) if self.engine.model().item(i).isEnabled()), 0)
            self.engine.setCurrentIndex(first)

    def copy_command_line(self) -> str:
        """Put the command line on the clipboard; returns it."""
        text = self.command_line()
        QGuiApplication.clipboard().setText(text)
        return text

    def set_run_controls(self, state: str | None) -> None:
        """Enable the buttons that apply to the selected run's state (None: no live run selected)."""
        live = state in ("starting", "running", "paused")
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(live)
        self.save_button.setEnabled(state in ("running", "paused"))


def train_command(settings: dict, arguments: list[str]) -> str:
    """The `main.py` command of a run's settings and its train_arguments."""
    python = ["--worker_python", settings["worker_python"]] if settings.get("worker_python") else []
    return shlex.join(["python", "main.py", "--mode", "train", *arguments, *python])


def train_arguments(settings: dict, out_dir: str | None = None) -> list[str]:
    """`main.py --mode train` arguments (and the worker's) for a run's settings. A run of another character than
    the env config's trains on a copy of it for that character, written to the runs folder's configs/ (as the
    library's datasets are), so that the command line reproduces it."""
    env_config = settings["env_config"]
    if settings.get("char_file"):
        folder = Path(settings.get("out_root") or "output") / "configs"
        env_config = str(env_config_for(env_config, settings["char_file"], folder)[0])
    args = ["--env_config", env_config, "--agent_config", settings["agent_config"],
            "--engine_config", settings["engine_config"], "--num_envs", str(settings["num_envs"]),
            "--seed", str(settings["seed"]), "--out_dir", out_dir or str(Path(settings["out_root"]) / "run")]
    if settings.get("max_samples"):
        args += ["--max_samples", str(settings["max_samples"])]
    if settings.get("max_minutes"):
        args += ["--max_minutes", f"{settings['max_minutes']:g}"]
    if settings.get("motion_file"):
        args += ["--motion_file", settings["motion_file"]]
    if settings.get("model_file"):
        args += ["--model_file", settings["model_file"]]
    for key in ("disc_reward_weight", "task_reward_weight"):
        if settings.get(key) is not None:
            args += [f"--{key}", f"{settings[key]:g}"]
    return args
