from __future__ import annotations

import torch

from amp_studio.learning.normalizer import Normalizer


def test_running_statistics_match_the_whole_data():
    gen = torch.Generator().manual_seed(0)
    data = torch.randn(1000, 3, generator=gen) * torch.tensor([1.0, 5.0, 0.1]) + torch.tensor([2.0, -1.0, 0.0])
    norm = Normalizer(3)
    for chunk in data.split(137):
        norm.update(chunk)
    assert torch.allclose(norm.mean.float(), data.mean(0), atol=1e-5)
    assert torch.allclose(norm.std, data.std(0, unbiased=False), atol=1e-4)
    out = norm(data)
    assert torch.allclose(out.mean(0), torch.zeros(3), atol=1e-4)


def test_stops_after_max_samples_and_clips():
    norm = Normalizer(1, max_samples=10)
    norm.update(torch.zeros(10, 1))
    norm.update(torch.full((10, 1), 100.0))
    assert norm.count == 10 and norm.mean.item() == 0.0
    assert norm(torch.tensor([[1e6]])).item() == norm.clip


def test_diff_normalizer_scales_by_the_mean_absolute_value_and_freezes():
    from amp_studio.learning.normalizer import DiffNormalizer

    gen = torch.Generator().manual_seed(1)
    data = torch.randn(900, 2, generator=gen) * torch.tensor([0.1, 3.0])
    norm = DiffNormalizer(2, max_samples=900)
    for chunk in data.split(100):
        norm.update(chunk)
    assert torch.allclose(norm.mean_abs.float(), data.abs().mean(0), atol=1e-5)
    assert torch.equal(norm(torch.zeros(1, 2)), torch.zeros(1, 2))  # no difference stays no difference
    assert torch.allclose(norm(data).abs().mean(0), torch.ones(2), atol=1e-4)
    norm.update(torch.full((10, 2), 100.0))  # past max_samples: frozen
    assert torch.allclose(norm.mean_abs.float(), data.abs().mean(0), atol=1e-5)
    assert norm(torch.tensor([[1e6, 0.0]]))[0, 0] > 1e6  # unclipped, as MimicKit's
