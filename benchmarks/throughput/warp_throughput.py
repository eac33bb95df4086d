"""Env control steps per second of the AMP env on MuJoCo Warp's CPU device, next to the C MuJoCo backend.

For each number of envs, in the same run and alternating so that machine noise hits both, the AMP env steps with
random actions (physics, observations, termination, resets of finished episodes) on:
  c     engine mujoco: C MuJoCo, --threads threads (the default engine);
  warp  engine mujoco_warp on Warp's CPU device (device: cpu): every env a world of one MJWarp model.
The ratio is warp / c. No GPU was measured here: on CUDA, MJWarp runs thousands of worlds in parallel, which is
what it is for; on a CPU Warp runs each kernel over the worlds in one thread. Last line: one JSON object.

    python benchmarks/throughput/warp_throughput.py [--seconds 5] [--num_envs 16 64 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from sim_throughput import env_steps_per_s

from amp_studio import DATA_DIR
from amp_studio.engines import load_engine_config
from amp_studio.envs import make_env
from amp_studio.envs.env_config import load_env_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per run")
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs per engine and setting")
    parser.add_argument("--num_envs", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--threads", type=int, default=2, help="the C backend's threads")
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_humanoid_env.yaml"))
    args = parser.parse_args()
    name, env_cfg, overrides = load_env_config(args.env_config)
    engines = {
        "c": load_engine_config(DATA_DIR / "engines" / "mujoco_engine.yaml", {**overrides,
                                                                            "num_threads": args.threads}),
        "warp": load_engine_config(DATA_DIR / "engines" / "mujoco_warp_engine.yaml", {**overrides, "device": "cpu"}),
    }
    torch.set_num_threads(1)  # as sim_throughput: the env's tensor work is small-batch
    gen = torch.Generator().manual_seed(0)
    print(f"env {name}: env steps/s, C MuJoCo ({args.threads} threads) and MuJoCo Warp (CPU device)")
    print(f"{'num_envs':>8} {'c steps/s':>10} {'warp steps/s':>12} {'warp / c':>8}", flush=True)
    rows = []
    for num_envs in args.num_envs:
        envs = {key: make_env(name, env_cfg, cfg, num_envs, seed=0) for key, cfg in engines.items()}
        for env in envs.values():
            env_steps_per_s(env, 1.0, gen)  # warm-up (Warp loads its compiled kernels on first use)
        runs: dict[str, list[float]] = {key: [] for key in envs}
        for _ in range(args.repeats):
            for key, env in envs.items():
                runs[key].append(env_steps_per_s(env, args.seconds, gen))
        for env in envs.values():
            env.close()
        c, warp = float(np.median(runs["c"])), float(np.median(runs["warp"]))
        rows.append({"num_envs": num_envs, "c_steps_per_s": round(c), "warp_cpu_steps_per_s": round(warp),
                     "ratio": round(warp / c, 4)})
        print(f"{num_envs:>8} {c:>10.0f} {warp:>12.0f} {warp / c:>8.3f}", flush=True)
    print(json.dumps({"threads": args.threads, "rows": rows, "gpu_measured": False}))


if __name__ == "__main__":
    main()
