"""The worker process: the CLI's trainer (or a policy replay) driven by protocol commands on stdin.

    python -m amp_studio.worker train  --out_dir RUN [any `main.py --mode train` argument]
    python -m amp_studio.worker replay --model_file CKPT [--env_config ...] [--engine_config ...]

Events go to the process's original stdout, one JSON line each; everything else anything prints (Python or C)
is sent to stderr, so a stray print cannot corrupt the protocol. When stdin closes (the GUI went away) the
worker stops as if told to: a training run writes its checkpoint first.
"""

from __future__ import annotations

import faulthandler
import math
import os
import queue
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from amp_studio.errors import AmpStudioError
from amp_studio.worker.protocol import Encoder, Message, ProtocolError, decode

POSE_INTERVAL = 1.0 / 30  # the viewport's rate: faster streaming only costs the trainer
HEARTBEAT_INTERVAL = 1.0
# Workers yield to the window on a busy machine: with training on every core, the viewport and the event loop
# still get their share. Training loses little, since the GUI needs little.
NICENESS = 5


class Channel:
    """Commands read from stdin on a thread; events written to the protocol stream from any thread."""

    def __init__(self, out_stream, in_stream):
        self._out = out_stream
        self._encoder = Encoder()
        self._lock = threading.Lock()
        self.commands: queue.Queue[Message] = queue.Queue()
        threading.Thread(target=self._read, args=(in_stream,), name="commands", daemon=True).start()

    def send(self, kind: str, reply_to: int | None = None, **fields) -> None:
        """Write one event line."""
        line = self._encoder.encode(kind, reply_to, **fields)
        with self._lock:
            self._out.write(line)
            self._out.flush()

    def _read(self, stream) -> None:
        for line in stream:
            if not line.strip():
                continue
            try:
                self.commands.put(decode(line))
            except ProtocolError as exc:
                self.send("log", line=f"worker: ignored a command line: {exc}")
        self.commands.put(Message("stop", {"reason": "the controlling process closed the channel"}))

    def pending(self) -> list[Message]:
        """Commands received since the last call."""
        out = []
        while True:
            try:
                out.append(self.commands.get_nowait())
            except queue.Empty:
                return out


def _pose_fields(env, env_id: int) -> dict:
    """The streamed env's pose (root position, root quaternion w x y z, DoFs), its target if it has one, and for
    the steering task its command ([direction x, y, speed]) and the root's planar velocity ([vx, vy])."""
    s = env.engine.get_state()
    qpos = [*s.root_pos[env_id].tolist(), *s.root_rot[env_id].tolist(), *s.dof_pos[env_id].tolist()]
    fields = {"qpos": qpos}
    if hasattr(env, "target"):
        fields["target"] = env.target[env_id].tolist()
    if hasattr(env, "set_command"):
        fields["command"] = env.command()[env_id].tolist()
        fields["velocity"] = env.planar_velocity()[env_id].tolist()
    return fields


