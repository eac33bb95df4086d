"""AMP learns the steering task in the style of a locomotion dataset on this machine's CPU cores.

Trains with the task profile (data/agents/amp_task_humanoid_agent.yaml) on data/datasets/locomotion.yaml (clips
read from ../shared/motions/deepmimic/); every --eval_every minutes of training (evaluation not counted) the
deterministic policy runs 10-second episodes and the table gets a row: task return (mean task reward per step, in
[0, 1]), the median heading error (degrees) and relative speed error of the root's velocity against the command,
judged from 1.5 s after each new command (amp_studio/runs/steering_judge.py), fall rate, style reward and DTW pose
error against the nearest clip. Goal on 2 cores (issue 42): fall rate 0, heading error median <= 10 degrees,
speed error median <= 0.15 and DTW <= 0.08 m within 36 M samples.

    python benchmarks/learning/learn_steering.py --minutes 100 --max_samples 36000000 \
        [--save_model data/models/amp_steering_humanoid_model.pt]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from amp_studio.envs.env_config import load_env_config
from amp_studio.runs.checkpoints import export_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import runner_and_eval_env, train_and_evaluate, training_parser  # noqa: E402


def measured_task(env_config: str) -> dict:
    """The task every evaluation measures, whatever --env_overrides change in training: 10-s episodes and the env
    config file's first-command rule (every command drawn at random by default)."""
    _, file_config, _ = load_env_config(env_config)
    return {"episode_length": 10.0, "clip_command_prob": file_config.clip_command_prob}


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0], "amp_steering_humanoid_env.yaml",
                             "amp_task_humanoid_agent.yaml", "output/learn_steering", 60.0, 10.0)
    parser.add_argument("--save_model", default=None, help="write the final policy here (policy-only checkpoint)")
    args = parser.parse_args()
    # Evaluated on the task as the env config file defines it (10-s episodes, every command drawn at random),
    # whatever --env_overrides change in training: runs with different training settings stay comparable.
    runner, eval_env = runner_and_eval_env(args, eval_overrides=measured_task(args.env_config))
    lo, hi = eval_env.speed_range
    print(f"training {args.minutes} min on {torch.get_num_threads()} torch threads, {args.num_envs} envs, "
          f"{eval_env.motion_lib.num_clips} clips, commanded speeds {lo:.2f}-{hi:.2f} m/s")
    print(f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'task ret':>8} {'head deg':>8} {'speed err':>9} "
          f"{'speed m/s':>9} {'fall rate':>9} {'style r':>7} {'pose err m':>10}", flush=True)

    def row(minutes: float, r: dict) -> str:
        return (f"{r['task_return']:8.3f} {r['heading_error_deg_median']:8.1f} {r['speed_error_median']:9.3f} "
                f"{r['root_speed_mean']:9.2f} {r['fall_rate']:9.2f} {r.get('disc_reward_mean', float('nan')):7.3f} "
                f"{r['pose_error_dtw']:10.3f}")

    rows = train_and_evaluate(runner, eval_env, args.minutes, args.eval_every, args.eval_episodes,
                              args.max_samples, row)
    if args.save_model:
        export_policy(runner.run_dir.checkpoints / "latest.pt", args.save_model)
    print(json.dumps(rows[-1]))


if __name__ == "__main__":
    main()
