"""Hostile inputs, counted: --cases mutated and random clips, YAMLs and checkpoints opened as the command line opens
them (benchmarks/lib/hostile_inputs.py), each ending `ok` or in one clear error; the rest are tracebacks, crashes (the
process died), hangs (a case ran past --timeout seconds) or code that a file ran.

The cases run in a child process that reports each case's start and outcome; the parent kills and restarts it on
a hang and restarts it after a crash, going on with the next case. The child's address space is capped at
--memory_gb, so that an input that allocates without bound fails there rather than on the machine. The last line
is one JSON object: cases, ok, clear, crashes, tracebacks, hangs, code_ran, seconds and by_kind.

    python benchmarks/reliability/fuzz_inputs.py [--cases 10000] [--seed 0] [--kinds pkl_clip ...] [--timeout 10]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

# hostile_inputs is imported inside run_parent and run_child (the child is this file run again), from here:
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/

FAILURES = ("traceback", "crash", "hang", "code_ran")
EXAMPLES_PER_CATEGORY = 5
GENERATION_TIMEOUT = 600  # seconds without any case started: the harness itself is stuck


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", help="only these kinds (default: all)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds after which a case counts as a hang")
    parser.add_argument("--failures", help="also write every failing case here, one JSON object a line")
    parser.add_argument("--memory_gb", type=float, default=6.0, help="address-space cap of the child process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
    else:
        run_parent(args)


# ----- the parent: restarts the child, counts -----

def run_parent(args: argparse.Namespace) -> None:
    from hostile_inputs import KINDS, build_fixtures

    kinds = args.kinds or list(KINDS)
    start = time.perf_counter()
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="fuzz_inputs_") as tmp:
        build_fixtures(Path(tmp) / "fixtures")
        log_path = Path(tmp) / "child_stderr.log"
        next_case, restarts = 0, 0
        while next_case < args.cases:
            finished, next_case = _run_child_once(args, kinds, tmp, next_case, log_path, counts, examples)
            if finished:
                break
            restarts += 1
        seconds = time.perf_counter() - start
    if args.failures:
        with open(args.failures, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(record) + "\n" for record in examples["all"])
    _report(counts, examples, seconds, restarts)


def _run_child_once(args, kinds, tmp, skip, log_path, counts, examples) -> tuple[bool, int]:
    """Run a child from case `skip`; returns (all cases done, the case to go on from)."""
    command = [sys.executable, __file__, "--child", "--cases", str(args.cases), "--seed", str(args.seed),
               "--skip", str(skip), "--fixtures", str(Path(tmp) / "fixtures"), "--memory_gb", str(args.memory_gb),
               "--kinds", *kinds]
    with open(log_path, "ab") as log:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                                 cwd=Path(__file__).resolve().parents[2])  # the repository
    buffer, current, started_at, heard_at = b"", None, None, time.monotonic()
    assert child.stdout is not None
    try:
        while True:
            wait = 60.0 if current is None else max(0.0, started_at + args.timeout - time.monotonic())
            ready, _, _ = select.select([child.stdout], [], [], wait)
            if not ready:
                if current is None:  # importing or generating, which is not a case's fault: give it time
                    if time.monotonic() - heard_at > GENERATION_TIMEOUT:
                        raise RuntimeError(f"the child started no case for {GENERATION_TIMEOUT} s")
                    continue
                _count(counts, examples, current, "hang", f"no outcome after {args.timeout:g} s")
                return False, current["index"] + 1
            chunk = os.read(child.stdout.fileno(), 65536)
            if not chunk:
                code = child.wait()
                if current is None:
                    if code != 0:
                        raise RuntimeError(f"the child failed between cases (exit code {code}); see its stderr:\n"
                                           + log_path.read_text(errors="replace")[-3000:])
                    return True, args.cases
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                _count(counts, examples, current, "crash", f"the process died ({how})")
                return False, current["index"] + 1
            buffer += chunk
            heard_at = time.monotonic()
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                record = json.loads(line)
                if record["event"] == "start":
                    current, started_at = record, time.monotonic()
                elif record["event"] == "done":
                    _count(counts, examples, current, record["status"], record["message"])
                    current = None
                elif record["event"] == "end":
                    child.wait()
                    return True, args.cases
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _count(counts, examples, case: dict, status: str, message: str) -> None:
    counts[case["kind"]][status] += 1
    if status not in FAILURES:
        return
    examples["all"].append({"status": status, **case, "message": message})
    if len(examples[status]) < EXAMPLES_PER_CATEGORY:
        one_line = " | ".join(line.strip() for line in message.splitlines() if line.strip())
        examples[status].append(f"{case['kind']} ({case['mutation']}): {one_line[:300]}")


def _report(counts: dict[str, Counter], examples: dict[str, list[str]], seconds: float, restarts: int) -> None:
    total = Counter()
    for kind in sorted(counts):
        c = counts[kind]
        total.update(c)
        print(f"{kind:<16} {sum(c.values()):6d} cases  " + "  ".join(f"{k} {c[k]}" for k in sorted(c)))
    for status in FAILURES:
        for line in examples.get(status, []):
            print(f"{status}: {line}")
    print(f"{sum(total.values())} cases in {seconds:.0f} s ({restarts} restarts of the child)")
    summary = {"cases": sum(total.values()), "ok": total["ok"], "clear": total["clear"], "crashes": total["crash"],
               "tracebacks": total["traceback"], "hangs": total["hang"], "code_ran": total["code_ran"],
               "seconds": round(seconds, 1), "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(counts.items())}}
    print(json.dumps(summary))


# ----- the child: generates the cases and opens them -----

def run_child(args: argparse.Namespace) -> None:
    import resource

    limit = int(args.memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # The protocol goes to the parent on the original stdout; anything else written there (a library printing
    # from C) must not mix with it.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import torch
    from hostile_inputs import Fixtures, hostile_cases, open_case
    from hypothesis import HealthCheck, Phase, given, seed, settings

    torch.set_num_threads(1)
    fixtures = Fixtures(Path(args.fixtures))
    index = 0

    @seed(args.seed)
    @settings(max_examples=args.cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(hostile_cases(fixtures, tuple(args.kinds)))
    def run(case) -> None:
        nonlocal index
        index += 1
        if index - 1 < args.skip or index > args.cases:
            return
        protocol.write(json.dumps({"event": "start", "index": index - 1, "kind": case.kind,
                                   "mutation": case.mutation[:200]}) + "\n")
        # Inside the parent's folder, which goes when the run ends: a killed child cannot clean up after itself.
        with tempfile.TemporaryDirectory(prefix="case_", dir=Path(args.fixtures).parent) as workdir:
            outcome = open_case(case, workdir, fixtures)
        protocol.write(json.dumps({"event": "done", "index": index - 1, "status": outcome.status,
                                   "message": outcome.message[:500], "seconds": round(outcome.seconds, 3)}) + "\n")

    run()
    protocol.write(json.dumps({"event": "end", "cases": index}) + "\n")


if __name__ == "__main__":
    main()
