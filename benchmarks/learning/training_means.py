"""A run's training metrics averaged over windows of samples: the "training means over 2 M samples" of the skill
suite's tables (docs/results/skill_suite.md), read from the run's metrics.jsonl.

Each window averages the iterations whose sample count lies in it; a row is printed per window (on multiples of the
window: 0-2 M, 2-4 M...), or, with --at, per window ending at each of those sample counts (to set two runs side by
side at equal samples). Iterations without a key (an older run) are left out of that key's mean.

    python benchmarks/learning/training_means.py output/add_spinkick/humanoid3d_spinkick_20261206-050725
    python benchmarks/learning/training_means.py RUN_A RUN_B --at 4.9e6 9.8e6 14.7e6
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

DEFAULT_KEYS = ("episode_length_mean", "skill_height", "skill_airborne", "skill_tilt", "skill_turn",
                "skill_extremes", "skill_reached", "fall_share")


def read_metrics(path: Path) -> list[dict]:
    """The iterations logged in a run directory's metrics.jsonl (or that file), with their sample counts. A line cut
    short by a killed run is skipped, as the app does."""
    file = path / "metrics.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise SystemExit(f"error: {file}: no metrics file (give a run directory or its metrics.jsonl)")
    rows = []
    for line in file.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("samples"), (int, float)):
            rows.append(row)
    return rows


def window_means(rows: list[dict], keys: tuple[str, ...], window: float, ends: list[float] | None = None
                 ) -> list[tuple[float, dict[str, float]]]:
    """(the window's last sample count, {key: mean}) for the windows (k window, (k + 1) window] (on multiples of the
    window, so that two runs' windows, a resumed one's too, line up), or for the windows (end - window, end] at each
    of `ends`. A key no iteration of a window has is missing from that window's dict; a window without iterations
    is left out."""
    if not rows:
        return []
    if ends is None:
        first, last = math.floor(rows[0]["samples"] / window), math.ceil(rows[-1]["samples"] / window)
        ends = [window * k for k in range(first + 1, last + 1)]
    result = []
    for end in ends:
        chunk = [r for r in rows if end - window < r["samples"] <= end]
        if not chunk:
            continue
        means = {}
        for key in keys:
            values = [float(r[key]) for r in chunk if isinstance(r.get(key), (int, float))]
            if values:
                means[key] = sum(values) / len(values)
        result.append((float(chunk[-1]["samples"]), means))
    return result


def print_means(name: str, means: list[tuple[float, dict[str, float]]], keys: tuple[str, ...]) -> None:
    print(f"== {name}")
    print(f"{'samples':>10} " + " ".join(f"{key.removeprefix('skill_')[:14]:>14}" for key in keys))
    for samples, values in means:
        cells = [f"{values[key]:14.2f}" if key in values else f"{'-':>14}" for key in keys]
        print(f"{samples / 1e6:9.1f}M " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (or their metrics.jsonl)")
    parser.add_argument("--window", type=float, default=2e6, help="samples a mean covers")
    parser.add_argument("--at", type=float, nargs="+", default=None, metavar="SAMPLES",
                        help="only the windows ending at these sample counts")
    parser.add_argument("--keys", nargs="+", default=list(DEFAULT_KEYS), help="metrics.jsonl keys to average")
    args = parser.parse_args()
    if args.window <= 0:
        raise SystemExit(f"error: --window {args.window:g}: must be a positive number of samples")
    keys = tuple(args.keys)
    for run in args.runs:
        print_means(str(run), window_means(read_metrics(run), keys, args.window, args.at), keys)


if __name__ == "__main__":
    main()
