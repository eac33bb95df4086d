"""Env control steps per second of the AMP env on the MuJoCo engine, next to raw MuJoCo stepping.

For each number of envs and threads, in the same run and alternating so that machine noise hits both:
  env  AMPEnv.step with random actions: physics, policy and discriminator observations, termination, and
       resets of finished episodes (reference state initialization from the clip);
  raw  bare mujoco.rollout calls on exactly the physics the env ran: every (state, PD targets) pair the env
       passed to MuJoCo is recorded and replayed with the same model, substeps, env count and threads, and
       no Python env logic. (How fast MuJoCo steps depends on the characters' poses and contacts, so a raw
       loop with its own resets would measure other physics.)
Both count env control steps (4 physics substeps each). Each shipped character is measured (the humanoid, then the
G1 robot), and each other character's best against the humanoid's. The last line is one JSON object: the
humanoid's best setting at the top level, every character's best under "characters".

    python benchmarks/throughput/sim_throughput.py [--seconds 3] [--num_envs 64 256 1024] [--threads 1 2]
        [--env_config A.yaml B.yaml]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import mujoco
import numpy as np
import torch
from mujoco import rollout

from amp_studio import DATA_DIR
from amp_studio.engines import EngineConfig, load_engine_config
from amp_studio.envs import make_env
from amp_studio.envs.env_config import load_env_config

SHIPPED_CHARACTERS = ("amp_humanoid_env.yaml", "amp_g1_walk_env.yaml")
"""One env config per shipped character (the humanoid's first: its figures lead the last line)."""


def record_physics(env) -> list[tuple[np.ndarray, np.ndarray]]:
    """Make the env's engine keep a copy of the input of every rollout call; returns the (growing) record."""
    engine = env.engine
    pool = engine._rollout
    original = pool.rollout
    record: list[tuple[np.ndarray, np.ndarray]] = []

    def recording_rollout(models, datas, initial_state, control, **kwargs):
        record.append((initial_state.copy(), control.copy()))
        return original(models, datas, initial_state, control, **kwargs)

    pool.rollout = recording_rollout
    return record


def replay_steps_per_s(env, record: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Bare MuJoCo: the recorded rollout calls again, on a fresh pool with the same threads."""
    engine = env.engine
    model, n = engine.model, env.num_envs
    threads = engine.config.num_threads
    nthread = threads if threads > 1 else 0
    datas = [mujoco.MjData(model) for _ in range(max(1, nthread))]
    out = np.zeros((n, engine.substeps, record[0][0].shape[1]))
    sens = np.zeros((n, engine.substeps, model.nsensordata))
    models = [model] * n
    with rollout.Rollout(nthread=nthread) as pool:
        t0 = time.perf_counter()
        for state, control in record:
            pool.rollout(models, datas, state, control, nstep=engine.substeps, state=out, sensordata=sens,
                         skip_checks=True)
        elapsed = time.perf_counter() - t0
    return len(record) * n / elapsed


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


def measure(env_config: str, engine_config: str, motion_file: str | None, args, gen: torch.Generator) -> list[dict]:
    """Every (num_envs, threads) setting of one env config, env and raw alternating."""
    overrides = {"motion_file": motion_file} if motion_file else {}
    name, env_cfg, engine_overrides = load_env_config(env_config, overrides)
    base = load_engine_config(engine_config, engine_overrides)
    print(f"env {name} on {env_cfg.char_file}, motion {env_cfg.motion_file}, {base.sim_freq} Hz physics / "
          f"{base.control_freq} Hz control, disc window {env_cfg.num_disc_obs_steps} steps")
    print(f"{'num_envs':>8} {'threads':>7} {'env steps/s':>12} {'raw steps/s':>12} {'ratio':>6}")
    rows = []
    for num_envs in args.num_envs:
        for threads in args.threads:
            cfg = EngineConfig(**{**base.__dict__, "num_threads": threads})
            env = make_env(name, env_cfg, cfg, num_envs, seed=0)
            env_steps_per_s(env, 0.5, gen)  # warm-up
            env_runs, raw_runs = [], []
            for _ in range(args.repeats):
                record = record_physics(env)
                env_runs.append(env_steps_per_s(env, args.seconds, gen))
                del env.engine._rollout.rollout  # back to the class's own method
                raw_runs.append(replay_steps_per_s(env, record))
                del record
            env.close()
            env_rate, raw_rate = float(np.median(env_runs)), float(np.median(raw_runs))
            rows.append({"character": Path(env_cfg.char_file).stem, "num_envs": num_envs, "threads": threads,
                         "env_steps_per_s": round(env_rate), "raw_steps_per_s": round(raw_rate),
                         "ratio": round(env_rate / raw_rate, 3)})
            print(f"{num_envs:>8} {threads:>7} {env_rate:>12.0f} {raw_rate:>12.0f} {env_rate / raw_rate:>6.2f}",
                  flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per run")
    parser.add_argument("--repeats", type=int, default=2, help="alternating env/raw runs per setting")
    parser.add_argument("--num_envs", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--env_config", nargs="+", default=[str(DATA_DIR / "envs" / c) for c in SHIPPED_CHARACTERS],
                        help="one env config per character to measure (default: each shipped character's)")
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--motion_file", default=None, help="clip or dataset (default: each env config's)")
    args = parser.parse_args()

    # The env's tensor work is small-batch; a second torch thread gains it little, and OpenMP workers spinning
    # after each op slowed the physics pool by ~7% here. The trainer collects rollouts the same way.
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    bests = []
    for env_config in args.env_config:
        rows = measure(env_config, args.engine_config, args.motion_file, args, gen)
        bests.append(max(rows, key=lambda r: r["env_steps_per_s"]))
    first = bests[0]
    for best in bests[1:]:
        print(f"{best['character']}: {best['env_steps_per_s'] / first['env_steps_per_s']:.2f}x the "
              f"{first['character']}'s env steps per second ({best['raw_steps_per_s'] / first['raw_steps_per_s']:.2f}x "
              f"raw), env over raw {best['ratio']:.2f}")
    # The first character's best setting at the top (the figure other tools read), every character's below.
    print(json.dumps({"env_steps_per_s": first["env_steps_per_s"], "raw_steps_per_s": first["raw_steps_per_s"],
                      "ratio": first["ratio"], "num_envs": first["num_envs"], "threads": first["threads"],
                      "characters": bests}))


if __name__ == "__main__":
    main()
