"""The log panel: worker output, protocol problems and errors, newest last."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000
FLUSH_MS = 100
"""Lines are shown in batches: a worker printing thousands of lines a second costs one append per batch, not
one per line, and the window stays responsive."""


class LogPanel(QPlainTextEdit):
    """Read-only, bounded log; each line prefixed with the time and its source."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFont("monospace", 9))
        self._pending: list[str] = []
        self._dropped = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    def add(self, source: str, line: str) -> None:
        """Append a line (shown within FLUSH_MS)."""
        self._pending.append(f"{time.strftime('%H:%M:%S')} [{source}] {line}")
        keep = MAX_LINES - 1  # room for the line saying how many were skipped
        if len(self._pending) > keep:  # more than the panel keeps: the oldest would scroll away unseen
            self._dropped += len(self._pending) - keep
            del self._pending[: len(self._pending) - keep]
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Show the pending lines now."""
        self._timer.stop()
        if self._dropped:
            self._pending.insert(0, f"{time.strftime('%H:%M:%S')} [log] {self._dropped:,d} lines skipped "
                                    "(more arrived than the panel keeps)")
            self._dropped = 0
        if self._pending:
            self.appendPlainText("\n".join(self._pending))
            self._pending = []

    def toPlainText(self) -> str:  # noqa: N802 - Qt's name
        """The text, pending lines included."""
        self.flush()
        return super().toPlainText()
