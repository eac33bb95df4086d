"""The skill suite: AMP on each clip (or dataset) with the defaults, on this machine's cores, against the AMP paper.

For each --clips item (a shared DeepMimic name such as `walk`, a clip path, or a dataset YAML), trains the default
env (data/envs/amp_humanoid_env.yaml: contact bodies found in the clips) and agent for --minutes (or --max_samples),
evaluates the deterministic policy on 10-s episodes (--final_episodes of them at the end: fall rate, DTW pose error
against the exact clip, root speed against the clip's; a dataset is evaluated per clip, each starting in its clip,
DTW against the nearest clip) and appends a row per clip to benchmarks/learning/results/learn_suite.jsonl (clip,
minutes, samples, metrics, git commit). The table printed at the end has every row so far beside the paper's value
(Table 3: single-clip AMP, 100-300 M samples on 16 cores). Goals on 2 cores: locomotion (walk, jog, run, crawl) fall
rate 0 and DTW <= the paper's within 18 M samples; the rest fall rate <= 0.25 and DTW <= 1.5x the paper's within 36 M
(or, marked as such, 72 M); every clip its skill. The goals and the table: benchmarks/lib/skill_suite_table.py.

    python benchmarks/learning/learn_suite.py --clips walk jog run crawl --minutes 30 --max_samples 18000000
    python benchmarks/learning/learn_suite.py --clips run --max_samples 18000000 --ship data/models
        # ship it if it gets there
    python benchmarks/learning/learn_suite.py --clips data/datasets/walk_run.yaml --minutes 60
    python benchmarks/learning/learn_suite.py --clips backflip --max_samples 36000000 \
        --env_config data/envs/add_humanoid_env.yaml --agent_config data/agents/add_humanoid_agent.yaml   # ADD
    python benchmarks/learning/learn_suite.py --from_run output/runs/amp_20261129-100831   # a run trained in the app
        # (with the AMP defaults, or the ADD configs of the README's route for acrobatics)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

from amp_studio.envs.env_config import load_env_config
from amp_studio.learning.agent_config import load_agent_config
from amp_studio.paths import DATA_DIR, DEEPMIMIC_DIR
from amp_studio.runs.checkpoints import export_policy, load_checkpoint
from amp_studio.runs.evaluation import clip_root_speed, evaluate
from amp_studio.runs.run_arguments import use_model_configs
from amp_studio.runs.skill_measures import SKILL_KEYS, clip_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from skill_suite_table import PAPER_DTW, clip_key, goal, goal_budget, markdown_table, print_table, read_rows  # noqa: E402
from timed_training import for_checkpoint, runner_and_eval_env, train_and_evaluate, training_parser  # noqa: E402

REPO = DATA_DIR.parent
RESULTS = Path(__file__).resolve().parent / "results" / "learn_suite.jsonl"
DEFAULT_METHODS = (("amp_humanoid_env.yaml", "amp_humanoid_agent.yaml"),  # AMP: the defaults
                   ("add_humanoid_env.yaml", "add_humanoid_agent.yaml"))  # ADD: the README's route for acrobatics


def resolve_clip(item: str) -> Path:
    """A shared DeepMimic clip by name (`walk` -> ../shared/motions/deepmimic/humanoid3d_walk.txt, named from the
    repository as the shipped configs name it, so that a shipped model's stored config finds it on another
    machine), else a path."""
    if item in PAPER_DTW or not Path(item).suffix:
        path = DEEPMIMIC_DIR / f"humanoid3d_{item}.txt"
        if not path.is_file():
            raise SystemExit(f"error: {path}: no shared clip named '{item}' (the shared/ folder beside this checkout)")
        return Path("..") / path.relative_to(REPO.parent)
    path = Path(item)
    if not path.is_file():
        raise SystemExit(f"error: {path}: file not found")
    return path.resolve()


def git_commit() -> str:
    """The checkout's commit, with `+changes` when its tracked files differ from it (rows appended to
    benchmarks/learning/results/ are not code)."""
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)benchmarks/learning/results"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


COMMIT = git_commit()  # the code this process imported: later commits during hours of training are not it


def suite_rows(eval_env, agent, last: dict, source: str, num_envs: int, episodes: int, **extra) -> list[dict]:
    """A row per clip of the evaluation env's motion library, its policy evaluated on `episodes` episodes: a
    dataset's clips each from their own clip, DTW against the nearest clip. `last` gives the row's budget
    (minutes, samples)."""
    lib = eval_env.motion_lib
    rows = []
    for clip_id, clip in enumerate(lib.clips):
        r = evaluate(eval_env, agent, episodes, clip_id=None if lib.num_clips == 1 else clip_id)
        name = clip.name + (" (mirror)" if getattr(clip, "mirrored", False) else "")
        rows.append({"clip": clip_key(name), "source": source, "minutes": last["minutes"],
                     "samples": last["samples"], "samples_per_s": last["samples_per_s"],
                     "fall_rate": round(r["fall_rate"], 4), "pose_error_dtw": round(r["pose_error_dtw"], 4),
                     "root_speed_mean": round(r["root_speed_mean"], 3),
                     "speed_ratio": round(r["root_speed_mean"] / max(clip_root_speed(eval_env, clip_id), 1e-6), 3),
                     "episode_length_mean": round(r["episode_length_mean"], 3),
                     "skill_event": clip_reference(eval_env, clip_id).event,
                     **{key: round(r[key], 3) for key in SKILL_KEYS if key in r},
                     "contact_bodies": list(eval_env.contact_bodies), "num_envs": num_envs, "test_episodes": episodes,
                     "commit": COMMIT, "date": time.strftime("%Y-%m-%d"), **extra})
    return rows


def ship_model(folder: Path, source: str, run: Path, rows: list[dict]) -> Path | None:
    """The run's final policy as folder/amp_humanoid_<source>_model.pt (policy only, with its configs), when every
    row of it meets its goal; None otherwise. A model already there is not replaced (the shipped ones are
    documented and tested as they are)."""
    if not rows or any(goal(r["clip"], r) != "yes" for r in rows):
        return None
    path = folder / f"amp_humanoid_{clip_key(source)}_model.pt"
    if path.exists():
        print(f"{path}: exists, not replaced; the policy is in {run / 'checkpoints' / 'latest.pt'}", flush=True)
        return None
    export_policy(run / "checkpoints" / "latest.pt", path)
    for r in rows:
        r["model"] = str(path)
    return path


def append_rows(results: Path, rows: list[dict]) -> None:
    with open(results, "a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


def budget_checkpoint(run: Path, budget: int) -> tuple[Path, dict]:
    """The run's checkpoint with the most samples within the budget."""
    paths = sorted(run.glob("checkpoints/iter_*.pt"), reverse=True)
    if not paths:
        raise SystemExit(f"error: {run}: no checkpoints/iter_*.pt")
    for path in paths:
        state = load_checkpoint(path)
        if int(state["samples"]) <= budget:
            return path, state
    raise SystemExit(f"error: {run}: every checkpoint is past {budget:,d} samples")


