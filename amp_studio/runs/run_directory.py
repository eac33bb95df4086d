"""A run directory: configs as used, metrics, events, a log, TensorBoard events and checkpoints."""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from pathlib import Path

import torch

from amp_studio.config_loading import is_file
from amp_studio.errors import AmpStudioError, CheckpointError, one_line
from amp_studio.learning.divergence import check_state, first_non_finite_entry

__all__ = ["CheckpointError", "RunDirectory", "RunDirectoryError", "load_checkpoint", "save_checkpoint"]
# torch's weights-only unpickler names what a file tried to call: "Unsupported global: GLOBAL posix.system ..."
_REFUSED_CALL = re.compile(r"GLOBAL ([\w.]+)")


class RunDirectoryError(AmpStudioError):
    """A run directory file that cannot be written (no space, no permission)."""


def save_checkpoint(state: dict, path: str | Path) -> None:
    """Write atomically and durably: a temporary file, flushed to disk, renamed over the target, so that a killed
    process or a lost machine leaves either the old checkpoint or the new one, never half a file.

    A state holding a NaN or inf is refused (DivergenceError): a diverged run must not replace a good checkpoint.
    A write that fails (full disk, no permission) raises CheckpointError and leaves the previous file in place."""
    check_state(state, path)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_directory(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        kept = "; the previous checkpoint is kept" if path.exists() else ""
        raise CheckpointError(path, f"could not be written ({exc.strerror or exc}){kept}") from None


def _fsync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_checkpoint(path: str | Path) -> dict:
    """Read with torch's weights-only unpickler: tensors, numbers, strings and containers, never code."""
    path = Path(path)
    if not is_file(path):
        raise CheckpointError(path, "checkpoint not found")
    try:
        with warnings.catch_warnings():  # torch warns about pickles it then refuses; the error says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or unsafe files
        raise CheckpointError(path, f"not a readable checkpoint ({_unreadable(exc)})") from None
    if not isinstance(state, dict) or not isinstance(state.get("agent"), dict):
        raise CheckpointError(path, "not an AMP Studio checkpoint (no 'agent' entry)")
    where = first_non_finite_entry(state)
    if where is not None:
        raise CheckpointError(path, f"{where}: the file is damaged (checkpoints are never written with a NaN or inf)")
    return state


def _unreadable(exc: Exception) -> str:
    """torch's reason in a few words: its unpickler's errors come inside a paragraph of advice."""
    text = one_line(str(exc))
    refused = _REFUSED_CALL.search(text)
    if refused:
        return f"it would call {refused.group(1)}; a checkpoint may hold only tensors and plain data"
    detail = text.split("WeightsUnpickler error:", 1)[-1].split("Check the documentation of torch.load", 1)[0]
    return f"{type(exc).__name__}: {detail.strip(' ;')[:300]}"


def policy_state(state: dict) -> dict:
    """The part of a full checkpoint that acting needs: policy, observation normalizer, configs, counters; and
    the discriminator with its normalizer, so that an evaluation can report the policy's style reward."""
    agent = state["agent"]
    return {
        "agent": {"actor": agent["actor"], "obs_norm": agent["obs_norm"], "disc": agent["disc"],
                  "disc_obs_norm": agent["disc_obs_norm"],
                  "disc_reward_weight": agent["disc_reward_weight"], "task_reward_weight": agent["task_reward_weight"]},
        "configs": state.get("configs", {}), "iteration": state.get("iteration", 0),
        "samples": state.get("samples", 0), "wall_time": state.get("wall_time", 0.0), "policy_only": True,
    }


def export_policy(checkpoint: str | Path, out_path: str | Path) -> Path:
    """A small checkpoint with only what acting needs, from a full one."""
    save_checkpoint(policy_state(load_checkpoint(checkpoint)), out_path)
    return Path(out_path)


def _writer_alive(tmp: Path) -> bool:
    """Whether the process that names a temporary checkpoint ('.NAME.PID.tmp') still runs."""
    try:
        os.kill(int(tmp.name.split(".")[-2]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def repair_jsonl(path: Path) -> bool:
    """Cut a JSON-lines file back to its last complete record; True if anything was cut.

    Records are appended whole, so only the last line can be torn (a process killed while writing it)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    keep = len(data)
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
    else:
        last_start = data.rfind(b"\n", 0, max(keep - 1, 0)) + 1
        try:
            if keep:
                json.loads(data[last_start:keep])
        except ValueError:
            keep = last_start
    if keep == len(data):
        return False
    with open(path, "r+b") as f:
        f.truncate(keep)
    return True


class RunDirectory:
    """Files of one training run (DESIGN section 8)."""

    def __init__(self, path: str | Path, tensorboard: bool = True):
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"
        try:
            self.checkpoints.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirectoryError(self.path, f"cannot be created ({exc.strerror or exc})") from None
        for stale in self.checkpoints.glob(".*.tmp"):
            if not _writer_alive(stale):  # a write cut short by a killed process
                stale.unlink(missing_ok=True)
        self.repaired = [name for name in ("metrics.jsonl", "events.jsonl") if repair_jsonl(self.path / name)]
        """Logs whose torn last line (a process killed mid-write) was cut off when the directory was opened."""
        if self.repaired:
            self.log_event("repaired", files=self.repaired)
        self._writer = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as exc:
                raise RunDirectoryError(self.path, f"TensorBoard logging needs the tensorboard package ({exc}): "
                                                   "pip install tensorboard, or give --logger txt") from None
            self._writer = SummaryWriter(str(self.path / "tensorboard"))

    def write_config(self, name: str, text: str) -> None:
        """Keep a config as used (YAML text)."""
        (self.path / name).write_text(text, encoding="utf-8")

    def _append(self, name: str, record: dict) -> None:
        self._write_line(name, json.dumps(record))

    def _write_line(self, name: str, line: str) -> None:
        try:
            with open(self.path / name, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise RunDirectoryError(self.path / name, f"cannot be written ({exc.strerror or exc})") from None

    def log_metrics(self, metrics: dict) -> None:
        """One line of metrics.jsonl and the same scalars in TensorBoard."""
        self._append("metrics.jsonl", metrics)
        if self._writer is not None:
            step = int(metrics.get("samples", metrics.get("iteration", 0)))
            for key, value in metrics.items():
                if isinstance(value, (int, float)) and key not in ("iteration", "samples"):
                    self._writer.add_scalar(key, value, step)
            self._writer.flush()

    def drop_metrics_after(self, iteration: int) -> int:
        """Remove metrics of iterations after `iteration` (a resume from an earlier checkpoint trains them again);
        returns how many records went."""
        path = self.path / "metrics.jsonl"
        if not path.is_file():
            return 0
        kept, dropped = [], 0
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                late = int(json.loads(line).get("iteration", 0)) > iteration
            except (ValueError, AttributeError, TypeError):
                late = False
            if late:
                dropped += 1
            else:
                kept.append(line + "\n")
        if dropped:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text("".join(kept), encoding="utf-8")
            os.replace(tmp, path)
        return dropped

    def log_event(self, kind: str, **fields) -> None:
        """A user action or notable happening in events.jsonl (weight changes, pauses, resumes)."""
        self._append("events.jsonl", {"event": kind, "time": time.time(), **fields})

    def log(self, line: str) -> None:
        """A line of log.txt."""
        self._write_line("log.txt", line)

    def close(self) -> None:
        """Flush and close TensorBoard."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
