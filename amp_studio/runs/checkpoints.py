"""Checkpoint files: reading them safely, checking what they hold before anything is changed, writing them
atomically, and the policy-only format (what `data/models/*.pt` hold).

A full checkpoint (checkpoints/latest.pt) is Runner.state_dict(): the agent's state, the env's, the observations
and episode counters in progress, iteration and sample counts, the random state and the configs used. A
policy-only file (policy_state: run snapshots, exported models) keeps what acting and judging style need.

Every entry is checked before anything is loaded: the run-level entries here (check_full_state), the agent's by
the agent itself (amp_studio.learning.state_checks, which stays in learning because learning may not import runs).
Files are only ever read with torch's weights-only unpickler: a checkpoint can hold data, never code.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import torch
import yaml

from amp_studio.config_loading import is_file
from amp_studio.errors import CheckpointError, one_line
from amp_studio.learning.divergence import check_state, first_non_finite_entry
from amp_studio.learning.state_checks import check_count, check_like, check_number, check_rng_state, check_tensor

__all__ = [
    "CheckpointError", "check_env_count", "check_full_state", "check_observation_frame", "env_frame", "export_policy",
    "frame_overrides", "load_checkpoint", "policy_state", "remove_abandoned_writes", "save_checkpoint",
    "trained_frame",
]
# torch's weights-only unpickler names what a file tried to call: "Unsupported global: GLOBAL posix.system ..."
_REFUSED_CALL = re.compile(r"GLOBAL ([\w.]+)")
FULL_STATE_KEYS = ("agent", "env", "obs", "episode_steps", "iteration", "samples", "wall_time", "torch_rng")


# ----- writing -----

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


def remove_abandoned_writes(folder: Path) -> None:
    """Delete the temporary files of writes cut short by a killed process (save_checkpoint's '.NAME.PID.tmp');
    those of a writer still running are its own."""
    for stale in folder.glob(".*.tmp"):
        if not _writer_alive(stale):
            stale.unlink(missing_ok=True)


def _writer_alive(tmp: Path) -> bool:
    """Whether the process that names a temporary checkpoint ('.NAME.PID.tmp') still runs."""
    try:
        os.kill(int(tmp.name.split(".")[-2]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


# ----- reading -----

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


# ----- the policy-only format -----

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


# ----- checks before loading -----

def check_env_count(state: dict, num_envs: int, source: str | Path | None) -> None:
    """A full checkpoint resumes episodes in progress, one per env: it needs as many envs as it was saved with."""
    obs = state.get("obs")
    saved_envs = len(obs) if isinstance(obs, torch.Tensor) and obs.dim() else None
    if saved_envs is not None and saved_envs != num_envs:
        raise CheckpointError(source, f"saved with {saved_envs} envs; resume with --num_envs {saved_envs}")


def check_full_state(state: dict, obs: torch.Tensor, episode_steps: torch.Tensor, env_state: dict,
                     source: str | Path | None) -> None:
    """The run-level entries of a full checkpoint fit a run whose observations, episode step counts and env state
    are like these (the agent's entry is checked by the agent as it loads)."""
    for key in FULL_STATE_KEYS:
        if key not in state:
            raise CheckpointError(source, f"'{key}' is missing (not a full checkpoint)")
    check_tensor(state["obs"], obs, "obs", source)
    check_tensor(state["episode_steps"], episode_steps, "episode_steps", source)
    for key in ("iteration", "samples"):
        check_count(state[key], key, source)
    check_number(state["wall_time"], "wall_time", source)
    check_rng_state(state["torch_rng"], torch.get_rng_state(), "torch_rng", source)
    check_like(state["env"], env_state, "env", source,
               optional=frozenset({"demo_generator", "pending_starts"}), batches=frozenset({"pending_starts"}))


def env_frame(env_config) -> str:
    """The frame an env observes in: `world`, or its heading's kind (amp_obs.HEADINGS)."""
    return "world" if env_config.global_obs else env_config.heading


def trained_frame(state: dict) -> str | None:
    """The frame a checkpoint's policy was trained to observe in, from the env config stored in it (None when it
    stores none). Configs from before the `heading` setting observed in MimicKit's x-axis heading frame."""
    configs = state.get("configs")
    text = configs.get("env_config.yaml") if isinstance(configs, dict) else None
    try:
        doc = yaml.safe_load(text) if isinstance(text, str) else None
    except yaml.YAMLError:
        return None
    block = doc.get("env") if isinstance(doc, dict) else None
    if not isinstance(block, dict):
        return None
    return "world" if block.get("global_obs") else str(block.get("heading", "x_axis"))


def frame_overrides(frame: str | None, env_config) -> dict:
    """Env settings that make an env with env_config observe in frame (none when it already does)."""
    if frame is None or frame == env_frame(env_config):
        return {}
    return {"global_obs": True} if frame == "world" else {"global_obs": False, "heading": frame}


def check_observation_frame(state: dict, env, source: str | Path | None) -> None:
    """The checkpoint's policy was trained in the frame this env observes in. A policy fed observations in another
    frame gets the same sizes but other values, and falls (the shipped walk, trained in the x-axis frame, fell in
    11 of 32 episodes in the twist frame, and in none in its own); checkpoints without stored configs pass."""
    trained, here = trained_frame(state), env_frame(env.config)
    if trained is not None and trained != here:
        fix = "global_obs: true" if trained == "world" else f"heading: {trained}"
        raise CheckpointError(source, f"its policy was trained on observations in the {trained} frame, but this env "
                                      f"observes in the {here} frame; set env.{fix} in the env config (or use the "
                                      f"configs stored in the model)")
