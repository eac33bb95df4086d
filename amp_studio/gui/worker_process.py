"""The GUI's side of a worker process: QProcess, JSON lines in both directions, and a state machine.

A worker that exits without saying `finished`, exits non-zero or crashes is `failed`, with its last output
kept for the user; the window itself never waits on it.
"""

from __future__ import annotations

import signal
import time
from collections import deque

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from amp_studio.worker.launch import LineCutter, command_bytes, worker_launch
from amp_studio.worker.protocol import Encoder, Message, ProtocolError, decode, is_known

STOP_GRACE_MS = 15000  # a training iteration must finish and write its checkpoint first
# Workers send a status at least every second; a slow start (imports, building thousands of envs) can still
# take a while, so silence only counts as unresponsive after this long.
UNRESPONSIVE_S = 30.0
TERMINATE_GRACE_MS = 5000
STATES = ("starting", "running", "paused", "stopping", "finished", "failed")
LINES_PER_SLICE = 500
"""Lines handled before the event loop runs again: a worker flooding its output cannot freeze the window."""
MAX_BACKLOG = 20000
"""Unhandled lines beyond which a flood's log and pose lines are dropped (counted, and said in the log)."""
DROPPABLE = (b'"type": "log"', b'"type": "pose"')


class WorkerProcess(QObject):
    """A worker (`python -m amp_studio.worker MODE ARGS`, started as amp_studio.worker.launch says) in a QProcess:
    sends commands and turns its lines into signals."""

    message = Signal(object)      # a protocol Message from the worker
    state_changed = Signal(str)
    output = Signal(str)          # a line of the worker's stderr (or a protocol problem)

    def __init__(self, mode: str, args: list[str], parent: QObject | None = None, python: str | None = None):
        """python: the worker's interpreter (None: the app's), e.g. Isaac Gym's Python 3.8 environment's."""
        super().__init__(parent)
        self.mode = mode
        self.args = list(args)
        self.launch = worker_launch(mode, self.args, python)
        self.python = self.launch.program
        self.state = "starting"
        self.last_output: deque[str] = deque(maxlen=40)
        self.error: str | None = None
        self._finished_said = False
        self._terminated = False
        self.last_seen = time.monotonic()
        self._encoder = Encoder()
        self._stdout = LineCutter()
        self._lines: deque[bytes] = deque()
        self._draining = False
        self.dropped_lines = 0
        self._stderr = LineCutter(keep_blank=True)
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        for key, value in self.launch.extra_environment.items():
            env.insert(key, value)
        self.process.setProcessEnvironment(env)
        self.process.setWorkingDirectory(str(self.launch.working_directory))
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._exited)
        self.process.errorOccurred.connect(self._process_error)
        self._escalation = QTimer(self)
        self._escalation.setSingleShot(True)
        self._escalation.timeout.connect(self._escalate)

    def start(self) -> None:
        """Launch the process."""
        self.process.start(self.launch.program, list(self.launch.arguments))

    @property
    def pid(self) -> int:
        """The worker's process id (0 when not running)."""
        return int(self.process.processId())

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self.process.state() != QProcess.ProcessState.NotRunning

    def send(self, kind: str, **fields) -> int:
        """Send a command; returns its seq (replies carry it as reply_to), or 0 if the worker is gone."""
        if not self.alive:
            return 0
        self.process.write(command_bytes(self._encoder, kind, **fields))
        return self._encoder.last_seq

    def stop(self) -> None:
        """Ask politely (checkpoint, then exit); terminate, then kill, if it does not."""
        if not self.alive:
            return
        self.send("stop")
        self._set_state("stopping")
        self._escalation.start(STOP_GRACE_MS)

    def _escalate(self) -> None:
        if not self.alive:
            return
        if not self._terminated:
            self._terminated = True
            self.process.terminate()
            self._escalation.start(TERMINATE_GRACE_MS)
        else:
            self.process.kill()

    def kill(self) -> None:
        """End the process at once."""
        if self.alive:
            self.process.kill()

    # ----- reading -----

    @property
    def unresponsive(self) -> bool:
        """Alive but silent for longer than UNRESPONSIVE_S (heartbeats stopped)."""
        return self.alive and time.monotonic() - self.last_seen > UNRESPONSIVE_S

    def _read_stdout(self) -> None:
        self.last_seen = time.monotonic()
        self._lines.extend(self._stdout.feed(bytes(self.process.readAllStandardOutput())))
        if len(self._lines) > MAX_BACKLOG:
            kept = deque(line for line in self._lines if not any(mark in line[:80] for mark in DROPPABLE))
            dropped = len(self._lines) - len(kept)
            if dropped:
                self.dropped_lines += dropped
                self._note(f"the worker writes faster than it can be shown: {dropped:,d} log and pose lines skipped")
            self._lines = kept
        self._drain()

    def _drain(self) -> None:
        """Handle up to LINES_PER_SLICE lines, then let the event loop run before the rest."""
        self._draining = False
        for _ in range(min(LINES_PER_SLICE, len(self._lines))):
            raw = self._lines.popleft()
            try:
                msg = decode(raw)
            except ProtocolError as exc:
                self._note(f"protocol: {exc}")
                continue
            if not is_known(msg):
                self._note(f"protocol: unknown message type '{msg.type}' skipped")
                continue
            self._handle(msg)
        if self._lines and not self._draining:
            self._draining = True
            QTimer.singleShot(0, self._drain)

    def _handle(self, msg: Message) -> None:
        if msg.type == "status":
            state = msg.get("state")
            if state in STATES and self.state not in ("finished", "failed"):
                self._set_state(state)
        elif msg.type == "started":
            self._set_state("running")
        elif msg.type == "finished":
            self._finished_said = True
        elif msg.type == "error":
            self.error = msg.get("message", "error")
            for line in (msg.get("traceback") or "").splitlines():
                self._note(line)
        elif msg.type == "log":
            self.last_output.append(msg.get("line", ""))
        self.message.emit(msg)

    def _read_stderr(self) -> None:
        for raw in self._stderr.feed(bytes(self.process.readAllStandardError())):
            self._note(raw.decode("utf-8", errors="replace"))

    def _note(self, line: str) -> None:
        self.last_output.append(line)
        self.output.emit(line)

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.error = f"the worker could not start: {self.process.errorString()}"
            self._note(self.error)
            self._set_state("failed")

    def _exited(self, code: int, status: QProcess.ExitStatus) -> None:
        self._escalation.stop()
        self._read_stdout()
        while self._lines:  # everything the worker said before it ended, before its state changes
            self._drain()
        self._read_stderr()
        unended = self._stderr.take_rest()
        if unended:
            self._note(unended.decode("utf-8", errors="replace"))
        crashed = status == QProcess.ExitStatus.CrashExit
        if crashed or code != 0 or not self._finished_said or self.error:
            if self.error is None:
                how = f"exited with code {code}"
                if crashed:  # on Unix Qt gives the signal's number as the code of a crash
                    try:
                        name = signal.Signals(code).name
                    except ValueError:
                        how = "was killed or crashed"
                    else:
                        killed = code in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
                        how = f"was killed by {name}" if killed else f"crashed ({name})"
                self.error = f"the worker {how}" + ("" if self._finished_said else " before finishing")
            self._set_state("failed")
        else:
            self._set_state("finished")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
