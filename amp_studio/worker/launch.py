"""How a worker process is started and how its lines are cut and written: the one definition that the window's
QProcess (amp_studio.gui.worker_process) and the plain-Python client (amp_studio.worker.client) both use, so a
worker driven from a benchmark is started exactly as the app starts it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from amp_studio import DATA_DIR
from amp_studio.engine_availability import worker_environment
from amp_studio.worker.protocol import Encoder

WORKER_MODULE = "amp_studio.worker"


@dataclass(frozen=True)
class WorkerLaunch:
    """A worker's interpreter and arguments, the variables it needs beside the inherited ones, and its folder."""

    program: str
    arguments: tuple[str, ...]
    extra_environment: dict[str, str]
    working_directory: Path

    @property
    def argv(self) -> list[str]:
        """The whole command line."""
        return [self.program, *self.arguments]

    def environment(self) -> dict[str, str]:
        """This process's environment with the worker's variables added."""
        return {**os.environ, **self.extra_environment}


def worker_launch(mode: str, args: list[str], python: str | None = None) -> WorkerLaunch:
    """`python -m amp_studio.worker MODE ARGS` (python None: this interpreter). Unbuffered, so every event line
    reaches the reader when it is written; in the repository root, so relative config paths resolve as they do
    on the command line; another interpreter finds this package through worker_environment's PYTHONPATH."""
    return WorkerLaunch(program=python or sys.executable, arguments=("-m", WORKER_MODULE, mode, *args),
                        extra_environment={"PYTHONUNBUFFERED": "1", **worker_environment(python)},
                        working_directory=DATA_DIR.parent)


class LineCutter:
    """Bytes read from a pipe, cut into whole lines: a read may end mid-line, and that part waits for the rest."""

    def __init__(self, keep_blank: bool = False):
        """keep_blank: also give empty lines (stderr shown as written); protocol streams skip them."""
        self.keep_blank = keep_blank
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The lines that data completes (without their newlines)."""
        *lines, self._rest = (self._rest + data).split(b"\n")
        return lines if self.keep_blank else [line for line in lines if line.strip()]

    def take_rest(self) -> bytes:
        """What came after the last newline (a last line the writer did not end), and forget it."""
        rest, self._rest = self._rest, b""
        return rest


def command_bytes(encoder: Encoder, kind: str, **fields) -> bytes:
    """A command as written to a worker's stdin: one JSON line, UTF-8."""
    return encoder.encode(kind, **fields).encode("utf-8")
