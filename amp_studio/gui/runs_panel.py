"""The runs panel: every run with its status and progress, its checkpoints, and replay."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from amp_studio.gui.run_model import RunRecord, format_duration

COLUMNS = ("run", "status", "samples", "samples/s", "elapsed", "ETA", "progress")
STATUS_COLORS = {"failed": Qt.GlobalColor.red, "finished": Qt.GlobalColor.darkGreen,
                 "paused": Qt.GlobalColor.darkYellow}


class RunsPanel(QWidget):
    """A row per run; selecting one makes it the run the training controls and the viewport follow."""

    run_selected = Signal(int)               # index into runs, or -1
    replay_requested = Signal(int, str)      # run index, checkpoint path
    open_requested = Signal()
    stream_env_changed = Signal(int)         # which env of the selected run the viewport shows

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.runs: list[RunRecord] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.capitalize() if c[0].islower() else c for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.checkpoints = QComboBox()
        self.checkpoints.setToolTip("Checkpoints of the selected run")
        self.replay_button = QPushButton("Replay")
        self.open_button = QPushButton("Open run…")
        self.stream_env = QSpinBox()
        self.stream_env.setRange(0, 65535)
        self.stream_env.setToolTip("Which env of the selected run the viewport shows live")
        self.stream_env.valueChanged.connect(self.stream_env_changed.emit)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show env"))
        row.addWidget(self.stream_env)
        row.addWidget(self.open_button)
        row.addWidget(self.checkpoints, 1)
        row.addWidget(self.replay_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.replay_button.clicked.connect(self._replay)
        self.open_button.clicked.connect(self.open_requested.emit)

    def add_run(self, record: RunRecord) -> int:
        """Add a row for a run and select it; returns its index."""
        self.runs.append(record)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col in range(len(COLUMNS) - 1):
            self.table.setItem(row, col, QTableWidgetItem(""))
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        self.table.setCellWidget(row, len(COLUMNS) - 1, bar)
        self.update_run(row)
        self.table.selectRow(row)
        return row

    def update_run(self, index: int) -> None:
        """Refresh a run's row from its record."""
        r = self.runs[index]
        values = (r.name, r.status, f"{r.samples:,d}", f"{r.samples_per_s:,.0f}", format_duration(r.elapsed),
                  format_duration(r.eta))
        for col, text in enumerate(values):
            item = self.table.item(index, col)
            item.setText(text)
            if col == 1:
                item.setForeground(STATUS_COLORS.get(r.status, Qt.GlobalColor.black))
                item.setToolTip("\n".join(list(r.output)[-15:]) if r.status == "failed" else "")
            if col == 0:
                item.setToolTip(f"{r.run_dir}\n{r.command}")
        bar = self.table.cellWidget(index, len(COLUMNS) - 1)
        progress = r.progress
        bar.setValue(int(1000 * progress) if progress is not None else 0)
        bar.setFormat(f"{100 * progress:.0f}%" if progress is not None else "no limit")
        if index == self.selected():
            self._fill_checkpoints(r)

    def selected(self) -> int:
        """The selected run's index, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _fill_checkpoints(self, r: RunRecord) -> None:
        paths = [str(p) for p in r.checkpoints]  # kept current by checkpoint events and on selection
        current = [self.checkpoints.itemData(i) for i in range(self.checkpoints.count())]
        if paths != current:
            chosen = self.checkpoints.currentData()
            self.checkpoints.clear()
            for p in paths:
                self.checkpoints.addItem(p.rsplit("/", 1)[-1], p)
            if chosen in paths:
                self.checkpoints.setCurrentIndex(paths.index(chosen))
        self.replay_button.setEnabled(bool(paths))

    def _selection_changed(self) -> None:
        index = self.selected()
        if index >= 0:
            self.runs[index].refresh_checkpoints()
            self._fill_checkpoints(self.runs[index])
        self.run_selected.emit(index)

    def _replay(self) -> None:
        index, path = self.selected(), self.checkpoints.currentData()
        if index >= 0 and path:
            self.replay_requested.emit(index, path)
