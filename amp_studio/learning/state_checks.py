"""Whether a saved state fits the tensors, modules, optimizers and agent it is about to be loaded into, checked
before anything is changed: each problem is a CheckpointError naming the file, the entry and what was expected.

These are the checks of states, not of files: reading, writing and the run-level entries of a checkpoint file are
amp_studio.runs.checkpoints'. They stay here because the agent checks its own state whenever it is loaded
(AMPAgent.load_state_dict, which benchmarks also call directly), and learning may not import runs (layers point
down); runs.checkpoints uses the generic helpers for the entries of a full checkpoint."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Union

import torch

from amp_studio.errors import CheckpointError, describe

OTHER_RUN = ("the checkpoint is of another character, observation size or network size than this run's env and "
             "agent configs")
Source = Union[str, Path, None]  # typing.Union: `str | Path` is evaluated here, and Python 3.8 has no `|` of types


def check_tensor(value: object, like: torch.Tensor, where: str, source: Source) -> None:
    """value is a tensor of like's shape and dtype."""
    if not isinstance(value, torch.Tensor):
        raise CheckpointError(source, f"{where}: expected a tensor, got {describe(value)}")
    if value.shape != like.shape:
        raise CheckpointError(source, f"{where}: shape {tuple(value.shape)}, this run needs {tuple(like.shape)}; "
                                      f"{OTHER_RUN}")
    if value.dtype != like.dtype:
        raise CheckpointError(source, f"{where}: {value.dtype} values, expected {like.dtype}")


def check_module_state(saved: object, module: torch.nn.Module, where: str, source: Source) -> None:
    """saved holds exactly the module's parameters and buffers, each of its shape and dtype."""
    if not isinstance(saved, Mapping):
        raise CheckpointError(source, f"{where}: expected a mapping of tensors, got {describe(saved)}")
    expected = module.state_dict()
    for key, tensor in expected.items():
        if key not in saved:
            raise CheckpointError(source, f"{where}: '{key}' is missing; {OTHER_RUN}")
        check_tensor(saved[key], tensor, f"{where}.{key}", source)
    extra = [key for key in saved if key not in expected]
    if extra:
        raise CheckpointError(source, f"{where}: unexpected entry {describe(extra[0])}; {OTHER_RUN}")


def check_number(value: object, where: str, source: Source) -> float:
    """A finite number (or a one-element tensor of one) as a float."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CheckpointError(source, f"{where}: expected a number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise CheckpointError(source, f"{where}: {describe(value)} is too large") from None
    if not math.isfinite(number):
        raise CheckpointError(source, f"{where}: expected a finite number, got {number}")
    return number


def check_count(value: object, where: str, source: Source) -> int:
    """A whole number >= 0."""
    number = check_number(value, where, source)
    if number < 0 or number != int(number):
        raise CheckpointError(source, f"{where}: expected a whole number >= 0, got {describe(value)}")
    return int(number)


def check_rng_state(value: object, like: torch.Tensor, where: str, source: Source) -> None:
    """A random generator's state: bytes of the size this torch uses."""
    if not isinstance(value, torch.Tensor) or value.dtype != torch.uint8 or value.shape != like.shape:
        raise CheckpointError(source, f"{where}: expected a random generator state ({like.numel()} bytes), got "
                                      f"{describe(value)}")


