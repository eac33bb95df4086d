"""Finding NaN and inf where training keeps its numbers, and saying where they are."""

from __future__ import annotations

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
    parts = [f"{name} {i}" for name, i in zip(dims, index, strict=False)]
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


def check_state(state: object, path: str | Path, prefix: str = "") -> None:
    """Refuse to write a checkpoint holding a NaN or inf anywhere (DivergenceError naming the entry)."""
    if isinstance(state, torch.Tensor):
        where = first_non_finite(state)
        if where is not None:
            raise DivergenceError(path, f"not written: {prefix or 'the state'} holds {where}")
    elif isinstance(state, Mapping):
        for key, value in state.items():
            check_state(value, path, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(state, (list, tuple)):
        for i, value in enumerate(state):
            check_state(value, path, f"{prefix}[{i}]")
    elif isinstance(state, float) and (state != state or state in (float("inf"), float("-inf"))):
        raise DivergenceError(path, f"not written: {prefix} is {state}")
