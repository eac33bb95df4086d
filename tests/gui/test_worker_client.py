"""The GUI's side of a worker: a flood of output is read in slices, so the window keeps running."""

from __future__ import annotations

import sys

from amp_studio.gui.log_panel import MAX_LINES, LogPanel
from amp_studio.gui.worker_client import LINES_PER_SLICE, WorkerClient

FLOOD = """
import json, sys
for i in range(60000):
    sys.stdout.write(json.dumps({"v": 1, "type": "log", "seq": i + 1, "t": 0, "line": f"line {i}"}) + "\\n")
sys.stdout.write("not json\\n")
sys.stdout.write(json.dumps({"v": 1, "type": "finished", "seq": 60001, "t": 0, "reason": "done"}) + "\\n")
"""


def test_a_flooding_worker_is_read_in_slices_and_still_finishes(qtbot):
    client = WorkerClient("train", [])
    handled: list[int] = []
    drain = client._drain

    def counted() -> None:
        before = len(client._lines)
        drain()
        handled.append(before - len(client._lines))

    client._drain = counted
    notes: list[str] = []
    client.output.connect(notes.append)
    client.process.start(sys.executable, ["-c", FLOOD])
    qtbot.waitUntil(lambda: client.state in ("finished", "failed"), timeout=60000)
    assert client.state == "finished", client.error  # the last message came through after the flood
    assert len(handled) > 1 and max(handled) <= LINES_PER_SLICE
    assert any(n.startswith("protocol: not JSON") for n in notes)
    received = sum(1 for line in client.last_output if line.startswith("line "))
    assert received > 0 or client.dropped_lines > 0


def test_the_log_panel_keeps_the_newest_lines_and_says_how_many_it_skipped(qtbot):
    panel = LogPanel()
    qtbot.addWidget(panel)
    for i in range(MAX_LINES + 1000):
        panel.add("run", f"line {i}")
    text = panel.toPlainText().splitlines()
    assert len(text) <= MAX_LINES and text[-1].endswith(f"line {MAX_LINES + 999}")
    assert any("1,001 lines skipped" in line for line in text)
