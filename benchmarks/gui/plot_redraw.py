"""Plot redraw time against curve length: the plots panel as shipped, next to pyqtgraph's default downsampling.

A run of N iterations (noisy curves, the worst case for drawing: every pixel column spans a range) is drawn in the
plots panel at 1500x300; the time to paint the whole panel (a grab of the widget, median of --repeats) is measured
for each N with the panel's settings (each curve downsampled to one mean per pixel column) and, in the same run,
with the baseline (pyqtgraph's peak mode at its default 5 samples per pixel, what the panel used before). A
training run at 5 k samples/s and 8192 samples per iteration makes 2,200 iterations an hour. Last line: JSON.

    python benchmarks/gui/plot_redraw.py [--iterations 500 2000 8000 32000] [--repeats 9]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def paint_ms(app, n: int, repeats: int, baseline: bool) -> float:
    from amp_studio.gui.plots_panel import PlotsPanel
    from amp_studio.gui.run_model import PLOTTED, RunRecord

    rng = np.random.default_rng(n)
    panel = PlotsPanel()
    panel.resize(1500, 300)
    panel.show()
    record = RunRecord(name="run")
    keys = [key for keys, _, _ in PLOTTED for key in keys]
    for i in range(n):
        record.metrics.append({"iteration": i, "samples": 8192 * i, **{k: float(rng.random()) for k in keys}})
    panel.add_run(record)
    if baseline:
        for plot in panel.plots:
            plot.setDownsampling(auto=True, mode="peak")
        for curve in panel._curves.values():
            curve.opts["autoDownsampleFactor"] = 5.0
            curve.updateItems()
    app.processEvents()
    panel.layout_widget.grab()  # the first paint lays out axes and builds the paths
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        panel.layout_widget.grab()
        times.append((time.perf_counter() - t) * 1000)
    panel.close()
    panel.deleteLater()
    app.processEvents()
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, nargs="+", default=[500, 2000, 8000, 32000])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    print(f"{'iterations':>10} {'panel ms':>9} {'baseline ms':>11} {'panel / baseline':>16}", flush=True)
    rows = []
    for n in args.iterations:
        ours, base = paint_ms(app, n, args.repeats, False), paint_ms(app, n, args.repeats, True)
        rows.append({"iterations": n, "paint_ms": round(ours, 1), "baseline_paint_ms": round(base, 1),
                     "ratio": round(ours / base, 3)})
        print(f"{n:>10,d} {ours:>9.1f} {base:>11.1f} {ours / base:>16.2f}", flush=True)
    growth = rows[-1]["paint_ms"] / rows[0]["paint_ms"]
    base_growth = rows[-1]["baseline_paint_ms"] / rows[0]["baseline_paint_ms"]
    print(f"longest / shortest: panel {growth:.2f}x, baseline {base_growth:.2f}x")
    print(json.dumps({"rows": rows, "panel_growth": round(growth, 2), "baseline_growth": round(base_growth, 2)}))


if __name__ == "__main__":
    main()
