"""The GUI's side of a worker: a flood of output is read in slices, so the window keeps running; it starts and
frames a worker as the scripts' plain-Python client does."""

from __future__ import annotations

import sys
import time

from amp_studio.gui.log_panel import MAX_LINES, LogPanel
from amp_studio.gui.worker_process import LINES_PER_SLICE, WorkerProcess

FLOOD = """
import json, sys
for i in range(60000):
    sys.stdout.write(json.dumps({"v": 1, "type": "log", "seq": i + 1, "t": 0, "line": f"line {i}"}) + "\\n")
sys.stdout.write("not json\\n")
sys.stdout.write(json.dumps({"v": 1, "type": "finished", "seq": 60001, "t": 0, "reason": "done"}) + "\\n")
"""


def test_a_flooding_worker_is_read_in_slices_and_still_finishes(qtbot):
    client = WorkerProcess("train", [])
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


def test_the_window_and_scripts_start_a_worker_one_way(qtbot, tmp_path):
    """WorkerProcess (the window's) and WorkerClient (benchmarks') both launch from amp_studio.worker.launch."""
    from amp_studio.worker.client import WorkerClient
    from amp_studio.worker.launch import worker_launch

    launch = worker_launch("replay", ["--model_file", "x.pt"])
    assert launch.argv == [sys.executable, "-m", "amp_studio.worker", "replay", "--model_file", "x.pt"]
    assert launch.extra_environment == {"PYTHONUNBUFFERED": "1"}  # this interpreter: no PYTHONPATH needed
    window_side = WorkerProcess("replay", ["--model_file", "x.pt"])
    assert window_side.launch == launch
    assert window_side.process.processEnvironment().value("PYTHONUNBUFFERED") == "1"
    assert window_side.process.workingDirectory() == str(launch.working_directory)
    # The plain client reads the same lines: a worker refusing its mode says why, then closes its output.
    client = WorkerClient("neither", [], tmp_path / "worker.log")
    try:
        error = client.next(time.monotonic() + 60)
        assert error.type == "error" and "usage" in error.get("message")
        assert client.next(time.monotonic() + 60) is None
    finally:
        client.close()
    assert client.proc.returncode == 2


def test_lines_are_cut_whole_whatever_the_reads():
    from amp_studio.worker.launch import LineCutter

    cutter = LineCutter()
    assert cutter.feed(b'{"a": 1}\n{"b"') == [b'{"a": 1}']
    assert cutter.feed(b': 2}\n\n   \n{"c": 3}') == [b'{"b": 2}']  # blank lines are no messages
    assert cutter.take_rest() == b'{"c": 3}' and cutter.take_rest() == b""
    assert LineCutter(keep_blank=True).feed(b"one\n\ntwo\n") == [b"one", b"", b"two"]
