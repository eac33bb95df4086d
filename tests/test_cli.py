"""The motion command line, run as users run it: `python main.py motion ...`."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from amp_studio.cli import main
from amp_studio.motion import load_clip

REPO = Path(__file__).resolve().parent.parent
INFO_KEYS = ["duration", "fps", "frames", "loop", "num_dofs", "root_height_min", "root_height_mean",
             "root_height_max", "lowest_point_min", "lowest_point_mean", "joint_limit_violation_max"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_info_json_on_a_bundled_clip():
    result = _run("motion", "info", "data/motions/walk_keyframed.pkl", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(info) == INFO_KEYS
    assert info["frames"] == 34 and info["fps"] == 30.0 and info["loop"] == "wrap" and info["num_dofs"] == 28


def test_info_human_readable(capsys):
    assert main(["motion", "info", str(REPO / "data/motions/idle_sway.pkl")]) == 0
    out = capsys.readouterr().out
    assert "root height mean" in out and "lowest point min" in out and "joint limit violation max" in out


@pytest.mark.deepmimic
def test_convert_then_info_agree(deepmimic_dir, tmp_path):
    src = deepmimic_dir / "humanoid3d_run.txt"
    out = tmp_path / "run.pkl"
    result = _run("motion", "convert", str(src), str(out))
    assert result.returncode == 0, result.stderr
    assert load_clip(out).num_frames == load_clip(src).num_frames
    a = json.loads(_run("motion", "info", str(src), "--json").stdout)
    b = json.loads(_run("motion", "info", str(out), "--json").stdout)
    assert a == b


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "bad.txt").write_text("{not json")
    (tmp_path / "bad.pkl").write_bytes(b"garbage")
    (tmp_path / "clip.fbx").write_text("x")
    with open(tmp_path / "narrow.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[0.0] * 33] * 3}, f)
    with open(tmp_path / "nan.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[float("nan")] * 34] * 3}, f)
    with open(tmp_path / "zero_fps.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 0.0, "frames": [[0.0] * 34] * 3}, f)
    with open(tmp_path / "one.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[0.0] * 34]}, f)
    return {
        "missing": tmp_path / "missing.pkl",
        "unknown extension": tmp_path / "clip.fbx",
        "malformed JSON": tmp_path / "bad.txt",
        "malformed pickle": tmp_path / "bad.pkl",
        "expected 34 values": tmp_path / "narrow.pkl",
        "non-finite": tmp_path / "nan.pkl",
        "positive number": tmp_path / "zero_fps.pkl",
        "at least 2 frames": tmp_path / "one.pkl",
    }


def test_bad_input_prints_one_error_and_exits_nonzero(tmp_path, capsys):
    for problem, path in _bad_inputs(tmp_path).items():
        for argv in (["motion", "info", str(path)], ["motion", "convert", str(path), str(tmp_path / "o.pkl")]):
            assert main(argv) == 1, (problem, argv)
            err = capsys.readouterr().err
            assert err.startswith("error: ") and path.name in err, (problem, err)
            assert "Traceback" not in err
    assert not (tmp_path / "o.pkl").exists()


def test_bad_input_through_the_real_entry_point(tmp_path):
    (tmp_path / "bad.txt").write_text("{not json")
    result = _run("motion", "info", str(tmp_path / "bad.txt"), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "bad.txt: malformed JSON" in result.stderr and "Traceback" not in result.stderr
