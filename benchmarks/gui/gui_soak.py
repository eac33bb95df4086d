"""A long session: the GUI's memory and redraw time while one run streams to the plots and the viewport for hours.

Opens the main window (offscreen unless a display exists) and starts a training run from the training panel as a
user would, selected so that its poses stream to the viewport and its metrics to the plots. Every --sample_every
seconds it records the GUI process's resident memory, the time to paint the whole plots panel (a grab of the
widget: every curve, at the window's size), and the time the plots panel spent setting curve data since the last
sample; a 10 ms QTimer measures how late the event loop runs. A row is printed every --report_every minutes. At
the end the run is stopped from the panel (it saves its checkpoint) and the window closes.

Goals (issue: the GUI outlives everything): memory grows by less than 100 MB from the first iteration to the end,
and redraw time stays flat (the last 10 minutes' median against the first 10 minutes' after the first iteration).
Live Python objects are counted by type at each printed row, so growth on the Python side can be told from growth
in C libraries (Qt, OpenGL, MuJoCo): the result names the types that grew most.
Last line: one JSON object.

    python benchmarks/gui/gui_soak.py [--hours 2] [--env imitation|location] [--motion_file F] [--model_file CKPT]
        [--num_envs 256] [--out_root DIR]
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from event_loop_lateness import LatenessProbe  # noqa: E402


def rss_mb() -> float:
    """This process's resident memory (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def object_counts() -> collections.Counter:
    """Live Python objects by type name (gc-tracked only): where Python-side growth would show."""
    return collections.Counter(type(o).__name__ for o in gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--env", default="imitation", choices=("imitation", "location"))
    parser.add_argument("--motion_file", default=None)
    parser.add_argument("--model_file", default=None, help="a checkpoint to start from (a run's: continues it)")
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--out_root", default=None, help="the runs folder (default: a temporary one)")
    parser.add_argument("--sample_every", type=float, default=30.0, help="seconds between measurements")
    parser.add_argument("--report_every", type=float, default=10.0, help="minutes between printed rows")
    args = parser.parse_args()
    import amp_studio.gui  # noqa: F401 - MUJOCO_GL before MuJoCo loads
    from amp_studio.gui.app import dispose, scripted_window, wait_until

    app, window = scripted_window()
    panel = window.training_panel
    panel.env.setCurrentText(args.env)
    panel.num_envs.setValue(args.num_envs)
    panel.max_samples.setValue(0)
    panel.max_minutes.setValue(0.0)
    panel.motion_file.setText(args.motion_file or "")
    panel.model_file.setText(args.model_file or "")
    panel.out_dir.setText(args.out_root or tempfile.mkdtemp(prefix="gui_soak_"))

    draw_ms: list[float] = []
    plots = window.plots_panel
    draw_run = plots._draw_run

    def timed_draw(i, run) -> None:  # the per-run redraw: every curve's setData
        t = time.perf_counter()
        draw_run(i, run)
        draw_ms.append((time.perf_counter() - t) * 1000)

    plots._draw_run = timed_draw
    probe = LatenessProbe()

    panel.start_button.click()
    index = len(window.runs_panel.runs) - 1
    record = window.runs_panel.runs[index]
    if not wait_until(app, lambda: record.metrics.size > 0 or record.status == "failed", 900):
        raise SystemExit("no iteration within 15 minutes")
    if record.status == "failed":
        raise SystemExit("the run failed:\n" + "\n".join(record.output))
    print(f"soak: {args.hours} h, run {record.run_dir}, {args.num_envs} envs, env {args.env}", flush=True)
    print(f"{'minutes':>7} {'samples':>12} {'iters':>6} {'rss MB':>7} {'paint ms':>8} {'draw ms':>7} "
          f"{'late p95':>8} {'fps':>5} {'points':>6}", flush=True)
    samples: list[dict] = []
    t0 = time.perf_counter()
    probe.start()
    frames = window.viewport.frames_shown
    next_report = 0.0
    counts_first = None
    while time.perf_counter() - t0 < args.hours * 3600 and record.status != "failed":
        start = time.perf_counter()
        wait_until(app, lambda start=start: time.perf_counter() - start >= args.sample_every, args.sample_every + 1)
        t = time.perf_counter()
        plots.layout_widget.grab()
        paint = (time.perf_counter() - t) * 1000
        minutes = (time.perf_counter() - t0) / 60
        shown = window.viewport.frames_shown
        s = {"minutes": round(minutes, 2), "samples": record.samples, "iterations": record.metrics.size,
             "rss_mb": round(rss_mb(), 1), "paint_ms": round(paint, 2),
             "draw_ms": round(statistics.median(draw_ms), 2) if draw_ms else float("nan"),
             "lateness_p95_ms": round(probe.p95(), 1),
             "fps": round((shown - frames) / max(1e-9, t - start), 1), "points": record.metrics.size}
        frames = shown
        draw_ms.clear()
        probe.values.clear()
        samples.append(s)
        if minutes >= next_report:
            next_report += args.report_every
            counts_last = object_counts()
            counts_first = counts_first or counts_last
            print(f"{s['minutes']:7.1f} {s['samples']:12,d} {s['iterations']:6d} {s['rss_mb']:7.1f} "
                  f"{s['paint_ms']:8.1f} {s['draw_ms']:7.2f} {s['lateness_p95_ms']:8.1f} {s['fps']:5.1f} "
                  f"{s['points']:6d}", flush=True)
    probe.stop()
    status = record.status
    panel.stop_button.click()
    wait_until(app, lambda: record.status in ("finished", "failed"), 300)
    dispose(window)

    def window_median(key: str, first: bool) -> float:
        span = min(10.0, samples[-1]["minutes"] / 2)
        chosen = [s[key] for s in samples if (s["minutes"] <= span if first else
                                              s["minutes"] >= samples[-1]["minutes"] - span)]
        return float(np.nanmedian(chosen))

    first_paint, last_paint = window_median("paint_ms", True), window_median("paint_ms", False)
    first_draw, last_draw = window_median("draw_ms", True), window_median("draw_ms", False)
    result = {
        "hours": round(samples[-1]["minutes"] / 60, 2), "run_status": status, "final_status": record.status,
        "samples": record.samples, "iterations": record.metrics.size,
        "rss_first_iteration_mb": samples[0]["rss_mb"], "rss_end_mb": samples[-1]["rss_mb"],
        "rss_max_mb": max(s["rss_mb"] for s in samples),
        "rss_growth_mb": round(samples[-1]["rss_mb"] - samples[0]["rss_mb"], 1),
        "paint_ms_first": round(first_paint, 2), "paint_ms_last": round(last_paint, 2),
        "paint_ratio": round(last_paint / first_paint, 2),
        "draw_ms_first": round(first_draw, 2), "draw_ms_last": round(last_draw, 2),
        "draw_ratio": round(last_draw / first_draw, 2),
        "lateness_p95_ms_max": max(s["lateness_p95_ms"] for s in samples),
        "lateness_p95_ms_median": float(np.median([s["lateness_p95_ms"] for s in samples])),
        "viewport_fps_median": float(np.median([s["fps"] for s in samples])),
        "python_objects_first": sum(counts_first.values()), "python_objects_last": sum(counts_last.values()),
        "python_object_growth": dict((counts_last - counts_first).most_common(8)),
        "run_dir": str(record.run_dir),
    }
    Path(str(record.run_dir) + "_soak.json").write_text(json.dumps({"result": result, "samples": samples}))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
