"""The bundled clips are this project's own: the script in the repo makes exactly them, and they are usable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from amp_studio import DATA_DIR
from amp_studio.motion import load_clip, load_dataset
from amp_studio.motion.motion_checks import motion_info

REPO = Path(__file__).resolve().parents[2]


def test_script_reproduces_the_bundled_clips(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_bundled_clips.py"), "--out_dir", str(tmp_path)],
                   check=True, capture_output=True, cwd=REPO)
    for name in ("walk_keyframed", "idle_sway"):
        made = load_clip(tmp_path / f"{name}.pkl")
        shipped = load_clip(DATA_DIR / "motions" / f"{name}.pkl")
        np.testing.assert_allclose(made.frames, shipped.frames, atol=1e-9)
        assert (made.fps, made.loop) == (shipped.fps, shipped.loop)


def test_bundled_clips_stand_on_the_ground_within_limits(character):
    entries = load_dataset(DATA_DIR / "motions" / "bundled.yaml", character.num_dofs)
    assert [c.name for c, _ in entries] == ["walk_keyframed", "idle_sway"]
    for clip, _ in entries:
        info = motion_info(clip, character)
        assert 0.0 <= info["lowest_point_min"] <= 0.01, (clip.name, info)
        assert 0.8 <= info["root_height_mean"] <= 0.95, (clip.name, info)
        assert info["joint_limit_violation_max"] == 0.0, (clip.name, info)
    walk = entries[0][0]
    speed = np.linalg.norm(walk.frames[-1, :2] - walk.frames[0, :2]) / walk.duration
    assert 0.7 < speed < 1.4
