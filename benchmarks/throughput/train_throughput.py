"""Training samples per second, everything included, next to raw MuJoCo stepping of the same physics.

train  Runner.train with the CPU profile: rollout (physics, observations, policy), values, demo windows,
       the policy, critic and discriminator updates (the last two beside the next rollout), metrics; samples
       are env control steps.
raw    the rollout calls the training made, replayed as bare mujoco.rollout (same states, targets, model,
       substeps, env count and threads), in env control steps per second.
The last line is one JSON object: {"train_samples_per_s", "raw_steps_per_s", "ratio"} of the first setup, with every
setup's under "tasks" when --tasks names them. Goal (issue 43): ratio >= 0.6.

    python benchmarks/throughput/train_throughput.py [--iterations 30] [--num_envs 256] [--agent_overrides JSON]
        [--tasks humanoid location steering g1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from sim_throughput import record_physics, replay_steps_per_s

from amp_studio import DATA_DIR
from amp_studio.runs.training import make_training

TASKS = {
    "humanoid": ("amp_humanoid_env.yaml", "amp_humanoid_agent.yaml"),
    "location": ("amp_location_humanoid_env.yaml", "amp_task_humanoid_agent.yaml"),
    "steering": ("amp_steering_humanoid_env.yaml", "amp_task_humanoid_agent.yaml"),
    "g1": ("amp_g1_walk_env.yaml", "amp_humanoid_agent.yaml"),
}
"""Each shipped training setup: env config and agent config (data/envs, data/agents)."""


def measure(env_config: str, agent_config: str, args) -> dict:
    """Training samples/s of one setup after a warm-up, and raw MuJoCo on the physics that training ran."""
    overrides = {"motion_file": args.motion_file} if args.motion_file else None
    runner = make_training(env_config, args.engine_config, agent_config, args.num_envs,
                           env_overrides=overrides, agent_overrides=args.agent_overrides, log=lambda line: None)
    runner.train(max_iterations=3)  # warm-up
    record = record_physics(runner.env)
    start_samples = runner.samples
    t0 = time.perf_counter()
    runner.train(max_iterations=runner.iteration + args.iterations)
    elapsed = time.perf_counter() - t0
    train_rate = (runner.samples - start_samples) / elapsed
    del runner.env.engine._rollout.rollout
    raw_rate = replay_steps_per_s(runner.env, record)
    runner.env.close()
    print(f"{Path(env_config).name} with {Path(agent_config).name}: {args.num_envs} envs, "
          f"{runner.config.steps_per_iter} steps per iteration, physics threads {runner.env.engine.config.num_threads}")
    print(f"train {train_rate:,.0f} samples/s, raw MuJoCo on the same physics {raw_rate:,.0f} steps/s, "
          f"ratio {train_rate / raw_rate:.3f}", flush=True)
    return {"train_samples_per_s": round(train_rate), "raw_steps_per_s": round(raw_rate),
            "ratio": round(train_rate / raw_rate, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=None,
                        help="shipped setups to measure one after the other (default: --env_config/--agent_config)")
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / TASKS["humanoid"][0]))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / TASKS["humanoid"][1]))
    parser.add_argument("--motion_file", default=None)
    parser.add_argument("--agent_overrides", type=json.loads, default=None,
                        help="JSON of agent config keys to change, e.g. '{\"background_torch_threads\": 1}'")
    args = parser.parse_args()

    setups = {t: (str(DATA_DIR / "envs" / TASKS[t][0]), str(DATA_DIR / "agents" / TASKS[t][1]))
              for t in args.tasks} if args.tasks else {"": (args.env_config, args.agent_config)}
    print(f"torch threads {torch.get_num_threads()}")
    results = {task: measure(env_config, agent_config, args) for task, (env_config, agent_config) in setups.items()}
    first = next(iter(results.values()))
    # The first setup's figures at the top (the line other tools read), each task's below when several ran.
    print(json.dumps({**first, **({"tasks": results} if args.tasks else {})}))


if __name__ == "__main__":
    main()
