"""Adding a BVH file opens the import dialog: what was detected is shown and editable, edits re-import, Import adds
the clip and saves the mapping beside the file, Cancel adds nothing, and a file that cannot be read is an error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from amp_studio import DEFAULT_CHARACTER
from tests.gui.conftest import WALK

TIMEOUT = 60000  # ms: the first import loads torch and the character
FRAMES, FPS = 40, 30
# A 20-joint humanoid with CMU's joint names, y up, in centimetres: (name, parent, offset); End Sites end in '/'.
SKELETON = [
    ("Hips", None, (0, 0, 0)),
    ("LeftUpLeg", "Hips", (10, -5, 0)), ("LeftLeg", "LeftUpLeg", (0, -42, 0)), ("LeftFoot", "LeftLeg", (0, -41, 0)),
    ("LeftToeBase", "LeftFoot", (0, -5, 12)), ("LeftToeBase/", "LeftToeBase", (0, 0, 5)),
    ("RightUpLeg", "Hips", (-10, -5, 0)), ("RightLeg", "RightUpLeg", (0, -42, 0)),
    ("RightFoot", "RightLeg", (0, -41, 0)), ("RightToeBase", "RightFoot", (0, -5, 12)),
    ("RightToeBase/", "RightToeBase", (0, 0, 5)),
    ("Spine", "Hips", (0, 12, 0)), ("Neck", "Spine", (0, 38, 0)), ("Head", "Neck", (0, 10, 0)),
    ("Head/", "Head", (0, 15, 0)),
    ("LeftShoulder", "Spine", (3, 33, 0)), ("LeftArm", "LeftShoulder", (15, 0, 0)),
    ("LeftForeArm", "LeftArm", (28, 0, 0)), ("LeftHand", "LeftForeArm", (25, 0, 0)),
    ("LeftHand/", "LeftHand", (10, 0, 0)),
    ("RightShoulder", "Spine", (-3, 33, 0)), ("RightArm", "RightShoulder", (-15, 0, 0)),
    ("RightForeArm", "RightArm", (-28, 0, 0)), ("RightHand", "RightForeArm", (-25, 0, 0)),
    ("RightHand/", "RightHand", (-10, 0, 0)),
]


def _angles(name: str, t: float) -> tuple[float, float, float]:
    """(Z, X, Y) degrees of a walk-ish stride a second: legs and arms swing opposite, knees bend in the swing."""
    phase = 2 * math.pi * t
    side = 1.0 if name.startswith("Left") else -1.0
    swing = math.sin(phase) * side
    if name.endswith("UpLeg"):
        return 0.0, -25.0 * swing, 0.0
    if name.endswith("Leg"):
        return 0.0, 30.0 * max(0.0, math.sin(phase + side * math.pi / 2)), 0.0
    if name.endswith("Arm") and "Fore" not in name:
        return -70.0 * side, 20.0 * swing, 0.0  # arms down from the T pose, swinging
    return 0.0, 0.0, 0.0


def write_walk(path, frames: int = FRAMES) -> None:
    children: dict = {}
    for name, parent, offset in SKELETON:
        children.setdefault(parent, []).append((name, offset))
    lines, order = ["HIERARCHY"], []

    def block(name, offset, depth, root=False):
        pad = "  " * depth
        if name.endswith("/"):
            lines.extend([f"{pad}End Site", f"{pad}{{", f"{pad}  OFFSET {offset[0]} {offset[1]} {offset[2]}",
                          f"{pad}}}"])
            return
        lines.extend([f"{pad}{'ROOT' if root else 'JOINT'} {name}", f"{pad}{{",
                      f"{pad}  OFFSET {offset[0]} {offset[1]} {offset[2]}",
                      f"{pad}  CHANNELS {'6 Xposition Yposition Zposition' if root else '3'} "
                      "Zrotation Xrotation Yrotation"])
        order.append(name)
        for child, child_offset in children.get(name, []):
            block(child, child_offset, depth + 1)
        lines.append(f"{pad}}}")

    block("Hips", (0, 0, 0), 0, root=True)
    lines += ["MOTION", f"Frames: {frames}", f"Frame Time: {1 / FPS:.8f}"]
    for i in range(frames):
        t = i / FPS
        row = [0.0, 95.0 + 2.0 * math.cos(4 * math.pi * t), 120.0 * t]
        for name in order:
            row += _angles(name, t)
        lines.append(" ".join(f"{v:.5f}" for v in row))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(autouse=True)
def own_import_cache(tmp_path, monkeypatch):
    """Loads without the dialog cache their imports: in the test's folder, not the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def walk_bvh(tmp_path):
    path = tmp_path / "walk.bvh"
    write_walk(path)
    return path


