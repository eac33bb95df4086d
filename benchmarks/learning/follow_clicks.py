"""A location policy's replay follows targets clicked anywhere within 10 m, driven as the GUI drives it.

A replay worker (`python -m amp_studio.worker replay`, the process the GUI's Replay starts) runs the model as fast
as it can; this script plays the user: it clicks a target (`set_target`, as a click on the viewport's ground
sends) at a uniformly random point of the disc of --radius metres around the character, waits until the streamed
pose is within --reach metres of it or --timeout simulated seconds pass, then clicks the next. A fall restarts the
character (the worker keeps the target where it was relative to it) and counts against the click.

    python benchmarks/learning/follow_clicks.py [--model data/models/amp_location_humanoid_model.pt] [--clicks 20]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

from amp_studio import DATA_DIR
from amp_studio.worker.client import WorkerClient

FAIL = 1  # DoneFlag.FAIL, as the pose events carry it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DATA_DIR / "models" / "amp_location_humanoid_model.pt"))
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_location_locomotion_humanoid_env.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--radius", type=float, default=10.0, help="targets anywhere within this distance (m)")
    parser.add_argument("--reach", type=float, default=0.5, help="a target is reached this close (m)")
    parser.add_argument("--timeout", type=float, default=30.0, help="simulated seconds allowed per click")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", default="output/follow_clicks_worker.log")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    worker = WorkerClient("replay", [
        "--model_file", str(Path(args.model).resolve()), "--num_envs", "1", "--seed", str(args.seed), "--fast",
        "--env_config", str(Path(args.env_config).resolve()), "--agent_config", str(Path(args.agent_config).resolve()),
        "--engine_config", str(Path(args.engine_config).resolve())], args.log)

    results: list[dict] = []
    target = click_time = None
    start_distance = 0.0
    falls = 0
    deadline = time.monotonic() + 60 + args.clicks * args.timeout  # far more than the simulation needs
    print(f"{'click':>5} {'distance m':>10} {'reached':>7} {'seconds':>7} {'falls':>5}", flush=True)
    try:
        while len(results) < args.clicks:
            msg = worker.next(deadline)
            if msg is None:
                sys.exit(f"the replay worker ended early; see {args.log}")
            if msg.type == "error":
                sys.exit(f"replay worker error: {msg.get('message')}")
            if msg.type != "pose" or msg.get("target") is None:
                continue
            root, now = msg.get("qpos")[:2], msg.get("time")
            if msg.get("done") == FAIL:
                falls += 1
            shown = msg.get("target")
            if target is not None and math.dist(shown, target) > 1e-3:
                target = shown  # after a fall the worker carried the target along with the character
            if target is None or math.dist(root, target) < args.reach or now - click_time >= args.timeout:
                if target is not None:
                    reached = math.dist(root, target) < args.reach
                    results.append({"distance": start_distance, "reached": reached,
                                    "seconds": round(now - click_time, 2), "falls": falls})
                    r = results[-1]
                    print(f"{len(results):5d} {r['distance']:10.2f} {str(reached):>7} {r['seconds']:7.2f} "
                          f"{falls:5d}", flush=True)
                    if len(results) == args.clicks:
                        break
                radius, angle = args.radius * math.sqrt(rng.random()), 2 * math.pi * rng.random()
                target = [root[0] + radius * math.cos(angle), root[1] + radius * math.sin(angle)]
                start_distance, click_time, falls = radius, now, 0
                worker.send("set_target", xy=target)
                # Poses already on their way still show the old target; wait for the new one.
                while True:
                    msg = worker.next(deadline)
                    if msg is None or (msg.type == "pose" and math.dist(msg.get("target"), target) < 1e-3):
                        break
                if msg is None:
                    sys.exit(f"the replay worker ended early; see {args.log}")
                click_time = msg.get("time")
        worker.send("stop")
    finally:
        worker.close()

    reached = [r for r in results if r["reached"]]
    summary = {"clicks": len(results), "reached_rate": len(reached) / len(results),
               "seconds_median": statistics.median(r["seconds"] for r in reached) if reached else None,
               "seconds_max": max((r["seconds"] for r in reached), default=None),
               "speed_mean": (statistics.mean(r["distance"] / r["seconds"] for r in reached if r["seconds"] > 0)
                              if reached else None),
               "falls": sum(r["falls"] for r in results)}
    print(f"reached {len(reached)}/{len(results)} targets within {args.timeout:g} s; median "
          f"{summary['seconds_median']} s; falls {summary['falls']}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