def check_optimizer_state(saved: object, optimizer: torch.optim.Optimizer, where: str, source: Source) -> None:
    """saved is an optimizer state of the same kind for the same parameters: groups, settings and per-parameter
    tensors (Adam's moments, SGD's momentum) shaped like the parameters."""
    current = optimizer.state_dict()
    if not isinstance(saved, Mapping) or not isinstance(saved.get("state"), Mapping) or not isinstance(
            saved.get("param_groups"), list):
        raise CheckpointError(source, f"{where}: expected an optimizer state ('state' and 'param_groups'), got "
                                      f"{describe(saved)}")
    groups = saved["param_groups"]
    if len(groups) != len(current["param_groups"]):
        raise CheckpointError(source, f"{where}: {len(groups)} parameter groups, expected "
                                      f"{len(current['param_groups'])}")
    params = {}
    for i, (group, like) in enumerate(zip(groups, current["param_groups"])):
        if not isinstance(group, Mapping) or not isinstance(group.get("params"), list):
            raise CheckpointError(source, f"{where}.param_groups[{i}]: expected a mapping with 'params'")
        for key, value in like.items():
            if key == "params":
                continue
            if key not in group:  # settings newer than the checkpoint's torch: the optimizer fills in defaults
                continue
            _check_setting(group[key], value, f"{where}.param_groups[{i}].{key}", source)
        if len(group["params"]) != len(like["params"]):
            raise CheckpointError(source, f"{where}.param_groups[{i}]: {len(group['params'])} parameters, these "
                                          f"networks have {len(like['params'])}; {OTHER_RUN}")
        shapes = [p.shape for p in optimizer.param_groups[i]["params"]]
        for saved_id, shape in zip(group["params"], shapes):
            if isinstance(saved_id, bool) or not isinstance(saved_id, int) or saved_id in params:
                raise CheckpointError(source, f"{where}.param_groups[{i}].params: {describe(saved_id)} is not a "
                                              "parameter index of its own")
            params[saved_id] = shape
    needed = _STATE_KEYS.get(type(optimizer), set())
    for saved_id, entry in saved["state"].items():
        if saved_id not in params or not isinstance(entry, Mapping):
            raise CheckpointError(source, f"{where}.state: {describe(saved_id)} is not the state of a parameter")
        missing = needed - set(entry)
        if missing:
            raise CheckpointError(source, f"{where}.state.{saved_id}: '{sorted(missing)[0]}' is missing (an "
                                          "optimizer of another type?)")
        for key, value in entry.items():
            if value is None:
                continue
            if not isinstance(value, torch.Tensor):
                raise CheckpointError(source, f"{where}.state.{saved_id}.{key}: expected a tensor, got "
                                              f"{describe(value)}")
            if value.dim() > 0 and value.shape != params[saved_id]:
                raise CheckpointError(source, f"{where}.state.{saved_id}.{key}: shape {tuple(value.shape)}, its "
                                              f"parameter's is {tuple(params[saved_id])}; {OTHER_RUN}")


# What each parameter's state holds once the optimizer has stepped (its load_state_dict reads these).
_STATE_KEYS = {torch.optim.Adam: {"step", "exp_avg", "exp_avg_sq"}, torch.optim.SGD: {"momentum_buffer"}}


