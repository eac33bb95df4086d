from __future__ import annotations

from pathlib import Path

import pytest
import torch

from amp_studio.learning import precision
from amp_studio.learning.networks import mlp


def test_mixed_precision_only_when_asked_and_native(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.mixed_precision(True, "bf16")
    assert not precision.mixed_precision(False, "bf16")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert not precision.mixed_precision(True, "bf16")


def test_native_bf16_reads_the_cpu_flags():
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.exists() else ""
    expected = "avx512_bf16" in flags or "amx_bf16" in flags
    assert precision.cpu_has_native_bf16() == expected


@pytest.mark.parametrize("bf16", [False, True])
def test_run_mlp_keeps_a_float32_output_layer(bf16):
    torch.manual_seed(0)
    net = mlp(12, [64, 64], 1)
    x = torch.randn(256, 12, requires_grad=True)
    out = precision.run_mlp(net, x, bf16)
    assert out.dtype == torch.float32
    reference = net(x)
    # bf16 hidden layers: ~3 significant digits; the output is not quantized to bf16's grid around 60.
    assert torch.allclose(out, reference, atol=0.02 if bf16 else 0.0, rtol=0.02 if bf16 else 0.0)
    shifted = precision.run_mlp(net, x, bf16) + 60.0
    assert len(torch.unique(shifted)) > 200
    # Gradients reach the inputs (the discriminator's gradient penalty needs them).
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    assert grad.shape == x.shape and grad.abs().sum() > 0
