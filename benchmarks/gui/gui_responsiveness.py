"""GUI responsiveness with one worker training: viewport frames/s and event-loop latency.

Opens the main window (offscreen unless a display exists), starts a training run in a worker process as a user
would (default settings: 256 envs), waits for its first iteration, then for --seconds:
  viewport_fps   frames the viewport renders and shows per second while the camera orbits every 16 ms
                 (a user dragging), with the live run streaming poses;
  latency_p95_ms the 95th percentile of how late a 10 ms QTimer fires: how long the event loop is blocked;
  pose_rate      pose messages per second from the run (they arrive during rollouts, none during updates).
Baseline in the same run: the same measurement with no worker. Last line: one JSON object.

    python benchmarks/gui/gui_responsiveness.py [--seconds 10] [--num_envs 256] [--size 640x480]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from event_loop_lateness import LatenessProbe  # noqa: E402


def measure(app, window, seconds: float) -> dict:
    """Orbit the camera and time a 10 ms timer for `seconds`."""
    from PySide6.QtCore import QTimer

    probe = LatenessProbe()

    def orbit() -> None:
        window.viewport.scene.orbit(0.004, 0.0)
        window.viewport.refresh()

    camera = QTimer()
    camera.setInterval(16)
    camera.timeout.connect(orbit)
    poses = {"n": 0}

    def count(msg) -> None:
        poses["n"] += msg.type == "pose"

    for w in window.workers:
        if w is not None:
            w.message.connect(count)
    frames0 = window.viewport.frames_shown
    t0 = time.perf_counter()
    probe.start()
    camera.start()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        time.sleep(0.001)
    probe.stop()
    camera.stop()
    elapsed = time.perf_counter() - t0
    return {"viewport_fps": (window.viewport.frames_shown - frames0) / elapsed,
            "latency_p95_ms": probe.p95(),
            "pose_rate": poses["n"] / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--size", default="640x480", help="viewport size, WxH")
    args = parser.parse_args()
    import amp_studio.gui  # noqa: F401 - MUJOCO_GL before MuJoCo loads
    from amp_studio.gui.app import scripted_window

    app, window = scripted_window()
    width, height = (int(v) for v in args.size.split("x"))
    window.viewport.setFixedSize(width, height)
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    base = measure(app, window, args.seconds)
    print(f"no worker:       {base['viewport_fps']:5.1f} fps, event-loop lateness p95 {base['latency_p95_ms']:.1f} ms")

    tp = window.training_panel
    tp.num_envs.setValue(args.num_envs)
    tp.out_dir.setText(tempfile.mkdtemp(prefix="gui_bench_"))
    tp.start_button.click()
    record = window.runs_panel.runs[-1]
    deadline = time.monotonic() + 300
    while record.metrics.size < 1 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if record.metrics.size < 1:
        raise SystemExit(f"the run did not start: {window.workers[-1].error}")
    loaded = measure(app, window, args.seconds)
    print(f"1 worker training ({args.num_envs} envs, {record.samples_per_s:,.0f} samples/s): "
          f"{loaded['viewport_fps']:5.1f} fps, event-loop lateness p95 {loaded['latency_p95_ms']:.1f} ms, "
          f"{loaded['pose_rate']:.0f} poses/s streamed")
    window.shutdown()
    from amp_studio.gui.app import dispose

    dispose(window)
    print(json.dumps({"viewport_fps": round(loaded["viewport_fps"], 1),
                      "latency_p95_ms": round(loaded["latency_p95_ms"], 1),
                      "baseline_viewport_fps": round(base["viewport_fps"], 1),
                      "baseline_latency_p95_ms": round(base["latency_p95_ms"], 1),
                      "fps_ratio": round(loaded["viewport_fps"] / max(base["viewport_fps"], 1e-9), 3)}))


if __name__ == "__main__":
    main()
