"""The reward balance, measured: the same start trained with more or less task weight, then evaluated.

From one checkpoint of the location task (a full checkpoint resumes exactly; a model initializes the policy and
its discriminator), each task weight w (the imitation weight is 1 - w) trains for the same minutes, its own run
directory under --out_dir, and is evaluated deterministically every --eval_every minutes: task return, style
reward (the discriminator's, per step) and DTW pose error against the nearest clip. More task weight should
give a higher task return and a lower style reward, and less the other way.

    python benchmarks/learning/reward_balance.py --start_model output/learn_location/checkpoints/latest.pt --minutes 10
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import runner_and_eval_env, train_and_evaluate, training_parser  # noqa: E402


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0], "amp_location_locomotion_humanoid_env.yaml",
                             "amp_task_humanoid_agent.yaml", "output/reward_balance", 10.0, 2.5)
    parser.add_argument("--start_model", required=True, help="checkpoint or model of the location task")
    parser.add_argument("--task_weights", type=float, nargs="+", default=[0.1, 0.5, 0.9])
    args = parser.parse_args()

    summary = []
    for w in args.task_weights:
        runner, eval_env = runner_and_eval_env(args, f"{args.out_dir}/task_{w:g}")
        runner.load_checkpoint(args.start_model)
        runner.agent.set_reward_weights(disc_reward_weight=1.0 - w, task_reward_weight=w)
        start_samples = runner.samples  # the table counts the samples trained under this weight
        print(f"task weight {w:g}, imitation weight {1 - w:g}")
        print(f"{'minutes':>7} {'samples':>11} {'samples/s':>9} {'task ret':>8} {'style r':>7} {'pose err m':>10} "
              f"{'fall rate':>9}", flush=True)

        def row(minutes: float, r: dict) -> str:
            return (f"{r['task_return']:8.3f} {r.get('disc_reward_mean', float('nan')):7.3f} "
                    f"{r['pose_error_dtw']:10.3f} {r['fall_rate']:9.2f}")

        rows = train_and_evaluate(runner, eval_env, args.minutes, args.eval_every,
                                  args.eval_episodes, args.max_samples and start_samples + args.max_samples, row)
        last = rows[-1]
        summary.append({"task_weight": w, "samples": last["samples"] - start_samples,
                        **{k: last[k] for k in ("task_return", "disc_reward_mean", "pose_error_dtw", "fall_rate")
                           if k in last}})
        runner.env.close()
        eval_env.close()
    print(f"{'task w':>6} {'samples':>11} {'task ret':>8} {'style r':>7} {'pose err m':>10} {'fall rate':>9}")
    for s in summary:
        print(f"{s['task_weight']:6.2f} {s['samples']:11,d} {s['task_return']:8.3f} "
              f"{s.get('disc_reward_mean', float('nan')):7.3f} {s['pose_error_dtw']:10.3f} {s['fall_rate']:9.2f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
