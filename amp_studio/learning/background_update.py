"""A training step on a thread beside the next rollout: started, joined, its metrics (or its error) handed over once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import torch


class BackgroundUpdate:
    """At most one step at a time; torch_threads > 0 gives its thread its own OpenMP team of that size."""

    def __init__(self, torch_threads: int = 0):
        self.torch_threads = torch_threads
        self._thread: threading.Thread | None = None
        self._result: dict[str, float] | BaseException = {}

    @property
    def running(self) -> bool:
        """Started and not joined yet: what it trains may be mid-write."""
        return self._thread is not None

    def start(self, work: Callable[[], dict[str, float]]) -> None:
        self._thread = threading.Thread(target=self._run, args=(work,), name="critic-disc-update", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], dict[str, float]]) -> None:
        try:
            if self.torch_threads > 0:
                torch.set_num_threads(self.torch_threads)  # this thread's OpenMP team
            self._result = work()
        except BaseException as exc:  # raised on the caller's thread by join()
            self._result = exc

    def join(self) -> None:
        """Wait for the step, if any; raise what it raised (once). Its metrics stay for take()."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if isinstance(self._result, BaseException):
            error, self._result = self._result, {}
            raise error

    def take(self) -> dict[str, float]:
        """join(), then the step's metrics (empty if there was none, or they were taken)."""
        self.join()
        result, self._result = self._result, {}
        return result
