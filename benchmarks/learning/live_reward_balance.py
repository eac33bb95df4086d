"""Reward weights changed live, through the worker protocol as the GUI does, move a training's curves within iterations.

A worker process (`python -m amp_studio.worker train`, as the GUI starts it) trains the location task from
--start_model for --minutes. Right after it starts it gets the task weight --from_weight (the imitation weight is
1 - task weight), and at half of the minutes (counted from the first iteration) --to_weight, both through
`set_reward_weights` on its stdin. The table shows the iterations around the change; the summary compares the mean
task and style rewards over --window iterations before the change, right after it and at the end, and counts the
iterations until a 3-iteration running mean leaves the range it had before. More task weight should raise the task
reward and lower the style reward, and less the other way. The rewards are the worker's training metrics: per-step
means under the stochastic policy (task: the env's task reward; style: the discriminator's reward).

    python benchmarks/learning/live_reward_balance.py --start_model output/learn_location/checkpoints/latest.pt
        --minutes 6
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from amp_studio import DATA_DIR
from amp_studio.worker.client import WorkerClient

# Beyond the training minutes: imports, building the envs, loading the checkpoint, the last checkpoint's write.
SLACK_S = 300.0


def weights(task: float) -> dict:
    return {"disc_reward_weight": round(1.0 - task, 6), "task_reward_weight": task}


def mean(xs: list[float]) -> float:
    xs = [x for x in xs if not math.isnan(x)]
    return sum(xs) / len(xs) if xs else math.nan


def running3(xs: list[float]) -> list[float]:
    return [mean(xs[i - 2:i + 1]) for i in range(2, len(xs))]


def iterations_to_move(rows: list[dict], change: int, window: int, key: str, up: bool) -> int | None:
    """Iterations under the new weights until a 3-iteration running mean passes the before-window's extreme.

    Running means never straddle the change, so the count is at least 3; None if it never passes."""
    before = running3([r[key] for r in rows if change - window <= r["iteration"] < change])
    after_rows = [r for r in rows if r["iteration"] >= change]
    after = running3([r[key] for r in after_rows])
    if not before:
        return None
    bound = max(before) if up else min(before)
    for i, m in enumerate(after):
        if (m > bound) if up else (m < bound):
            return after_rows[i + 2]["iteration"] - change + 1
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start_model", required=True,
                        help="checkpoint of the location task (a full one resumes only with its own --num_envs) or "
                             "model (policy-only, e.g. a run's checkpoints/iter_*.pt: any --num_envs)")
    parser.add_argument("--minutes", type=float, default=6.0, help="training minutes (the change at half)")
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from_weight", type=float, default=0.5, help="task weight at the start")
    parser.add_argument("--to_weight", type=float, default=0.9, help="task weight after the change")
    parser.add_argument("--window", type=int, default=10, help="iterations averaged on each side of the change")
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_location_locomotion_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml"))
    parser.add_argument("--out_dir", default="output/live_reward_balance")
    args = parser.parse_args()
    if args.to_weight == args.from_weight:
        parser.error("--to_weight must differ from --from_weight: the benchmark measures a change")
    if args.window < 3:
        parser.error("--window must be at least 3 (3-iteration running means)")
    up = args.to_weight > args.from_weight  # the direction the task reward should move; the style reward the other

    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    # The worker runs in the repository root, so the caller's relative paths are resolved here.
    worker_args = ["--model_file", str(Path(args.start_model).resolve()), "--max_minutes", f"{args.minutes:g}",
                   "--out_dir", str(out_dir), "--num_envs", str(args.num_envs), "--seed", str(args.seed),
                   "--env_config", str(Path(args.env_config).resolve()),
                   "--engine_config", str(Path(args.engine_config).resolve()),
                   "--agent_config", str(Path(args.agent_config).resolve()),
                   "--logger", "txt"]  # no TensorBoard: the events carry the metrics
    print(f"training {args.minutes:g} min from {args.start_model}, {args.num_envs} envs; task weight "
          f"{args.from_weight:g} -> {args.to_weight:g} at {args.minutes / 2:g} min; worker log "
          f"{out_dir / 'worker.log'}", flush=True)

    worker = WorkerClient("train", worker_args, out_dir / "worker.log")
    rows: list[dict] = []
    from_seq = to_seq = 0
    from_at = change = None
    first_iteration_time = None
    finished = None
    deadline = time.monotonic() + args.minutes * 60 + SLACK_S
    try:
        while True:
            msg = worker.next(deadline)
            if msg is None:
                break
            if msg.type == "started":
                from_seq = worker.send("set_reward_weights", **weights(args.from_weight))
            elif msg.type == "weights_applied" and msg.reply_to == from_seq:
                from_at = msg.get("iteration")
                print(f"task weight {msg.get('task_reward_weight'):g} from iteration {from_at}", flush=True)
            elif msg.type == "weights_applied" and msg.reply_to == to_seq:
                change = msg.get("iteration")
                print(f"task weight {msg.get('task_reward_weight'):g} from iteration {change}", flush=True)
            elif msg.type == "iteration":
                m = msg.get("metrics")
                rows.append({k: m.get(k, math.nan) for k in ("iteration", "samples", "task_reward_weight",
                                                              "task_reward_mean", "disc_reward_mean")})
                if first_iteration_time is None:
                    first_iteration_time = time.monotonic()
            elif msg.type == "error":
                print(f"worker error: {msg.get('message')}\n{msg.get('traceback', '')}", file=sys.stderr)
            elif msg.type == "finished":
                finished = msg
            # Only once the start weights are acknowledged, so the two acks cannot be confused or reordered.
            if (to_seq == 0 and finished is None and from_at is not None and first_iteration_time is not None
                    and time.monotonic() - first_iteration_time >= args.minutes * 30):
                to_seq = worker.send("set_reward_weights", **weights(args.to_weight))
        code = worker.proc.wait(timeout=60)
    finally:
        worker.close()
    if finished is None or code != 0:
        sys.exit(f"the worker did not finish cleanly (exit code {worker.proc.returncode}); "
                 f"see {out_dir / 'worker.log'}")
    if change is None:
        sys.exit("the run ended before the change of weights applied; give it more --minutes")

    # A mismatch would mean the ack names the wrong iteration, and every number below would be shifted.
    at_change = [r for r in rows if r["iteration"] == change]
    if at_change and not math.isclose(at_change[0]["task_reward_weight"], args.to_weight, abs_tol=1e-6):
        print(f"warning: iteration {change} trained with task weight {at_change[0]['task_reward_weight']}, "
              f"not {args.to_weight}", file=sys.stderr)

    print(f"{'':2}{'iter':>6} {'samples':>11} {'task w':>6} {'task r':>7} {'style r':>7}")
    for r in rows:
        if r["iteration"] >= change - args.window:
            mark = "->" if r["iteration"] == change else ""
            print(f"{mark:2}{r['iteration']:6d} {r['samples']:11,d} {r['task_reward_weight']:6.2f} "
                  f"{r['task_reward_mean']:7.4f} {r['disc_reward_mean']:7.4f}")

    windows = {"before": [r for r in rows if change - args.window <= r["iteration"] < change],
               "after": [r for r in rows if change <= r["iteration"] < change + args.window],
               "last": rows[-args.window:]}
    means = {name: {key: mean([r[key] for r in ws]) for key in ("task_reward_mean", "disc_reward_mean")}
             for name, ws in windows.items()}
    moves = {"task_reward_mean": iterations_to_move(rows, change, args.window, "task_reward_mean", up),
             "disc_reward_mean": iterations_to_move(rows, change, args.window, "disc_reward_mean", not up)}
    print(f"\n{'window':<22} {'task r':>7} {'style r':>7}")
    for name, ws in windows.items():
        span = f"{ws[0]['iteration']}-{ws[-1]['iteration']}" if ws else "-"
        print(f"{name + ' (' + span + ')':<22} {means[name]['task_reward_mean']:7.4f} "
              f"{means[name]['disc_reward_mean']:7.4f}")
    keys = ("task_reward_mean", "disc_reward_mean")
    for name in ("after", "last"):
        print(f"{name + ' - before':<22} " + " ".join(f"{means[name][k] - means['before'][k]:+7.4f}" for k in keys))
    print(f"{'iterations to move':<22} "
          + " ".join(f"{'never' if n is None else n:>7}" for n in moves.values())
          + f"   (task {'up' if up else 'down'}, style {'down' if up else 'up'})")

    def clean(x):  # NaN is not JSON
        return None if isinstance(x, float) and math.isnan(x) else (round(x, 5) if isinstance(x, float) else x)

    summary = {"from_weight": args.from_weight, "to_weight": args.to_weight, "window": args.window,
               "change_iteration": change, "last_iteration": rows[-1]["iteration"], "samples": rows[-1]["samples"]}
    for name in windows:
        summary[f"task_reward_{name}"] = clean(means[name]["task_reward_mean"])
        summary[f"disc_reward_{name}"] = clean(means[name]["disc_reward_mean"])
    for name in ("after", "last"):
        for key, short in (("task_reward_mean", "task_reward"), ("disc_reward_mean", "disc_reward")):
            summary[f"{short}_{name}_minus_before"] = clean(means[name][key] - means["before"][key])
    summary["task_iterations_to_move"] = moves["task_reward_mean"]
    summary["disc_iterations_to_move"] = moves["disc_reward_mean"]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
