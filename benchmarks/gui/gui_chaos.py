"""The GUI outlives its workers: killed ones, misbehaving ones, malformed protocol lines.

Opens the main window (offscreen unless a display exists) and starts --kills workers as a user would: training
runs (16 envs) and, every fifth, a replay of the shipped walk model; at most --concurrent alive at once. Each is
killed at a random moment within --max_life seconds of its start (before or after it said `started`), with
SIGKILL or SIGSEGV. One worker in ten misbehaves first (benchmarks/gui/chaos_worker.py): it floods its stdout, or
never reads its stdin, or writes malformed protocol lines. Throughout, a 10 ms QTimer measures how late the event
loop runs. Every killed run must be shown failed, with its last output in the log panel. At the end two runs
and a deaf worker are left running and the window closes: no worker may outlive it (orphans) or stay unreaped
(zombies), and the Python threads and active Qt timers must be back to their count before the first worker.
Goal: event-loop lateness p95 < 50 ms. Last line: one JSON object.

    python benchmarks/gui/gui_chaos.py [--kills 100] [--concurrent 2] [--max_life 6]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from event_loop_lateness import LatenessProbe  # noqa: E402

CHAOS_WORKER = Path(__file__).resolve().parent / "chaos_worker.py"
FAULTS = {3: "flood", 6: "deaf", 9: "garbage"}  # worker number % 10 -> fault


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of the processes whose parent is pid, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields after its ')' are fixed.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append((int(entry.name), fields[0]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=2)
    parser.add_argument("--max_life", type=float, default=6.0, help="longest a worker lives before its kill (s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from PySide6.QtCore import QTimer

    import amp_studio.gui  # noqa: F401 - MUJOCO_GL before MuJoCo loads
    from amp_studio import DATA_DIR
    from amp_studio.gui import worker_process
    from amp_studio.gui.app import dispose, scripted_window

    faults: deque[str] = deque()
    real_start = worker_process.WorkerProcess.start

    def start(self) -> None:  # the next worker started misbehaves if a fault is queued
        if faults:
            self.process.start(sys.executable, [str(CHAOS_WORKER), faults.popleft(), self.mode, *self.args])
        else:
            real_start(self)

    worker_process.WorkerProcess.start = start
    rng = random.Random(args.seed)
    app, window = scripted_window()
    failed_in_log: dict[str, str] = {}  # run name -> the log panel's FAILED message
    log_add = window.log_panel.add

    def add(source: str, line: str) -> None:
        if line.startswith("FAILED"):
            failed_in_log[source] = line
        log_add(source, line)

    window.log_panel.add = add

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    pump(1.0)
    threads_before = threading.active_count()
    timers_before = sum(t.isActive() for t in window.findChildren(QTimer))
    owners_before = sorted(type(t.parent()).__name__ for t in window.findChildren(QTimer) if t.isActive())
    probe = LatenessProbe()
    probe.start()

    out_root = tempfile.mkdtemp(prefix="gui_chaos_")
    settings = {**window.training_panel.settings(), "num_envs": 16, "out_root": out_root, "max_samples": None,
                "max_minutes": None}
    model = str(DATA_DIR / "models" / "amp_humanoid_walk_model.pt")
    alive: list[dict] = []  # {worker, record, kill_at, sig, kind}
    done: list[dict] = []
    started = 0
    t0 = time.perf_counter()
    while started < args.kills or alive:
        now = time.monotonic()
        while started < args.kills and len(alive) < args.concurrent:
            kind = FAULTS.get(started % 10, "replay" if started % 5 == 4 and window.runs_panel.runs else "train")
            if kind in ("flood", "deaf", "garbage"):
                faults.append(kind)
            if kind == "replay":
                worker = window.start_replay(len(window.runs_panel.runs) - 1, model)
                record = None
            else:
                index = window.start_run(settings)
                worker, record = window.workers[index], window.runs_panel.runs[index]
            alive.append({"worker": worker, "record": record, "kind": kind, "started": now,
                          "kill_at": now + rng.uniform(0.2, args.max_life),
                          "sig": rng.choice((signal.SIGKILL, signal.SIGSEGV))})
            started += 1
        for item in list(alive):
            w = item["worker"]
            if "killed" not in item and time.monotonic() >= item["kill_at"]:
                if w.alive and w.pid:
                    os.kill(w.pid, item["sig"])
                item["killed"] = time.monotonic()
            if "killed" in item and (w.state == "failed" or time.monotonic() - item["killed"] > 30):
                alive.remove(item)
                done.append(item)
        app.processEvents()
        time.sleep(0.001)
    chaos_seconds = time.perf_counter() - t0

    shown_failed = with_output = 0
    missing: list[dict] = []  # runs whose failure message lacks their last output: what they were and said
    runs = [d for d in done if d["record"] is not None]
    for d in runs:
        shown_failed += d["record"].status == "failed"
        # Its last output, or the statement that there was none (killed before Python had started).
        said = failed_in_log.get(d["record"].name, "")
        tail = list(d["worker"].last_output)
        carried = bool(said) and (tail[-1] in said if tail else "wrote nothing" in said)
        with_output += carried
        if not carried:
            missing.append({"kind": d["kind"], "last": tail[-1][:120] if tail else None, "said": said[-300:]})
    replays_failed = sum(d["worker"].state == "failed" for d in done if d["record"] is None)
    pump(2.0)
    pump(16.0)  # the status bar's last failure message clears itself after 15 s: a timer that ends, not a leak
    threads_idle = threading.active_count()
    timers_idle = sum(t.isActive() for t in window.findChildren(QTimer))
    timer_owners = sorted(type(t.parent()).__name__ for t in window.findChildren(QTimer) if t.isActive())

    # Close with workers running: two runs and a deaf one (it never reads the stop command).
    faults.append("deaf")
    for _ in range(3):
        window.start_run(settings)
    pump(8.0)
    close_start = time.perf_counter()
    probe.stop()
    dispose(window)
    close_seconds = time.perf_counter() - close_start
    pump(0.5)
    left = children(os.getpid())
    orphans = [pid for pid, state in left if state != "Z"]
    zombies = [pid for pid, state in left if state == "Z"]
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    threads_after = threading.active_count()
    p95 = probe.p95()
    result = {
        "workers": started, "runs_killed": len(runs), "runs_shown_failed": shown_failed,
        "runs_failed_with_output": with_output, "replays_killed": len(done) - len(runs),
        "replays_shown_failed": replays_failed,
        "faults": {k: sum(d["kind"] == k for d in done) for k in FAULTS.values()},
        "latency_p95_ms": round(p95, 1), "latency_max_ms": round(max(probe.values), 1),
        "chaos_minutes": round(chaos_seconds / 60, 1), "close_seconds": round(close_seconds, 1),
        "orphans": len(orphans), "zombies": len(zombies), "threads_before": threads_before,
        "threads_idle_after_chaos": threads_idle, "threads_after_close": threads_after,
        "active_timers_before": timers_before, "active_timers_idle_after_chaos": timers_idle,
        "runs_missing_output": missing[:5],
        "active_timer_owners_before": owners_before, "active_timer_owners_after_chaos": timer_owners,
    }
    print(f"{started} workers, {len(runs)} runs killed ({shown_failed} shown failed), event-loop lateness p95 "
          f"{p95:.1f} ms, {len(orphans)} orphans, {len(zombies)} zombies, closed in {close_seconds:.1f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
