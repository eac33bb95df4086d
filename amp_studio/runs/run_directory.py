"""A run directory: configs as used, metrics, events, a log, TensorBoard events and checkpoints."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import torch

from amp_studio.errors import AmpStudioError


class CheckpointError(AmpStudioError):
    """A checkpoint that cannot be read."""


def save_checkpoint(state: dict, path: str | Path) -> None:
    """Write atomically: a temporary file renamed over the target, so a killed process never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict:
    """Read with torch's weights-only unpickler: tensors, numbers, strings and containers, never code."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or unsafe files
        raise CheckpointError(path, f"not a readable checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or "agent" not in state:
        raise CheckpointError(path, "not an AMP Studio checkpoint (no 'agent' entry)")
    return state


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


class RunDirectory:
    """Files of one training run (DESIGN section 8)."""

    def __init__(self, path: str | Path, tensorboard: bool = True):
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self._writer = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(str(self.path / "tensorboard"))

    def write_config(self, name: str, text: str) -> None:
        """Keep a config as used (YAML text)."""
        (self.path / name).write_text(text, encoding="utf-8")

    def _append(self, name: str, record: dict) -> None:
        with open(self.path / name, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def log_metrics(self, metrics: dict) -> None:
        """One line of metrics.jsonl and the same scalars in TensorBoard."""
        self._append("metrics.jsonl", metrics)
        if self._writer is not None:
            step = int(metrics.get("samples", metrics.get("iteration", 0)))
            for key, value in metrics.items():
                if isinstance(value, (int, float)) and key not in ("iteration", "samples"):
                    self._writer.add_scalar(key, value, step)
            self._writer.flush()

    def log_event(self, kind: str, **fields) -> None:
        """A user action or notable happening in events.jsonl (weight changes, pauses, resumes)."""
        self._append("events.jsonl", {"event": kind, "time": time.time(), **fields})

    def log(self, line: str) -> None:
        """A line of log.txt."""
        with open(self.path / "log.txt", "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def close(self) -> None:
        """Flush and close TensorBoard."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
