"""The skill suite's goal rule and table (benchmarks/lib/skill_suite_table.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "lib"))

from skill_suite_table import ACROBATICS_BUDGET, goal, markdown_table  # noqa: E402


def row(clip: str, samples: int, fall_rate: float, dtw: float, skill: tuple[float, float] | None = (1.0, 1.0),
        **extra) -> dict:
    r = {"clip": clip, "source": f"humanoid3d_{clip}", "minutes": 60.0, "samples": samples, "fall_rate": fall_rate,
         "pose_error_dtw": dtw, "speed_ratio": 1.0, "root_speed_mean": 1.0, "commit": "abc1234", **extra}
    if skill is not None:
        r["skill_extremes"], r["skill_events_share"] = skill
    return r


@pytest.mark.parametrize("r, expected", [
    (row("walk", 17_000_000, 0.0, 0.030), "yes"),
    (row("walk", 17_000_000, 0.03, 0.030), "no"),  # locomotion must not fall
    (row("walk", 30_000_000, 0.0, 0.030), "no"),  # past the 18 M budget: no second budget for locomotion
    (row("jump", 35_000_000, 0.25, 1.5 * 0.083), "yes"),
    (row("jump", 65_000_000, 0.12, 0.041), "72 M"),  # the acrobatic clips' larger budget
    (row("jump", ACROBATICS_BUDGET + 8192, 0.12, 0.041), "no"),
    (row("jump", 65_000_000, 0.12, 0.041, skill=(0.77, 0.85)), "no"),  # the skill not reached
    (row("jump", 65_000_000, 0.31, 0.041), "no"),
    (row("jump", 35_000_000, 0.0, 0.041, skill=None), "?"),  # measured before the skill measures
    (row("jump", 65_000_000, 0.0, 0.041, skill=None), "no"),  # past 36 M only a measured skill counts
    (row("side_flip", 20_000_000, 0.0, 0.05), "-"),  # no paper value
])
def test_goal(r, expected):
    assert goal(r["clip"], r) == expected


def test_markdown_table_keeps_the_latest_row_of_each_clip_and_trainer():
    rows = [row("jump", 40_000_000, 0.0, 0.059, commit="old"), row("jump", 65_000_000, 0.12, 0.041),
            row("dance_a", 51_200_000, 0.05, 0.080, run="output/x", env_config="add_humanoid_env.yaml")]
    lines = markdown_table(rows).splitlines()
    assert len(lines) == 2 + 2
    dance, jump = lines[2], lines[3]  # the paper's clip order
    assert dance.startswith("| dance_a | run humanoid3d_dance_a, add_humanoid_env.yaml |") and "| 72 M |" in dance
    assert jump.startswith("| jump | learn_suite.py |") and "65,000,000" in jump and "old" not in jump
