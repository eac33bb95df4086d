"""Exports from the window: a run's policy as ONNX, videos of a clip and of a replay, a replay recorded as a clip."""

from __future__ import annotations

import imageio_ffmpeg
import onnxruntime as ort
import pytest

from amp_studio import DATA_DIR
from amp_studio.gui.exports import PoseRecorder
from tests.gui.conftest import WALK

pytestmark = pytest.mark.slow
TIMEOUT = 180000  # ms: a child process imports torch and builds its env first


@pytest.fixture
def run_dir(tmp_path):
    """A real (untrained) location run directory with a checkpoint."""
    from amp_studio.runs.training import make_training

    runner = make_training(DATA_DIR / "envs" / "amp_location_humanoid_env.yaml",
                           DATA_DIR / "engines" / "mujoco_engine.yaml",
                           DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml", 2, 0, tmp_path / "run",
                           logger="txt", log=lambda line: None)
    runner.train(max_samples=64)
    runner.save_checkpoint()
    runner.env.close()
    return tmp_path / "run"


def _frames(path) -> tuple[tuple[int, int], int]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    return tuple(meta["size"]), sum(1 for _ in reader)


def test_export_a_runs_policy_as_onnx(qtbot, window, run_dir, tmp_path):
    index = window.open_run(run_dir)
    window.runs_panel.table.selectRow(index)
    checkpoint, _ = window.exports.policy_source()
    job = window.export_policy(checkpoint, str(tmp_path / "policy.onnx"))
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT)
    session = ort.InferenceSession(str(tmp_path / "policy.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[1] == 130  # the location task's observation: 128 + the target's offset
    assert "Wrote" in window.statusBar().currentMessage()


def test_a_failed_export_says_why_and_writes_nothing(qtbot, window, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr("amp_studio.gui.export_actions.QMessageBox.warning", lambda *a: warnings.append(a[2]))
    job = window.export_policy(str(tmp_path / "missing.pt"), str(tmp_path / "policy.onnx"))
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT)
    assert warnings and "missing.pt" in warnings[0]
    assert not (tmp_path / "policy.onnx").exists()


def test_video_of_a_clip(qtbot, window, tmp_path):
    window.motion_panel.add_path(WALK)
    qtbot.waitUntil(lambda: window.source == "clip", timeout=60000)
    dialog = window.video_dialog()
    dialog.size_box.setCurrentText("640x360")
    dialog.seconds.setValue(1.0)
    job = window.export_video(dialog, str(tmp_path / "clip.mp4"))
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT)
    assert _frames(tmp_path / "clip.mp4") == ((640, 360), 30)


def test_video_of_a_replay_with_its_target(qtbot, window, run_dir, tmp_path):
    index = window.open_run(run_dir)
    window.runs_panel.table.selectRow(index)
    dialog = window.video_dialog()
    assert dialog.ghost.isEnabled()
    dialog.size_box.setCurrentText("640x360")
    dialog.fps.setValue(15)
    dialog.seconds.setValue(2.0)
    job = window.export_video(dialog, str(tmp_path / "replay.mp4"))
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT)
    assert _frames(tmp_path / "replay.mp4") == ((640, 360), 30)


def test_record_a_replay_as_a_clip(qtbot, window, run_dir, tmp_path):
    index = window.open_run(run_dir)
    window.start_replay(index, str(run_dir / "checkpoints" / "latest.pt"))
    window.set_recording(True)
    recorder = window.replays.recorder
    qtbot.waitUntil(lambda: len(recorder.frames) >= 10 or recorder.ended, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(recorder.frames) >= 10, timeout=TIMEOUT)
    window.replays.recorder = None  # what unchecking the action does, without its file dialog
    out = window.save_recording(recorder, str(tmp_path / "recorded.pkl"))
    window.replay.stop()
    entries = window.motion_panel.entries
    qtbot.waitUntil(lambda: bool(entries) and entries[-1].name == "recorded.pkl", timeout=60000)
    entry = entries[-1]
    assert out.is_file() and abs(entry.fps - 30.0) < 0.5 and len(entry.frames) >= 10


def test_recording_stops_at_a_restart():
    rec = PoseRecorder()
    pose = [0.0, 0.0, 0.9, 1.0, 0.0, 0.0, 0.0] + [0.0] * 28
    for t in (0.0, 1 / 30, 2 / 30, 0.0, 1 / 30, 5.0):
        rec.add(pose, t)
    assert len(rec.frames) == 3 and rec.ended
