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

from amp_studio.gui.run_model import RunRecord, format_count, format_duration

COLUMNS = ("run", "status", "samples", "speed", "time", "ETA", "progress")
HEADER_TIPS = ("The run's folder name", "starting, running, paused, finished, failed, or replay",
               "Samples (env steps) trained; for a replayed model, the episodes it played",
               "Samples per second, last iteration; for a replayed model, poses shown per second",
               "Training time; for a replayed model, how long it has played",
               "Time left to the sample or time limit", "Done of the nearest limit; for a replayed model, its file")
PROGRESS_WIDTH = 76
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
        for col, tip in enumerate(HEADER_TIPS):
            self.table.horizontalHeaderItem(col).setToolTip(tip)
        # The name takes what the other columns leave, elided in the middle (run names end in a time stamp);
        # every other column is as wide as its content, so none hides behind a horizontal scroll bar.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(len(COLUMNS) - 1, PROGRESS_WIDTH)
        header.setMinimumSectionSize(30)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        # Two short rows rather than one long one: the panel fits a narrow dock.
        top = QHBoxLayout()
        top.addWidget(QLabel("Show env"))
        top.addWidget(self.stream_env)
        top.addStretch(1)
        top.addWidget(self.open_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.checkpoints, 1)
        bottom.addWidget(self.replay_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(top)
        layout.addLayout(bottom)
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
        bar = self.table.cellWidget(index, len(COLUMNS) - 1)
        if r.replay is None:
            values = (r.name, r.status, format_count(r.samples), format_count(r.samples_per_s),
                      format_duration(r.elapsed), format_duration(r.eta))
            count_tip = f"{r.samples:,d} samples"
            progress = r.progress
            bar.setValue(int(1000 * progress) if progress is not None else 0)
            bar.setFormat(f"{100 * progress:.0f}%" if progress is not None else "no limit")
            bar.setToolTip("" if progress is not None else "The run has no sample or time limit")
        else:  # a replayed model trains nothing: the row says what it plays, how long and how fast
            replay = r.replay
            values = (r.name, r.status, f"{replay.episodes:,d} episodes", f"{replay.fps:.0f} fps",
                      format_duration(replay.seconds), "-")
            count_tip = f"{replay.episodes:,d} episodes ended (a fall, or the episode's time limit)"
            bar.setValue(0)
            name = replay.model_file.name  # shortened in the middle to fit the bar: the column has a fixed width
            bar.setFormat(bar.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, PROGRESS_WIDTH - 8))
            bar.setToolTip(f"Replaying {replay.model_file}")
        for col, text in enumerate(values):
            item = self.table.item(index, col)
            item.setText(text)
            if col == 1:
                item.setForeground(STATUS_COLORS.get(r.status, Qt.GlobalColor.black))
                item.setToolTip("\n".join(list(r.output)[-15:]) if r.status == "failed" else "")
            if col == 0:
                item.setToolTip(f"{r.name}\n{r.run_dir}\n{r.command}")
            if col == 2:
                item.setToolTip(count_tip)
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
