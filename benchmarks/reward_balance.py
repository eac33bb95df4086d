"""The reward balance, measured: the same start trained with more or less task weight, then evaluated.

From one checkpoint of the location task (a full checkpoint resumes exactly; a model initializes the policy and
its discriminator), each task weight w (the imitation weight is 1 - w) trains for the same minutes, its own run
directory under --out_dir, and is evaluated deterministically every --eval_every minutes: task return, style
reward (the discriminator's, per step) and DTW pose error against the nearest clip. More task weight should
give a higher task return and a lower style reward, and less the other way.

    python benchmarks/reward_balance.py --start_model output/learn_location/checkpoints/latest.pt --minutes 10
"""

from __future__ import annotations

import argparse
import json

from timed_training import train_and_evaluate

from amp_studio import DATA_DIR
from amp_studio.envs import make_env_from_files
from amp_studio.runs.training import make_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start_model", required=True, help="checkpoint or model of the location task")
    parser.add_argument("--task_weights", type=float, nargs="+", default=[0.1, 0.5, 0.9])
    parser.add_argument("--minutes", type=float, default=10.0, help="training minutes per weight")
    parser.add_argument("--eval_every", type=float, default=2.5)
    parser.add_argument("--eval_episodes", type=int, default=16)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_location_locomotion_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml"))
    parser.add_argument("--out_dir", default="output/reward_balance")
    args = parser.parse_args()

    eval_env = make_env_from_files(args.env_config, args.engine_config, min(16, args.eval_episodes),
                                   seed=args.seed + 1)
    summary = []
    for w in args.task_weights:
        runner = make_training(args.env_config, args.engine_config, args.agent_config, args.num_envs, args.seed,
                               f"{args.out_dir}/task_{w:g}", log=lambda line: None)
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
                                  args.eval_episodes, None, row)
        last = rows[-1]
        summary.append({"task_weight": w, "samples": last["samples"] - start_samples,
                        **{k: last[k] for k in ("task_return", "disc_reward_mean", "pose_error_dtw", "fall_rate")
                           if k in last}})
        runner.env.close()
    print(f"{'task w':>6} {'samples':>11} {'task ret':>8} {'style r':>7} {'pose err m':>10} {'fall rate':>9}")
    for s in summary:
        print(f"{s['task_weight']:6.2f} {s['samples']:11,d} {s['task_return']:8.3f} "
              f"{s.get('disc_reward_mean', float('nan')):7.3f} {s['pose_error_dtw']:10.3f} {s['fall_rate']:9.2f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
