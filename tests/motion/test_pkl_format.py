from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from amp_studio.errors import MotionError
from amp_studio.motion import load_clip, save_clip
from amp_studio.motion.pkl_format import read_pkl, restricted_load

from .helpers import make_clip, standing_frames


def _dump(path, obj) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def test_round_trip(tmp_path):
    frames = standing_frames(5) + np.random.default_rng(0).normal(0, 0.1, (5, 34))
    clip = make_clip(frames, fps=60, loop="clamp", name="wiggle")
    save_clip(clip, tmp_path / "c.pkl")
    back = load_clip(tmp_path / "c.pkl", 28)
    assert back.fps == 60 and back.loop == "clamp" and back.name == "wiggle"
    np.testing.assert_array_equal(back.frames, frames)
    # A MimicKit reader sees its own keys.
    with open(tmp_path / "c.pkl", "rb") as f:
        raw = pickle.load(f)
    assert raw["loop_mode"] == 0 and raw["fps"] == 60.0 and raw["frames"].shape == (5, 34)


def test_reads_mimickit_dict_with_list_frames(tmp_path):
    _dump(tmp_path / "m.pkl", {"loop_mode": 1, "fps": 30, "frames": standing_frames(3).tolist()})
    clip = read_pkl(tmp_path / "m.pkl")
    assert clip.loop == "wrap" and clip.num_frames == 3 and clip.name == "m"


class _Touch:
    """Unpickling this would create a file through builtins.open."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class _System:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("payload", [_Touch, _System])
def test_pickle_that_runs_code_is_refused_and_never_run(tmp_path, payload):
    target = tmp_path / "pwned"
    evil = tmp_path / "evil.pkl"
    _dump(evil, {"loop_mode": 1, "fps": 30.0, "frames": standing_frames(2), "x": payload(str(target))})
    with pytest.raises(MotionError, match="evil.pkl.*refused to load"):
        load_clip(evil)
    assert not target.exists()


def test_restricted_load_admits_plain_data():
    data = {"a": [1, 2.5, "s", (3, None)], "b": np.arange(4, dtype=np.float32), "c": np.float64(2.0)}
    out = restricted_load(pickle.dumps(data))
    assert out["a"] == data["a"] and out["c"] == 2.0
    np.testing.assert_array_equal(out["b"], data["b"])


def test_steering_commands_round_trip_and_bad_ones_are_named(tmp_path):
    commands = np.tile([[0.6, 0.8, 1.5]], (5, 1))
    clip = make_clip(standing_frames(5), fps=30, loop="clamp", name="drive")
    clip.task_commands = commands
    save_clip(clip, tmp_path / "d.pkl")
    np.testing.assert_array_equal(load_clip(tmp_path / "d.pkl", 28).task_commands, commands)
    assert load_clip(tmp_path / "d.pkl", 28).frames.shape == (5, 34)
    _dump(tmp_path / "bad.pkl",
          {"loop_mode": 0, "fps": 30, "frames": standing_frames(5), "task_commands": commands[:4]})
    with pytest.raises(MotionError, match=r"bad\.pkl.*task_commands.*\(5, 3\)"):
        read_pkl(tmp_path / "bad.pkl")
