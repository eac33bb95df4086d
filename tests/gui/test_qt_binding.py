"""The installed Qt binding keeps Python's reference counts: PySide6 6.12.0 did not, and the app aborted."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    text = Signal(str)
    pair = Signal(float, float)
    anything = Signal(object)


def test_signals_to_python_slots_keep_reference_counts(qapp):
    emitter = _Emitter()
    received = []
    emitter.text.connect(lambda s: received.append(s))
    emitter.pair.connect(lambda a, b: received.append(a))
    emitter.anything.connect(lambda m: received.append(m))
    counts = [sys.getrefcount(x) for x in (None, True, False)]
    for _ in range(300):
        emitter.text.emit("line")
        emitter.pair.emit(1.0, 2.0)
        emitter.anything.emit({"type": "pose"})
    received.clear()
    assert [sys.getrefcount(x) for x in (None, True, False)] == counts
