"""The headline benchmark: AMP learns DeepMimic's walk on this machine's CPU cores, evaluated as it trains.

Trains with the CPU profile (data/agents/amp_humanoid_agent.yaml) from ../shared/motions/deepmimic/
humanoid3d_walk.txt; every --eval_every minutes of training (evaluation time not counted) the deterministic
policy runs 10-second episodes and the table gets a row: fall rate, DTW pose error and root speed against
the clip's. Goal on 2 cores within 60 minutes: fall rate <= 0.10, pose error <= 0.06 m, speed within 20%.

    python benchmarks/learn_walk.py --minutes 60 [--max_samples N] [--save_model data/models/amp_humanoid_walk_model.pt]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from amp_studio import DATA_DIR
from amp_studio.envs import make_env_from_files
from amp_studio.runs.evaluation import clip_root_speed, evaluate
from amp_studio.runs.run_directory import export_policy
from amp_studio.runs.training import make_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--max_samples", type=int, default=None,
                        help="also stop at this many samples (machines differ in speed; goals are in samples)")
    parser.add_argument("--eval_every", type=float, default=10.0, help="minutes of training between evaluations")
    parser.add_argument("--eval_episodes", type=int, default=16)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_walk_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_humanoid_agent.yaml"))
    parser.add_argument("--env_overrides", default="{}", help="JSON object of env settings to override")
    parser.add_argument("--agent_overrides", default="{}", help="JSON object of agent settings to override")
    parser.add_argument("--out_dir", default="output/learn_walk")
    parser.add_argument("--save_model", default=None, help="write the final policy here (policy-only checkpoint)")
    args = parser.parse_args()

    env_overrides, agent_overrides = json.loads(args.env_overrides), json.loads(args.agent_overrides)
    runner = make_training(args.env_config, args.engine_config, args.agent_config, args.num_envs, args.seed,
                           args.out_dir, env_overrides, agent_overrides, log=lambda line: None)
    eval_env = make_env_from_files(args.env_config, args.engine_config, min(16, args.eval_episodes),
                                   seed=args.seed + 1, env_overrides=env_overrides)
    target_speed = clip_root_speed(eval_env)
    header = f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'fall rate':>9} {'pose err m':>10} " \
             f"{'speed m/s':>9} {'/ clip':>6} {'ep len s':>8}"
    print(f"clip root speed {target_speed:.3f} m/s; training {args.minutes} min on {torch.get_num_threads()} "
          f"torch threads, {args.num_envs} envs")
    print(header, flush=True)
    rows = []
    next_eval = 0.0
    while True:
        minutes = runner.wall_time / 60
        done = minutes >= args.minutes - 1e-9 or (args.max_samples and runner.samples >= args.max_samples)
        if minutes >= next_eval - 1e-9 or done:
            t0 = time.perf_counter()
            result = evaluate(eval_env, runner.agent, args.eval_episodes)
            rate = runner.samples / max(runner.wall_time, 1e-9)
            row = {"minutes": round(minutes, 1), "samples": runner.samples, "samples_per_s": round(rate),
                   **{k: round(v, 4) for k, v in result.items()}, "speed_ratio": round(
                       result["root_speed_mean"] / target_speed, 3)}
            rows.append(row)
            print(f"{minutes:7.1f} {runner.samples:11,d} {rate:9,.0f} {result['fall_rate']:9.2f} "
                  f"{result['pose_error_dtw']:10.3f} {result['root_speed_mean']:9.2f} {row['speed_ratio']:6.2f} "
                  f"{result['episode_length_mean']:8.2f}   (eval {time.perf_counter() - t0:.0f} s)", flush=True)
            runner.save_checkpoint()
            next_eval += args.eval_every
            if done:
                break
        stop_at = min(next_eval, args.minutes) * 60
        limit = args.max_samples or float("inf")
        runner.train(callback=lambda m, stop=stop_at: runner.wall_time < stop and runner.samples < limit)
    if args.save_model:
        export_policy(runner.run_dir.checkpoints / "latest.pt", args.save_model)
    print(json.dumps(rows[-1]))


if __name__ == "__main__":
    main()
