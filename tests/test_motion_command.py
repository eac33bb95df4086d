"""`main.py motion convert|info` on motion capture: what it finds, what it writes, and folders of clips."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from amp_studio.cli import main
from amp_studio.motion.clip_io import load_dataset
from amp_studio.paths import SHARED_DIR

XIA = SHARED_DIR / "motions" / "bvh" / "xia"


@pytest.fixture(scope="module")
def xia():
    if not XIA.is_dir():
        reason = f"shared BVH clips not found at {XIA} (the shared/ folder beside this checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return XIA


def test_convert_says_what_it_found_and_writes_the_mapping_beside_the_clip(xia, tmp_path, capsys):
    out = tmp_path / "walk.pkl"
    assert main(["motion", "convert", str(xia / "neutral_01_000.bvh"), str(out), "--fps", "30"]) == 0
    printed = capsys.readouterr().out
    for expected in ("up axis: +y", "unit: cmu", "left_hip: LeftUpLeg", "contacts: left foot", "bone directions",
                     "foot skate in contact", "wrote"):
        assert expected in printed, expected
    assert (tmp_path / "walk.mapping.yaml").is_file()
    assert main(["motion", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["fps"] == 30.0 and info["loop"] == "clamp" and info["joint_limit_violation_max"] == 0.0
    assert info["retarget"]["source"] == "neutral_01_000.bvh" and info["retarget"]["bone_cosine_mean"] > 0.95


def test_a_folder_gives_a_clip_each_and_a_dataset(xia, tmp_path, capsys):
    folder = tmp_path / "mocap"
    folder.mkdir()
    for name in ("neutral_16_000.bvh", "old_13_000.bvh"):
        shutil.copy(xia / name, folder / name)  # a user's folder: copies live only in the test's temporary folder
    assert main(["motion", "convert", str(folder), str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pkl")) == ["neutral_16_000.pkl", "old_13_000.pkl"]
    assert len(load_dataset(tmp_path / "out" / "dataset.yaml", 28)) == 2
    assert "2 clips" in capsys.readouterr().out


def test_bad_options_are_one_line(xia, tmp_path, capsys):
    assert main(["motion", "convert", str(xia / "old_13_000.bvh"), str(tmp_path / "x.pkl"), "--unit", "furlong"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "old_13_000.bvh: --unit: expected metres per unit" in err[0]
    assert main(["motion", "convert", str(xia / "old_13_000.bvh"), str(tmp_path / "x.pkl"), "--start", "9"]) == 1
    assert "--start 9.0" in capsys.readouterr().err
    assert not (tmp_path / "x.pkl").exists()
