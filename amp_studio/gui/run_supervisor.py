"""The runs the window supervises: one SupervisedRun per row of the runs table, its record together with its worker.

It starts training workers, forwards the training controls' commands to the selected run's worker, turns worker
messages and states into the record, the table, the log and the live viewport, flags workers that went silent,
and stops every worker when the window closes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMainWindow

from amp_studio.errors import AmpStudioError
from amp_studio.gui.characters import env_config_character, friendly_name, key
from amp_studio.gui.run_model import RunRecord, load_run
from amp_studio.gui.training_panel import train_arguments, train_command
from amp_studio.gui.worker_process import WorkerProcess
from amp_studio.worker.protocol import Message

SHUTDOWN_GRACE_S = 10
"""For every worker together at closing: a training run writes its checkpoint before it exits."""


@dataclass
class SupervisedRun:
    """A row of the runs table: its index there, the record it shows, and the worker training it (None for a run
    opened from its folder, or a model: the ReplayController runs replays)."""

    index: int
    record: RunRecord
    worker: WorkerProcess | None = None


class RunSupervisor(QObject):
    """Every run of the session, with its worker; the training controls act on the selected one."""

    def __init__(self, window: QMainWindow):
        """window: the MainWindow, whose panels, status bar and `source` (what the viewport shows) this uses."""
        super().__init__(window)
        self.window = window
        self.runs: list[SupervisedRun] = []

    def run(self, index: int) -> SupervisedRun | None:
        """The run of a row (None: no such row)."""
        return self.runs[index] if 0 <= index < len(self.runs) else None

    @property
    def workers(self) -> list[WorkerProcess | None]:
        """Each row's training worker, by row (None where it has none)."""
        return [run.worker for run in self.runs]

    def add(self, record: RunRecord, worker: WorkerProcess | None = None) -> int:
        """A row and curves for the record, driven by the worker if it has one; returns the row's index."""
        w = self.window
        run = SupervisedRun(len(self.runs), record, worker)
        self.runs.append(run)  # before the row: adding the row selects it, and selection looks the run up
        if worker is not None:
            worker.message.connect(lambda msg: self._worker_message(run, msg))
            worker.state_changed.connect(lambda state: self._worker_state(run, state))
            worker.output.connect(lambda line: w.log_panel.add(record.name, line))
        w.plots_panel.add_run(record)
        w.runs_panel.add_run(record)
        return run.index

    # ----- starting and opening -----

    def use_library_for_training(self) -> Path | None:
        """Save the motion library as a dataset in the runs folder and make it the next run's motion file."""
        w = self.window
        if not w.motion_panel.entries:
            w.statusBar().showMessage("The motion library is empty: add clips or a dataset first", 5000)
            return None
        wrong = w.characters.library_problem()
        if wrong is not None:
            w.characters.refuse(wrong)
            return None
        folder = Path(w.training_panel.out_dir.text().strip() or "output") / "datasets"
        folder.mkdir(parents=True, exist_ok=True)
        path = w.motion_panel.save_dataset(folder / f"library_{time.strftime('%Y%m%d-%H%M%S')}.yaml")
        w.training_panel.motion_file.setText(str(path))
        w.log_panel.add("library", f"training on {len(w.motion_panel.entries)} clips: {path}")
        return path

    def start_run(self, settings: dict) -> int:
        """Start a training worker for the settings; returns the run's index (-1: refused, and said why)."""
        w = self.window
        problem = w.characters.training_problem(settings)
        if problem is not None:
            w.characters.refuse(*problem)
            return -1
        root = Path(settings["out_root"])
        env_name = Path(settings["env_config"]).stem.replace("_humanoid_env", "")
        char_file = settings.get("char_file") or w.char_file
        if env_config_character(settings["env_config"]) != key(char_file):
            env_name += f"_{friendly_name(char_file)}"  # the folder says which character, when not the config's
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out_dir = root / f"{env_name}_{stamp}"
        n = 1
        # Not only folders that exist: a run started a moment ago has not made its folder yet.
        taken = {str(run.record.run_dir) for run in self.runs if run.record.run_dir is not None}
        while out_dir.exists() or str(out_dir) in taken:
            n += 1
            out_dir = root / f"{env_name}_{stamp}_{n}"
        try:
            args = train_arguments(settings, str(out_dir))  # may write the env config for the character
        except (AmpStudioError, OSError) as exc:
            w.log_panel.add("runs", f"not started: {exc}")
            w.statusBar().showMessage(f"Not started: {exc}", 15000)
            return -1
        record = RunRecord(name=out_dir.name, run_dir=out_dir, max_samples=settings.get("max_samples"),
                           max_minutes=settings.get("max_minutes"),
                           disc_reward_weight=settings["disc_reward_weight"],
                           task_reward_weight=settings["task_reward_weight"], char_file=char_file)
        worker = WorkerProcess("train", args, w, python=settings.get("worker_python"))
        index = self.add(record, worker)
        worker.start()
        w.log_panel.add(record.name, "started: " + train_command(settings, args))  # the run's, not the form's
        w.source = "run"
        return index

    def open_run_by_dialog(self) -> None:
        """Ask for a run directory and open it."""
        path = QFileDialog.getExistingDirectory(self.window, "Open run directory", "output")
        if path:
            self.open_run(path)

    def open_run(self, path: str | Path) -> int:
        """Show an existing run's curves and checkpoints; returns its index (-1 if it is not a run)."""
        w = self.window
        try:
            record = load_run(path)
        except (OSError, ValueError) as exc:
            w.log_panel.add("runs", str(exc))
            w.statusBar().showMessage(str(exc), 10000)
            return -1
        index = self.add(record)
        w.log_panel.add(record.name, f"opened {path}: {record.metrics.size} iterations, "
                                     f"{len(record.checkpoints)} checkpoints")
        return index

    # ----- what workers say -----

    def _worker_message(self, run: SupervisedRun, msg: Message) -> None:
        w, record, index = self.window, run.record, run.index
        kind = msg.type
        if kind == "started":
            record.command = msg.get("command", "")
            record.run_dir = Path(msg.get("run_dir")) if msg.get("run_dir") else record.run_dir
        elif kind == "iteration":
            record.metrics.append(msg.get("metrics", {}))
        elif kind == "pose":
            if w.source == "run" and w.runs_panel.selected() == index and w.characters.display(record.char_file):
                w.viewport.set_pose(msg.get("qpos"), None, msg.get("target"))
                w.source_label.setText(f"Live: {record.name}, env {msg.get('env_id', 0)}")
            return  # poses arrive at up to 30 Hz and change nothing in the runs table
        elif kind == "weights_applied":
            change = (int(msg.get("iteration")), float(msg.get("disc_reward_weight")),
                      float(msg.get("task_reward_weight")))
            record.weight_changes.append(change)
            record.acknowledged_weights = change
            if w.runs_panel.selected() == index:
                self._show_acknowledged(record)
            w.log_panel.add(record.name, f"reward weights {change[1]:g} / {change[2]:g} from iteration {change[0]}")
        elif kind == "checkpoint":
            record.refresh_checkpoints()
            w.log_panel.add(record.name, f"checkpoint {msg.get('path')} (iteration {msg.get('iteration')})")
        elif kind == "log":
            record.output.append(msg.get("line", ""))
            w.log_panel.add(record.name, msg.get("line", ""))
        elif kind == "error":
            w.log_panel.add(record.name, f"error: {msg.get('message')}")
        w.runs_panel.update_run(index)

    def _worker_state(self, run: SupervisedRun, state: str) -> None:
        w, record, worker = self.window, run.record, run.worker
        record.status = state
        if state == "failed":
            record.output.extend(worker.last_output)
            tail = "\n".join(list(worker.last_output)[-8:]) or "(it wrote nothing before it ended)"
            w.log_panel.add(record.name, f"FAILED: {worker.error}\n{tail}")
            w.statusBar().showMessage(f"{record.name} failed: {worker.error}", 15000)
        w.runs_panel.update_run(run.index)
        if w.runs_panel.selected() == run.index:
            w.training_panel.set_run_controls(state)

    def watch_workers(self) -> None:
        """Mark runs whose worker went silent; the next message from it marks them live again."""
        w = self.window
        for run in self.runs:
            worker, record = run.worker, run.record
            if worker is None:
                continue
            if worker.unresponsive and record.status != "unresponsive":
                record.status = "unresponsive"
                w.log_panel.add(record.name, "no message from the worker for 30 s (still running?)")
                w.runs_panel.update_run(run.index)
            elif record.status == "unresponsive" and not worker.unresponsive:
                record.status = worker.state
                w.runs_panel.update_run(run.index)

    # ----- the selected run and the training controls -----

    def run_selected(self, index: int) -> None:
        """The training controls and the viewport follow the selected run."""
        w, run = self.window, self.run(index)
        if run is None:
            w.training_panel.set_run_controls(None)
            return
        worker = run.worker
        w.training_panel.set_run_controls(worker.state if worker is not None else None)
        w.training_panel.disc_weight.set_value(run.record.disc_reward_weight)
        w.training_panel.task_weight.set_value(run.record.task_reward_weight)
        self._show_acknowledged(run.record)
        if worker is not None and worker.alive:
            w.source = "run"

    def _show_acknowledged(self, record: RunRecord) -> None:
        ack = record.acknowledged_weights
        tp = self.window.training_panel
        tp.disc_weight.ack.setText(f"✓ {ack[1]:g} @ it {ack[0]}" if ack else "")
        tp.task_weight.ack.setText(f"✓ {ack[2]:g} @ it {ack[0]}" if ack else "")

    def selected_worker(self) -> WorkerProcess | None:
        """The worker of the selected run, if it is alive."""
        run = self.run(self.window.runs_panel.selected())
        if run is not None and run.worker is not None and run.worker.alive:
            return run.worker
        return None

    def command(self, command: str, **fields) -> None:
        """Send a training control's command (pause, resume, stop, save_checkpoint, stream_env) to the selected
        run; stop asks politely, then ends a worker that does not."""
        worker = self.selected_worker()
        if worker is None:
            self.window.statusBar().showMessage("No running run selected", 5000)
            return
        if command == "stop":
            worker.stop()
        else:
            worker.send(command, **fields)

    def set_weights(self, disc: float, task: float) -> int:
        """Send new reward weights to the selected run; returns the command's seq (0: no live run)."""
        run = self.run(self.window.runs_panel.selected())
        worker = self.selected_worker()
        if worker is None:
            return 0
        run.record.disc_reward_weight, run.record.task_reward_weight = disc, task
        return worker.send("set_reward_weights", disc_reward_weight=disc, task_reward_weight=task)

    # ----- closing -----

    def shutdown(self, *others: WorkerProcess | None) -> None:
        """Stop every run's worker and the others given (the replay): all asked at once, then each waited for
        until a common deadline, killed if still there, and reaped (no zombie; Qt does not destroy it running)."""
        workers = [worker for worker in (*self.workers, *others) if worker is not None]
        for worker in workers:
            if worker.alive:
                worker.send("stop")
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        for worker in workers:
            if worker.alive:
                worker.process.waitForFinished(max(0, int(1000 * (deadline - time.monotonic()))))
                worker.kill()
                worker.process.waitForFinished(2000)
