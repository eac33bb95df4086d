"""Training samples/s with one process against two (`--devices cpu` vs `--devices cpu cpu`), on this machine.

Each setting trains the CPU profile through the real command line for --iterations iterations (after the
first --warmup, which are not counted), alternating settings --repeats times so that machine noise hits both.
Samples/s is every process's samples over the training wall time, from the run's metrics.jsonl. With two
processes each runs --num_envs envs (so twice the samples per iteration) on half the cores.
Last line: one JSON object.

    python benchmarks/throughput/multiprocess_throughput.py [--iterations 12] [--num_envs 256] [--repeats 2]
        [--agent_config data/agents/amp_humanoid_agent.yaml]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from amp_studio import DATA_DIR
from amp_studio.learning.agent_config import load_agent_config

REPO = Path(__file__).resolve().parents[2]  # main.py's folder


def run(devices: list[str], num_envs: int, iterations: int, warmup: int, agent_config: str) -> float:
    """Samples per second of one training run, from its metrics."""
    out = Path(tempfile.mkdtemp(prefix="mp_bench_"))
    per_iter = num_envs * load_agent_config(agent_config).steps_per_iter * len(devices)
    subprocess.run([sys.executable, "main.py", "--mode", "train", "--agent_config", agent_config,
                    "--devices", *devices, "--num_envs", str(num_envs),
                    "--max_samples", str(per_iter * (iterations + warmup)), "--out_dir", str(out), "--logger", "txt"],
                   cwd=REPO, check=True, capture_output=True, text=True)
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    start, end = metrics[warmup - 1], metrics[-1]
    return (end["samples"] - start["samples"]) / (end["wall_time"] - start["wall_time"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_humanoid_agent.yaml"))
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for n in (1, 2):
            rate = run(["cpu"] * n, args.num_envs, args.iterations, args.warmup, args.agent_config)
            rates[n].append(rate)
            print(f"{n} process{'es' if n > 1 else ''}: {rate:,.0f} samples/s", flush=True)
    one, two = float(np.median(rates[1])), float(np.median(rates[2]))
    print(json.dumps({"samples_per_s_1_process": round(one), "samples_per_s_2_processes": round(two),
                      "ratio": round(two / one, 3), "num_envs_per_process": args.num_envs}))


if __name__ == "__main__":
    main()
