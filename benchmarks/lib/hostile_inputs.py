"""Hostile inputs: Hypothesis strategies that each build one broken input (a clip in every readable format, an env,
agent, engine or dataset YAML, a checkpoint), and `open_case`, which opens it as the command line does.

An outcome is `ok` (the file loaded), `clear` (exit 1 and one line `error: <file>: <problem>` naming one of the
case's own files) or `traceback` (any other exception, or an error line that does not name the file); code that an
input ran is `code_ran`. benchmarks/reliability/fuzz_inputs.py adds `crash` and `hang`.

How each kind is opened, in-process through `amp_studio.cli.main` with the case's folder as working directory:
  clips        `motion info FILE --json`
  bvh_clip     `main.py motion convert FILE retargeted.pkl`: read, understood and retargeted onto the humanoid
  env, engine, `--mode train --num_envs 1 --max_samples 1` with the file as --env_config, --engine_config,
  agent        --agent_config (the others: the default env and engine and a tiny agent, see hostile_configs)
  dataset      the same, with the dataset as --motion_file
  checkpoint   `--mode test --model_file FILE --test_episodes 1`
  resume       `--mode train --model_file FILE --num_envs 2 --max_samples 1` (a full checkpoint is restored)
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from hostile_checkpoints import CHECKPOINT_ENVS, Fixtures, build_fixtures, checkpoint_case
from hostile_clips import bvh_clip_case, deepmimic_clip_case, pkl_clip_case
from hostile_configs import agent_yaml_case, dataset_yaml_case, engine_yaml_case, env_yaml_case
from hostile_mutations import MARKER_VARIABLE
from hypothesis import strategies as st

from amp_studio import cli

KINDS = ("pkl_clip", "deepmimic_clip", "bvh_clip", "env_yaml", "agent_yaml", "engine_yaml", "dataset_yaml",
         "checkpoint", "resume")
MARKER_NAME = "CODE_RAN"

__all__ = ["KINDS", "MARKER_NAME", "Case", "Fixtures", "Outcome", "build_fixtures", "classify", "hostile_cases",
           "open_case"]


@dataclass(frozen=True)
class Case:
    """One hostile input: the file under test, any companion files it names, and what was done to it."""

    kind: str
    name: str
    data: bytes
    companions: tuple[tuple[str, bytes], ...] = ()
    mutation: str = ""

    def __repr__(self) -> str:  # Hypothesis prints failing cases; megabytes of bytes would bury the mutation
        return f"Case({self.kind}, {self.name!r}, {len(self.data)} bytes, {self.mutation!r})"


@dataclass(frozen=True)
class Outcome:
    """How opening a case ended."""

    status: str  # ok, clear, traceback or code_ran
    message: str  # the error line or the exception ("" when ok)
    exit_code: int | None
    seconds: float


def hostile_cases(fixtures: Fixtures, kinds: tuple[str, ...] = KINDS) -> st.SearchStrategy[Case]:
    """Cases of the given kinds, evenly."""
    builders = {
        "pkl_clip": pkl_clip_case(), "deepmimic_clip": deepmimic_clip_case(), "bvh_clip": bvh_clip_case(),
        "env_yaml": env_yaml_case(),
        "agent_yaml": agent_yaml_case(), "engine_yaml": engine_yaml_case(), "dataset_yaml": dataset_yaml_case(),
        "checkpoint": checkpoint_case(fixtures), "resume": checkpoint_case(fixtures),
    }
    return st.one_of(*[builders[kind].map(lambda parts, kind=kind: Case(kind, *parts)) for kind in kinds])


def cli_arguments(case: Case, fixtures: Fixtures) -> list[str]:
    """The command line that opens the case (file names relative to the case's folder)."""
    if case.kind in ("pkl_clip", "deepmimic_clip"):
        return ["motion", "info", case.name, "--json"]
    if case.kind == "bvh_clip":  # read, understood and retargeted onto the humanoid, as every reader of clips does
        return ["motion", "convert", case.name, "retargeted.pkl"]
    train = ["--mode", "train", "--num_envs", "1", "--max_samples", "1", "--out_dir", "run", "--logger", "txt"]
    if case.kind == "env_yaml":
        return train + ["--env_config", case.name, "--agent_config", str(fixtures.tiny_agent)]
    if case.kind == "agent_yaml":
        return train + ["--agent_config", case.name]
    if case.kind == "engine_yaml":
        return train + ["--engine_config", case.name, "--agent_config", str(fixtures.tiny_agent)]
    if case.kind == "dataset_yaml":
        return train + ["--env_config", str(fixtures.dataset_env), "--agent_config", str(fixtures.tiny_agent),
                        "--motion_file", case.name]
    if case.kind == "checkpoint":
        return ["--mode", "test", "--num_envs", "1", "--test_episodes", "1", "--model_file", case.name,
                "--agent_config", str(fixtures.tiny_agent)]
    if case.kind == "resume":
        return ["--mode", "train", "--num_envs", str(CHECKPOINT_ENVS), "--max_samples", "1", "--out_dir", "run",
                "--logger", "txt", "--model_file", case.name, "--agent_config", str(fixtures.tiny_agent)]
    raise ValueError(f"unknown kind {case.kind!r}")


def open_case(case: Case, workdir: str | Path, fixtures: Fixtures) -> Outcome:
    """Write the case's files into workdir (an empty folder) and open them with the command line, in-process."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    files = [workdir / case.name] + [workdir / name for name, _ in case.companions]
    for path, data in zip(files, [case.data] + [data for _, data in case.companions], strict=True):
        path.write_bytes(data)
    marker = workdir / MARKER_NAME
    os.environ[MARKER_VARIABLE] = str(marker)
    out, err = io.StringIO(), io.StringIO()
    exit_code, exception = None, None
    # The command line changes these process-wide (torch threads from the agent config, a SIGTERM handler).
    threads, sigterm, cwd = torch.get_num_threads(), signal.getsignal(signal.SIGTERM), os.getcwd()
    start = time.perf_counter()
    try:
        os.chdir(workdir)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exit_code = cli.main(cli_arguments(case, fixtures))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - anything escaping the CLI is what this harness looks for
        exception = f"{type(exc).__name__}: {exc}"
    finally:
        os.chdir(cwd)
        torch.set_num_threads(threads)
        signal.signal(signal.SIGTERM, sigterm)
    seconds = time.perf_counter() - start
    if marker.exists():
        return Outcome("code_ran", f"{MARKER_NAME} was created", exit_code, seconds)
    status, message = classify(exit_code, err.getvalue(), exception, files, workdir)
    return Outcome(status, message, exit_code, seconds)


def classify(exit_code: int | None, stderr: str, exception: str | None, files: list[Path],
             workdir: Path) -> tuple[str, str]:
    """(status, message): ok on exit 0; clear on exit 1 with exactly one `error: FILE: problem` line where FILE is
    one of `files`; traceback otherwise."""
    if exception is not None:
        return "traceback", exception[:2000]
    lines = [line for line in stderr.splitlines() if line.strip()]
    if exit_code == 0:
        return "ok", ""
    message = lines[-1][:2000] if lines else f"exit code {exit_code} and no message"
    if exit_code == 1 and len(lines) == 1 and names_file(lines[0], files, workdir):
        return "clear", message
    return "traceback", message


def names_file(line: str, files: list[Path], workdir: Path) -> bool:
    """Whether an error line is `error: FILE: problem` with FILE one of `files` and a problem after it."""
    if not line.startswith("error: "):
        return False
    named, _, problem = line[len("error: "):].partition(": ")
    if not problem.strip():
        return False
    try:
        path = (workdir / named).resolve()
    except (OSError, ValueError):
        return False
    return any(path == f.resolve() for f in files)
