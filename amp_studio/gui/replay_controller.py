"""Replays: a checkpoint's policy played by a worker in the viewport, with the reference clip as a ghost, the
location target the user moves by clicking the ground, or the steering command the user gives with the keys or a
drag on the ground; a model opened on its own, and a replay recorded as a clip.

One replay runs at a time: starting another stops the last.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow

from amp_studio import DATA_DIR
from amp_studio.engine_availability import engine_name_of
from amp_studio.gui.characters import env_config_character
from amp_studio.gui.exports import PoseRecorder
from amp_studio.gui.run_model import ReplayProgress, RunRecord
from amp_studio.gui.worker_process import WorkerProcess
from amp_studio.worker.protocol import Message

RUN_CONFIGS = (("--env_config", "env_config.yaml"), ("--agent_config", "agent_config.yaml"),
               ("--engine_config", "engine_config.yaml"))
"""The configs a run directory keeps, as the command line's options: a replay of its checkpoint uses them."""


class ReplayController(QObject):
    """The replay worker, what it replays, and the recording of its poses."""

    def __init__(self, window: QMainWindow):
        """window: the MainWindow, whose panels, status bar and `source` (what the viewport shows) this uses."""
        super().__init__(window)
        self.window = window
        self.worker: WorkerProcess | None = None
        self.run_index = -1
        self.checkpoint: str | None = None
        self.char_file: str | None = None  # the replay's character, from its env config (None: not known yet)
        self.recorder: PoseRecorder | None = None
        self._title = ""
        self._sent_command: tuple[float, float, float] | None = None  # the last set_command to this worker
        # Taken here, not in MainWindow._connect: the viewport's steering only ever drives this controller's replay.
        window.viewport.steering_command.connect(self.steering_command)

    # ----- models opened on their own -----

    def open_model_by_dialog(self) -> None:
        """Ask for a policy checkpoint and the env config to replay it with, then replay it."""
        w = self.window
        path, _ = QFileDialog.getOpenFileName(w, "Open model", str(DATA_DIR / "models"),
                                              "Checkpoints (*.pt);;All files (*)")
        if not path:
            return
        stored = "The configs stored in the model (as it was trained)"
        envs = sorted(str(p.relative_to(DATA_DIR.parent)) for p in (DATA_DIR / "envs").glob("*.yaml"))
        other = "Another env config…"
        choice, ok = QInputDialog.getItem(w, "Open model", f"Replay {Path(path).name} with:",
                                          [stored, *envs, other], 0, False)
        if not ok:
            return
        env_config = None
        if choice == other:
            env_config, _ = QFileDialog.getOpenFileName(w, "Env config", str(DATA_DIR / "envs"),
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
        index = self.window.supervisor.add(record)
        self.start_replay(index, str(path))
        return index

    # ----- the replay -----

    def start_replay(self, index: int, checkpoint: str) -> WorkerProcess:
        """Replay a checkpoint in a worker; the viewport shows it with the reference clip as a ghost."""
        w = self.window
        if self.worker is not None:
            self.worker.stop()
        record = w.runs_panel.runs[index]
        args = ["--model_file", checkpoint, "--num_envs", "1"]
        run_dir = record.run_dir
        for flag, name in RUN_CONFIGS:
            if run_dir is not None and (run_dir / name).is_file():
                args += [flag, str(run_dir / name)]
        args += record.replay_args or []
        engine_config = args[args.index("--engine_config") + 1] if "--engine_config" in args else None
        # The replay is of the run's own character (its env config), whichever the app has chosen; a model's
        # stored configs are known when its worker says which it uses.
        self.char_file = env_config_character(args[args.index("--env_config") + 1]) if "--env_config" in args \
            else None
        if self.char_file:
            w.characters.display(self.char_file)  # compiled while the worker starts
        engine = engine_name_of(engine_config) if engine_config else "mujoco"
        worker = WorkerProcess("replay", args, w, python=w.worker_pythons.python(engine))
        worker.message.connect(self._replay_message)
        worker.output.connect(lambda line: w.log_panel.add("replay", line))
        worker.state_changed.connect(lambda state: w.log_panel.add("replay", f"replay {state}"
                                     + (f": {worker.error}" if state == "failed" else "")))
        if record.replay_args is not None:  # a model's row says how its replay goes
            progress = record.replay = ReplayProgress(Path(checkpoint))
            worker.state_changed.connect(lambda state, i=index: self._model_replay_state(i, progress, state))
            worker.message.connect(lambda msg, i=index: self._count_model_pose(i, progress, msg))
        self.worker, self.run_index, self.checkpoint = worker, index, checkpoint
        self._sent_command = None  # the new worker has had none yet: the same keys must reach it
        w.source = "replay"
        worker.start()
        self._title = (f"Replay: {Path(checkpoint).name}" if record.replay_args is not None
                       else f"Replay: {Path(checkpoint).name} of {record.name}")
        w.source_label.setText(self._title)
        return worker

    def _model_replay_state(self, index: int, progress: ReplayProgress, state: str) -> None:
        w = self.window
        record = w.runs_panel.runs[index]
        record.status = {"running": "replay", "finished": "replay ended"}.get(state, state)
        if state in ("finished", "failed"):
            progress.end()
        if state == "failed" and self.worker is not None:
            record.output.extend(self.worker.last_output)
            record.output.append(f"error: {self.worker.error}")
            w.statusBar().showMessage(f"{record.name}: {self.worker.error}", 15000)
        w.runs_panel.update_run(index)

    def _count_model_pose(self, index: int, progress: ReplayProgress, msg: Message) -> None:
        """Episodes and poses a second for the model's row (each pose says whether its episode ended there)."""
        changed = msg.type == "pose" and progress.count_pose(bool(msg.get("done")))
        if changed and self.window.runs_panel.runs[index].replay is progress:  # not a replay of it since restarted
            self.window.runs_panel.update_run(index)

    def _replay_message(self, msg: Message) -> None:
        w = self.window
        if msg.type == "started" and msg.get("env_config"):
            self.char_file = env_config_character(msg.get("env_config")) or self.char_file
        if msg.type == "started" and _is_speed_range(msg.get("speed_range")):
            w.viewport.steering_keys.speed_range = msg.get("speed_range")
        if msg.type == "pose" and w.source == "replay" and w.characters.display(self.char_file):
            if self.recorder is not None:
                self.recorder.add(msg.get("qpos"), msg.get("time"))
            target, command, velocity = msg.get("target"), msg.get("command"), msg.get("velocity")
            command = command if command is not None and len(command) == 3 else None
            velocity = velocity if velocity is not None and len(velocity) == 2 else None
            w.viewport.pick_targets = target is not None
            if command is not None and not w.viewport.steering:
                w.viewport.setFocus()  # the steering keys work at once, without a click in the view first
            w.viewport.set_pose(msg.get("qpos"), msg.get("ref_qpos"), target, command, velocity)
            if target is not None:
                qpos = msg.get("qpos")
                distance = math.dist(qpos[:2], target[:2])
                w.source_label.setText(f"{self._title}  target {distance:.2f} m away "
                                       "(click or drag on the ground to move it)")
            elif command is not None:
                moving = math.hypot(*velocity) if velocity is not None else 0.0
                w.source_label.setText(f"{self._title}  asked {command[2]:.2f} m/s, moving {moving:.2f} m/s "
                                       "(W A S D or arrows steer, Shift is faster; or drag on the ground)")
        elif msg.type == "error":
            w.log_panel.add("replay", f"error: {msg.get('message')}")

    def ground_clicked(self, x: float, y: float) -> None:
        """A click on the ground moves a location replay's target there."""
        w = self.window
        if w.source == "replay" and self.worker is not None and self.worker.alive:
            self.worker.send("set_target", xy=[x, y])
            w.statusBar().showMessage(f"Target moved to ({x:.2f}, {y:.2f})", 3000)

    def steering_command(self, dx: float, dy: float, speed: float) -> None:
        """The viewport's keys or drag steer a steering replay: the command goes to its worker when it changed."""
        w = self.window
        command = (dx, dy, speed)
        if (w.source == "replay" and self.worker is not None and self.worker.alive
                and command != self._sent_command):
            self.worker.send("set_command", direction=[dx, dy], speed=speed)
            self._sent_command = command

    # ----- recording -----

    def set_recording(self, on: bool) -> None:
        """Start keeping the replay's poses, or stop and save them as a clip."""
        w = self.window
        if on:
            if w.source != "replay":
                w.statusBar().showMessage("Start a replay first: recording keeps the replay's poses", 8000)
                w.record_action.setChecked(False)
                return
            self.recorder = PoseRecorder()
            w.statusBar().showMessage("Recording the replay (File > Record replay as clip again to stop)")
            return
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        path, _ = QFileDialog.getSaveFileName(w, "Save recorded clip", "recorded.pkl", "MimicKit clips (*.pkl)")
        if path:
            self.save_recording(recorder, path)

    def save_recording(self, recorder: PoseRecorder, path: str) -> Path | None:
        """Write a recording as a .pkl clip and add it to the library."""
        w = self.window
        try:
            out = recorder.save(path, Path(path).stem)
        except (ValueError, OSError) as exc:
            w.statusBar().showMessage(f"Not saved: {exc}", 10000)
            return None
        w.log_panel.add("export", f"recorded {len(recorder.frames)} poses to {out}")
        w.motion_panel.add_path(out)
        return out


def _is_speed_range(value) -> bool:
    """Whether a worker's speed_range is [min, max] in m/s (a misbehaving worker's is ignored)."""
    return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
            and all(math.isfinite(v) and v >= 0 for v in value))