def evaluate_runs(args, results: Path) -> None:
    """Rows for runs trained elsewhere with the defaults (in the app, say): each run's checkpoint with the most
    samples within the budget (--max_samples, else its clips' goal budget), evaluated as a trained row is."""
    for run in map(Path, args.from_run):
        files = [run / f"{name}_config.yaml" for name in ("env", "engine", "agent")]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise SystemExit(f"error: {missing[0]}: not found (not a run directory?)")
        agent = load_agent_config(files[2])
        method = next((configs for configs in DEFAULT_METHODS
                       if agent == load_agent_config(DATA_DIR / "agents" / configs[1])), None)
        if method is None:
            names = " nor ".join(agent_file for _, agent_file in DEFAULT_METHODS)
            raise SystemExit(f"error: {files[2]}: neither default agent config ({names}); suite rows use the defaults")
        # A row of the acrobatics route names its configs, as a trained row of it does, and so do env settings
        # changed from that route's (a run trained with overrides).
        changed = {} if method == DEFAULT_METHODS[0] else {"env_config": method[0], "agent_config": method[1]}
        overrides = env_changes(files[0], DATA_DIR / "envs" / method[0])
        if overrides:
            changed["env_overrides"] = overrides
        events = (run / "events.jsonl").read_text(encoding="utf-8") if (run / "events.jsonl").is_file() else ""
        if '"reward_weights"' in events:
            raise SystemExit(f"error: {run / 'events.jsonl'}: the reward weights changed during the run")
        resumed = [json.loads(line) for line in events.splitlines() if '"event": "resumed"' in line]
        if resumed:  # its samples began in another run (with other settings, perhaps): the row says which
            changed["resumed_from"] = resumed[0].get("path", "?")
        args.env_config, args.engine_config, args.agent_config = map(str, files)
        args.env_overrides, args.agent_overrides, args.num_envs = "{}", "{}", 1
        runner, eval_env = runner_and_eval_env(args, out_dir=None)
        keys = [clip_key(clip.name) for clip in eval_env.motion_lib.clips]
        budget = args.max_samples or goal_budget(keys)
        path, state = budget_checkpoint(run, budget)
        runner.agent.load_state_dict(state["agent"], policy_only=True, source=path)
        print(f"\n== {run}: {path.name}, {int(state['samples']):,d} samples (budget {budget:,d})", flush=True)
        wall_time = float(state["wall_time"])
        last = {"minutes": round(wall_time / 60, 1), "samples": int(state["samples"]),
                "samples_per_s": round(int(state["samples"]) / max(wall_time, 1e-9))}
        started = [json.loads(line) for line in events.splitlines() if '"started"' in line]
        num_envs = started[0].get("num_envs", 0) if started else 0
        append_rows(results, suite_rows(eval_env, runner.agent, last, run.name, num_envs,
                                        args.final_episodes, run=str(run), checkpoint=path.name, **changed))
        runner.env.close()
        eval_env.close()


