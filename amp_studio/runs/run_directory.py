"""A run directory's own files: the configs as used, metrics.jsonl, events.jsonl, log.txt and TensorBoard events;
and the checkpoints/ folder, whose files amp_studio.runs.checkpoints reads and writes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from amp_studio.errors import AmpStudioError
from amp_studio.runs.checkpoints import remove_abandoned_writes

__all__ = ["RunDirectory", "RunDirectoryError", "repair_jsonl"]


class RunDirectoryError(AmpStudioError):
    """A run directory file that cannot be written (no space, no permission)."""


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
    """Files of one training run (docs/design.md section 7)."""

    def __init__(self, path: str | Path, tensorboard: bool = True):
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"
        try:
            self.checkpoints.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirectoryError(self.path, f"cannot be created ({exc.strerror or exc})") from None
        remove_abandoned_writes(self.checkpoints)
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
