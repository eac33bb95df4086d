"""One training process per device (`--devices cpu cpu`, `cuda:0 cuda:1`), or the processes torchrun started.

Processes are started with the spawn method (never fork: the parent may have threads) and joined by
torch.distributed: gloo for CPUs, NCCL for GPUs. Under torchrun (multi-node), RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR and MASTER_PORT come from the environment and this process is one of them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from amp_studio.errors import AmpStudioError


def check_devices(devices: list[str]) -> list[str]:
    """The device list, or a clear error for a device this machine does not have."""
    for d in devices:
        if d == "cpu":
            continue
        if not d.startswith("cuda"):
            raise AmpStudioError(None, f"--devices: '{d}' is not a device (use cpu or cuda:N)")
        index = int(d.split(":", 1)[1]) if ":" in d else 0
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            raise AmpStudioError(None, f"--devices: {d} is not available here (CUDA GPUs: "
                                       f"{torch.cuda.device_count() if torch.cuda.is_available() else 0})")
    if len({d for d in devices if d != "cpu"}) != len([d for d in devices if d != "cpu"]):
        raise AmpStudioError(None, f"--devices: a GPU is listed twice in {devices}")
    return devices


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _backend(device: str) -> str:
    return "nccl" if device.startswith("cuda") else "gloo"


def threads_per_process(world: int) -> int:
    """The cores each process may use, so that processes on one machine do not oversubscribe it."""
    return max(1, (os.cpu_count() or 1) // max(1, world))


def _entry(rank: int, devices: list[str], port: int, target: Callable, args: tuple) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    device = devices[rank]
    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
    dist.init_process_group(_backend(device), rank=rank, world_size=len(devices))
    _run_then_leave_together(target, device, len(devices), args)


def _run_then_leave_together(target: Callable, device: str, world: int, args: tuple) -> None:
    """target, then a barrier before the process group is torn down: a rank that tore its connections down while
    rank 0 was still saving the checkpoint (and holding the rendezvous store) was seen to abort on exit. After a
    failure there is no barrier: the other ranks may be gone, and waiting for them would hang."""
    try:
        target(device, world, *args)
    except BaseException:
        dist.destroy_process_group()
        raise
    dist.barrier()
    dist.destroy_process_group()


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher) set this process's rank and world size."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def launch(devices: list[str], target: Callable, *args) -> None:
    """Run target(device, world_size, *args) in one process per device (or in this one if there is one device)."""
    devices = check_devices(devices)
    if launched_by_torchrun():
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = devices[local] if local < len(devices) else devices[-1]
        if device.startswith("cuda"):
            torch.cuda.set_device(torch.device(device))
        dist.init_process_group(_backend(device))
        _run_then_leave_together(target, device, dist.get_world_size(), args)
        return
    if len(devices) == 1:
        target(devices[0], 1, *args)
        return
    mp.start_processes(_entry, args=(devices, _free_port(), target, args), nprocs=len(devices), join=True,
                       start_method="spawn")
