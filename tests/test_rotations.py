from __future__ import annotations

import math

import torch

from amp_studio.rotations import (
    exp_map_to_quat,
    nearest_exp_map,
    quat_angular_velocity,
    quat_conj,
    quat_from_axis_angle,
    quat_mul,
    quat_normalize,
    quat_rotate,
    quat_slerp,
    quat_to_exp_map,
    quat_to_matrix,
)


def _random_quats(n: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return quat_normalize(torch.randn(n, 4, generator=gen, dtype=torch.float64))


def test_exp_map_round_trip_including_small_angles():
    q = _random_quats(500)
    q = torch.where(q[:, :1] < 0, -q, q)
    assert torch.allclose(exp_map_to_quat(quat_to_exp_map(q)), q, atol=1e-10)
    tiny = torch.tensor([[1e-9, -2e-9, 3e-10], [0.0, 0.0, 0.0]], dtype=torch.float64)
    assert torch.allclose(quat_to_exp_map(exp_map_to_quat(tiny)), tiny, atol=1e-15)


def test_rotate_and_multiply_agree_with_matrices():
    a, b = _random_quats(100, 1), _random_quats(100, 2)
    v = torch.randn(100, 3, dtype=torch.float64)
    assert torch.allclose(quat_rotate(a, v), (quat_to_matrix(a) @ v.unsqueeze(-1)).squeeze(-1), atol=1e-12)
    assert torch.allclose(quat_to_matrix(quat_mul(a, b)), quat_to_matrix(a) @ quat_to_matrix(b), atol=1e-12)
    assert torch.allclose(quat_rotate(quat_conj(a), quat_rotate(a, v)), v, atol=1e-12)


def test_axis_angle_about_z():
    q = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(math.pi / 2))
    assert torch.allclose(quat_rotate(q, torch.tensor([1.0, 0.0, 0.0])), torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)


def test_slerp_endpoints_midpoint_and_shorter_arc():
    a, b = _random_quats(50, 3), _random_quats(50, 4)
    assert torch.allclose(quat_slerp(a, b, torch.zeros(50, dtype=torch.float64)), a, atol=1e-12)
    end = quat_slerp(a, b, torch.ones(50, dtype=torch.float64))
    assert torch.allclose((end * b).sum(-1).abs(), torch.ones(50, dtype=torch.float64), atol=1e-12)
    z = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    q0 = quat_from_axis_angle(z, torch.tensor(0.0, dtype=torch.float64))
    q1 = -quat_from_axis_angle(z, torch.tensor(1.0, dtype=torch.float64))  # same rotation, other sign
    mid = quat_slerp(q0, q1, torch.tensor(0.5, dtype=torch.float64))
    assert torch.allclose(quat_to_exp_map(mid), z * 0.5, atol=1e-12)


def test_angular_velocity_and_nearest_exp_map():
    z = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    q0 = quat_from_axis_angle(z, torch.tensor(0.3, dtype=torch.float64))
    q1 = quat_from_axis_angle(z, torch.tensor(0.5, dtype=torch.float64))
    assert torch.allclose(quat_angular_velocity(q0, q1, 0.1), z * 2.0, atol=1e-12)
    ref = torch.tensor([0.0, 0.0, 3.1], dtype=torch.float64)
    wrapped = torch.tensor([0.0, 0.0, -(2 * math.pi - 3.2)], dtype=torch.float64)  # 3.2 rad written as -3.08
    assert torch.allclose(nearest_exp_map(wrapped, ref), torch.tensor([0.0, 0.0, 3.2], dtype=torch.float64))
