"""The project's error types: each message names the file, the field and the problem."""

from __future__ import annotations

import reprlib
from pathlib import Path

# Bounded: a hostile value (a YAML alias bomb, a list nested thousands deep, a megabyte string) is shown by its
# beginning, never expanded in full.
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6


def describe(value: object) -> str:
    """A short repr of any value, for error messages."""
    try:
        return _SHORT.repr(value)
    except (RecursionError, ValueError, TypeError):  # ValueError: an int too long to print
        return f"a {type(value).__name__}"


def one_line(text: str) -> str:
    """The text's lines joined, so that the command line prints one line per error."""
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


class AmpStudioError(Exception):
    """Bad input of any kind; the CLI prints it as one line, without a traceback."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else None
        self.problem = one_line(problem)
        super().__init__(f"{self.path}: {self.problem}" if self.path else self.problem)

    def __reduce__(self):
        # Errors cross process boundaries (worker pools, spawned runs); pickle rebuilds them from both fields.
        return type(self), (self.path, self.problem)


class MotionError(AmpStudioError):
    """A clip or dataset file that cannot be read or is not a valid motion."""


class CharacterError(AmpStudioError):
    """A character file that cannot be read or does not fit the expected skeleton."""


class CheckpointError(AmpStudioError):
    """A checkpoint that cannot be read, or does not fit the run it is loaded into."""
