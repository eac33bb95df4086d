"""Finding NaN and inf where training keeps its numbers, and saying where they are."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch

from amp_studio.errors import AmpStudioError


class DivergenceError(AmpStudioError):
    """Training produced a NaN or inf; the message names the quantity, where it is, and the iteration."""


def first_non_finite(tensor: torch.Tensor, dims: tuple[str, ...] = ()) -> str | None:
    """Where the first NaN or inf of a tensor is, as 'step 3, env 17, entry 42 is nan', or None if all finite.

    dims names the leading dimensions (the rest are 'entry' indices)."""
    if not tensor.is_floating_point():
        return None
    bad = ~torch.isfinite(tensor)
    if not bool(bad.any()):
        return None
    index = tuple(int(i) for i in torch.nonzero(bad)[0])
    parts = [f"{name} {i}" for name, i in zip(dims, index)]
    rest = index[len(dims):]
    if rest:
        parts.append(f"entry {rest[0]}" if len(rest) == 1 else f"entry {rest}")
    where = ", ".join(parts)
    count = int(bad.sum())
    return f"{where + ' is ' if where else ''}{tensor[index].item()} ({count} non-finite of {tensor.numel()})"


def check_tensors(named: Iterable[tuple[str, torch.Tensor, tuple[str, ...]]], iteration: int) -> None:
    """Raise DivergenceError for the first (name, tensor, dims) holding a NaN or inf."""
    for name, tensor, dims in named:
        where = first_non_finite(tensor, dims)
        if where is not None:
            raise DivergenceError(None, f"iteration {iteration}: {name} diverged: {where}")


def check_metrics(metrics: Mapping[str, float], iteration: int) -> None:
    """Raise DivergenceError for a NaN or inf loss or reward statistic (statistics of no episodes may be NaN)."""
    optional = {"episode_length_mean", "fall_rate"}
    for key, value in metrics.items():
        if key in optional or not isinstance(value, float):
            continue
        if value != value or value in (float("inf"), float("-inf")):
            raise DivergenceError(None, f"iteration {iteration}: {key} diverged: {value}")


def check_modules(modules: Mapping[str, torch.nn.Module], iteration: int) -> None:
    """Raise DivergenceError for the first parameter or buffer (normalizer statistics) holding a NaN or inf."""
    for module_name, module in modules.items():
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            where = first_non_finite(tensor.detach())
            if where is not None:
                raise DivergenceError(None, f"iteration {iteration}: {module_name} {name} diverged: {where}")


def first_non_finite_entry(state: object, max_depth: int = 32) -> str | None:
    """Where the first NaN or inf of a checkpoint's state is, as 'agent.actor.0.weight holds entry (0, 3) is nan'
    or 'wall_time is inf', or None. Walks dicts, lists and tuples (list items as [i]) to max_depth, without
    recursion, so that a hostile file's nesting cannot overflow the stack."""
    stack: list[tuple[str, object, int]] = [("", state, 0)]
    while stack:
        where, value, depth = stack.pop()
        if isinstance(value, torch.Tensor):
            found = first_non_finite(value)
            if found is not None:
                return f"{where or 'the state'} holds {found}"
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{where} is {value}"
        elif depth < max_depth and isinstance(value, Mapping):
            stack.extend((f"{where}.{k}" if where else str(k), v, depth + 1) for k, v in reversed(value.items()))
        elif depth < max_depth and isinstance(value, (list, tuple)):
            stack.extend((f"{where}[{i}]", v, depth + 1) for i, v in reversed(list(enumerate(value))))
    return None


def check_state(state: object, path: str | Path) -> None:
    """Refuse to write a checkpoint holding a NaN or inf anywhere (DivergenceError naming the entry)."""
    where = first_non_finite_entry(state)
    if where is not None:
        raise DivergenceError(path, f"not written: {where}")
