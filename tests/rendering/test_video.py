"""Videos decode to the frames asked for, and show motion."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest

from amp_studio import DATA_DIR, DEFAULT_CHARACTER
from amp_studio.character import CharacterModel
from amp_studio.cli import main
from amp_studio.errors import AmpStudioError
from amp_studio.motion import load_clip
from amp_studio.rendering.clip_poses import ClipPoses
from amp_studio.rendering.video import VideoSettings, clip_video_frames, write_video

MODEL = DATA_DIR / "models" / "amp_humanoid_walk_model.pt"


def _decode(path) -> tuple[tuple[int, int], list[np.ndarray]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return (width, height), [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]


def test_a_clip_preview_video(tmp_path):
    clip = load_clip(DATA_DIR / "motions" / "walk_keyframed.pkl")
    poses = ClipPoses(clip.frames, clip.fps, clip.loop, CharacterModel().ball.spherical_starts)
    settings = VideoSettings(320, 240, 20.0, "fixed")
    done = []
    path = write_video(tmp_path / "clip.mp4", clip_video_frames(poses, 2.0, 20.0), 40, str(DEFAULT_CHARACTER),
                       settings, progress=lambda d, t: done.append((d, t)))
    size, frames = _decode(path)
    assert size == (320, 240) and len(frames) == 40 and done[-1] == (40, 40)
    assert np.abs(frames[0].astype(int) - frames[20]).mean() > 1.0  # the character moved
    assert not list(tmp_path.glob(".*part*"))


def test_cli_test_mode_renders_a_replay_video(tmp_path, capsys):
    out = tmp_path / "walk.mp4"
    code = main(["--mode", "test", "--model_file", str(MODEL), "--num_envs", "1", "--test_episodes", "1",
                 "--video", str(out), "--video_seconds", "3", "--video_size", "320x180", "--video_fps", "15"])
    assert code == 0 and "wrote" in capsys.readouterr().out
    size, frames = _decode(out)
    assert size == (320, 180) and len(frames) == 45
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1.0


def test_bad_video_settings_are_refused_before_anything_runs(tmp_path, capsys):
    assert main(["--mode", "test", "--model_file", str(MODEL), "--video", str(tmp_path / "v.mp4"),
                 "--video_size", "321x180"]) == 1
    assert "even sides" in capsys.readouterr().err
    assert main(["--mode", "test", "--model_file", str(MODEL), "--video", str(tmp_path / "v.avi")]) == 1
    assert "v.avi" in capsys.readouterr().err
    with pytest.raises(AmpStudioError, match="fps"):
        VideoSettings(fps=0).validate()