def env_changes(run_env: Path, method_env: Path) -> dict:
    """The env settings of a run's config that differ from its method's shipped config (the clip aside)."""
    _, used, _ = load_env_config(run_env)
    _, shipped, _ = load_env_config(method_env, {"motion_file": used.motion_file})
    if type(used) is not type(shipped):
        raise SystemExit(f"error: {run_env}: not the env of {method_env.name}; suite rows use the defaults")
    ours, theirs = dataclasses.asdict(used), dataclasses.asdict(shipped)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in ours.items() if v != theirs[k]}


def evaluate_models(args, results: Path) -> None:
    """Rows for policy files (the shipped models), each evaluated on its clips with the configs stored in it, as
    a trained row is: re-scoring a model when the measures change. A model shipped by this script takes its
    training row's provenance (source, minutes, samples, commit), so the new row replaces that one in the table."""
    rows = read_rows(results) if results.is_file() else []
    for model in map(Path, args.from_model):
        if not model.is_file():
            raise SystemExit(f"error: {model}: not found")
        stored = argparse.Namespace(model_file=str(model))
        use_model_configs(stored)
        args.env_config, args.engine_config, args.agent_config = stored.env_config, stored.engine_config, \
            stored.agent_config
        args.env_overrides, args.agent_overrides, args.num_envs = "{}", "{}", 1
        state = for_checkpoint(args, str(model))
        runner, eval_env = runner_and_eval_env(args, out_dir=None)
        runner.agent.load_state_dict(state["agent"], policy_only=True, source=model)
        wall_time = float(state["wall_time"])
        last = {"minutes": round(wall_time / 60, 1), "samples": int(state["samples"]),
                "samples_per_s": round(int(state["samples"]) / max(wall_time, 1e-9))}
        trained = [r for r in rows if r.get("model") == str(model)]
        provenance = {k: trained[-1][k] for k in ("source", "commit", "num_envs", "out_dir") if k in trained[-1]} \
            if trained else {}
        print(f"\n== {model}: {last['samples']:,d} samples", flush=True)
        new = suite_rows(eval_env, runner.agent, last, provenance.get("source", model.stem),
                         provenance.get("num_envs", 0), args.final_episodes, model=str(model),
                         rescored={"commit": COMMIT, "date": time.strftime("%Y-%m-%d")})
        for r in new:
            r["commit"] = provenance.get("commit", r["commit"])  # the code that trained it
        append_rows(results, new)
        runner.env.close()
        eval_env.close()


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0], "amp_humanoid_env.yaml", "amp_humanoid_agent.yaml",
                             "output/learn_suite", 30.0, 1e9)
    parser.add_argument("--clips", nargs="+", default=["walk"],
                        help="shared clip names (walk jog run crawl dance_a spin spinkick cartwheel jump roll "
                             "backflip), clip paths or dataset YAMLs")
    parser.add_argument("--results", default=str(RESULTS), help="JSON lines file the rows are appended to")
    parser.add_argument("--table_only", action="store_true", help="print the table of the rows so far and exit")
    parser.add_argument("--markdown", action="store_true",
                        help="with --table_only: as markdown (docs/results/skill_suite.md)")
    parser.add_argument("--ship", metavar="DIR", default=None,
                        help="write each policy that meets its goal to DIR/amp_humanoid_<clip>_model.pt "
                             "(policy only: what replaying and testing need)")
    parser.add_argument("--final_episodes", type=int, default=128,
                        help="episodes of the final policy's evaluation, the row's and its goal's: 16 put a fall "
                             "rate of 0.29 anywhere from 0.06 to 0.5")
    parser.add_argument("--from_model", nargs="+", default=None, metavar="MODEL",
                        help="instead of training, evaluate policy files (the shipped models) with the configs "
                             "stored in them: re-scores them with today's measures")
    parser.add_argument("--from_run", nargs="+", default=None, metavar="RUN_DIR",
                        help="instead of training, evaluate runs trained with the defaults elsewhere (the app, the "
                             "CLI) at their last checkpoint within the budget")
    args = parser.parse_args()
    results = Path(args.results)
    if args.table_only:
        rows = read_rows(results)
        if args.markdown:
            print(markdown_table(rows))
        else:
            print_table(rows)
        return
    results.parent.mkdir(parents=True, exist_ok=True)
    if args.from_model:
        evaluate_models(args, results)
        print_table(read_rows(results))
        return
    if args.from_run:
        evaluate_runs(args, results)
        print_table(read_rows(results))
        return
    items = [resolve_clip(item) for item in args.clips]  # every name checked before hours of training
    if args.resume and len(items) > 1:
        raise SystemExit(f"error: --resume {args.resume}: one run goes on, so give one clip (--clips has {len(items)})")
    base_env_overrides = json.loads(args.env_overrides)
    for path in items:
        source = path.stem
        print(f"\n== {source}: training {args.minutes:g} min on {torch.get_num_threads()} torch threads, "
              f"{args.num_envs} envs", flush=True)
        args.env_overrides = json.dumps({**base_env_overrides, "motion_file": str(path)})
        # A run directory of its own: a second row of the clip must not append to the first one's logs.
        run = Path(args.out_dir) / f"{source}_{time.strftime('%Y%m%d-%H%M%S')}"
        runner, eval_env = runner_and_eval_env(args, str(run))
        print(f"contact bodies: {', '.join(eval_env.contact_bodies)}")
        print(f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'fall rate':>9} {'pose err m':>10} {'speed m/s':>9}",
              flush=True)
        last = train_and_evaluate(runner, eval_env, args.minutes, args.eval_every, args.eval_episodes,
                                  args.max_samples,
                                  lambda m, r: f"{r['fall_rate']:9.2f} {r['pose_error_dtw']:10.3f} "
                                               f"{r['root_speed_mean']:9.2f}")[-1]
        # An experiment's row says what it changed, so that it is never read as the defaults' row.
        changed = {k: v for k, v in {"env_overrides": base_env_overrides,
                                     "agent_overrides": json.loads(args.agent_overrides)}.items() if v}
        for key, default in zip(("env_config", "agent_config"), DEFAULT_METHODS[0], strict=True):
            if Path(getattr(args, key)).name != default:  # another method (ADD) or setup
                changed[key] = Path(getattr(args, key)).name
        if args.resume:  # its samples began in another run: the row says which
            changed["resumed_from"] = args.resume
        rows = suite_rows(eval_env, runner.agent, last, source, args.num_envs, args.final_episodes, out_dir=str(run),
                          **changed)
        for r in rows:
            print(f"final policy, {r['clip']}, {args.final_episodes} episodes: fall rate {r['fall_rate']:.2f}, "
                  f"DTW {r['pose_error_dtw']:.3f} m, {r['root_speed_mean']:.2f} m/s", flush=True)
        # Shipped models are the defaults' (docs/results/skill_suite.md lists them as the suite's).
        shipped = ship_model(Path(args.ship), source, run, rows) if args.ship and not changed else None
        if shipped is not None:
            print(f"goal met: the policy is {shipped}", flush=True)
        append_rows(results, rows)
        runner.env.close()
        eval_env.close()
    print_table(read_rows(results))


if __name__ == "__main__":
    main()
