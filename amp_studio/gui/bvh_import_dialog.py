"""The BVH import dialog: what was found in a motion-capture file (its unit, up axis, frame rate, the joint at each
landmark) for the user to check and fix, the source skeleton drawn over the retargeted character, and the
retarget's quality figures. Import adds the clip to the library and saves a mapping the user changed beside the
file, so that every later load of it (datasets, env configs, `--motion`) retargets it the same way.

Imports (bvh_preview.py) run on a thread of the dialog's own, like the library's loads: the retarget uses torch,
which the window opens without and loads on first use. A change re-imports after a short pause; only the newest
import is shown.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from amp_studio.gui.bvh_preview import Preview, make_preview
from amp_studio.gui.timeline import Timeline
from amp_studio.gui.viewport import Viewport
from amp_studio.rendering.clip_poses import ClipPoses

NONE = "(none)"
OTHER_UNIT = "other"
REIMPORT_DELAY_MS = 300  # a burst of edits (typing a unit) imports once
HOW = {"name": "by name", "topology": "by the skeleton's shape", "geometry": "beyond the last joint",
       "mapping": "saved mapping"}


class _Done(QObject):
    ready = Signal(int, object)  # generation, Preview or Exception


class BvhImportDialog(QDialog):
    """Check and fix a BVH import; `imported([entry])` when the user presses Import."""

    imported = Signal(object)  # [ClipEntry]
    preview_shown = Signal()  # an import (or its failure) is on screen

    def __init__(self, preview: Preview, char_file: str, entry_maker=None, parent: QWidget | None = None):
        # Safe to import now: the first import, on the library's thread, has loaded the motion tools.
        from amp_studio.motion.retarget.landmark_names import LANDMARKS
        from amp_studio.motion.retarget.mapping import UP_AXES
        from amp_studio.motion.retarget.skeleton import UNITS

        super().__init__(parent)
        self.setWindowTitle(f"Import {preview.path.name}")
        self.path, self.char_file, self.entry_maker = preview.path, char_file, entry_maker
        self.first, self.preview, self.units = preview, preview, UNITS
        self._generation, self._waiting, self._poses = 0, False, None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bvh-import")
        self._workdir = tempfile.TemporaryDirectory(prefix="amp_bvh_import_", ignore_cleanup_errors=True)
        self._done = _Done()
        self._done.ready.connect(self._arrived)
        self._timer = QTimer(self, singleShot=True, interval=REIMPORT_DELAY_MS)
        self._timer.timeout.connect(self.reimport)
        facts = preview.facts

        self.unit_name = QComboBox()
        self.unit_name.addItems([*UNITS, OTHER_UNIT])
        self.unit = QDoubleSpinBox(decimals=6, minimum=1e-6, maximum=1000.0, singleStep=0.001, suffix=" m per unit")
        self.up = QComboBox()
        self.up.addItems(UP_AXES)
        self.fps = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1000.0, suffix=" fps")
        self.fps.setSpecialValueText("as the file")
        self.fps.setToolTip("Resample the clip for the library (0: keep the file's rate). Datasets and env configs "
                            "that name the BVH file read it at its own rate.")
        rate = QLabel(f"{facts.fps:.4g} fps, {facts.num_frames} frames "
                      f"({(facts.num_frames - 1) / facts.fps:.2f} s)")
        unit_row = QHBoxLayout()
        unit_row.addWidget(self.unit_name)
        unit_row.addWidget(self.unit, 1)
        form = QFormLayout()
        form.addRow("Unit", unit_row)
        form.addRow("Up axis", self.up)
        form.addRow("Frame rate", rate)
        form.addRow("Output rate", self.fps)
        how_found = "\n".join(facts.notes)
        for widget in (self.unit_name, self.unit, self.up):
            widget.setToolTip(how_found)

        self.landmarks = LANDMARKS
        self.table = QTableWidget(len(LANDMARKS), 3)
        self.table.setHorizontalHeaderLabels(["Landmark", "Joint", "Found"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.joint_combos: dict[str, QComboBox] = {}
        for row, key in enumerate(LANDMARKS):
            self.table.setItem(row, 0, _fixed(key.replace("_", " ")))
            combo = QComboBox()
            combo.addItems([NONE, *facts.joint_names])
            self.table.setCellWidget(row, 1, combo)
            self.table.setItem(row, 2, _fixed(""))
            self.joint_combos[key] = combo
        self.problems, self.figures, self.status = (QLabel(wordWrap=True) for _ in range(3))
        self.problems.setStyleSheet("color: #c0392b")
        self.figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.viewport = Viewport(char_file)
        self.timeline = Timeline()
        self.timeline.time_changed.connect(self._show_time)
        splitter = QSplitter()
        splitter.addWidget(_column(form, (self.table, 1), self.problems,
                                   QLabel("<b>Quality</b> (the character against the source)"), self.figures))
        splitter.addWidget(_column(QLabel("The file's skeleton (orange) over the character it was retargeted to"),
                                   (self.viewport, 1), self.timeline))
        splitter.setStretchFactor(1, 1)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.import_clip)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(1180, 760)
        splitter.setSizes([470, 710])

        self._show_settings(facts)
        self.unit_name.currentTextChanged.connect(self._unit_named)
        self.unit.valueChanged.connect(self._unit_typed)
        self.up.currentTextChanged.connect(self._changed)
        self.fps.valueChanged.connect(self._changed)
        for combo in self.joint_combos.values():
            combo.currentTextChanged.connect(self._changed)
        self._show(preview)

    # ----- the settings -----

    def _show_settings(self, facts) -> None:
        for widget in (self.unit_name, self.unit, self.up, *self.joint_combos.values()):
            widget.blockSignals(True)
        self._unit = facts.unit  # exact: the field shows 6 decimals, and 0.056444 is not quite CMU's unit
        self.unit.setValue(facts.unit)
        self.unit_name.setCurrentText(self._unit_name(facts.unit))
        self.up.setCurrentText(facts.up)
        for key, combo in self.joint_combos.items():
            combo.setCurrentText(facts.landmarks.names.get(key) or NONE)
        for widget in (self.unit_name, self.unit, self.up, *self.joint_combos.values()):
            widget.blockSignals(False)

    def _unit_name(self, unit: float) -> str:
        return next((n for n, v in self.units.items() if abs(unit / v - 1) < 1e-3), OTHER_UNIT)

    def _unit_named(self, name: str) -> None:
        if name in self.units:
            self._unit = self.units[name]
            self.unit.blockSignals(True)
            self.unit.setValue(self.units[name])
            self.unit.blockSignals(False)
        self._changed()

    def _unit_typed(self, value: float) -> None:
        self._unit = value
        self.unit_name.blockSignals(True)
        self.unit_name.setCurrentText(self._unit_name(value))
        self.unit_name.blockSignals(False)
        self._changed()

    def settings(self) -> dict:
        """What the dialog shows: {"up", "unit", "fps" (None: the file's), "landmarks": name -> joint or None}."""
        return {"up": self.up.currentText(), "unit": self._unit, "fps": self.fps.value() or None,
                "landmarks": {k: None if c.currentText() == NONE else c.currentText()
                              for k, c in self.joint_combos.items()}}

    def mapping_changed(self) -> bool:
        """Whether the user changed what a load without this dialog would use (landmarks, up axis or unit)."""
        facts, now = self.first.facts, self.settings()
        return (now["up"] != facts.up or abs(now["unit"] / facts.unit - 1) > 1e-6
                or any(now["landmarks"][k] != facts.landmarks.names.get(k) for k in self.landmarks))

    def _changed(self, *_) -> None:
        self.import_button.setEnabled(False)
        self.status.setText("Importing…")
        self._timer.start()

    def reimport(self) -> None:
        """Import again with the dialog's settings, in the background."""
        from amp_studio.motion.retarget.landmark_names import REQUIRED_LANDMARKS

        settings = self.settings()
        missing = [k for k in REQUIRED_LANDMARKS if settings["landmarks"][k] is None]
        self._generation += 1  # whatever is still running is stale now
        if missing:
            self._waiting = False
            self.status.setText(f"Choose a joint for {', '.join(missing)}: the retarget needs them")
            self.preview_shown.emit()
            return
        self._waiting = True
        generation, workdir = self._generation, self._workdir.name
        future = self._pool.submit(make_preview, self.path, self.char_file, settings, workdir,
                                   self.first.character, self.entry_maker)
        future.add_done_callback(lambda f: self._done.ready.emit(generation, f.exception() or f.result()))

    @property
    def busy(self) -> bool:
        """Whether an import is waiting or running."""
        return self._timer.isActive() or self._waiting

    def _arrived(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # the settings changed since
        self._waiting = False
        if isinstance(result, BaseException):
            self.status.setText(f"Cannot import: {result}")
            self.preview_shown.emit()
            return
        self._show(result)

    # ----- what the import gave -----

    def _show(self, preview: Preview) -> None:
        from amp_studio.motion.retarget.quality import summary

        self.preview = preview
        facts, result = preview.facts, preview.result
        first = self.first.facts.landmarks
        for row, key in enumerate(self.landmarks):
            joint = self.joint_combos[key].currentText()
            if joint == NONE:
                how = "not found" if first.names.get(key) is None else "left out by you"
            elif joint == first.names.get(key):
                how = HOW.get(first.how.get(key, ""), first.how.get(key, ""))
            else:
                how = "chosen by you"
            self.table.item(row, 2).setText(how)
        self.problems.setText("\n".join(facts.landmarks.problems))
        if result is None:  # the source skeleton alone, to see what to fix
            self._poses = None
            self.figures.setText("")
            self.status.setText(f"Cannot import: {preview.error}")
            duration, fps = (len(preview.source) - 1) / preview.source_fps, preview.source_fps
        else:
            clip = result.clip
            self.figures.setText("\n".join(summary(result.quality)))
            self.status.setText(f"{clip.num_frames} frames at {clip.fps:.4g} fps, loop: {clip.loop}"
                                + (f"; Import saves the mapping as {self._mapping_name()}"
                                   if self.mapping_changed() else ""))
            self._poses = ClipPoses(clip.frames, clip.fps, clip.loop, self.viewport.scene.character.spherical_starts)
            duration, fps = self._poses.duration, clip.fps
        was = self.timeline.time
        self.timeline.set_clip(duration, fps)
        self.timeline.seek(min(was, duration))
        self.import_button.setEnabled(result is not None and preview.entry is not None)
        self.preview_shown.emit()

    def _mapping_name(self) -> str:
        from amp_studio.motion.retarget.bvh_import import mapping_beside

        return mapping_beside(self.path).name

    def _show_time(self, t: float) -> None:
        p = self.preview
        pose = self._poses.pose(t) if self._poses is not None else None
        frame = p.source[min(int(round(t * p.source_fps)), len(p.source) - 1)].astype(np.float64)
        pelvis = p.facts.landmarks.joints.get("pelvis") or 0
        # Over the character, wherever each walked to: a wrong joint shows as a limb apart from the character's.
        frame[:, :2] += (pose[:2] if pose is not None else 0.0) - frame[pelvis, :2]
        segments = [(frame[j], frame[parent]) for j, parent in enumerate(p.parents) if parent >= 0]
        marked = sorted({j for j in p.facts.landmarks.joints.values() if j is not None})
        self.viewport.scene.set_overlay(np.array(segments).reshape(-1, 2, 3), frame[marked])
        if pose is not None:
            self.viewport.set_pose(pose)
        else:
            self.viewport.refresh()

    # ----- closing -----

    def import_clip(self) -> None:
        """Add the clip to the library and save the mapping the user changed beside the file."""
        from amp_studio.errors import AmpStudioError
        from amp_studio.motion.retarget.bvh_import import mapping_beside
        from amp_studio.motion.retarget.mapping import save_mapping

        p = self.preview
        if not self.import_button.isEnabled() or p.result is None or p.entry is None:
            return  # the settings changed and were not imported yet, or the import failed
        if self.mapping_changed():
            try:
                save_mapping(p.result.facts, mapping_beside(self.path))
            except AmpStudioError as exc:
                self.status.setText(f"Not imported: {exc}")
                return
        self.imported.emit([p.entry])
        self.accept()

    def done(self, result: int) -> None:
        """Stop the imports and the renderer with the dialog."""
        self._timer.stop()
        self._generation += 1
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.timeline.set_playing(False)
        self.viewport.close_renderer()
        self._workdir.cleanup()
        super().done(result)
        self.deleteLater()


def _column(*parts) -> QWidget:
    """Widgets and layouts top to bottom, without margins; (widget, stretch) for one that takes the room left."""
    widget = QWidget()
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        part, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part, stretch)
    return widget


def _fixed(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item
