"""Bad input: each case raises MotionError naming the file and the problem."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from amp_studio.errors import MotionError
from amp_studio.motion import (
    MotionLibrary,
    dataset_contact_bodies,
    load_clip,
    load_dataset,
    load_motions,
    save_clip,
    write_dataset,
)

from .helpers import make_clip, standing_frames


def _pkl(path, frames, fps=30.0, loop_mode=1):
    with open(path, "wb") as f:
        pickle.dump({"loop_mode": loop_mode, "fps": fps, "frames": frames}, f)
    return path


def _deepmimic(path, frames, loop="wrap"):
    path.write_text(json.dumps({"Loop": loop, "Frames": frames}))
    return path


def _dm_frame(dt=1 / 30):
    identity = [1, 0, 0, 0]
    return [dt, 0, 0.88, 0, *identity, *identity, *identity, *identity, 0, *identity, *identity, 0,
            *identity, 0, *identity, *identity, 0]


def test_missing_file(tmp_path):
    for name in ("gone.pkl", "gone.txt"):
        with pytest.raises(MotionError, match=f"{name}: file not found"):
            load_clip(tmp_path / name)
    with pytest.raises(MotionError, match="gone.yaml: file not found"):
        load_dataset(tmp_path / "gone.yaml")


def test_unknown_extension(tmp_path):
    (tmp_path / "clip.fbx").write_text("Kaydara FBX Binary")
    with pytest.raises(MotionError, match=r"clip.fbx: unknown clip format '.fbx' \(readable: .*\.bvh"):
        load_clip(tmp_path / "clip.fbx")


def test_a_broken_bvh_is_one_clear_error(tmp_path):
    (tmp_path / "clip.bvh").write_text("HIERARCHY")
    with pytest.raises(MotionError, match=r"clip.bvh: line \d+: "):
        load_clip(tmp_path / "clip.bvh")


def test_malformed_json(tmp_path):
    (tmp_path / "bad.txt").write_text('{"Loop": "wrap", "Frames": [[0.03, 1, 2,')
    with pytest.raises(MotionError, match="bad.txt: malformed JSON at line 1"):
        load_clip(tmp_path / "bad.txt")


def test_json_without_frames(tmp_path):
    (tmp_path / "nf.txt").write_text('{"Loop": "wrap"}')
    with pytest.raises(MotionError, match="nf.txt: field 'Frames' is missing"):
        load_clip(tmp_path / "nf.txt")


@pytest.mark.parametrize("content", [b"not a pickle at all", pickle.dumps({"fps": 30.0})[:-5], b""])
def test_malformed_pickle(tmp_path, content):
    (tmp_path / "bad.pkl").write_bytes(content)
    with pytest.raises(MotionError, match="bad.pkl: (malformed pickle|not a clip pickle)"):
        load_clip(tmp_path / "bad.pkl")


def test_pickle_of_wrong_shape(tmp_path):
    with open(tmp_path / "list.pkl", "wb") as f:
        pickle.dump([1, 2, 3], f)
    with pytest.raises(MotionError, match="list.pkl: expected a dict"):
        load_clip(tmp_path / "list.pkl")
    with open(tmp_path / "nofps.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "frames": standing_frames(2)}, f)
    with pytest.raises(MotionError, match="nofps.pkl: field 'fps' is missing"):
        load_clip(tmp_path / "nofps.pkl")
    with pytest.raises(MotionError, match="loop.pkl: field 'loop_mode'"):
        load_clip(_pkl(tmp_path / "loop.pkl", standing_frames(2), loop_mode=7))


def test_wrong_frame_width(tmp_path):
    path = _pkl(tmp_path / "narrow.pkl", standing_frames(3)[:, :33])
    with pytest.raises(MotionError, match=r"narrow.pkl: field 'frames': expected 34 values per frame .* got 33"):
        load_clip(path, num_dofs=28)
    frames = [_dm_frame(), _dm_frame()[:-1]]
    with pytest.raises(MotionError, match="short.txt: field 'Frames': frame 1 has 43 values, expected 44"):
        load_clip(_deepmimic(tmp_path / "short.txt", frames))
    with pytest.raises(MotionError, match="ragged.pkl: field 'frames'"):
        load_clip(_pkl(tmp_path / "ragged.pkl", [[0.0] * 34, [0.0] * 30]))


def test_fewer_than_two_frames(tmp_path):
    with pytest.raises(MotionError, match="one.pkl: field 'frames': a clip needs at least 2 frames, got 1"):
        load_clip(_pkl(tmp_path / "one.pkl", standing_frames(1)))
    with pytest.raises(MotionError, match="one.txt: field 'Frames': a clip needs at least 2 frames, got 1"):
        load_clip(_deepmimic(tmp_path / "one.txt", [_dm_frame()]))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values(tmp_path, value):
    frames = standing_frames(4)
    frames[2, 7] = value
    with pytest.raises(MotionError, match="nan.pkl: field 'frames': 1 non-finite values .* frame 2, column 7"):
        load_clip(_pkl(tmp_path / "nan.pkl", frames))
    dm = [_dm_frame(), _dm_frame(), _dm_frame()]
    dm[1][3] = value
    with pytest.raises(MotionError, match="nan.txt: field 'Frames': non-finite value .* frame 1"):
        load_clip(_deepmimic(tmp_path / "nan.txt", dm))


@pytest.mark.parametrize("fps", [0.0, -30.0, float("nan")])
def test_non_positive_fps(tmp_path, fps):
    with pytest.raises(MotionError, match="fps.pkl: field 'fps': must be a positive number"):
        load_clip(_pkl(tmp_path / "fps.pkl", standing_frames(3), fps=fps))


def test_non_positive_frame_duration(tmp_path):
    with pytest.raises(MotionError, match="dt.txt: field 'Frames': frame 0 has a non-positive duration"):
        load_clip(_deepmimic(tmp_path / "dt.txt", [_dm_frame(0.0), _dm_frame(), _dm_frame()]))


def test_dataset_relative_paths_and_weights(tmp_path):
    (tmp_path / "clips").mkdir()
    save_clip(make_clip(standing_frames(3), name="a"), tmp_path / "clips" / "a.pkl")
    save_clip(make_clip(standing_frames(4), name="b"), tmp_path / "clips" / "b.pkl")
    write_dataset([(tmp_path / "clips" / "a.pkl", 1.0), (tmp_path / "clips" / "b.pkl", 3.0)], tmp_path / "set.yaml")
    assert "clips/a.pkl" in (tmp_path / "set.yaml").read_text()
    entries = load_dataset(tmp_path / "set.yaml", 28)
    assert [(c.name, w) for c, w in entries] == [("a", 1.0), ("b", 3.0)]
    assert [c.name for c, _ in load_motions(tmp_path / "clips" / "a.pkl")] == ["a"]


def test_dataset_missing_clip(tmp_path):
    (tmp_path / "set.yaml").write_text("motions:\n  - {file: nowhere.pkl, weight: 1.0}\n")
    with pytest.raises(MotionError, match=r"set.yaml: motions\[0\].file: clip 'nowhere.pkl' not found"):
        load_dataset(tmp_path / "set.yaml")


def test_dataset_negative_weight(tmp_path):
    save_clip(make_clip(standing_frames(3)), tmp_path / "a.pkl")
    (tmp_path / "set.yaml").write_text("motions:\n  - {file: a.pkl, weight: -1}\n")
    with pytest.raises(MotionError, match=r"set.yaml: motions\[0\].weight: must not be negative, got -1"):
        load_dataset(tmp_path / "set.yaml")


def test_dataset_other_problems(tmp_path):
    save_clip(make_clip(standing_frames(3)), tmp_path / "a.pkl")
    cases = {
        "motions: []\n": "field 'motions'",
        "motions:\n  - {file: a.pkl, wieght: 1}\n": "unknown key 'wieght' \\(did you mean 'weight'\\?\\)",
        "motions:\n  - {file: a.pkl, weight: heavy}\n": "weight: expected a number",
        "motions:\n  - {file: a.pkl, weight: 0}\n": "add up to zero",
        "motions: [\n": "malformed YAML",
    }
    for text, problem in cases.items():
        (tmp_path / "set.yaml").write_text(text)
        with pytest.raises(MotionError, match=f"set.yaml: .*{problem}"):
            load_dataset(tmp_path / "set.yaml")


def test_dataset_names_the_bad_clip_inside(tmp_path):
    _pkl(tmp_path / "one.pkl", standing_frames(1))
    (tmp_path / "set.yaml").write_text("motions:\n  - {file: one.pkl, weight: 1}\n")
    with pytest.raises(MotionError, match=r"set.yaml: motions\[0\].file: .*one.pkl: .*at least 2 frames"):
        load_dataset(tmp_path / "set.yaml")


def test_save_refuses_other_formats(tmp_path):
    with pytest.raises(MotionError, match="out.txt: can only write .pkl"):
        save_clip(make_clip(standing_frames(2)), tmp_path / "out.txt")


def test_a_dataset_can_name_its_contact_bodies(tmp_path, character):
    save_clip(make_clip(standing_frames(3), name="a"), tmp_path / "a.pkl")
    write_dataset([(tmp_path / "a.pkl", 1.0)], tmp_path / "set.yaml", contact_bodies=["right_foot", "right_hand"])
    assert dataset_contact_bodies(tmp_path / "set.yaml", character) == ("right_foot", "right_hand")
    lib = MotionLibrary.from_file(tmp_path / "set.yaml", character)
    assert lib.contact_bodies() == ("right_foot", "right_hand")
    write_dataset([(tmp_path / "a.pkl", 1.0)], tmp_path / "plain.yaml")
    assert dataset_contact_bodies(tmp_path / "plain.yaml") is None
    assert MotionLibrary.from_file(tmp_path / "plain.yaml", character).contact_bodies() == ("right_foot",
                                                                                              "left_foot")
    write_dataset([(tmp_path / "a.pkl", 1.0)], tmp_path / "bad.yaml", contact_bodies=["right_paw"])
    with pytest.raises(MotionError, match=r"bad\.yaml.*contact_bodies.*right_paw"):
        MotionLibrary.from_file(tmp_path / "bad.yaml", character)
