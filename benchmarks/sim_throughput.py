"""Env control steps per second of the AMP env on the MuJoCo engine, next to raw MuJoCo stepping.

For each number of envs and threads, in the same run and alternating so that machine noise hits both:
  env  AMPEnv.step with random actions: physics, policy and discriminator observations, termination, and
       resets of finished episodes (reference state initialization from the clip);
  raw  mujoco.rollout of the same model, substeps, env count and threads, with random PD targets and no
       Python env logic (fallen characters are put back standing with one numpy mask, so both loops see
       similar physics).
Both count env control steps (4 physics substeps each). The last line is one JSON object for the best setting.

    python benchmarks/sim_throughput.py [--seconds 3] [--num_envs 64 256 1024] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import json
import time

import mujoco
import numpy as np
import torch
from mujoco import rollout

from amp_studio import DATA_DIR
from amp_studio.engines import EngineConfig, load_engine_config
from amp_studio.engines.mujoco_engine import build_sim_model
from amp_studio.envs import make_env
from amp_studio.envs.env_config import load_env_config

_FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS


def raw_steps_per_s(model: mujoco.MjModel, num_envs: int, threads: int, substeps: int, seconds: float,
                    rng: np.random.Generator) -> float:
    """Bare MuJoCo: rollout of num_envs characters, random PD targets, fallen ones reset by a numpy mask."""
    nthread = threads if threads > 1 else 0
    datas = [mujoco.MjData(model) for _ in range(max(1, nthread))]
    start = np.zeros(mujoco.mj_stateSize(model, _FULL))
    mujoco.mj_getState(model, datas[0], start, _FULL)
    state = np.tile(start, (num_envs, 1))
    out = np.zeros((num_envs, substeps, len(start)))
    sens = np.zeros((num_envs, substeps, model.nsensordata))
    lo, hi = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    controls = [np.repeat(lo + (hi - lo) * rng.uniform(0, 1, (num_envs, 1, model.nu)), substeps, axis=1)
                for _ in range(16)]
    models = [model] * num_envs
    steps = 0
    with rollout.Rollout(nthread=nthread) as pool:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            pool.rollout(models, datas, state, controls[steps % 16], nstep=substeps, state=out, sensordata=sens,
                         skip_checks=True)
            state[:] = out[:, -1]
            state[state[:, 3] < 0.5] = start
            steps += 1
        elapsed = time.perf_counter() - t0
    return steps * num_envs / elapsed


def env_steps_per_s(env, seconds: float, gen: torch.Generator) -> float:
    """The AMP env with random actions in [-1, 1]; finished episodes are reset as a learner would."""
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        actions = torch.rand(env.num_envs, env.action_dim, generator=gen) * 2 - 1
        _, _, done, info = env.step(actions)
        finished = torch.nonzero(done).flatten()
        if len(finished):
            env.reset(finished)
        steps += 1
    elapsed = time.perf_counter() - t0
    assert info["disc_obs"].shape == (env.num_envs, env.disc_obs_dim)
    return steps * env.num_envs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per run")
    parser.add_argument("--repeats", type=int, default=2, help="alternating env/raw runs per setting")
    parser.add_argument("--num_envs", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--motion_file", default=None, help="clip or dataset (default: the env config's)")
    args = parser.parse_args()

    overrides = {"motion_file": args.motion_file} if args.motion_file else {}
    name, env_cfg, engine_overrides = load_env_config(args.env_config, overrides)
    base = load_engine_config(args.engine_config, engine_overrides)
    torch.set_num_threads(2)  # the physics pool and torch take turns on the same 2 cores
    rng = np.random.default_rng(0)
    gen = torch.Generator().manual_seed(0)
    print(f"env {name}, motion {env_cfg.motion_file}, {base.sim_freq} Hz physics / {base.control_freq} Hz control, "
          f"disc window {env_cfg.num_disc_obs_steps} steps")
    print(f"{'num_envs':>8} {'threads':>7} {'env steps/s':>12} {'raw steps/s':>12} {'ratio':>6}")
    rows = []
    for num_envs in args.num_envs:
        for threads in args.threads:
            cfg = EngineConfig(**{**base.__dict__, "num_threads": threads})
            env = make_env(name, env_cfg, cfg, num_envs, seed=0)
            model = build_sim_model(env.character, cfg.sim_freq)
            env_runs, raw_runs = [], []
            env_steps_per_s(env, 0.5, gen)  # warm-up
            for _ in range(args.repeats):
                env_runs.append(env_steps_per_s(env, args.seconds, gen))
                raw_runs.append(raw_steps_per_s(model, num_envs, threads, cfg.substeps, args.seconds, rng))
            env.close()
            env_rate, raw_rate = float(np.median(env_runs)), float(np.median(raw_runs))
            rows.append({"num_envs": num_envs, "threads": threads, "env_steps_per_s": round(env_rate),
                         "raw_steps_per_s": round(raw_rate), "ratio": round(env_rate / raw_rate, 3)})
            print(f"{num_envs:>8} {threads:>7} {env_rate:>12.0f} {raw_rate:>12.0f} {env_rate / raw_rate:>6.2f}",
                  flush=True)
    best = max(rows, key=lambda r: r["env_steps_per_s"])
    print(json.dumps({"env_steps_per_s": best["env_steps_per_s"], "raw_steps_per_s": best["raw_steps_per_s"],
                      "ratio": best["ratio"], "num_envs": best["num_envs"], "threads": best["threads"]}))


if __name__ == "__main__":
    main()
