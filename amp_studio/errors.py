"""The project's error types: each message names the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path


class AmpStudioError(Exception):
    """Base of every error this project raises on bad input; the CLI prints it without a traceback."""


class MotionError(AmpStudioError):
    """A clip or dataset file that cannot be read or is not a valid motion."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class CharacterError(AmpStudioError):
    """A character file that cannot be read or does not fit the expected skeleton."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)
