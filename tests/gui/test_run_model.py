"""What the GUI knows about a run, without widgets: curves, progress, ETA, reading a run directory."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from amp_studio.gui.run_model import MetricsStore, RunRecord, format_duration, load_run


def test_metrics_store_grows_and_fills_missing_keys():
    store = MetricsStore(capacity=2)
    for i in range(5):
        store.append({"samples": 100 * i, "fall_rate": 0.5, **({"late": 1.0} if i >= 3 else {}), "name": "x"})
    assert store.size == 5
    assert store.series("samples").tolist() == [0, 100, 200, 300, 400]
    assert np.isnan(store.series("late")[:3]).all() and store.series("late")[3:].tolist() == [1.0, 1.0]
    assert np.isnan(store.series("absent")).all() and store.last("samples") == 400


def test_progress_and_eta_from_the_nearest_limit():
    r = RunRecord(name="r", max_samples=1000, max_minutes=1.0)
    r.metrics.append({"samples": 250, "wall_time": 10.0})
    assert r.progress == 0.25 and r.eta == 30.0  # 750 samples at 25/s, before the 50 s left of the minute
    r.metrics.append({"samples": 300, "wall_time": 50.0})
    assert math.isclose(r.progress, 50 / 60) and r.eta == 10.0
    assert RunRecord(name="free").progress is None and RunRecord(name="free").eta is None
    assert format_duration(3725) == "1:02:05" and format_duration(None) == "-"


def test_load_run_reads_curves_weight_changes_and_checkpoints(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "iter_000002.pt").write_bytes(b"")
    (tmp_path / "checkpoints" / "latest.pt").write_bytes(b"")
    rows = [{"iteration": i, "samples": 64 * i, "disc_reward_weight": 1.0 if i < 2 else 0.5,
             "task_reward_weight": 0.0} for i in (1, 2, 3)]
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    (tmp_path / "events.jsonl").write_text(json.dumps({"event": "reward_weights", "iteration": 2,
                                                       "disc_reward_weight": 0.5, "task_reward_weight": 0.0}))
    r = load_run(tmp_path)
    assert r.metrics.size == 3 and r.weight_changes == [(2, 0.5, 0.0)]
    assert [p.name for p in r.checkpoints] == ["latest.pt", "iter_000002.pt"]
    assert r.disc_reward_weight == 0.5 and any("not JSON" in line for line in r.output)


def test_replay_progress_counts_episodes_and_poses_a_second():
    from pathlib import Path

    from amp_studio.gui.run_model import ReplayProgress

    progress = ReplayProgress(Path("walk.pt"))
    assert progress.seconds == 0.0  # the worker is still loading: nothing has played yet
    changes = [progress.count_pose(done=(i == 40), now=100.0 + i / 30) for i in range(61)]
    assert progress.episodes == 1 and progress.started == 100.0
    # Redrawn when the episode ended and when a second's rate came in, not for every pose.
    assert [i for i, changed in enumerate(changes) if changed] == [30, 40, 60]
    assert progress.fps == pytest.approx(30.0)
    progress.end()
    assert progress.fps == 0.0 and progress.seconds == pytest.approx(progress.ended - 100.0)
