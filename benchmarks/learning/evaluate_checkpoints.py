"""Evaluate a run's checkpoints as the learning benchmarks do, after the fact: a run trained elsewhere (in the app,
say) gets the same table as one trained by learn_walk.py or learn_location.py.

Each checkpoint's policy runs deterministically on its own evaluation env (min(16, episodes) envs, seed + 1, as
timed_training.py builds it) for --eval_episodes episodes. One row per checkpoint: samples, then the evaluation's
keys (task return, success rate, final distance for the location task; fall rate, style reward and DTW pose error
for all). Last line: one JSON list of the rows.

    python benchmarks/learning/evaluate_checkpoints.py RUN/checkpoints/iter_000100.pt RUN/checkpoints/latest.pt
        [--env_config data/envs/amp_location_locomotion_humanoid_env.yaml]
        [--agent_config data/agents/amp_task_humanoid_agent.yaml] [--eval_episodes 32]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from amp_studio.runs.checkpoints import load_checkpoint
from amp_studio.runs.evaluation import evaluate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import for_checkpoint, runner_and_eval_env, training_parser  # noqa: E402


def main() -> None:
    parser = training_parser(__doc__.splitlines()[0], "amp_location_locomotion_humanoid_env.yaml",
                             "amp_task_humanoid_agent.yaml", None, 0.0, 0.0)  # None: no run directory
    parser.add_argument("checkpoints", nargs="+")
    parser.set_defaults(num_envs=1, eval_episodes=32)
    args = parser.parse_args()
    # The env observes in the frame the (first) checkpoint's policy was trained in; the others must share it.
    first = for_checkpoint(args, args.checkpoints[0])
    runner, eval_env = runner_and_eval_env(args, out_dir=None)
    keys = ("task_return", "success_rate", "final_distance_mean", "fall_rate", "disc_reward_mean",
            "pose_error_dtw")
    print(f"{'samples':>11} " + " ".join(f"{k[:12]:>12}" for k in keys), flush=True)
    rows = []
    for i, path in enumerate(args.checkpoints):
        checkpoint = first if i == 0 else load_checkpoint(path)
        runner.load_policy(path, checkpoint)
        result = evaluate(eval_env, runner.agent, args.eval_episodes)
        rows.append({"checkpoint": path, "samples": int(checkpoint.get("samples", 0)),
                     **{k: round(v, 4) for k, v in result.items()}})
        print(f"{rows[-1]['samples']:11,d} " + " ".join(f"{result.get(k, float('nan')):12.3f}" for k in keys),
              flush=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
