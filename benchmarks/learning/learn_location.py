"""AMP learns the location task in the style of a locomotion dataset on this machine's CPU cores.

Trains with the task profile (data/agents/amp_task_humanoid_agent.yaml) on data/datasets/locomotion.yaml (clips
read from ../shared/motions/deepmimic/); every --eval_every minutes of training (evaluation not counted) the
deterministic policy runs 10-second episodes and the table gets a row: normalized task return (mean task reward
per step, in [0, 1]), success rate, mean final distance, fall rate, style reward (the discriminator's, per step)
and DTW pose error against the nearest clip. The AMP paper's reference (Table 1, locomotion): 0.63 +- 0.01.
Goal on 2 cores: task return >= 0.63 and fall rate <= 0.1 within 36 M samples, DTW to the nearest clip <= 0.08 m.

    python benchmarks/learning/learn_location.py --minutes 60 [--max_samples N]
        [--save_model data/models/amp_location_humanoid_model.pt]
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path

import torch

from amp_studio.envs import EnvConfig, LocationEnvConfig, load_env_config
from amp_studio.runs.checkpoints import export_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import runner_and_eval_env, train_and_evaluate, training_parser  # noqa: E402


def measured_task(env_config: str) -> dict:
    """The env config file's task settings (target schedule and reward: every field the location task adds to the
    env's), on 10-s episodes: the goal's terms, which training overrides (--env_overrides) do not change."""
    _, config, _ = load_env_config(env_config)
    task = {f.name for f in fields(LocationEnvConfig)} - {f.name for f in fields(EnvConfig)}
    return {"episode_length": 10.0, **{k: getattr(config, k) for k in sorted(task)}}


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0],
                             "amp_location_locomotion_humanoid_env.yaml",
                             "amp_task_humanoid_agent.yaml", "output/learn_location", 60.0, 10.0)
    parser.add_argument("--save_model", default=None, help="write the final policy here (policy-only checkpoint)")
    args = parser.parse_args()
    runner, eval_env = runner_and_eval_env(args, eval_overrides=measured_task(args.env_config))
    print(f"training {args.minutes} min on {torch.get_num_threads()} torch threads, {args.num_envs} envs, "
          f"{eval_env.motion_lib.num_clips} clips")
    print(f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'task ret':>8} {'success':>7} {'final m':>7} "
          f"{'fall rate':>9} {'style r':>7} {'pose err m':>10}", flush=True)

    def row(minutes: float, r: dict) -> str:
        return (f"{r['task_return']:8.3f} {r['success_rate']:7.2f} {r['final_distance_mean']:7.2f} "
                f"{r['fall_rate']:9.2f} {r.get('disc_reward_mean', float('nan')):7.3f} {r['pose_error_dtw']:10.3f}")

    rows = train_and_evaluate(runner, eval_env, args.minutes, args.eval_every, args.eval_episodes,
                              args.max_samples, row)
    if args.save_model:
        export_policy(runner.run_dir.checkpoints / "latest.pt", args.save_model)
    print(json.dumps(rows[-1]))


if __name__ == "__main__":
    main()