class TrainingWorker:
    """Runs Runner.train for the CLI's arguments and answers commands between env steps."""

    def __init__(self, args, channel: Channel, command_line: str):
        from amp_studio.runs.run_arguments import read_model_file, training_from_args

        self.args = args
        self.channel = channel
        model = read_model_file(args)
        self.runner = training_from_args(args, out_dir=args.out_dir, logger=args.logger, model_state=model,
                                         log=lambda line: channel.send("log", line=line))
        if model is not None:
            how = self.runner.load_checkpoint(args.model_file, model)
            channel.send("log", line=f"{'resumed' if how == 'full' else 'policy loaded'} from {args.model_file}")
        self.runner.on_step = self._on_step
        self.command_line = command_line
        self.paused = False
        self.stopping = False
        self.stream_env = 0
        self._last_pose = 0.0
        self._last_status = 0.0
        self._sim_time = 0.0

    def run(self) -> int:
        """Train until a limit or a stop command; returns the exit code."""
        from amp_studio.runs.run_arguments import max_seconds

        r = self.runner
        self.channel.send("started", mode="train", run_dir=str(Path(self.args.out_dir).resolve()),
                          command=self.command_line, num_envs=r.env.num_envs, env_name=type(r.env).__name__,
                          max_samples=self.args.max_samples, max_minutes=self.args.max_minutes,
                          iteration=r.iteration, samples=r.samples,
                          disc_reward_weight=r.agent.disc_reward_weight,
                          task_reward_weight=r.agent.task_reward_weight)
        self._status("running")
        reason = "done"
        try:
            r.train(max_samples=self.args.max_samples, callback=self._on_iteration, max_seconds=max_seconds(self.args))
            if self.stopping:
                reason = "stopped"
        except KeyboardInterrupt:
            reason = "stopped"
        r.close()  # TensorBoard flushed before the app hears "finished"
        path = r.run_dir.checkpoints / "latest.pt"
        self.channel.send("checkpoint", path=str(path), iteration=r.iteration)
        self.channel.send("finished", reason=reason, iteration=r.iteration, samples=r.samples)
        return 0

    def _status(self, state: str) -> None:
        self._last_status = time.monotonic()
        self.channel.send("status", state=state, iteration=self.runner.iteration, samples=self.runner.samples)

    def _handle(self, message: Message) -> None:
        r = self.runner
        kind = message.type
        if kind == "set_reward_weights":
            effective = r.set_reward_weights(message.get("disc_reward_weight"), message.get("task_reward_weight"),
                                             source="gui")
            self.channel.send("weights_applied", message.seq, iteration=effective,
                              disc_reward_weight=r.agent.disc_reward_weight,
                              task_reward_weight=r.agent.task_reward_weight)
        elif kind == "pause" and not self.paused:
            self.paused = True
            if r.run_dir is not None:
                r.run_dir.log_event("pause", iteration=r.iteration)
            self._status("paused")
        elif kind == "resume" and self.paused:
            self.paused = False
            if r.run_dir is not None:
                r.run_dir.log_event("resume", iteration=r.iteration)
            self._status("running")
        elif kind == "stop":
            self.stopping = True
            self.paused = False
            self._status("stopping")
        elif kind == "save_checkpoint":
            path = r.save_checkpoint()
            self.channel.send("checkpoint", message.seq, path=str(path), iteration=r.iteration)
        elif kind == "stream_env":
            self.stream_env = max(0, min(int(message.get("env_id", 0)), r.env.num_envs - 1))
        else:
            self.channel.send("log", line=f"worker: '{kind}' does not apply to training; ignored")

    def _poll(self) -> None:
        for message in self.channel.pending():
            self._handle(message)

    def _on_step(self) -> None:
        """After every env control step: commands, pose streaming, heartbeat; blocks here while paused."""
        self._poll()
        while self.paused and not self.stopping:
            time.sleep(0.05)
            self._poll()
            if time.monotonic() - self._last_status > HEARTBEAT_INTERVAL:
                self._status("paused")
        now = time.monotonic()
        self._sim_time += self.runner.env.dt
        if now - self._last_pose >= POSE_INTERVAL:
            self._last_pose = now
            self.channel.send("pose", time=self._sim_time, env_id=self.stream_env,
                              **_pose_fields(self.runner.env, self.stream_env))
        if now - self._last_status > HEARTBEAT_INTERVAL:
            self._status("stopping" if self.stopping else "running")

    def _on_iteration(self, metrics: dict) -> bool:
        self._poll()
        self.channel.send("iteration", metrics=metrics)
        return not self.stopping


