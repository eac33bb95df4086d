"""How late a 10 ms QTimer fires: how long the GUI's event loop was blocked (shared by the GUI benchmarks)."""

from __future__ import annotations

import time

import numpy as np

INTERVAL_MS = 10


class LatenessProbe:
    """Collects, in `values` (ms), how much later than INTERVAL_MS each tick of a QTimer came."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.values: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.values.append(max(0.0, (now - self._last) * 1000 - INTERVAL_MS))
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def p95(self) -> float:
        """The 95th percentile so far (NaN before the first tick)."""
        return float(np.percentile(self.values, 95)) if self.values else float("nan")
