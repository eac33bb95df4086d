"""Mixed precision for updates on the CPU: bf16 where the processor computes it natively."""

from __future__ import annotations

import functools
from pathlib import Path

import torch

# x86 flags of native bf16 arithmetic (oneDNN uses them for bf16 matmuls); without them bf16 is emulated and slower.
_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=None)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (read from /proc/cpuinfo; False where that is unavailable)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return any(flag in flags for flag in _BF16_FLAGS)
    return False


def mixed_precision(use_amp: bool, amp_type: str) -> bool:
    """Whether a network's update runs its hidden layers in bf16: asked for, and fast on this CPU."""
    return use_amp and amp_type == "bf16" and cpu_has_native_bf16()


def run_mlp(net: torch.nn.Sequential, x: torch.Tensor, bf16: bool) -> torch.Tensor:
    """The MLP's output. With bf16 the hidden layers compute in bfloat16 and the output layer in float32, so
    values, logits and action means keep full precision (a bf16 value of 60 is only good to 0.25)."""
    if not bf16:
        return net(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden = net[:-1](x)
    return net[-1](hidden.float())
