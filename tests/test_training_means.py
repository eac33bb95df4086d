"""A run's training metrics averaged over windows of samples (benchmarks/learning/training_means.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "learning"))

from training_means import read_metrics, window_means  # noqa: E402


def iterations(count: int, per_iteration: int = 1_000_000) -> list[dict]:
    """Iteration k logs samples (k + 1) * per_iteration and an episode length of k."""
    return [{"samples": (k + 1) * per_iteration, "episode_length_mean": float(k)} for k in range(count)]


def test_consecutive_windows_average_their_own_iterations():
    means = window_means(iterations(6), ("episode_length_mean",), window=2e6)
    assert [samples for samples, _ in means] == [2e6, 4e6, 6e6]  # (0, 2 M], (2 M, 4 M], (4 M, 6 M]
    assert [m["episode_length_mean"] for _, m in means] == [0.5, 2.5, 4.5]


def test_a_resumed_runs_windows_line_up_with_the_first_runs():
    resumed = [{"samples": s, "episode_length_mean": 1.0} for s in (40.5e6, 41e6, 42e6, 42.5e6)]
    assert [samples for samples, _ in window_means(resumed, ("episode_length_mean",), window=2e6)] == [42e6, 42.5e6]


def test_windows_at_given_sample_counts():
    means = window_means(iterations(10), ("episode_length_mean",), window=2e6, ends=[4e6, 9e6, 50e6])
    assert means == [(4e6, {"episode_length_mean": 2.5}), (9e6, {"episode_length_mean": 7.5})]  # 50 M: no iterations


def test_a_key_some_iterations_lack_is_averaged_over_the_others():
    rows = iterations(4)
    rows[1]["skill_turn"] = 0.4
    rows[2]["skill_turn"] = 0.8  # rows 0 and 3 logged no skill measures (an older run, an evaluation)
    (_, first), (_, second) = window_means(rows, ("skill_turn", "episode_length_mean"), window=2e6)
    assert first == {"skill_turn": 0.4, "episode_length_mean": 0.5}
    assert second == {"skill_turn": 0.8, "episode_length_mean": 2.5}


def test_reads_a_run_directory_and_skips_a_line_cut_short(tmp_path: Path):
    lines = [json.dumps(r) for r in iterations(3)] + ['{"samples": 4000000, "episode_le']  # a killed run's last line
    (tmp_path / "metrics.jsonl").write_text("\n".join(lines))
    assert read_metrics(tmp_path) == iterations(3)
    assert read_metrics(tmp_path / "metrics.jsonl") == iterations(3)


def test_a_missing_metrics_file_is_named(tmp_path: Path):
    with pytest.raises(SystemExit, match=r"metrics\.jsonl: no metrics file"):
        read_metrics(tmp_path)
