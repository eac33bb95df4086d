"""The headline benchmark: AMP learns DeepMimic's walk on this machine's CPU cores, evaluated as it trains.

Trains with the CPU profile (data/agents/amp_humanoid_agent.yaml) from ../shared/motions/deepmimic/
humanoid3d_walk.txt; every --eval_every minutes of training (evaluation time not counted) the deterministic
policy runs 10-second episodes and the table gets a row: fall rate, DTW pose error and root speed against
the clip's. Goal on 2 cores within 60 minutes: fall rate <= 0.10, pose error <= 0.06 m, speed within 20%.

    python benchmarks/learning/learn_walk.py --minutes 60 [--max_samples N]
        [--save_model data/models/amp_humanoid_walk_model.pt]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from amp_studio.runs.checkpoints import export_policy
from amp_studio.runs.evaluation import clip_root_speed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import runner_and_eval_env, train_and_evaluate, training_parser  # noqa: E402


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0],
                             "amp_walk_humanoid_env.yaml",
                             "amp_humanoid_agent.yaml", "output/learn_walk", 60.0, 10.0)
    parser.add_argument("--save_model", default=None, help="write the final policy here (policy-only checkpoint)")
    args = parser.parse_args()
    runner, eval_env = runner_and_eval_env(args)
    target_speed = clip_root_speed(eval_env)
    header = f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'fall rate':>9} {'pose err m':>10} " \
             f"{'speed m/s':>9} {'/ clip':>6} {'ep len s':>8}"
    print(f"clip root speed {target_speed:.3f} m/s; training {args.minutes} min on {torch.get_num_threads()} "
          f"torch threads, {args.num_envs} envs")
    print(header, flush=True)

    def row(minutes: float, r: dict) -> str:
        return (f"{r['fall_rate']:9.2f} {r['pose_error_dtw']:10.3f} {r['root_speed_mean']:9.2f} "
                f"{r['root_speed_mean'] / target_speed:6.2f} {r['episode_length_mean']:8.2f}")

    rows = train_and_evaluate(runner, eval_env, args.minutes, args.eval_every, args.eval_episodes,
                              args.max_samples, row)
    for r in rows:
        r["speed_ratio"] = round(r["root_speed_mean"] / target_speed, 3)
    if args.save_model:
        export_policy(runner.run_dir.checkpoints / "latest.pt", args.save_model)
    print(json.dumps(rows[-1]))


if __name__ == "__main__":
    main()
