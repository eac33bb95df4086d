"""A training worker killed with SIGKILL at random moments, some inside checkpoint writes, resumes every time.

Each round starts `python -m amp_studio.worker train` as the GUI does, on one run directory, resuming from its
checkpoints/latest.pt once there is one, and kills it with SIGKILL: after a random time, or (every third round)
the moment a checkpoint's temporary file appears, mid-write. After every kill, latest.pt must load and the
samples lost (the most metrics.jsonl had logged minus the checkpoint's) must be at most one checkpoint interval;
once the next round's worker has opened the run, metrics.jsonl and events.jsonl must parse line by line (a torn
last line is cut off when a run directory is opened). After the last kill one more worker resumes, so each of
the --kills kills is followed by a resume.
Last line: one JSON object.

    python benchmarks/reliability/kill_resume.py --kills 50 [--num_envs 64] [--checkpoint_every 10] [--max_wait 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import tempfile
import time
from pathlib import Path

import yaml

from amp_studio import DATA_DIR
from amp_studio.runs.checkpoints import CheckpointError, load_checkpoint
from amp_studio.worker.client import WorkerClient


def logged_samples(run: Path) -> int:
    """The most samples metrics.jsonl records (a torn last line is skipped)."""
    best = 0
    path = run / "metrics.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                best = max(best, int(json.loads(line)["samples"]))
            except (ValueError, KeyError, TypeError):
                continue
    return best


def unparsable_lines(run: Path) -> int:
    """Complete lines of metrics.jsonl and events.jsonl that are not JSON (a line still being written is not
    complete)."""
    bad = 0
    for name in ("metrics.jsonl", "events.jsonl"):
        path = run / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True):
                if not line.endswith("\n"):
                    continue
                try:
                    json.loads(line)
                except ValueError:
                    bad += 1
    return bad


def wait_for(client: WorkerClient, kinds: set[str], seconds: float):
    """The first event of one of kinds; None if the worker ended or errored first (the error is returned)."""
    deadline = time.monotonic() + seconds
    while True:
        event = client.next(deadline)
        if event is None or event.type in kinds or event.type == "error":
            return event


def start_worker(base_args: list[str], latest: Path, resuming: bool, log: Path) -> tuple[WorkerClient, str | None]:
    """A training worker on the run, resuming from latest if asked, once it has trained an iteration; with the
    reason if it did not."""
    client = WorkerClient("train", [*base_args, *(["--model_file", str(latest)] if resuming else [])], log)
    event = wait_for(client, {"iteration"}, 180)
    if event is None or event.type == "error":
        return client, "no iteration" if event is None else event.get("message")
    return client, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--num_envs", type=int, default=64)
    parser.add_argument("--checkpoint_every", type=int, default=10, help="iterations between full checkpoints")
    parser.add_argument("--max_wait", type=float, default=8.0, help="longest random time before a kill (s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kill_resume_"))
    run = work / "run"
    agent = yaml.safe_load((DATA_DIR / "agents" / "amp_humanoid_agent.yaml").read_text())
    agent["iters_per_output"] = args.checkpoint_every
    agent_file = work / "agent.yaml"
    agent_file.write_text(yaml.safe_dump(agent))
    interval = args.checkpoint_every * args.num_envs * agent["steps_per_iter"]
    latest = run / "checkpoints" / "latest.pt"

    kills = resumes = resume_attempts = unreadable = mid_write = 0
    lost: list[int] = []
    bad_lines = 0
    failures: list[str] = []
    start = time.perf_counter()
    rounds = 0
    base_args = ["--out_dir", str(run), "--num_envs", str(args.num_envs), "--agent_config", str(agent_file),
                 "--logger", "txt", "--max_samples", str(10**12)]
    while kills < args.kills and rounds < 3 * args.kills:  # a worker that never starts must not loop forever
        rounds += 1
        resuming = latest.is_file()
        resume_attempts += resuming
        client, error = start_worker(base_args, latest, resuming, work / f"worker_{kills}.log")
        try:
            if error is not None:
                failures.append(f"round {kills}: {error}")
                if resuming:
                    continue
            elif resuming:
                resumes += 1
            bad_lines += unparsable_lines(run)  # the worker has opened (and repaired) the run by now
            if kills % 3 == 2:
                # Kill inside a checkpoint write: the moment its temporary file shows up.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not any(run.joinpath("checkpoints").glob(".latest.pt.*.tmp")):
                    time.sleep(0.002)
                mid_write += 1
            else:
                time.sleep(rng.uniform(0.0, args.max_wait))
            os.kill(client.proc.pid, signal.SIGKILL)
            client.proc.wait()
        finally:
            client.close()
        kills += 1
        before, saved = logged_samples(run), 0
        if latest.is_file():
            try:
                saved = int(load_checkpoint(latest)["samples"])
            except CheckpointError as exc:
                unreadable += 1
                failures.append(f"kill {kills}: {exc}")
                latest.unlink()
                continue
            lost.append(max(0, before - saved))
            print(f"kill {kills:3d}: logged {before:,d} samples, checkpoint {saved:,d}, lost {lost[-1]:,d}",
                  flush=True)
    # The last kill gets its resume too, so that every kill is followed by one (this worker is not counted as a kill).
    if latest.is_file():
        resume_attempts += 1
        client, error = start_worker(base_args, latest, True, work / "worker_final.log")
        try:
            if error is not None:
                failures.append(f"final resume: {error}")
            else:
                resumes += 1
            bad_lines += unparsable_lines(run)
        finally:
            client.close()
    over = sum(1 for n in lost if n > interval)
    result = {"kills": kills, "rounds": rounds, "resume_attempts": resume_attempts, "resumes": resumes,
              "mid_write_kills": mid_write,
              "unreadable_checkpoints": unreadable, "samples_lost_max": max(lost, default=0),
              "samples_lost_mean": round(sum(lost) / max(1, len(lost))), "checkpoint_interval_samples": interval,
              "losses_over_interval": over, "unparsable_log_lines": bad_lines,
              "minutes": round((time.perf_counter() - start) / 60, 1), "failures": failures[:5]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
