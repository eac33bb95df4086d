"""Running mean and standard deviation of observations, frozen after a number of samples."""

from __future__ import annotations

import torch

from amp_studio.learning import distributed


class Normalizer(torch.nn.Module):
    """(x - mean) / std, clipped; statistics from every batch seen until max_samples (Chan's parallel update)."""

    def __init__(self, size: int, max_samples: int = 100_000_000, clip: float = 5.0, eps: float = 1e-4):
        super().__init__()
        self.max_samples = max_samples
        self.clip = clip
        self.eps = eps
        self.register_buffer("mean", torch.zeros(size, dtype=torch.float64))
        self.register_buffer("var", torch.ones(size, dtype=torch.float64))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))
        self.register_buffer("std", torch.ones(size))
        self.register_buffer("mean32", torch.zeros(size))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        """Fold a batch into the statistics. Shape: (B, size)."""
        if self.count >= self.max_samples:
            return
        x = x.double()
        if distributed.active():
            # Every process folds in the batches of all: the statistics stay identical on every rank.
            sums = distributed.all_reduce_sum(torch.cat((torch.tensor([float(len(x))], dtype=x.dtype),
                                                         x.sum(0), (x * x).sum(0))))
            n = float(sums[0])
            if n == 0:
                return
            mean = sums[1:1 + x.shape[1]] / n
            var = (sums[1 + x.shape[1]:] / n - mean * mean).clamp_min(0.0)
        else:
            if len(x) == 0:
                return
            n = float(len(x))
            mean, var = x.mean(0), x.var(0, unbiased=False)
        total = self.count + n
        delta = mean - self.mean
        self.var.copy_((self.var * self.count + var * n + delta * delta * self.count * n / total) / total)
        self.mean.add_(delta * n / total)
        self.count.fill_(total)
        self.std.copy_(self.var.sqrt().clamp_min(self.eps).float())
        self.mean32.copy_(self.mean.float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized x. Shape: (..., size)."""
        return ((x - self.mean32) / self.std).clamp(-self.clip, self.clip)


class DiffNormalizer(torch.nn.Module):
    """x / mean(|x|) per component, unclipped (MimicKit's DiffNormalizer for ADD): differences from a clip are
    centred on zero by construction, so only their scale is learned; frozen after max_samples like Normalizer."""

    def __init__(self, size: int, max_samples: int = 100_000_000, min_scale: float = 1e-4):
        super().__init__()
        self.max_samples = max_samples
        self.min_scale = min_scale
        self.register_buffer("mean_abs", torch.ones(size, dtype=torch.float64))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))
        self.register_buffer("scale", torch.ones(size))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        """Fold a batch into the mean absolute values. Shape: (B, size)."""
        if self.count >= self.max_samples:
            return
        x = x.double()
        sums = torch.cat((torch.tensor([float(len(x))], dtype=x.dtype), x.abs().sum(0)))
        if distributed.active():
            sums = distributed.all_reduce_sum(sums)
        n = float(sums[0])
        if n == 0:
            return
        total = self.count + n
        self.mean_abs.copy_((self.mean_abs * self.count + sums[1:]) / total)
        self.count.fill_(total)
        self.scale.copy_(self.mean_abs.clamp_min(self.min_scale).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized x. Shape: (..., size)."""
        return x / self.scale
