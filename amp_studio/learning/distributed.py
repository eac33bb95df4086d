"""Data-parallel training across processes (torch.distributed): the few collectives the learner needs.

Every process runs its own envs; networks start equal (broadcast from rank 0), gradients are averaged before
every optimizer step, and normalizer statistics are folded from the batches of all processes, so parameters,
optimizer states and normalizers stay identical on every rank. With one process every call is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import torch
import torch.distributed as dist


def active() -> bool:
    """Whether a process group with more than one process is running."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's rank (0 without a process group)."""
    return dist.get_rank() if active() else 0


def world_size() -> int:
    """Number of training processes (1 without a process group)."""
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    """Whether this process writes logs and checkpoints."""
    return rank() == 0


def _comm_device() -> torch.device:
    # NCCL moves CUDA tensors only; gloo moves CPU tensors.
    if active() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_reduce_sum(x: torch.Tensor) -> torch.Tensor:
    """The sum of x over all processes (x itself with one process)."""
    if not active():
        return x
    buf = x.to(_comm_device()).clone()
    dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    return buf.to(x.device)


def average_gradients(parameters: Iterable[torch.nn.Parameter]) -> None:
    """Replace every gradient by its mean over all processes (one collective for all of them)."""
    if not active():
        return
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    flat = all_reduce_sum(flat) / world_size()
    offset = 0
    for p in params:
        n = p.grad.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def broadcast_state(modules: Iterable[torch.nn.Module]) -> None:
    """Give every process rank 0's parameters and buffers."""
    if not active():
        return
    for module in modules:
        for tensor in [*module.parameters(), *module.buffers()]:
            buf = tensor.data.to(_comm_device())
            dist.broadcast(buf, src=0)
            tensor.data.copy_(buf.to(tensor.device))


def fingerprint(modules: Iterable[torch.nn.Module]) -> str:
    """A hash of the exact bytes of the modules' parameters and buffers."""
    h = hashlib.sha256()
    for module in modules:
        for tensor in [*module.parameters(), *module.buffers()]:
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def gather_fingerprints(modules: Iterable[torch.nn.Module]) -> list[str]:
    """Every process's fingerprint, by rank."""
    mine = fingerprint(modules)
    if not active():
        return [mine]
    out: list[str | None] = [None] * world_size()
    dist.all_gather_object(out, mine)
    return [str(x) for x in out]
