"""The motion library panel: clips and datasets added by dialog or drag and drop, checked, weighted, saved.
Motion capture (BVH) added by the user goes through the import dialog first (bvh_import_dialog.py)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from amp_studio.gui.bvh_import_dialog import BvhImportDialog
from amp_studio.gui.bvh_preview import BVH_SUFFIXES, make_preview
from amp_studio.gui.characters import Character, WrongCharacter, key, probe
from amp_studio.gui.clip_entries import ClipEntry, clip_entry, load_entries, qa_cell
from amp_studio.gui.contact_bodies_dialog import ContactBodiesDialog, short_body_names

__all__ = ["ClipEntry", "MotionPanel", "clip_entry", "load_entries"]

CLIP_FILTER = "Motion clips and datasets (*.pkl *.txt *.bvh *.yaml *.yml);;All files (*)"
COLUMNS = ("name", "duration", "fps", "loop", "weight", "contacts", "QA")  # frame counts in the duration's tip
WEIGHT_COLUMN = COLUMNS.index("weight")
CONTACTS_COLUMN = COLUMNS.index("contacts")
QA_COLUMN = COLUMNS.index("QA")


class _Results(QObject):
    loaded = Signal(object, object)  # path, list[ClipEntry] or Exception
    previewed = Signal(object, object)  # path, bvh_import_dialog.Preview or Exception


class MotionPanel(QWidget):
    """A table of the loaded clips. Loading runs on a thread; a bad file reports an error and changes nothing."""

    clip_selected = Signal(object)  # ClipEntry
    wrong_character = Signal(object)  # ClipEntry selected that is for another character than the chosen one
    load_failed = Signal(str)       # "file: problem"
    clips_changed = Signal()

    def __init__(self, char_file: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.char_file = char_file
        self.character: Character = probe(char_file)  # whose clips play; others are marked
        self.known: tuple[Character, ...] = (self.character,)  # to name the character of a refused clip
        self._models: dict[str, object] = {}  # CharacterModel by key(file): loading the G1's takes a second
        self._replacing: dict[Path, ClipEntry] = {}  # BVH files being retargeted onto the chosen character
        self.entries: list[ClipEntry] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-load")
        self._pending = 0
        self._results = _Results()
        self._results.loaded.connect(self._loaded)
        self._results.previewed.connect(self._previewed)
        self.import_dialogs: list[BvhImportDialog] = []  # open ones

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.capitalize() if c != "QA" else c for c in COLUMNS])
        # The name takes what the other columns leave, elided in the middle; the others fit their content.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemChanged.connect(self._item_changed)
        self.table.cellDoubleClicked.connect(self._cell_double_clicked)
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.save_button = QPushButton("Save dataset…")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: loading and checking a clip has no known length
        self.progress.setVisible(False)
        self.message = QLabel("Drop clips (.pkl, .txt, .bvh) or datasets (.yaml) here")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.save_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self.add_by_dialog)
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button.clicked.connect(lambda: self.save_by_dialog())
        self.setAcceptDrops(True)

    # ----- adding -----

    def add_by_dialog(self) -> None:
        """Ask for files, then load them."""
        paths, _ = QFileDialog.getOpenFileNames(self, "Add motion clips", "", CLIP_FILTER)
        for p in paths:
            self.add_file(p)

    def add_file(self, path: str | Path) -> Future:
        """Add what the user chose: a BVH file through the import dialog, anything else at once (add_path)."""
        if Path(path).suffix.lower() in BVH_SUFFIXES:
            return self.import_bvh(path)
        return self.add_path(path)

    def import_bvh(self, path: str | Path, replacing: ClipEntry | None = None) -> Future:
        """Import a BVH file in the background, then open the import dialog on what was found; a file that cannot
        be read reports its error as any bad file does, and no dialog opens. replacing: the library's entry of the
        file made for another character, which the import replaces."""
        path = Path(path)
        if replacing is not None:
            self._replacing[path] = replacing
        self._pending += 1
        self.progress.setVisible(True)
        self.message.setText(f"Importing {path.name}…")
        char_file = self.char_file
        future = self._pool.submit(lambda: make_preview(path, char_file, character=self._model(char_file),
                                                        entry_maker=clip_entry))
        future.add_done_callback(lambda f, p=path: self._results.previewed.emit(p, f.exception() or f.result()))
        return future

    def _previewed(self, path: Path, result) -> None:
        if isinstance(result, BaseException):
            self._replacing.pop(path, None)
            self._loaded(path, result)
            return
        self._pending -= 1
        self.progress.setVisible(self._pending > 0)
        dialog = BvhImportDialog(result, self.char_file, clip_entry, self)
        replacing = self._replacing.pop(path, None)
        dialog.imported.connect(lambda entries: self._add_entries(entries, replacing))
        dialog.rejected.connect(lambda: self.message.setText(f"Not imported: {path.name}"))
        dialog.finished.connect(lambda: self.import_dialogs.remove(dialog))
        self.import_dialogs.append(dialog)
        self.message.setText(f"{path.name}: check the import, then press Import")
        dialog.show()  # not modal: training and the rest of the window go on

    def add_path(self, path: str | Path) -> Future:
        """Load a clip or dataset in the background; the table changes only if it loads. A BVH file is imported
        without asking (the mapping saved beside it, else the detected one): scripts and `--motion` use this."""
        path = Path(path)
        self._pending += 1
        self.progress.setVisible(True)
        self.message.setText(f"Loading {path.name}…")
        char_file, known = self.char_file, self.known
        future = self._pool.submit(lambda: load_entries(path, char_file, known, self._model(char_file)))
        future.add_done_callback(lambda f, p=path: self._results.loaded.emit(p, f.exception() or f.result()))
        return future

    def _model(self, char_file: str):
        """The character's CharacterModel, loaded once (on the loader's thread)."""
        if key(char_file) not in self._models:
            from amp_studio.character import CharacterModel

            self._models[key(char_file)] = CharacterModel(char_file)
        return self._models[key(char_file)]

    @property
    def busy(self) -> bool:
        """Whether loads are still running."""
        return self._pending > 0

    def _loaded(self, path: Path, result) -> None:
        self._pending -= 1
        self.progress.setVisible(self._pending > 0)
        if isinstance(result, BaseException):
            named = isinstance(result, WrongCharacter) or str(path) in str(result)  # the former names the clip
            text = str(result) if named else f"{path}: {result}"
            self.message.setText(f"Not loaded: {text}")
            self.load_failed.emit(text)
            return
        self._add_entries(result)

    def _add_entries(self, result: list[ClipEntry], replacing: ClipEntry | None = None) -> None:
        if replacing is not None and replacing in self.entries:  # a BVH file retargeted onto another character
            for entry in result:
                entry.weight, entry.contact_bodies = replacing.weight, None
            row = self.entries.index(replacing)
            self.table.removeRow(row)
            del self.entries[row]
        first_new = len(self.entries)
        for entry in result:
            self.entries.append(entry)
            self._append_row(entry)
        names = ", ".join(e.name for e in result)
        flagged = sum(1 for e in result if e.flags)
        self.message.setText(f"Loaded {names}" + (f" ({flagged} with QA flags)" if flagged else ""))
        self.clips_changed.emit()
        if result:
            self.table.selectRow(first_new)

    def _append_row(self, e: ClipEntry) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        values = (e.name, f"{e.duration:.2f} s", f"{e.fps:g}", e.loop, f"{e.weight:g}",
                  short_body_names(e.contacts), qa_cell(e))
        for col, text in enumerate(values):
            item = QTableWidgetItem(text)
            if col != WEIGHT_COLUMN:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if col == 1:
                item.setToolTip(f"{len(e.frames)} frames")
            if col == CONTACTS_COLUMN:
                item.setToolTip(self._contacts_tip(e))
            self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self._mark_character(row)  # the QA cell's colour and tooltip (the full findings; the cell names them)

    # ----- the character -----

    def set_character(self, character: Character, model=None) -> None:
        """The chosen character: its clips play, the others are marked (model: its CharacterModel, if loaded)."""
        self.char_file, self.character = str(character.path), character
        if model is not None:
            self._models[key(character.path)] = model
        for row in range(len(self.entries)):
            self._mark_character(row)

    def playable(self, entry: ClipEntry) -> bool:
        """Whether a clip is for the chosen character: its DoF count is the character's."""
        return entry.num_dofs == self.character.num_dofs

    def _mark_character(self, row: int) -> None:
        """Say which character a clip is for (the name's tooltip); a clip for another one is greyed, and its QA
        cell names that character (the narrow table has no room for a column of its own)."""
        entry, current = self.entries[row], self.character
        ok = self.playable(entry)
        made_for = entry.character_name if entry.char_file else current.name
        if ok:
            same = not entry.char_file or key(entry.char_file) == key(current.path)
            tip = (f"For {current.describe()}, the character chosen" if same else
                   f"Made for {made_for}; plays on {current.describe()}, the character chosen (the same DoFs)")
        else:
            tip = (f"For {entry.character_name} ({entry.num_dofs} DoFs): it cannot be played or trained on "
                   f"{current.describe()}" + (f"; select it to retarget it onto {current.name}" if entry.is_bvh
                                              else ""))
        self.table.blockSignals(True)
        self.table.item(row, 0).setToolTip(f"{entry.path}\n{tip}")
        qa = self.table.item(row, QA_COLUMN)
        qa.setText(qa_cell(entry) if ok else f"for {made_for}")
        qa.setToolTip("\n".join(([] if ok else [tip]) + entry.flags))
        for col in range(len(COLUMNS)):
            red = col == QA_COLUMN and ok and entry.flags
            self.table.item(row, col).setForeground(Qt.GlobalColor.red if red else self.palette().text() if ok
                                                    else Qt.GlobalColor.gray)
        self.table.blockSignals(False)

    # ----- editing -----

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != WEIGHT_COLUMN:
            return
        entry = self.entries[item.row()]
        try:
            weight = float(item.text())
            if weight < 0 or weight != weight:
                raise ValueError
        except ValueError:
            self.message.setText(f"{entry.name}: weight must be a number >= 0, got '{item.text()}'")
            weight = entry.weight
        entry.weight = weight
        self.table.blockSignals(True)
        item.setText(f"{weight:g}")
        self.table.blockSignals(False)
        self.clips_changed.emit()

    @staticmethod
    def _contacts_tip(e: ClipEntry) -> str:
        source = "chosen by you" if e.contact_bodies is not None else "found in the clip"
        return (f"May touch the ground ({source}): {', '.join(e.contacts) or 'none'}\n"
                "Double-click to change")

    def _cell_double_clicked(self, row: int, column: int) -> None:
        if column == CONTACTS_COLUMN:
            self.edit_contacts(row)

    def edit_contacts(self, row: int) -> ContactBodiesDialog:
        """Open the contact-body checklist for a clip (non-blocking); its choice applies when accepted."""
        entry = self.entries[row]
        dialog = ContactBodiesDialog(entry.name, entry.body_names, entry.contacts,
                                     list(entry.info.get("contact_bodies", [])), self)
        dialog.accepted.connect(lambda: self.set_contacts(row, dialog.chosen()))
        dialog.open()
        return dialog

    def set_contacts(self, row: int, names: list[str]) -> None:
        """The bodies a clip may touch the ground with, as the user chose them."""
        entry = self.entries[row]
        entry.contact_bodies = list(names)
        item = self.table.item(row, CONTACTS_COLUMN)
        self.table.blockSignals(True)
        item.setText(short_body_names(entry.contacts))
        item.setToolTip(self._contacts_tip(entry))
        self.table.blockSignals(False)
        self.message.setText(f"{entry.name} may touch the ground with: {', '.join(names) or 'nothing'}")
        self.clips_changed.emit()

    def contact_bodies(self, entries: list[ClipEntry] | None = None) -> list[str]:
        """The bodies any of the clips may touch the ground with, in the character's order."""
        entries = self.entries if entries is None else entries
        touching = {name for e in entries for name in e.contacts}
        order = entries[0].body_names if entries else []
        return [name for name in order if name in touching]

    def remove_selected(self) -> None:
        """Remove the selected clips from the library (not from disk)."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
            del self.entries[row]
        self.clips_changed.emit()

    def selected(self) -> ClipEntry | None:
        """The current clip, if any."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return self.entries[rows[0]] if rows else None

    def _selection_changed(self) -> None:
        entry = self.selected()
        if entry is not None:
            (self.clip_selected if self.playable(entry) else self.wrong_character).emit(entry)

    # ----- saving -----

    def save_by_dialog(self, selected_only: bool = False) -> None:
        """Ask where, then save the library (or its selected clips) as a dataset YAML."""
        path, _ = QFileDialog.getSaveFileName(self, "Save dataset", "dataset.yaml", "Datasets (*.yaml)")
        if path:
            self.save_dataset(path, selected_only)

    def save_dataset(self, path: str | Path, selected_only: bool = False) -> Path:
        """Write the clips (all, or the selected ones) and their weights as a dataset YAML."""
        from amp_studio.motion import write_dataset

        entries = self.entries
        if selected_only:
            rows = sorted({i.row() for i in self.table.selectedIndexes()})
            entries = [self.entries[r] for r in rows]
        # The dataset carries the contact bodies only when the user chose some: otherwise the env finds them.
        chosen = any(e.contact_bodies is not None for e in entries)
        write_dataset([(e.path, e.weight, e.mirrored) for e in entries], path,
                      self.contact_bodies(entries) if chosen else None)
        self.message.setText(f"Saved {len(entries)} clips to {path}")
        return Path(path)

    # ----- drag and drop -----

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.add_file(url.toLocalFile())
        event.acceptProposedAction()

    def shutdown(self) -> None:
        """Stop the loader thread and close import dialogs."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for dialog in list(self.import_dialogs):
            dialog.reject()