class ReplayWorker:
    """Runs a checkpoint's policy deterministically in real time on one env and streams its poses.

    For imitation the reference clip's pose (the clip the episode started in, at the same elapsed time) is
    streamed beside it as a ghost; for the location task the target, which `set_target` moves; for the steering
    task the command, which `set_command` sets, and the velocity the character actually moves at.
    """

    def __init__(self, args, channel: Channel):
        import torch

        from amp_studio.runs.playback import Playback
        from amp_studio.runs.run_arguments import read_model_file, training_from_args, use_model_configs

        self.torch = torch
        self.channel = channel
        model = read_model_file(args)
        if args.model_configs:
            use_model_configs(args, model)
        runner = training_from_args(args, num_envs=1, model_state=model, log=lambda line: None)
        runner.load_policy(args.model_file, model)
        self.env = runner.env
        if hasattr(self.env, "set_target") or hasattr(self.env, "set_command"):
            # The user places the targets or steers: a time-out would teleport the character away mid-walk.
            self.env.max_episode_steps = 2**62
        self.playback = Playback(self.env, runner.agent, restart=self._start_episode, realtime=not args.fast)
        self.model_file = args.model_file
        self.env_config = args.env_config
        self.paused = False
        self.stopping = False

    def _start_episode(self, ids) -> object:
        """The next episode of the one env, from a random clip and time; returns its observations."""
        env = self.env
        self.clip = env.motion_lib.sample_clips(1, generator=env.generator)
        self.clip_time = env.motion_lib.sample_times(self.clip, generator=env.generator)
        held = hasattr(env, "target_held") and bool(env.target_held[0])
        if held:  # the restart is wherever the clip is: the user's target keeps its place relative to the character
            offset = env.target[0] - env.engine.get_state().root_pos[0, :2]
        obs = env.reset_to(ids, self.clip, self.clip_time)
        if held:
            env.set_target(ids, (env.engine.get_state().root_pos[0, :2] + offset).unsqueeze(0), hold=True)
            obs = env._obs
        self.elapsed = 0.0
        return obs

    def _ref_qpos(self) -> list[float]:
        s = self.env.motion_lib.get_state(self.clip, self.clip_time + self.elapsed)
        return [*s.root_pos[0].tolist(), *s.root_rot[0].tolist(), *s.dof_pos[0].tolist()]

    def _stream(self, step) -> None:
        """The step's pose (before a fall restarts the episode) and, for imitation, the reference's."""
        self.elapsed += self.env.dt
        fields = _pose_fields(self.env, 0)
        if not hasattr(self.env, "set_target") and not hasattr(self.env, "set_command"):
            fields["ref_qpos"] = self._ref_qpos()
        self.channel.send("pose", time=self.elapsed, done=int(step.done[0]), **fields)

    def _set_command(self, message: Message) -> None:
        """Apply a steering command, held: the env draws none of its own for the rest of the replay, and a restart
        after a fall keeps it. A malformed one is logged, not applied: NaNs would reach the policy's inputs."""
        torch = self.torch
        direction, speed = message.get("direction"), message.get("speed")
        if (not isinstance(direction, list) or len(direction) != 2 or speed is None
                or not all(math.isfinite(v) for v in (*direction, speed)) or math.hypot(*direction) == 0):
            self.channel.send("log", line=f"worker: ignored set_command {direction!r} at {speed!r}")
            return
        self.env.set_command(torch.zeros(1, dtype=torch.long), torch.tensor([direction], dtype=torch.float32),
                             torch.tensor([float(speed)], dtype=torch.float32), hold=True)
        self.playback.obs = self.env._obs

    def run(self) -> int:
        """Replay until told to stop."""
        env, torch = self.env, self.torch
        is_task = hasattr(env, "set_target")
        steers = hasattr(env, "set_command")
        # The speeds the policy was asked for in training: the GUI maps its keys and drags into them.
        extra = {"speed_range": list(env.speed_range)} if steers else {}
        self.channel.send("started", mode="replay", model_file=str(self.model_file), num_envs=1,
                          env_name=type(env).__name__, env_config=str(self.env_config), **extra)
        self.playback.restart()
        last_status = 0.0
        while not self.stopping:
            start = time.monotonic()
            for message in self.channel.pending():
                if message.type == "stop":
                    self.stopping = True
                elif message.type in ("pause", "resume"):
                    self.paused = message.type == "pause"
                elif message.type == "set_target" and is_task:
                    xy = torch.tensor([message.get("xy")], dtype=torch.float32)
                    env.set_target(torch.zeros(1, dtype=torch.long), xy, hold=True)
                    self.playback.obs = env._obs
                elif message.type == "set_command" and steers:
                    self._set_command(message)
            if start - last_status > HEARTBEAT_INTERVAL:
                last_status = start
                self.channel.send("status", state="paused" if self.paused else "running")
            if self.paused:
                time.sleep(0.05)
                continue
            self.playback.step(self._stream)
        self.channel.send("finished", reason="stopped")
        return 0


def _protocol_stream():
    """The original stdout for protocol lines; fd 1 and sys.stdout then go to stderr."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Parse `train|replay` and the CLI's arguments, then serve the protocol until done."""
    import shlex

    from amp_studio.runs.run_arguments import build_run_parser, with_arg_file

    argv = list(sys.argv[1:] if argv is None else argv)
    out = _protocol_stream()
    channel = Channel(out, sys.stdin)
    if not argv or argv[0] not in ("train", "replay"):
        channel.send("error", message="usage: python -m amp_studio.worker train|replay [arguments]", traceback="")
        return 2
    mode, rest = argv[0], argv[1:]
    parser = build_run_parser()
    parser.add_argument("--fast", action="store_true", help="replay: as fast as possible, not in real time")
    try:
        args = parser.parse_args(["--mode", "train" if mode == "train" else "test", *with_arg_file(rest)])
    except SystemExit:
        channel.send("error", message=f"bad worker arguments: {' '.join(rest)}", traceback="")
        return 2
    except Exception as exc:
        channel.send("error", message=str(exc), traceback="")
        return 2
    if mode == "train":
        Path(args.out_dir).mkdir(parents=True, exist_ok=True)
        # Native crashes (segfaults in a backend) leave their traceback beside the run.
        faulthandler.enable(open(Path(args.out_dir) / "fault.log", "w"))  # noqa: SIM115 - open for the process
    signal.signal(signal.SIGTERM, _interrupt)
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    try:
        if mode == "train":
            command = shlex.join(["python", "main.py", "--mode", "train", *rest])
            return TrainingWorker(args, channel, command).run()
        return ReplayWorker(args, channel).run()
    except KeyboardInterrupt:
        channel.send("finished", reason="interrupted")
        return 0
    except AmpStudioError as exc:  # bad input or a diverged run: the message says it all
        channel.send("error", message=str(exc), traceback="")
        return 1
    except Exception as exc:  # reported to the GUI with its traceback, then the process ends
        channel.send("error", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        return 1
