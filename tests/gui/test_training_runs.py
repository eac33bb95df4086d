"""Real training and replay workers driven from the window: live metrics, weight changes, a killed worker."""

from __future__ import annotations

import json
import math
import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent

from amp_studio import DATA_DIR

pytestmark = pytest.mark.slow
WORKER_TIMEOUT = 180000  # ms: a worker imports torch and builds its env before the first message


def _start_small_run(window, tmp_path):
    tp = window.training_panel
    tp.num_envs.setValue(4)
    tp.max_samples.setValue(0)  # no limit: the test decides when it ends
    tp.out_dir.setText(str(tmp_path / "runs"))
    tp.start_button.click()
    return window.runs_panel.runs[-1], window.workers[-1]


def test_live_run_weights_kill_and_replay(qtbot, window, tmp_path):
    record, worker = _start_small_run(window, tmp_path)
    tp = window.training_panel
    qtbot.waitUntil(lambda: record.metrics.size >= 1, timeout=WORKER_TIMEOUT)
    assert worker.state == "running" and record.status == "running"
    assert tp.pause_button.isEnabled() and tp.stop_button.isEnabled()

    # metrics reach the plots
    window.plots_panel.refresh()
    xs, ys = window.plots_panel.curve(0, "disc_reward_mean").getData()
    assert len(xs) >= 1 and xs[0] == record.metrics.series("samples")[0]
    # the streamed env reaches the viewport; the user picks another env to watch
    qtbot.waitUntil(lambda: window.source_label.text().startswith("Live"), timeout=30000)
    window.runs_panel.stream_env.setValue(2)
    qtbot.waitUntil(lambda: window.source_label.text().endswith("env 2"), timeout=30000)

    # the user drags the imitation slider: the worker acknowledges with the iteration it applies from
    tp.disc_weight.slider.setValue(40)
    qtbot.waitUntil(lambda: record.acknowledged_weights is not None, timeout=30000)
    applied_at, disc, task = record.acknowledged_weights
    assert disc == pytest.approx(0.4) and task == 0.0
    assert "0.4" in tp.disc_weight.ack.text() and f"it {applied_at}" in tp.disc_weight.ack.text()
    qtbot.waitUntil(lambda: record.metrics.last("iteration", 0) >= applied_at, timeout=60000)
    iterations = record.metrics.series("iteration")
    weights = record.metrics.series("disc_reward_weight")
    assert all(w == pytest.approx(0.4) for it, w in zip(iterations, weights, strict=True) if it >= applied_at)
    window.plots_panel.refresh()
    assert window.plots_panel.marker_count(0) == 1
    events = [json.loads(line) for line in (record.run_dir / "events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "reward_weights" and e["iteration"] == applied_at for e in events)

    # a checkpoint on request, then the worker is killed
    tp.save_button.click()
    qtbot.waitUntil(lambda: any(p.name == "latest.pt" for p in record.checkpoints), timeout=60000)
    os.kill(worker.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: record.status == "failed", timeout=30000)
    status_item = window.runs_panel.table.item(0, 1)
    assert status_item.text() == "failed"
    assert "killed" in (worker.error or "")
    assert not tp.stop_button.isEnabled()
    # the window still answers
    fired = []
    QTimer.singleShot(10, lambda: fired.append(True))
    qtbot.waitUntil(lambda: fired == [True], timeout=2000)

    # its checkpoint remains usable: replay it, with the reference clip as a ghost
    latest = record.run_dir / "checkpoints" / "latest.pt"
    window.runs_panel.table.selectRow(0)
    assert window.runs_panel.checkpoints.count() >= 1
    window.runs_panel.replay_button.click()
    replay = window.replay
    qtbot.waitUntil(lambda: window.viewport.scene.ghost_visible, timeout=WORKER_TIMEOUT)
    assert window.source == "replay" and "Replay" in window.source_label.text()
    model = replay.args[replay.args.index("--model_file") + 1]
    assert Path(model) == latest and window.replays.checkpoint == model  # the newest checkpoint, offered first
    shown = window.viewport.frames_shown
    qtbot.waitUntil(lambda: window.viewport.frames_shown > shown + 3, timeout=30000)  # a moving picture
    replay.stop()
    qtbot.waitUntil(lambda: replay.state == "finished", timeout=30000)

    # the killed run goes on from its checkpoint: "Start from" takes it, and counting continues where it saved
    from amp_studio.runs.checkpoints import load_checkpoint

    saved = load_checkpoint(latest)
    tp.model_file.setText(str(latest))
    tp.start_button.click()
    continued = window.runs_panel.runs[-1]
    assert window.workers[-1].args[window.workers[-1].args.index("--model_file") + 1] == str(latest)
    qtbot.waitUntil(lambda: continued.metrics.size >= 1, timeout=WORKER_TIMEOUT)
    assert continued.metrics.series("iteration")[0] == saved["iteration"] + 1
    assert continued.metrics.series("samples")[0] > saved["samples"]
    assert any(line.startswith("resumed from") for line in continued.output)
    window.workers[-1].stop()
    qtbot.waitUntil(lambda: continued.status == "finished", timeout=60000)


def test_pause_resume_stop_and_a_silent_worker(qtbot, window, tmp_path, monkeypatch):
    import amp_studio.gui.worker_process as worker_process

    record, worker = _start_small_run(window, tmp_path)
    tp = window.training_panel
    qtbot.waitUntil(lambda: record.metrics.size >= 1, timeout=WORKER_TIMEOUT)
    # a worker that stops answering (here: stopped by a signal) is flagged, and recovers when it answers again
    monkeypatch.setattr(worker_process, "UNRESPONSIVE_S", 1.0)
    os.kill(worker.pid, signal.SIGSTOP)
    qtbot.waitUntil(lambda: record.status == "unresponsive", timeout=10000)
    os.kill(worker.pid, signal.SIGCONT)
    qtbot.waitUntil(lambda: record.status == "running", timeout=10000)
    tp.pause_button.click()
    qtbot.waitUntil(lambda: record.status == "paused", timeout=30000)
    assert tp.resume_button.isEnabled() and not tp.pause_button.isEnabled()
    tp.resume_button.click()
    qtbot.waitUntil(lambda: record.status == "running", timeout=30000)
    tp.stop_button.click()
    qtbot.waitUntil(lambda: record.status == "finished", timeout=60000)
    assert (record.run_dir / "checkpoints" / "latest.pt").is_file()


def _mouse(kind, pos, button):
    """A mouse event with the left button held (as during a drag) whatever the event's own button."""
    return QMouseEvent(kind, pos, pos, button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def test_location_replay_target_follows_a_click_on_the_ground(qtbot, window, tmp_path):
    from amp_studio.runs.training import make_training

    run_dir = tmp_path / "loc"
    runner = make_training(DATA_DIR / "envs" / "amp_location_humanoid_env.yaml",
                           DATA_DIR / "engines" / "mujoco_engine.yaml",
                           DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml", 2, out_dir=run_dir,
                           logger="txt", log=lambda line: None)
    runner.train(max_iterations=1)
    runner.env.close()
    index = window.open_run(run_dir)
    assert index == 0 and window.runs_panel.runs[0].metrics.size == 1
    window.start_replay(index, str(run_dir / "checkpoints" / "latest.pt"))
    vp = window.viewport
    qtbot.waitUntil(lambda: vp.pick_targets and vp.scene.target is not None, timeout=WORKER_TIMEOUT)
    vp.set_tracking(False)
    point = vp.click_at(vp.width() * 0.5, vp.height() * 0.8)  # the ground in front of the camera
    assert point is not None
    qtbot.waitUntil(lambda: vp.scene.target is not None and
                    abs(vp.scene.target[0] - point[0]) < 1e-4 and abs(vp.scene.target[1] - point[1]) < 1e-4,
                    timeout=30000)
    qtbot.waitUntil(lambda: "m away" in window.source_label.text(), timeout=30000)

    # A press on the marker drags it: the target follows the pointer, and the replay takes it up.
    start, end = QPointF(vp.width() * 0.5, vp.height() * 0.8), QPointF(vp.width() * 0.65, vp.height() * 0.75)
    vp.mousePressEvent(_mouse(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton))
    for f in (0.25, 0.5, 0.75, 1.0):
        vp.mouseMoveEvent(_mouse(QEvent.Type.MouseMove, start + (end - start) * f, Qt.MouseButton.NoButton))
    vp.mouseReleaseEvent(_mouse(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton))
    dropped = vp.scene.pick_ground(end.x() / vp.width(), 1.0 - end.y() / vp.height(), vp.width() / vp.height())
    assert dropped is not None and math.dist(dropped, point) > 0.3
    qtbot.waitUntil(lambda: math.dist(vp.scene.target, dropped) < 1e-4 and "m away" in window.source_label.text(),
                    timeout=30000)
    window.replay.stop()
    qtbot.waitUntil(lambda: not window.replay.alive, timeout=30000)


def test_open_model_replays_a_policy_that_is_not_a_run_with_its_stored_configs(qtbot, window, deepmimic_dir):
    model = DATA_DIR / "models" / "amp_humanoid_walk_model.pt"
    index = window.open_model(model)
    record = window.runs_panel.runs[index]
    assert record.name == "amp_humanoid_walk_model (model)" and record.checkpoints == [model]
    qtbot.waitUntil(lambda: record.status == "replay", timeout=WORKER_TIMEOUT)
    assert window.runs_panel.table.item(index, 1).text() == "replay"
    qtbot.waitUntil(lambda: window.viewport.scene.ghost_visible, timeout=30000)  # its poses and the clip's
    window.replay.stop()
    qtbot.waitUntil(lambda: not window.replay.alive, timeout=30000)


def test_open_model_without_stored_configs_says_what_to_give(qtbot, window, tmp_path):
    import torch

    state = torch.load(DATA_DIR / "models" / "amp_humanoid_walk_model.pt", weights_only=True)
    del state["configs"]
    bare = tmp_path / "bare.pt"
    torch.save(state, bare)
    index = window.open_model(bare)
    record = window.runs_panel.runs[index]
    qtbot.waitUntil(lambda: record.status == "failed", timeout=WORKER_TIMEOUT)
    assert any("bare.pt: holds no env_config.yaml to replay it with; give --env_config" in line
               for line in record.output)
