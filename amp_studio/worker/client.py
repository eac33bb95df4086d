"""A worker process driven from plain Python (benchmarks, scripts): the GUI's channel without Qt.

Commands go on the worker's stdin, events are read from its stdout on a thread (so a worker streaming poses never
blocks on a full pipe), stderr goes to a log file.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from amp_studio import DATA_DIR
from amp_studio.engine_availability import worker_environment
from amp_studio.worker.protocol import Encoder, Message, ProtocolError, decode


class WorkerClient:
    """`python -m amp_studio.worker MODE ARGS` started as the GUI starts it (repository root, unbuffered)."""

    def __init__(self, mode: str, args: list[str], log_path: str | Path, python: str | None = None):
        """python: the worker's interpreter (default this one), e.g. Isaac Gym's Python 3.8."""
        self.log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it exits
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **worker_environment(python)}
        self.proc = subprocess.Popen([python or sys.executable, "-m", "amp_studio.worker", mode, *args],
                                     cwd=DATA_DIR.parent, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        self.encoder = Encoder()
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.events.put(decode(line))
            except ProtocolError:
                continue
        self.events.put(None)

    def send(self, kind: str, **fields) -> int:
        """Send a command; returns its seq (replies carry it as reply_to)."""
        self.proc.stdin.write(self.encoder.encode(kind, **fields))
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
