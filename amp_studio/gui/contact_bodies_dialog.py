"""Choosing the bodies a clip may touch the ground with: a checklist of the character's bodies."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


def short_body_names(names: list[str] | tuple[str, ...]) -> str:
    """"feet" for right_foot and left_foot, "R hand" for right_hand alone, "ankles" for the G1's four
    {left,right}_ankle_{pitch,roll}_link: the library column stays narrow."""
    names = [name[:-5] if name.endswith("_link") else name for name in names]  # every G1 body is a "..._link"
    sides = (("right_", "left_", "R "), ("left_", "right_", "L "))
    parts = {side: [n[len(side):] for n in names if n.startswith(side)] for side, _, _ in sides}

    def label(part: str, of_side: list[str]) -> str:
        # Bodies of one joint on one side (ankle pitch and roll) are that joint's.
        word = part.split("_")[0]
        return word if sum(p.split("_")[0] == word for p in of_side) > 1 else part

    out = []
    for name in names:
        for side, other, mark in sides:
            if name.startswith(side):
                part = label(name[len(side):], parts[side])
                if part in {label(p, parts[other]) for p in parts[other]}:  # both sides: one plural
                    name = {"foot": "feet"}.get(part, part.replace("_", " ") + "s")
                else:
                    name = mark + part.replace("_", " ")
                break
        else:
            name = name.replace("_", " ")
        if name not in out:
            out.append(name)
    return ", ".join(out) if out else "none"


class ContactBodiesDialog(QDialog):
    """The character's bodies with the clip's contact bodies checked; `chosen()` after it is accepted."""

    def __init__(self, clip_name: str, body_names: list[str], checked: list[str], derived: list[str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Contact bodies: {clip_name}")
        note = QLabel("Bodies allowed to touch the ground: touching with any other ends an episode as a fall.\n"
                      f"Found in the clip (within 3 cm of the ground): {short_body_names(derived)}.")
        note.setWordWrap(True)
        self.list = QListWidget()
        for name in body_names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(lambda: self.check(derived))
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def check(self, names: list[str]) -> None:
        """Check exactly these bodies."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        """The checked bodies, in the character's order."""
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]