@pytest.fixture
def panel(qtbot):
    from amp_studio.gui.motion_panel import MotionPanel

    p = MotionPanel(str(DEFAULT_CHARACTER))
    qtbot.addWidget(p)
    yield p
    p.shutdown()


def _open(qtbot, panel, path, monkeypatch):
    """Add the file as the user does, with File > Add clips, and wait for the dialog."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(path)], ""))
    panel.add_by_dialog()
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)
    assert len(panel.import_dialogs) == 1
    return panel.import_dialogs[0]


def _reimport(qtbot, dialog, change) -> None:
    with qtbot.waitSignal(dialog.preview_shown, timeout=TIMEOUT):
        change()
    assert not dialog.busy


def test_the_dialog_shows_what_was_detected(qtbot, panel, walk_bvh, monkeypatch):
    dialog = _open(qtbot, panel, walk_bvh, monkeypatch)
    assert dialog.isVisible() and panel.entries == []  # nothing added before Import
    assert dialog.unit_name.currentText() == "cm" and dialog.unit.value() == pytest.approx(0.01)
    assert dialog.up.currentText() == "+y"
    assert dialog.table.rowCount() == len(dialog.landmarks) == 21
    rows = {dialog.table.item(r, 0).text(): (dialog.table.cellWidget(r, 1).currentText(),
                                             dialog.table.item(r, 2).text()) for r in range(21)}
    assert rows["left elbow"] == ("LeftForeArm", "by name") and rows["pelvis"] == ("Hips", "by name")
    assert dialog.joint_combos["left_shoulder"].count() == 1 + len(dialog.first.facts.joint_names)
    assert dialog.figures.text().startswith("landmark error") and dialog.import_button.isEnabled()
    assert not dialog.mapping_changed() and "saves the mapping" not in dialog.status.text()
    # The source skeleton is drawn over the character: its 24 bones (end sites included), landmark joints marked.
    dialog.timeline.seek(0.5)
    scene = dialog.viewport.scene
    assert scene.overlay_segments.shape == (24, 2, 3) and len(scene.overlay_points) >= 19
    pelvis = scene.overlay_points[0]
    assert np.allclose(pelvis[:2], scene.pose[:2]) and 0.8 < pelvis[2] < 1.1  # metres, z up, over the root
    dialog.reject()


def test_a_changed_mapping_reimports_and_import_saves_it_beside_the_file(qtbot, panel, walk_bvh, monkeypatch):
    from amp_studio.motion import load_clip
    from amp_studio.motion.retarget.bvh_import import mapping_beside
    from amp_studio.motion.retarget.mapping import load_mapping

    dialog = _open(qtbot, panel, walk_bvh, monkeypatch)
    figures = dialog.figures.text()
    # The clavicle taken for the upper arm: another retarget, other figures.
    _reimport(qtbot, dialog, lambda: dialog.joint_combos["left_shoulder"].setCurrentText("LeftShoulder"))
    assert dialog.figures.text() != figures and dialog.preview is not dialog.first
    assert dialog.table.item(dialog.landmarks.index("left_shoulder"), 2).text() == "chosen by you"
    assert "saves the mapping" in dialog.status.text()
    # A required landmark left out: nothing to import until it is chosen again.
    _reimport(qtbot, dialog, lambda: dialog.joint_combos["left_knee"].setCurrentText("(none)"))
    assert "left_knee" in dialog.status.text() and not dialog.import_button.isEnabled()
    _reimport(qtbot, dialog, lambda: dialog.joint_combos["left_knee"].setCurrentText("LeftLeg"))
    assert dialog.import_button.isEnabled()
    assert not mapping_beside(walk_bvh).exists()
    dialog.import_button.click()
    assert panel.import_dialogs == [] and len(panel.entries) == 1
    entry = panel.entries[0]
    assert entry.name == "walk.bvh" and len(entry.frames) == FRAMES and entry.fps == FPS
    assert entry.frames.shape[1] == 6 + 28
    saved = load_mapping(mapping_beside(walk_bvh))
    assert saved["landmarks"]["left_shoulder"] == "LeftShoulder" and saved["up"] == "+y"
    assert saved["unit"] == pytest.approx(0.01)
    # Every later load of the file (datasets, env configs, --motion) retargets it as imported.
    again = load_clip(walk_bvh, 28)
    np.testing.assert_allclose(again.frames, entry.frames, atol=1e-9)


def test_unit_up_and_rate_reimport(qtbot, panel, walk_bvh, monkeypatch):
    dialog = _open(qtbot, panel, walk_bvh, monkeypatch)
    height = dialog.first.facts.height_m
    _reimport(qtbot, dialog, lambda: dialog.unit_name.setCurrentText("inch"))
    assert dialog.unit.value() == pytest.approx(0.0254) and dialog.preview.facts.unit == pytest.approx(0.0254)
    # The retarget scales the motion to the character whatever the unit; the source drawn grows with it.
    assert dialog.preview.facts.height_m == pytest.approx(2.54 * height)
    assert dialog.preview.source[..., 2].max() > 2.5 * 1.4
    _reimport(qtbot, dialog, lambda: dialog.unit_name.setCurrentText("cmu"))
    assert dialog.settings()["unit"] == 0.0254 / 0.45  # exact, though the field shows 6 decimals
    _reimport(qtbot, dialog, lambda: dialog.unit.setValue(0.01))  # typed: the name follows
    assert dialog.unit_name.currentText() == "cm"
    _reimport(qtbot, dialog, lambda: dialog.fps.setValue(15))
    assert dialog.preview.result.clip.fps == 15 and not dialog.mapping_changed()
    _reimport(qtbot, dialog, lambda: dialog.up.setCurrentText("+z"))  # lying on its back: a poor retarget
    assert dialog.preview.facts.up == "+z"
    dialog.reject()


def test_cancel_adds_nothing_and_keeps_the_library(qtbot, panel, walk_bvh, monkeypatch):
    from amp_studio.motion.retarget.bvh_import import mapping_beside

    panel.add_path(WALK)
    qtbot.waitUntil(lambda: len(panel.entries) == 1, timeout=TIMEOUT)
    dialog = _open(qtbot, panel, walk_bvh, monkeypatch)
    _reimport(qtbot, dialog, lambda: dialog.joint_combos["left_shoulder"].setCurrentText("LeftShoulder"))
    dialog.reject()
    assert panel.import_dialogs == [] and [e.name for e in panel.entries] == ["walk_keyframed.pkl"]
    assert panel.table.rowCount() == 1 and not mapping_beside(walk_bvh).exists()
    assert "Not imported" in panel.message.text()


def test_a_dropped_bvh_opens_the_dialog_too(qtbot, panel, walk_bvh):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(walk_bvh))])
    panel.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                               Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: len(panel.import_dialogs) == 1, timeout=TIMEOUT)
    panel.import_dialogs[0].reject()


def test_a_broken_bvh_is_an_error_and_no_dialog(qtbot, panel, tmp_path, monkeypatch):
    broken = tmp_path / "broken.bvh"
    broken.write_text("HIERARCHY\nROOT Hips\n{\n  OFFSET 0 0\n")
    failures = []
    panel.load_failed.connect(failures.append)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(broken)], ""))
    panel.add_by_dialog()
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)
    assert panel.import_dialogs == [] and panel.entries == []
    assert len(failures) == 1 and str(broken) in failures[0] and "\n" not in failures[0]
    assert panel.message.text() == f"Not loaded: {failures[0]}"


def test_scripts_and_motion_add_a_bvh_without_asking(qtbot, panel, walk_bvh):
    """`main.py --motion X.bvh` (and scripts) call add_path: the clip is imported with the detected mapping."""
    panel.add_path(walk_bvh)
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)
    assert panel.import_dialogs == [] and len(panel.entries) == 1 and len(panel.entries[0].frames) == FRAMES


def test_an_import_that_fails_opens_the_dialog_to_fix_the_mapping(qtbot, panel, walk_bvh, monkeypatch):
    import yaml

    from amp_studio.motion.bvh_reader import read_bvh
    from amp_studio.motion.retarget.bvh_import import mapping_beside
    from amp_studio.motion.retarget.mapping import load_mapping, mapping_of
    from amp_studio.motion.retarget.skeleton import analyse

    doc = mapping_of(analyse(read_bvh(walk_bvh)))
    doc["landmarks"]["neck"] = None  # a saved mapping the retarget cannot follow
    mapping_beside(walk_bvh).write_text(yaml.safe_dump(doc))
    dialog = _open(qtbot, panel, walk_bvh, monkeypatch)
    assert dialog.status.text().startswith("Cannot import") and "neck" in dialog.status.text()
    assert not dialog.import_button.isEnabled() and dialog.joint_combos["neck"].currentText() == "(none)"
    assert dialog.table.item(dialog.landmarks.index("pelvis"), 2).text() == "saved mapping"
    assert dialog.viewport.scene.overlay_segments.shape == (24, 2, 3)  # the source alone, to see what to fix
    _reimport(qtbot, dialog, lambda: dialog.joint_combos["neck"].setCurrentText("Neck"))
    dialog.import_button.click()
    assert len(panel.entries) == 1 and load_mapping(mapping_beside(walk_bvh))["landmarks"]["neck"] == "Neck"
