"""The project's error types: each message names the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path


class AmpStudioError(Exception):
    """Bad input of any kind; the CLI prints it as one line, without a traceback."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class MotionError(AmpStudioError):
    """A clip or dataset file that cannot be read or is not a valid motion."""


class CharacterError(AmpStudioError):
    """A character file that cannot be read or does not fit the expected skeleton."""
