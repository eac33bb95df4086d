"""The motion library: real clips loaded and checked, scrubbed in the viewport; bad files change nothing."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from amp_studio.gui.motion_panel import CONTACTS_COLUMN, WEIGHT_COLUMN
from tests.gui.conftest import WALK, wait_for_frame


def _load(qtbot, window, path):
    panel = window.motion_panel
    before = len(panel.entries)
    panel.add_path(path)
    qtbot.waitUntil(lambda: len(panel.entries) > before, timeout=60000)
    return panel.entries[-1]


def _image_array(image):
    ptr = image.constBits()
    return np.frombuffer(ptr, np.uint8, image.sizeInBytes()).copy()


def test_load_a_clip_and_scrub_the_timeline(qtbot, window):
    entry = _load(qtbot, window, WALK)
    assert entry.name == "walk_keyframed.pkl"
    assert abs(entry.duration - 1.1) < 1e-6 and entry.fps == 30 and entry.loop == "wrap"
    assert entry.flags == []
    table = window.motion_panel.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == "walk_keyframed.pkl"
    assert table.item(0, 6).text() == "ok" and table.item(0, CONTACTS_COLUMN).text() == "feet"
    assert window.source == "clip" and window.timeline.isEnabled()

    vp = window.viewport
    window.timeline.seek(0.0)
    wait_for_frame(qtbot, vp)
    qpos_start = vp.scene.data.qpos.copy()
    first = _image_array(vp.image)
    window.timeline.slider.setValue(550)  # the user drags the slider to 0.55 s
    assert abs(window.timeline.time - 0.55) < 1e-9
    wait_for_frame(qtbot, vp)
    second = _image_array(vp.image)
    assert not np.allclose(vp.scene.data.qpos, qpos_start)
    assert first.shape == second.shape and (first != second).mean() > 0.001  # the character moved on screen


def test_step_and_play(qtbot, window):
    _load(qtbot, window, WALK)
    tl = window.timeline
    tl.seek(0.0)
    tl.step(3)
    assert abs(tl.time - 0.1) < 1e-9
    tl.set_playing(True)
    qtbot.waitUntil(lambda: tl.time > 0.3, timeout=5000)
    tl.set_playing(False)
    assert not tl.playing


def test_a_bad_clip_shows_an_error_and_leaves_the_library_unchanged(qtbot, window, tmp_path):
    _load(qtbot, window, WALK)
    bad = tmp_path / "broken.pkl"
    bad.write_bytes(b"this is not a pickle")
    panel = window.motion_panel
    with qtbot.waitSignal(panel.load_failed, timeout=30000) as blocker:
        panel.add_path(bad)
    assert "broken.pkl" in blocker.args[0]
    assert len(panel.entries) == 1 and panel.table.rowCount() == 1
    assert "broken.pkl" in panel.message.text()
    missing = tmp_path / "nowhere.txt"
    with qtbot.waitSignal(panel.load_failed, timeout=30000) as blocker:
        panel.add_path(missing)
    assert "nowhere.txt" in blocker.args[0]
    assert len(panel.entries) == 1


def test_drop_a_dataset_edit_a_weight_and_save(qtbot, window, tmp_path):
    panel = window.motion_panel
    dataset = tmp_path / "mix.yaml"
    dataset.write_text(yaml.safe_dump({"motions": [{"file": str(WALK), "weight": 2.0},
                                                   {"file": str(WALK.parent / "idle_sway.pkl"), "weight": 1.0}]}))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dataset))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    qtbot.waitUntil(lambda: len(panel.entries) == 2, timeout=60000)
    assert [e.weight for e in panel.entries] == [2.0, 1.0]
    panel.table.item(1, WEIGHT_COLUMN).setText("0.5")
    assert panel.entries[1].weight == 0.5
    panel.table.item(1, WEIGHT_COLUMN).setText("lots")
    assert panel.entries[1].weight == 0.5 and "weight must be a number" in panel.message.text()
    out = panel.save_dataset(tmp_path / "saved.yaml")
    saved = yaml.safe_load(out.read_text())["motions"]
    assert [m["weight"] for m in saved] == [2.0, 0.5]
    from amp_studio.motion import load_dataset

    assert len(load_dataset(out)) == 2
    panel.table.selectRow(0)
    panel.remove_selected()
    assert [e.name for e in panel.entries] == ["idle_sway.pkl"]


@pytest.mark.deepmimic
def test_contact_bodies_found_in_the_clip_shown_changed_and_trained_with(qtbot, window, deepmimic_dir, tmp_path):
    from amp_studio.character import CharacterModel
    from amp_studio.motion import MotionLibrary

    panel = window.motion_panel
    entry = _load(qtbot, window, deepmimic_dir / "humanoid3d_cartwheel.txt")
    row = panel.entries.index(entry)
    assert panel.table.item(row, CONTACTS_COLUMN).text() == "hands, feet"
    assert "found in the clip" in panel.table.item(row, CONTACTS_COLUMN).toolTip()
    # Not chosen: the saved dataset leaves the contacts to the env, which finds the same ones.
    found = panel.save_dataset(tmp_path / "found.yaml")
    assert "contact_bodies" not in yaml.safe_load(found.read_text())
    dialog = panel.edit_contacts(row)
    assert dialog.chosen() == ["right_hand", "left_hand", "right_foot", "left_foot"]
    dialog.check(["right_hand", "right_foot", "left_foot"])
    dialog.accept()
    assert entry.contact_bodies == ["right_hand", "right_foot", "left_foot"]
    assert panel.table.item(row, CONTACTS_COLUMN).text() == "R hand, feet"
    window.training_panel.out_dir.setText(str(tmp_path / "runs"))
    path = window.use_library_for_training()
    assert yaml.safe_load(path.read_text())["contact_bodies"] == ["right_hand", "right_foot", "left_foot"]
    lib = MotionLibrary.from_file(path, CharacterModel())
    assert lib.contact_bodies() == ("right_hand", "right_foot", "left_foot")
