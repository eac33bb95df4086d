"""A worker process driven from plain Python (benchmarks, scripts): the GUI's channel without Qt.

Commands go on the worker's stdin, events are read from its stdout on a thread (so a worker streaming poses never
blocks on a full pipe), stderr goes to a log file. The worker starts as the app starts it (amp_studio.worker.launch).
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
import time
from pathlib import Path

from amp_studio.worker.launch import LineCutter, command_bytes, worker_launch
from amp_studio.worker.protocol import Encoder, Message, ProtocolError, decode

READ_SIZE = 65536


class WorkerClient:
    """`python -m amp_studio.worker MODE ARGS` started as the GUI starts it (repository root, unbuffered)."""

    def __init__(self, mode: str, args: list[str], log_path: str | Path, python: str | None = None):
        """python: the worker's interpreter (default this one), e.g. Isaac Gym's Python 3.8."""
        self.log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it exits
        launch = worker_launch(mode, args, python)
        self.proc = subprocess.Popen(launch.argv, cwd=launch.working_directory, env=launch.environment(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.encoder = Encoder()
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        cutter = LineCutter()
        # read1 returns what the pipe holds (at least a byte): lines are handed on as they come, not per 64 kB.
        for chunk in iter(lambda: self.proc.stdout.read1(READ_SIZE), b""):
            for line in cutter.feed(chunk):
                self._put(line)
        rest = cutter.take_rest()
        if rest.strip():
            self._put(rest)
        self.events.put(None)

    def _put(self, line: bytes) -> None:
        with contextlib.suppress(ProtocolError):  # not a message: skipped, as the GUI skips it (and logs it)
            self.events.put(decode(line))

    def send(self, kind: str, **fields) -> int:
        """Send a command; returns its seq (replies carry it as reply_to)."""
        self.proc.stdin.write(command_bytes(self.encoder, kind, **fields))
        self.proc.stdin.flush()
        return self.encoder.last_seq

    def next(self, deadline: float) -> Message | None:
        """The next event (None: the worker closed its output); raises TimeoutError past the monotonic deadline."""
        try:
            return self.events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("the worker went silent past the deadline") from None

    def close(self) -> None:
        """Kill the worker if it still runs and wait for it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()
