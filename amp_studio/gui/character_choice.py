"""The app's character: the Character box on the toolbar (the shipped characters and "Open character…"), switching
to another, keeping the choice between sessions, which character the viewport shows (the app's for clips, a run's
own for its poses), and refusing clips made for another character than the chosen one.

Loading a character runs off the GUI thread; one that fails gives its one-line error and changes nothing.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMainWindow, QMessageBox

from amp_studio import DEFAULT_CHARACTER
from amp_studio.gui import window_settings
from amp_studio.gui.bvh_preview import BVH_SUFFIXES
from amp_studio.gui.characters import (
    CHARACTER_FILTER,
    Character,
    character_with_dofs,
    env_config_character,
    env_motion_file,
    failure_text,
    friendly_name,
    key,
    load_character,
    probe,
    shipped_character_files,
    wrong_character_text,
)
from amp_studio.gui.clip_entries import ClipEntry
from amp_studio.gui.training_panel import MOTION_PLACEHOLDER
from amp_studio.gui.viewport import Viewport

OPEN_ITEM = "Open character…"


def initial_viewport(char_file: str | None) -> tuple[Viewport, str, str | None]:
    """(viewport, character file, problem): the character given, else the last session's, else the default. A
    saved one that no longer loads gives way to the default, and the problem says why."""
    if char_file:
        return Viewport(char_file), str(char_file), None
    problem = None
    saved = window_settings.saved_character()
    if saved:
        try:
            return Viewport(saved), saved, None
        except (ValueError, OSError) as exc:  # MuJoCo reports a file it cannot compile as a ValueError
            problem = f"The last session's character did not load, so the humanoid is shown: {failure_text(saved, exc)}"
    return Viewport(str(DEFAULT_CHARACTER)), str(DEFAULT_CHARACTER), problem


class _Results(QObject):
    probed = Signal(object, object)  # path, Character or Exception
    loaded = Signal(object, object)  # path, (CharacterModel, Character) or Exception
    shown = Signal(object, object)   # path, Character or Exception: a run's character compiled for the viewport


class CharacterChoice(QObject):
    """The chosen character and everything that follows it: the viewport, the library's marks, new runs."""

    changed = Signal(str)  # the new character's file, after a switch
    failed = Signal(str)   # one line: why a character could not be chosen

    def __init__(self, window: QMainWindow):
        """window: the MainWindow (its viewport, panels, status bar and log); window.char_file is the character."""
        super().__init__(window)
        self.window = window
        self.current: Character = window.motion_panel.character
        self.known: dict[str, Character] = {key(self.current.path): self.current}
        self.box: QMessageBox | None = None  # the last message shown (tests read it)
        self._loading: str | None = None
        self._showing: set[str] = set()  # characters being compiled for the viewport
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="character-load")
        self._results = _Results()
        self._results.probed.connect(self._probed)
        self._results.loaded.connect(self._loaded)
        self._results.shown.connect(self._shown)

        self.combo = QComboBox()
        self.combo.setObjectName("character_combo")
        self.combo.setToolTip("The character clips are shown on and new runs train (File > Open character… for "
                              "any MuJoCo file)")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.addItem(OPEN_ITEM, None)
        self.combo.insertSeparator(0)
        self._add_item(self.current)
        self.combo.activated.connect(self._activated)
        self.toolbar = window.addToolBar("Character")
        self.toolbar.setObjectName("toolbar_character")
        self.toolbar.addWidget(QLabel(" Character "))
        self.toolbar.addWidget(self.combo)
        # The shipped characters are compiled in the background (a second each with meshes), without torch.
        for path in shipped_character_files():
            if key(path) != key(self.current.path):
                self._add_item(Character(path, friendly_name(path)))
                self._submit(probe, path, self._results.probed)
        self._select(self.current.path)

    # ----- the combo -----

    def _add_item(self, character: Character) -> None:
        index = self.combo.findData(key(character.path))
        if index < 0:
            index = self.combo.count() - 2  # before the separator and "Open character…"
            self.combo.insertItem(index, character.name, key(character.path))
        self.combo.setItemText(index, character.name)
        self.combo.setItemData(index, f"{character.describe()}\n{character.path}", Qt.ItemDataRole.ToolTipRole)

    def _select(self, path: str | Path) -> None:
        self.combo.setCurrentIndex(self.combo.findData(key(path)))

    def _activated(self, index: int) -> None:
        path = self.combo.itemData(index)
        self._select(self.current.path)  # until a new one has loaded
        if path is None:
            self.open_by_dialog()
        else:
            self.choose(path)

    def _submit(self, work, path: str | Path, signal) -> Future:
        future = self._pool.submit(work, path)

        def done(f: Future) -> None:
            # RuntimeError: the window was closed meanwhile, and no one is waiting for the character.
            with contextlib.suppress(RuntimeError):
                signal.emit(path, f.exception() or f.result())

        future.add_done_callback(done)
        return future

    def _probed(self, path: Path, result) -> None:
        index = self.combo.findData(key(path))
        if isinstance(result, BaseException):
            if index >= 0 and key(path) != key(self.current.path):
                self.combo.removeItem(index)  # an included file, say: not a character of its own
            return
        self._remember(result)

    def _remember(self, character: Character) -> None:
        self.known[key(character.path)] = character
        self._add_item(character)
        self.window.motion_panel.known = tuple(self.known.values())

    # ----- switching -----

    def open_by_dialog(self) -> None:
        """Ask for a MuJoCo character file, then switch to it."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open character", str(self.current.path.parent),
                                              CHARACTER_FILTER)
        if path:
            self.choose(path)

    @property
    def busy(self) -> bool:
        """Whether a character is loading."""
        return self._loading is not None

    def choose(self, path: str | Path) -> Future | None:
        """Switch to the character in the file, once it has loaded (in the background); None: it is the current
        one, or another is loading."""
        if key(path) == key(self.current.path) or self.busy:
            return None
        self._loading = str(path)
        self.combo.setEnabled(False)
        self.window.statusBar().showMessage(f"Loading the character {friendly_name(path)}…")
        return self._submit(load_character, Path(path), self._results.loaded)

    def _loaded(self, path: Path, result) -> None:
        self._loading = None
        self.combo.setEnabled(True)
        if isinstance(result, BaseException):
            self._select(self.current.path)
            text = failure_text(path, result)
            self.window.log_panel.add("character", f"not loaded: {text}")
            self.window.statusBar().showMessage(f"Character not loaded: {text}", 15000)
            self._message("Character not loaded", text)
            self.failed.emit(text)
            return
        model, character = result
        self.apply(character, model)

    def apply(self, character: Character, model=None) -> None:
        """Make a loaded character the app's: the viewport (unless it shows a run), the library, new runs, the
        setting. model: its CharacterModel, for the library's loads."""
        w = self.window
        self.current = character
        self._remember(character)
        self._select(character.path)
        w.char_file = str(character.path)
        w.motion_panel.set_character(character, model)
        w.training_panel.char_file = str(character.path)
        window_settings.save_character(str(character.path))
        if w.source in ("none", "clip"):
            w.clip, w.source = None, "none"
            w.viewport.set_character(str(character.path))
            w.source_label.setText(f"Character: {character.describe()}. Select a clip for it in the motion library")
            entry = w.motion_panel.selected()
            if entry is not None and w.motion_panel.playable(entry):
                w.show_clip(entry)
            elif entry is not None:  # so that selecting it again says why it does not play
                w.motion_panel.table.clearSelection()
                w.training_panel.motion_file.setPlaceholderText(MOTION_PLACEHOLDER)
        w.log_panel.add("character", f"{character.describe()}: {character.path}")
        w.statusBar().showMessage(f"Character: {character.describe()}", 8000)
        self.changed.emit(str(character.path))

    # ----- what the viewport shows -----

    def display(self, char_file: str | None = None) -> bool:
        """Make the viewport show a character: a run's or a replay's own (their poses are its), or the app's (None).
        False while it is compiled in the background (a pose meanwhile is not shown)."""
        viewport = self.window.viewport
        target = key(char_file or self.current.path)
        if target == key(viewport.char_file):
            return True
        if target in self.known:  # compiled before: its view model is kept, so this is instant
            viewport.set_character(target)
            return True
        if target not in self._showing:
            self._showing.add(target)
            self._submit(probe, target, self._results.shown)
        return False

    def _shown(self, path: str, result) -> None:
        self._showing.discard(key(path))
        if isinstance(result, BaseException):
            self.window.log_panel.add("character", f"the run's character cannot be shown: {failure_text(path, result)}")
        else:
            self.known.setdefault(key(path), result)

    # ----- clips for another character -----

    def clip_character(self, entry: ClipEntry) -> str:
        """The character a library clip is for, as messages name it."""
        if entry.char_file:
            return f"{entry.character_name} ({entry.num_dofs} DoFs)"
        return character_with_dofs(entry.num_dofs, tuple(self.known.values()))

    def clip_text(self, entry: ClipEntry) -> str:
        """Why a clip cannot be played or trained on the chosen character."""
        current = self.current
        if entry.is_bvh:
            return (f"{entry.name} was retargeted onto {self.clip_character(entry)}, not onto {current.describe()}, "
                    f"the character chosen: retarget it onto {current.name} to play or train with it.")
        return wrong_character_text(entry.name, self.clip_character(entry), current)

    def refuse(self, entry: ClipEntry | None, text: str | None = None) -> QMessageBox:
        """Say why a clip (or a run's motion) is refused; a BVH clip is offered the import dialog, to retarget it
        onto the chosen character (the new clip replaces the old)."""
        text = text or self.clip_text(entry)
        w = self.window
        w.log_panel.add("character", text)
        w.statusBar().showMessage(text, 15000)
        box = self._message("Clip for another character", text, show=False)
        if entry is not None and entry.is_bvh:
            retarget = box.addButton(f"Retarget onto {self.current.name}…", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.removeButton(box.button(QMessageBox.StandardButton.Ok))
            retarget.clicked.connect(lambda: w.motion_panel.import_bvh(entry.path, replacing=entry))
        box.open()
        return box

    def _message(self, title: str, text: str, show: bool = True) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.box = box
        if show:
            box.open()  # not modal-blocking: training and the event loop go on
        return box

    def library_problem(self) -> ClipEntry | None:
        """The first library clip that is for another character (training on the library is refused then)."""
        panel = self.window.motion_panel
        return next((e for e in panel.entries if not panel.playable(e)), None)

    def training_problem(self, settings: dict) -> tuple[ClipEntry | None, str] | None:
        """Why a run with these settings cannot train the chosen character, or None: its motion is a library clip
        for another character, or it has none and the env config's clip is another character's."""
        motion, panel = settings.get("motion_file"), self.window.motion_panel
        if motion:
            entry = next((e for e in panel.entries if key(e.path) == key(motion) and not panel.playable(e)), None)
            return None if entry is None else (entry, self.clip_text(entry))
        env_char = env_config_character(settings["env_config"])
        clip = env_motion_file(settings["env_config"]) or ""
        if env_char in (None, key(settings.get("char_file") or self.current.path)) or \
                Path(clip).suffix.lower() in BVH_SUFFIXES:  # motion capture is retargeted onto any character
            return None
        return None, (f"The env config {Path(settings['env_config']).name} trains on {Path(clip).name}, a clip for "
                      f"{friendly_name(env_char)}, not for {self.current.describe()}, the character chosen: choose "
                      f"a clip for {self.current.name} (Motion, or Use library).")

    def shutdown(self) -> None:
        """Stop loading characters."""
        self._pool.shutdown(wait=False, cancel_futures=True)
