"""Where each millisecond of a training iteration (or of an env step) goes, from timers around the code's parts.

Each part listed in PARTS is wrapped with a timer for the run (nothing is changed in the code); a part's time
includes the parts it calls ("incl."), and "self" is its time minus the wrapped parts inside it. Parts on the
background thread (the critic and discriminator updates beside the next rollout) are timed on that thread and
shown apart: their time overlaps the rollout's. The figures are per iteration (--mode train: Runner.train at the
CPU profile) or per env step (--mode env: AMPEnv.step with random actions and resets, as sim_throughput runs it).
The timers cost about a microsecond per call: the profile's total is within a percent or two of an unwrapped run.

    python benchmarks/throughput/profile_training.py [--mode train|env] [--num_envs 256] [--iterations 20]
        [--env_config data/envs/amp_humanoid_env.yaml] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import threading
import time
from collections import defaultdict

import torch

from amp_studio import DATA_DIR

# (label, "module:Object.attribute" or "module:function" as the caller looks it up), outermost first.
PARTS = [
    ("iteration", "amp_studio.runs.runner:Runner.train_iteration"),
    ("rollout", "amp_studio.runs.runner:Runner._collect"),
    ("policy forward and sampling (act)", "amp_studio.learning.amp_agent:AMPAgent.act"),
    ("env step", "amp_studio.envs.amp_env:AMPEnv.step"),
    ("PD targets to MuJoCo", "amp_studio.engines.mujoco_engine:MujocoEngine.set_targets"),
    ("engine step (physics and checks)", "amp_studio.engines.mujoco_engine:MujocoEngine.step"),
    ("qpos/qvel to state (rotation conversions)", "amp_studio.engines.mujoco_engine:qpos_qvel_to_state"),
    ("forward kinematics (torch)", "amp_studio.character.kinematic_tree:KinematicTree.__call__"),
    ("step features", "amp_studio.envs.amp_env:step_features"),
    ("policy observations", "amp_studio.envs.amp_env:compute_policy_obs"),
    ("discriminator observations", "amp_studio.envs.amp_env:compute_disc_obs"),
    ("termination", "amp_studio.envs.amp_env:AMPEnv._compute_done"),
    ("contacts refreshed after resets", "amp_studio.engines.mujoco_engine:MujocoEngine._refresh_contacts"),
    ("task reward", "amp_studio.envs.amp_env:AMPEnv._compute_reward"),
    ("resets (reference state init)", "amp_studio.envs.amp_env:AMPEnv.reset"),
    ("clip states (motion library)", "amp_studio.motion.motion_library:MotionLibrary.get_state"),
    ("rollout storage", "amp_studio.learning.rollout_storage:RolloutStorage.add"),
    ("skill measures", "amp_studio.runs.skill_measures:SkillTracker.add"),
    ("rollout checks (NaN/inf)", "amp_studio.runs.runner:Runner._check_rollout"),
    ("update", "amp_studio.learning.amp_agent:AMPAgent.update"),
    ("waiting for the background update", "amp_studio.learning.amp_agent:AMPAgent.wait"),
    ("style reward (disc forward)", "amp_studio.learning.amp_agent:AMPAgent.disc_logits"),
    ("values", "amp_studio.learning.amp_agent:AMPAgent._values"),
    ("mirrored batch", "amp_studio.learning.amp_agent:AMPAgent._with_mirrors"),
    ("actor update (PPO)", "amp_studio.learning.amp_agent:AMPAgent._update_actor"),
    ("critic update", "amp_studio.learning.amp_agent:AMPAgent._update_critic"),
    ("demo windows", "amp_studio.envs.amp_env:AMPEnv.fetch_disc_obs_demo"),
    ("discriminator update", "amp_studio.learning.amp_agent:AMPAgent._update_disc"),
    ("parameter checks", "amp_studio.runs.runner:check_modules"),
    ("metrics and log files", "amp_studio.runs.run_directory:RunDirectory.log_metrics"),
]


class Timers:
    """Inclusive and self time of each label, per thread name; a per-thread stack gives the self times."""

    def __init__(self):
        self.incl = defaultdict(float)
        self.self_ = defaultdict(float)
        self.calls = defaultdict(int)
        self.local = threading.local()

    def wrap(self, label: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            stack = self.local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - t0
                inner = stack.pop()
                if stack:
                    stack[-1] += spent
                key = (threading.current_thread().name, label)
                self.incl[key] += spent
                self.self_[key] += spent - inner
                self.calls[key] += 1
        return timed


def install(timers: Timers) -> None:
    """Wrap every part where its caller looks it up."""
    for label, where in PARTS:
        module_name, path = where.split(":")
        owner = importlib.import_module(module_name)
        *outer, attr = path.split(".")
        for name in outer:
            owner = getattr(owner, name)
        setattr(owner, attr, timers.wrap(label, getattr(owner, attr)))


def report(timers: Timers, units: int, unit: str, total: float) -> list[dict]:
    """Rows in PARTS order, main thread first; prints the table."""
    rows = []
    order = {label: i for i, (label, _) in enumerate(PARTS)}
    keys = sorted(timers.incl, key=lambda k: (k[0] != "MainThread", order[k[1]]))
    print(f"{'part':<44} {'thread':<10} {'calls/' + unit:>10} {'incl. ms':>9} {'self ms':>8} {'incl. %':>7}")
    for thread, label in keys:
        k = (thread, label)
        incl, self_ = 1e3 * timers.incl[k] / units, 1e3 * timers.self_[k] / units
        share = 100 * timers.incl[k] / total
        where = "main" if thread == "MainThread" else "background"
        print(f"{label:<44} {where:<10} {timers.calls[k] / units:10.1f} {incl:9.2f} {self_:8.2f} {share:7.1f}")
        rows.append({"part": label, "thread": where, "calls": timers.calls[k] / units, "incl_ms": round(incl, 3),
                     "self_ms": round(self_, 3), "incl_share": round(share / 100, 4)})
    print(f"{'wall time per ' + unit:<44} {'':<10} {'':>10} {1e3 * total / units:9.2f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("train", "env"), default="train")
    parser.add_argument("--num_envs", type=int, default=None, help="default: 256 (train), 1024 (env)")
    parser.add_argument("--iterations", type=int, default=20, help="train: iterations; env: steps / 10")
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_humanoid_agent.yaml"))
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()
    num_envs = args.num_envs or (256 if args.mode == "train" else 1024)
    timers = Timers()
    install(timers)
    from amp_studio.runs.training import make_training

    runner = make_training(args.env_config, args.engine_config, args.agent_config, num_envs, log=lambda line: None,
                           out_dir="output/profile_training")
    if args.mode == "train":
        runner.train(max_iterations=3)  # warm-up, not counted
        timers.__init__()
        t0 = time.perf_counter()
        runner.train(max_iterations=runner.iteration + args.iterations)
        total, units, unit = time.perf_counter() - t0, args.iterations, "iter"
        print(f"{num_envs} envs, {runner.config.steps_per_iter} steps per iteration, torch threads "
              f"{torch.get_num_threads()}, physics threads {runner.env.engine.config.num_threads}; "
              f"{units * num_envs * runner.config.steps_per_iter / total:,.0f} samples/s under the timers")
    else:
        env, gen = runner.env, torch.Generator().manual_seed(0)

        def steps(n: int) -> None:
            for _ in range(n):
                _, _, done, _ = env.step(torch.rand(env.num_envs, env.action_dim, generator=gen) * 2 - 1)
                ended = torch.nonzero(done).flatten()
                if len(ended):
                    env.reset(ended)

        steps(10)
        timers.__init__()
        t0 = time.perf_counter()
        units, unit = 10 * args.iterations, "step"
        steps(units)
        total = time.perf_counter() - t0
        print(f"{num_envs} envs, physics threads {env.engine.config.num_threads}; "
              f"{units * num_envs / total:,.0f} env steps/s under the timers")
    rows = report(timers, units, unit, total)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"mode": args.mode, "num_envs": num_envs, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
