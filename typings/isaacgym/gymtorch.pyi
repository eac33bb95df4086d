# isaacgym.gymtorch: zero-copy views between Gym tensor descriptors and torch tensors (the adapter's subset).
import torch

from isaacgym.gymapi import Tensor

def wrap_tensor(
    gym_tensor: Tensor, offsets: tuple[int, ...] | None = None, counts: tuple[int, ...] | None = None
) -> torch.Tensor:
    """A torch tensor sharing the simulation buffer described by gym_tensor."""

def unwrap_tensor(torch_tensor: torch.Tensor) -> Tensor:
    """A Gym descriptor of a contiguous torch tensor, for the set_*_tensor calls."""
