"""Train for a time (or a number of samples) and evaluate the deterministic policy at fixed intervals.

Shared by the learning benchmarks: evaluation time is not counted as training time, each evaluation row is
printed as it comes and kept, and a checkpoint is written at every evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from amp_studio.runs.evaluation import evaluate


def train_and_evaluate(runner, eval_env, minutes: float, eval_every: float, eval_episodes: int,
                       max_samples: int | None, row: Callable[[float, dict], str]) -> list[dict]:
    """Rows {minutes, samples, samples_per_s, **evaluation} at 0, every eval_every minutes of training and at the
    end (minutes or max_samples, whichever first); row(minutes, result) formats the printed line's tail.
    Minutes count from the call (a resumed runner has trained before); samples are the runner's."""
    rows = []
    next_eval = 0.0
    start = runner.wall_time
    limit = max_samples or float("inf")
    while True:
        elapsed = (runner.wall_time - start) / 60
        done = elapsed >= minutes - 1e-9 or (max_samples is not None and runner.samples >= max_samples)
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
        runner.train(callback=lambda m, stop=stop_at: runner.wall_time < stop and runner.samples < limit)
