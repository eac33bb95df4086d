"""Train for a time (or a number of samples) and evaluate the deterministic policy at fixed intervals.

Shared by the learning benchmarks: evaluation time is not counted as training time, each evaluation row is
printed as it comes and kept, and a checkpoint is written at every evaluation.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from amp_studio import DATA_DIR
from amp_studio.envs import make_env_from_files
from amp_studio.runs.checkpoints import load_checkpoint
from amp_studio.runs.evaluation import evaluate
from amp_studio.runs.run_arguments import policy_frame_overrides
from amp_studio.runs.training import make_training


def training_parser(description: str, env_config: str, agent_config: str, out_dir: str, minutes: float,
                    eval_every: float) -> argparse.ArgumentParser:
    """The arguments every learning benchmark takes: time and sample limits, evaluation, envs, configs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--minutes", type=float, default=minutes, help="training minutes")
    parser.add_argument("--max_samples", type=int, default=None,
                        help="also stop at this many samples (machines differ in speed; goals are in samples)")
    parser.add_argument("--eval_every", type=float, default=eval_every, help="minutes of training between evaluations")
    parser.add_argument("--eval_episodes", type=int, default=16)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / env_config))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / agent_config))
    parser.add_argument("--env_overrides", default="{}", help="JSON object of env settings to override")
    parser.add_argument("--agent_overrides", default="{}", help="JSON object of agent settings to override")
    parser.add_argument("--out_dir", default=out_dir)
    parser.add_argument("--resume", default=None,
                        help="a full checkpoint to go on from (its samples count; --env_overrides may change the task)")
    return parser


def for_checkpoint(args: argparse.Namespace, path: str) -> dict:
    """The checkpoint at path, loaded; args.env_overrides gains the observation frame its policy was trained in,
    so that the envs built from args can run it."""
    checkpoint = load_checkpoint(path)
    overrides = json.loads(args.env_overrides)
    overrides.update(policy_frame_overrides(checkpoint, args.env_config, overrides))
    args.env_overrides = json.dumps(overrides)
    return checkpoint


def checkpoint_parser(description: str, env_config: str, agent_config: str,
                      eval_episodes: int) -> argparse.ArgumentParser:
    """The arguments of a script that studies one checkpoint's policy: training_parser's, no run directory, a
    positional checkpoint, a one-env runner (it only holds the policy)."""
    parser = training_parser(description, env_config, agent_config, None, 0.0, 0.0)
    parser.add_argument("checkpoint")
    parser.set_defaults(num_envs=1, eval_episodes=eval_episodes)
    return parser


def policy_and_eval_env(args: argparse.Namespace, eval_overrides: dict | None = None):
    """For checkpoint_parser's arguments: the runner holding args.checkpoint's policy, and the evaluation env."""
    checkpoint = for_checkpoint(args, args.checkpoint)
    runner, env = runner_and_eval_env(args, out_dir=None, eval_overrides=eval_overrides)
    runner.load_policy(args.checkpoint, checkpoint)
    return runner, env


def runner_and_eval_env(args: argparse.Namespace, out_dir: str | None = None, eval_overrides: dict | None = None):
    """The training runner and a separate evaluation env (16 envs at most, its own seed) for parsed arguments;
    eval_overrides apply to the evaluation env only, over --env_overrides (an evaluation that must stay
    comparable, such as 10-s episodes, whatever the training episodes are)."""
    env_overrides, agent_overrides = json.loads(args.env_overrides), json.loads(args.agent_overrides)
    runner = make_training(args.env_config, args.engine_config, args.agent_config, args.num_envs, args.seed,
                           out_dir or args.out_dir, env_overrides, agent_overrides, log=lambda line: None)
    if args.resume and runner.load_checkpoint(args.resume) != "full":
        raise SystemExit(f"error: {args.resume}: a policy-only model; --resume needs a run's checkpoint")
    eval_env = make_env_from_files(args.env_config, args.engine_config, min(16, args.eval_episodes),
                                   seed=args.seed + 1, env_overrides={**env_overrides, **(eval_overrides or {})})
    return runner, eval_env


def train_and_evaluate(runner, eval_env, minutes: float, eval_every: float, eval_episodes: int,
                       max_samples: int | None, row: Callable[[float, dict], str]) -> list[dict]:
    """Rows {minutes, samples, samples_per_s, **evaluation} at 0, every eval_every minutes of training and at the
    end (minutes or max_samples, whichever first); row(minutes, result) formats the printed line's tail.
    Minutes count from the call (a resumed runner has trained before); samples are the runner's. max_samples is a
    budget: the last iteration is the last whole one within it (18 M samples of 256 envs: 17,997,824)."""
    rows = []
    next_eval = 0.0
    start = runner.wall_time
    per_iteration = runner.env.num_envs * runner.config.steps_per_iter
    last_start = float("inf") if max_samples is None else max_samples - per_iteration  # the last iteration fits
    while True:
        elapsed = (runner.wall_time - start) / 60
        done = elapsed >= minutes - 1e-9 or runner.samples > last_start
        if elapsed >= next_eval - 1e-9 or done:
            t0 = time.perf_counter()
            result = evaluate(eval_env, runner.agent, eval_episodes)
            rate = runner.samples / max(runner.wall_time, 1e-9)  # over the whole run
            rows.append({"minutes": round(elapsed, 1), "samples": runner.samples, "samples_per_s": round(rate),
                         **{k: round(v, 4) for k, v in result.items()}})
            print(f"{elapsed:7.1f} {runner.samples:11,d} {rate:9,.0f} {row(elapsed, result)}"
                  f"   (eval {time.perf_counter() - t0:.0f} s)", flush=True)
            runner.save_checkpoint()
            next_eval += eval_every
            if done:
                return rows
        stop_at = start + min(next_eval, minutes) * 60
        runner.train(callback=lambda m, stop=stop_at: runner.wall_time < stop and runner.samples <= last_start)
