"""The Python interpreter each engine's workers run under (Isaac Gym lives in its own Python 3.8 environment), kept
in the app's settings and checked once, in the background, for whether the engine can run there."""

from __future__ import annotations

from PySide6.QtCore import QObject, QProcess, QSettings, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from amp_studio.engine_availability import (
    KNOWN_ENGINES,
    PROJECT_ROOT,
    engine_availability,
    interpreter_check,
    read_check,
)

KEY = "worker_python/{}"


class WorkerPythons(QObject):
    """Per engine: the interpreter its workers use (None: the app's own) and whether the engine can run there.

    `status_changed(engine)` after a check ends; `reason(engine)` is None when usable, else one sentence."""

    status_changed = Signal(str)

    def __init__(self, settings: QSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self._reasons: dict[str, str | None] = {name: engine_availability(name) for name in KNOWN_ENGINES}
        self._found: dict[str, dict] = {}
        self._checks: dict[str, QProcess] = {}
        for name in KNOWN_ENGINES:
            if self.python(name):
                self._check(name)

    def python(self, engine: str) -> str | None:
        """The interpreter set for the engine's workers (None: the app's own)."""
        value = self.settings.value(KEY.format(engine))
        return str(value) if value else None

    def reason(self, engine: str) -> str | None:
        """Why the engine cannot run (None: it can); 'checking …' while a check runs."""
        return self._reasons.get(engine, f"unknown engine '{engine}'")

    def describe(self, engine: str) -> str:
        """One line for the engine list: where it runs, or why it cannot."""
        reason = self.reason(engine)
        if reason:
            return reason
        found = self._found.get(engine)
        if found:
            return f"available through {self.python(engine)} (Python {found.get('python')})"
        return "available in the app's Python"

    def set_python(self, engine: str, path: str | None) -> None:
        """Remember the engine's interpreter (None or '': the app's own) and check it in the background."""
        path = (path or "").strip() or None
        if path == self.python(engine):
            return
        if path:
            self.settings.setValue(KEY.format(engine), path)
        else:
            self.settings.remove(KEY.format(engine))
        self.settings.sync()
        self._found.pop(engine, None)
        if path:
            self._check(engine)
        else:
            self._reasons[engine] = engine_availability(engine)
            self.status_changed.emit(engine)

    def checking(self) -> bool:
        """Whether a check still runs."""
        return bool(self._checks)

    def _check(self, engine: str) -> None:
        python = self.python(engine) or ""
        old = self._checks.pop(engine, None)
        if old is not None:
            old.kill()
        command = interpreter_check(engine, python)
        if isinstance(command, str):
            self._reasons[engine] = command
            self.status_changed.emit(engine)
            return
        self._reasons[engine] = f"checking {python} …"
        process = QProcess(self)
        process.setWorkingDirectory(str(PROJECT_ROOT))
        process.finished.connect(lambda *_: self._checked(engine, process, python))
        process.errorOccurred.connect(lambda error: self._failed(engine, process, python, error))
        self._checks[engine] = process
        process.start(command[0], command[1:])
        self.status_changed.emit(engine)

    def _checked(self, engine: str, process: QProcess, python: str) -> None:
        if self._checks.get(engine) is not process:
            return  # a newer check replaced it
        del self._checks[engine]
        stdout = bytes(process.readAllStandardOutput()).decode("utf-8", "replace")
        stderr = bytes(process.readAllStandardError()).decode("utf-8", "replace")
        self._reasons[engine], self._found[engine] = read_check(python, stdout, stderr)
        process.deleteLater()
        self.status_changed.emit(engine)

    def _failed(self, engine: str, process: QProcess, python: str, error) -> None:
        if error != QProcess.ProcessError.FailedToStart or self._checks.get(engine) is not process:
            return  # crashes and exits are read by _checked
        del self._checks[engine]
        self._reasons[engine] = f"the worker Python {python} cannot be run: {process.errorString()}"
        process.deleteLater()
        self.status_changed.emit(engine)

    def stop(self) -> None:
        """End running checks (the window is closing)."""
        checks, self._checks = list(self._checks.values()), {}  # their finished handlers now see them as replaced
        for process in checks:
            process.kill()
            process.waitForFinished(1000)


class WorkerPythonsDialog(QDialog):
    """Choose each engine's worker Python; the status beside it follows the background check."""

    def __init__(self, pythons: WorkerPythons, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Worker Pythons")
        self.pythons = pythons
        self.fields: dict[str, QLineEdit] = {}
        self.status: dict[str, QLabel] = {}
        grid = QGridLayout()
        for row, name in enumerate(KNOWN_ENGINES):
            field = QLineEdit(pythons.python(name) or "")
            field.setPlaceholderText("the app's Python")
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _=False, f=field: self._browse(f))
            status = QLabel()
            status.setWordWrap(True)
            line = QHBoxLayout()
            line.addWidget(field, 1)
            line.addWidget(browse)
            grid.addWidget(QLabel(name), 2 * row, 0)
            grid.addLayout(line, 2 * row, 1)
            grid.addWidget(status, 2 * row + 1, 1)
            self.fields[name], self.status[name] = field, status
        intro = QLabel("Workers of an engine can run under another Python: Isaac Gym needs its own Python 3.8 "
                       "environment with numpy, torch, mujoco and PyYAML installed (see docs/isaac_gym.md). "
                       "Leave a field empty for the app's own Python.")
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())
        pythons.status_changed.connect(self._show)
        for name in KNOWN_ENGINES:
            self._show(name)

    def _browse(self, field: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Worker Python", field.text() or "/", "All files (*)")
        if path:
            field.setText(path)

    def _show(self, engine: str) -> None:
        self.status[engine].setText(self.pythons.describe(engine))

    def apply(self) -> None:
        """Remember the fields and check the changed ones."""
        for name, field in self.fields.items():
            self.pythons.set_python(name, field.text())

    def _ok(self) -> None:
        self.apply()
        self.accept()