def _check_setting(value: object, like: object, where: str, source: Source) -> None:
    if isinstance(like, bool) or like is None:
        if value is not None and not isinstance(value, bool):
            raise CheckpointError(source, f"{where}: expected true, false or none, got {describe(value)}")
    elif isinstance(like, str):
        if not isinstance(value, str):
            raise CheckpointError(source, f"{where}: expected text, got {describe(value)}")
    elif isinstance(like, (int, float)):
        check_number(value, where, source)
    elif isinstance(like, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(like):
            raise CheckpointError(source, f"{where}: expected {len(like)} values, got {describe(value)}")
        for i, (v, ref) in enumerate(zip(value, like)):
            _check_setting(v, ref, f"{where}[{i}]", source)


def check_like(saved: object, current: object, where: str, source: Source,
               optional: frozenset[str] = frozenset(), batches: frozenset[str] = frozenset()) -> None:
    """saved has current's structure: the same keys (those in `optional` may be absent), tensors of the same shape
    and dtype, numbers where current has numbers. Under a key in `batches`, a mapping of tensors whose first
    dimension (how many) may differ. For states without a dedicated check (an env's)."""
    if isinstance(current, torch.Tensor):
        check_tensor(saved, current, where, source)
    elif isinstance(current, Mapping):
        if not isinstance(saved, Mapping):
            raise CheckpointError(source, f"{where}: expected a mapping, got {describe(saved)}")
        for key, value in current.items():
            if key not in saved:
                if key not in optional:
                    raise CheckpointError(source, f"{where}: '{key}' is missing")
            elif key in batches:
                _check_batches(saved[key], value, f"{where}.{key}", source)
            else:
                check_like(saved[key], value, f"{where}.{key}", source, optional, batches)
    elif isinstance(current, (int, float)) and not isinstance(current, bool):
        check_number(saved, where, source)


def _check_batches(saved: object, current: Mapping, where: str, source: Source) -> None:
    if not isinstance(saved, Mapping):
        raise CheckpointError(source, f"{where}: expected a mapping, got {describe(saved)}")
    if saved and current and set(saved) != set(current):
        raise CheckpointError(source, f"{where}: entries {sorted(map(str, saved))}, expected {sorted(current)}")
    counts = set()
    for key, value in saved.items():
        like = current.get(key)
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(source, f"{where}.{key}: expected a tensor, got {describe(value)}")
        if like is not None and (not value.dim() or value.shape[1:] != like.shape[1:] or value.dtype != like.dtype):
            raise CheckpointError(source, f"{where}.{key}: {value.dtype} of shape {tuple(value.shape)}, expected "
                                          f"{like.dtype} of shape (any, {', '.join(map(str, like.shape[1:]))})")
        counts.add(len(value) if value.dim() else -1)
    if len(counts) > 1:
        raise CheckpointError(source, f"{where}: entries of different lengths {sorted(counts)}")


def check_agent_state(agent, state: object, policy_only: bool, source: Source) -> None:
    """state fits the AMPAgent: everything load_state_dict reads, checked before it reads any."""
    if not isinstance(state, Mapping):
        raise CheckpointError(source, f"agent: expected a mapping, got {describe(state)}")
    required = ["actor", "obs_norm"] + ["disc", "disc_obs_norm"] * ("disc" in state or not policy_only)
    if not policy_only:
        required += ["critic", "actor_opt", "critic_opt", "disc_opt", "replay", "generator", "disc_reward_weight",
                     "task_reward_weight"]
    for key in required:
        if key not in state:
            raise CheckpointError(source, f"agent: '{key}' is missing")
    networks = {"actor": agent.actor, "obs_norm": agent.obs_norm, "disc": agent.disc,
                "disc_obs_norm": agent.disc_obs_norm, "critic": agent.critic}
    for key, module in networks.items():
        if key in required:
            check_module_state(state[key], module, f"agent.{key}", source)
    if policy_only:
        return
    for key in ("actor_opt", "critic_opt", "disc_opt"):
        check_optimizer_state(state[key], getattr(agent, key), f"agent.{key}", source)
    check_replay_state(state["replay"], agent.replay, source)
    check_rng_state(state["generator"], agent.generator.get_state(), "agent.generator", source)
    if "update_generator" in state:
        check_rng_state(state["update_generator"], agent.update_generator.get_state(), "agent.update_generator",
                        source)
    for key in ("disc_reward_weight", "task_reward_weight"):
        check_number(state[key], f"agent.{key}", source)


def check_replay_state(saved: object, replay, source: Source) -> None:
    """The discriminator's replay buffer: `size` samples of this run's discriminator observation size."""
    if not isinstance(saved, Mapping) or "data" not in saved or "size" not in saved:
        raise CheckpointError(source, f"agent.replay: expected 'data' and 'size', got {describe(saved)}")
    size = check_count(saved["size"], "agent.replay.size", source)
    capacity, dim = replay.data.shape
    if size > capacity:
        raise CheckpointError(source, f"agent.replay.size: {size:,d} samples, this run's buffer holds {capacity:,d} "
                                      "(disc_buffer_size)")
    check_tensor(saved["data"], replay.data[:size], "agent.replay.data", source)
