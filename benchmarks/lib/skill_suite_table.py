"""The skill suite's goals and its table: what a row of benchmarks/learning/results/learn_suite.jsonl must reach,
and how the rows are printed (learn_suite.py's table, docs/results/skill_suite.md's markdown).

Goals on 2 cores: locomotion (walk, jog, run, crawl) fall rate 0 and DTW at most the AMP paper's within 18 M
samples; the other clips fall rate at most 0.25 and DTW at most 1.5x the paper's within 36 M; every clip its skill
(runs/skill_measures.py). The acrobatic clips have a second, larger budget: a row that meets everything within
72 M samples, but not within 36 M, is marked as met in 72 M.
"""

from __future__ import annotations

import json
from pathlib import Path

from amp_studio.runs.skill_measures import REACHED

PAPER_DTW = {"walk": 0.030, "jog": 0.056, "run": 0.075, "crawl": 0.049, "dance_a": 0.055, "spin": 0.047,
             "spinkick": 0.058, "cartwheel": 0.067, "jump": 0.083, "roll": 0.088, "backflip": 0.150}
LOCOMOTION = ("walk", "jog", "run", "crawl")
ACROBATICS_BUDGET = 72_000_000
"""The acrobatic clips' larger budget: twice the suite's 36 M, once throughput is up."""


def clip_key(name: str) -> str:
    """`humanoid3d_walk` -> `walk`, the paper's name where it has one."""
    return name.removeprefix("humanoid3d_")


def goal_budget(keys: list[str]) -> int:
    """The sample budget of a goal: 18 M when every clip is locomotion, else 36 M."""
    return 18_000_000 if all(k in LOCOMOTION for k in keys) else 36_000_000


def skill_met(r: dict) -> bool | None:
    """Whether a row's policy performed its clip's skill (skill_measures: on average, its extremes and its key
    event at REACHED of the clip's); None for rows measured before the skill measures existed."""
    if "skill_extremes" not in r:
        return None
    return r["skill_extremes"] >= REACHED and r["skill_events_share"] >= REACHED


def goal(key: str, r: dict) -> str:
    """Whether a row meets its goal on these cores: the fall rate and DTW goal, and the clip's skill performed.
    "yes" within the suite's budget; "72 M" for a clip other than locomotion that meets it within ACROBATICS_BUDGET
    only; "-" where the paper has no value; "?" for a row that meets the rest but was not measured for the skill."""
    paper = PAPER_DTW.get(key)
    if paper is None:
        return "-"
    ok = (r["fall_rate"] == 0 and r["pose_error_dtw"] <= paper if key in LOCOMOTION
          else r["fall_rate"] <= 0.25 and r["pose_error_dtw"] <= 1.5 * paper)
    skill = skill_met(r)
    if not ok or skill is False:
        return "no"
    if r["samples"] <= goal_budget([key]):
        return "?" if skill is None else "yes"
    met_later = key not in LOCOMOTION and r["samples"] <= ACROBATICS_BUDGET and skill
    return f"{ACROBATICS_BUDGET / 1e6:g} M" if met_later else "no"


def skill_cell(r: dict) -> str:
    """A row's skill measures in a few characters: extremes/events (both as shares of the clip's), or -."""
    if "skill_extremes" not in r:
        return "-"
    return f"{r['skill_extremes']:.2f}/{r['skill_events_share']:.2f}"


def test_episodes(r: dict) -> int:
    """The episodes a row's final policy was evaluated on: rows before --final_episodes had 16."""
    return r.get("test_episodes", 16)


def read_rows(results: Path) -> list[dict]:
    return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]




def print_table(rows: list[dict]) -> None:
    print(f"\n{'clip':<22} {'source':<14} {'minutes':>7} {'samples':>11} {'eps':>4} {'fall':>5} {'DTW m':>6} "
          f"{'paper':>6} {'speed':>5} {'/clip':>5} {'skill':>9} {'goal':>4} {'commit':>8}")
    for r in rows:
        paper = PAPER_DTW.get(r["clip"])
        tag = " ADD" if r.get("agent_config", "").startswith("add_") else ""
        source = r["source"][:14 - len(tag)] + tag
        print(f"{r['clip']:<22} {source[:14]:<14} {r['minutes']:7.1f} {r['samples']:11,d} {test_episodes(r):>4} "
              f"{r['fall_rate']:5.2f} {r['pose_error_dtw']:6.3f} {'-' if paper is None else f'{paper:.3f}':>6} "
              f"{r['root_speed_mean']:5.2f} {r['speed_ratio']:5.2f} {skill_cell(r):>9} {goal(r['clip'], r):>4} "
              f"{r['commit']:>8}")




def trained_by(r: dict) -> str:
    """Where a row's policy was trained: a run elsewhere (--from_run), or learn_suite.py on a clip or dataset."""
    configs = "".join(f", {r[k]}" for k in ("env_config", "agent_config") if k in r)  # another method's
    changed = {**r.get("env_overrides", {}), **r.get("agent_overrides", {})}
    settings = "".join(f", {k} {v}" for k, v in changed.items()) + (", resumed" if r.get("resumed_from") else "")
    if r.get("run"):
        return f"run {r['source']}{configs}{settings}"
    if r.get("rescored") and r["source"] == Path(r["model"]).stem:
        return f"model {r['source']}"
    by = "learn_suite.py" + configs + settings
    if clip_key(r["source"]) == r["clip"].removesuffix(" (mirror)"):
        return by
    return f"{by}, dataset {r['source']}"


def markdown_table(rows: list[dict]) -> str:
    """The table of docs/results/skill_suite.md: the latest row of each clip and trainer (earlier rows measured
    earlier code), in the paper's clip order, then any other clips."""
    latest = {(r["clip"], trained_by(r)): r for r in rows}
    order = {key: i for i, key in enumerate(PAPER_DTW)}
    lines = ["| clip | trained by | minutes | samples | episodes | fall rate | DTW (m) | paper (m) | speed / clip's "
             "| skill (extremes/events) | goal | commit |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for (_, by), r in sorted(latest.items(), key=lambda kv: (order.get(kv[1]["clip"], len(order)),
                                                             kv[1]["samples"])):
        paper = PAPER_DTW.get(r["clip"])
        lines.append(f"| {r['clip']} | {by} | {r['minutes']:.0f} | {r['samples']:,d} | {test_episodes(r)} | "
                     f"{r['fall_rate']:.2f} | "
                     f"{r['pose_error_dtw']:.3f} | {'-' if paper is None else f'{paper:.3f}'} | "
                     f"{r['speed_ratio']:.2f} | {skill_cell(r)} | {goal(r['clip'], r)} | {r['commit']} |")
    return "\n".join(lines)
