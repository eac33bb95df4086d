"""Fake isaacgym.gymtorch: a descriptor simply holds the torch tensor it describes, so views share memory."""

from __future__ import annotations

import torch

from isaacgym.gymapi import Tensor


def wrap_tensor(gym_tensor: Tensor, offsets: tuple[int, ...] | None = None,
                counts: tuple[int, ...] | None = None) -> torch.Tensor:
    """The torch tensor the descriptor points at (the same memory, as Isaac Gym's zero-copy view)."""
    return gym_tensor.data


def unwrap_tensor(torch_tensor: torch.Tensor) -> Tensor:
    """A descriptor of a contiguous torch tensor; Isaac Gym reads raw memory, so a strided view is refused."""
    if not torch_tensor.is_contiguous():
        raise ValueError("unwrap_tensor needs a contiguous tensor")
    return Tensor(torch_tensor)
