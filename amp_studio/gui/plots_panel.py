"""Live training curves (pyqtgraph): one plot per metric, every run overlaid, markers at weight changes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from amp_studio.gui.run_model import PLOTTED, RunRecord

REFRESH_MS = 100  # curves redraw at 10 Hz at most, whatever the message rate
ROWS = 2  # plots on two rows, however many there are: a third row left them too short for the runs' legend
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75))


class PlotsPanel(QWidget):
    """Curves against samples for each run; redrawn from the run records on a timer, only when they changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False, background="w", foreground="k")
        self.layout_widget = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)
        self.plots: list[pg.PlotItem] = []
        columns = -(-len(PLOTTED) // ROWS)
        for i, (_, title, tip) in enumerate(PLOTTED):
            plot = self.layout_widget.addPlot(row=i // columns, col=i % columns, title=title)
            plot.setToolTip(tip)
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="mean")
            plot.setLabel("bottom", "samples")
            self.plots.append(plot)
        # Said on a plot whose metric no run has (runs recorded before the metric existed), rather than blank axes.
        self.not_recorded = []
        for plot in self.plots:
            note = pg.TextItem("not recorded by these runs", color=(120, 120, 120), anchor=(0.5, 0.5))
            note.setVisible(False)
            plot.addItem(note, ignoreBounds=True)
            self.not_recorded.append(note)
        # One legend names the runs by colour for every plot (a figure of several runs must say which is which).
        self.legend = self.plots[0].addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.runs: list[RunRecord] = []
        self._curves: dict[tuple[int, str], pg.PlotDataItem] = {}
        self._markers: dict[int, list] = {}
        self._drawn: dict[int, tuple[int, int]] = {}
        self.redraws = 0
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def add_run(self, record: RunRecord) -> None:
        """Overlay a run's curves."""
        self.runs.append(record)
        self.refresh()

    def curve(self, run_index: int, key: str) -> pg.PlotDataItem | None:
        """The curve of one metric of one run (for tests and screenshots)."""
        return self._curves.get((run_index, key))

    def refresh(self) -> None:
        """Redraw the runs whose metrics or weight changes are new since the last draw."""
        changed = False
        for i, run in enumerate(self.runs):
            state = (run.metrics.version, len(run.weight_changes))
            if self._drawn.get(i) == state:
                continue
            self._drawn[i] = state
            self._draw_run(i, run)
            self.redraws += 1
            changed = True
        if changed:
            self._show_not_recorded()

    def _show_not_recorded(self) -> None:
        for plot, note, (keys, _, _) in zip(self.plots, self.not_recorded, PLOTTED, strict=True):
            empty = bool(self.runs) and all(not np.isfinite(run.metrics.series(key)).any()
                                            for run in self.runs for key in keys)
            note.setVisible(empty)
            if empty:
                (x0, x1), (y0, y1) = plot.viewRange()
                note.setPos(0.5 * (x0 + x1), 0.5 * (y0 + y1))
        # The legend's plot saying "not recorded" has no curve to name, and on a small plot a legend of several
        # runs would cover that note: the legend shows again with the plot's first curve.
        self.legend.setVisible(not self.not_recorded[0].isVisible())

    def _draw_run(self, i: int, run: RunRecord) -> None:
        color = PALETTE[i % len(PALETTE)]
        x = run.metrics.series("samples")
        for plot, (keys, _, _) in zip(self.plots, PLOTTED, strict=True):
            for k, key in enumerate(keys):
                y = run.metrics.series(key)
                curve = self._curves.get((i, key))
                if curve is None:
                    pen = pg.mkPen(color=color, width=2, style=pg.QtCore.Qt.PenStyle.DashLine if k else
                                   pg.QtCore.Qt.PenStyle.SolidLine)
                    curve = plot.plot(pen=pen, name=run.name if plot is self.plots[0] and k == 0 else None)
                    # One (mean) sample per pixel column: a curve hours long costs what one a few minutes long
                    # does. pyqtgraph's default factor, 5, lets drawing grow to thousands of points per curve.
                    curve.opts["autoDownsampleFactor"] = 1.0
                    self._curves[(i, key)] = curve
                finite = np.isfinite(y) & np.isfinite(x)
                curve.setData(x[finite], y[finite])
        for marker in self._markers.pop(i, []):
            marker[0].removeItem(marker[1])
        iterations = run.metrics.series("iteration")
        markers = []
        for iteration, disc, task in run.weight_changes:
            at = np.nonzero(iterations >= iteration)[0]
            if len(at) == 0 or at[0] == 0:
                continue
            # The change applies from `iteration` on: mark where the previous iteration's samples end.
            x_at = float(x[at[0] - 1])
            for plot in self.plots:
                pen = pg.mkPen(color=color, style=pg.QtCore.Qt.PenStyle.DotLine)
                line = pg.InfiniteLine(pos=x_at, angle=90, pen=pen, label=f"w {disc:g}/{task:g}",
                                       labelOpts={"position": 0.9, "color": color})
                plot.addItem(line)
                markers.append((plot, line))
        self._markers[i] = markers

    def marker_count(self, run_index: int) -> int:
        """Weight-change markers drawn for a run (one per plot per change)."""
        return len(self._markers.get(run_index, [])) // max(1, len(self.plots))
