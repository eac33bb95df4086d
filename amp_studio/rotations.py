"""Batched rotation math in torch.

Quaternions are (w, x, y, z), MuJoCo's order, everywhere in this project; a
backend with another order converts at its own boundary. Every function takes
tensors with any leading batch shape.
"""

from __future__ import annotations

import math

import torch

_EPS = 1e-9


def quat_normalize(q: torch.Tensor) -> torch.Tensor:
    """Unit quaternion. Shape: (..., 4)."""
    return q / q.norm(dim=-1, keepdim=True).clamp_min(_EPS)


def quat_mul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Hamilton product a * b (apply b, then a). Shape: (..., 4)."""
    aw, ax, ay, az = a.unbind(-1)
    bw, bx, by, bz = b.unbind(-1)
    return torch.stack(
        (
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ),
        dim=-1,
    )


def quat_conj(q: torch.Tensor) -> torch.Tensor:
    """Conjugate, the inverse of a unit quaternion. Shape: (..., 4)."""
    return torch.cat((q[..., :1], -q[..., 1:]), dim=-1)


def quat_rotate(q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rotate vectors v by unit quaternions q. Shapes: (..., 4), (..., 3) -> (..., 3)."""
    w = q[..., :1]
    u = q[..., 1:]
    t = 2.0 * torch.cross(u, v, dim=-1)
    return v + w * t + torch.cross(u, t, dim=-1)


def tilt_deg(q: torch.Tensor) -> torch.Tensor:
    """Angle between the frame's up axis (its z) and the world's up, in degrees. Shape: (..., 4) -> (...)."""
    x, y = q[..., 1], q[..., 2]
    return torch.rad2deg(torch.acos((1.0 - 2.0 * (x * x + y * y)).clamp(-1.0, 1.0)))


def quat_from_axis_angle(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Quaternion of a rotation by angle about a unit axis. Shapes: (..., 3), (...) -> (..., 4)."""
    half = 0.5 * angle
    return torch.cat((torch.cos(half).unsqueeze(-1), axis * torch.sin(half).unsqueeze(-1)), dim=-1)


def exp_map_to_quat(e: torch.Tensor) -> torch.Tensor:
    """Exponential map (axis times angle) to quaternion. Shape: (..., 3) -> (..., 4)."""
    angle = e.norm(dim=-1, keepdim=True)
    half = 0.5 * angle
    # sin(a/2)/a -> 1/2 as a -> 0; the series keeps small angles exact.
    small = angle < 1e-6
    safe = torch.where(small, torch.ones_like(angle), angle)
    scale = torch.where(small, 0.5 - angle * angle / 48.0, torch.sin(half) / safe)
    return torch.cat((torch.cos(half), e * scale), dim=-1)


def quat_to_exp_map(q: torch.Tensor, shortest: bool = True) -> torch.Tensor:
    """Quaternion to exponential map. Shape: (..., 4) -> (..., 3).

    With shortest, the angle is in [0, pi]; without, q's sign picks between angle and 2*pi - angle (up to 2*pi),
    which keeps a sign-continuous sequence of quaternions continuous as exp maps.
    """
    q = quat_normalize(q)
    if shortest:
        q = torch.where(q[..., :1] < 0, -q, q)
    w = q[..., :1].clamp(-1.0, 1.0)
    v = q[..., 1:]
    s = v.norm(dim=-1, keepdim=True)
    angle = 2.0 * torch.atan2(s, w)
    small = s < 1e-7
    safe = torch.where(small, torch.ones_like(s), s)
    # angle/sin(angle/2) -> 2 as the angle -> 0 (w -> 1); near 2*pi (w -> -1) the rotation is nearly none.
    scale = torch.where(small, 2.0 / w.abs().clamp_min(_EPS), angle / safe)
    return v * scale


def quat_slerp(q0: torch.Tensor, q1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation along the shorter arc. Shapes: (..., 4), (..., 4), (...) or (..., 1) -> (..., 4)."""
    if t.dim() == q0.dim() - 1:
        t = t.unsqueeze(-1)
    dot = (q0 * q1).sum(dim=-1, keepdim=True)
    q1 = torch.where(dot < 0, -q1, q1)
    dot = dot.abs().clamp(max=1.0)
    theta = torch.acos(dot)
    sin_theta = torch.sin(theta)
    near = sin_theta < 1e-6
    safe = torch.where(near, torch.ones_like(sin_theta), sin_theta)
    w0 = torch.where(near, 1.0 - t, torch.sin((1.0 - t) * theta) / safe)
    w1 = torch.where(near, t, torch.sin(t * theta) / safe)
    return quat_normalize(w0 * q0 + w1 * q1)


def quat_to_matrix(q: torch.Tensor) -> torch.Tensor:
    """Rotation matrix of a unit quaternion. Shape: (..., 4) -> (..., 3, 3)."""
    w, x, y, z = q.unbind(-1)
    return torch.stack(
        (
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ),
        dim=-1,
    ).reshape(q.shape[:-1] + (3, 3))


def quat_angular_velocity(q0: torch.Tensor, q1: torch.Tensor, dt: float) -> torch.Tensor:
    """World-frame angular velocity taking q0 to q1 in dt seconds. Shape: (..., 4) -> (..., 3)."""
    return quat_to_exp_map(quat_mul(q1, quat_conj(q0))) / dt


def nearest_exp_map(e: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Of the exp maps of the same rotation as e (angle +- 2k*pi along its axis), the one closest to ref.

    Keeps finite differences of exp-map joint angles smooth where the angle crosses pi.
    Shape: (..., 3). The result may be e itself.
    """
    angle = e.norm(dim=-1, keepdim=True)
    best_dist = (e - ref).norm(dim=-1, keepdim=True)
    # The other maps lie 2*pi from e along its axis (a unit vector above _EPS), so one can be nearer to ref only
    # where e is more than pi from it. From one control step to the next that is rare: when no e is even 3 from
    # its ref, the search is skipped (the same result, a few percent of an env step at 1024 envs).
    if not bool(((best_dist > 3.0) | (angle < _EPS)).any()):
        return e
    axis = e / angle.clamp_min(_EPS)
    best = e
    for k in (-1.0, 1.0):
        cand = axis * (angle + k * 2.0 * math.pi)
        dist = (cand - ref).norm(dim=-1, keepdim=True)
        better = dist < best_dist
        best = torch.where(better, cand, best)
        best_dist = torch.where(better, dist, best_dist)
    return best


def quat_sign_continuous(q: torch.Tensor) -> torch.Tensor:
    """Flip signs along dim 0 so that consecutive quaternions lie in the same hemisphere. Shape: (N, ..., 4)."""
    first = torch.where(q[:1, ..., :1] < 0, -q[:1], q[:1])
    dots = (q[1:] * q[:-1]).sum(dim=-1, keepdim=True)
    flips = torch.cumprod(torch.where(dots < 0, -1.0, 1.0).to(q.dtype), dim=0)
    sign0 = torch.where(q[:1, ..., :1] < 0, -1.0, 1.0).to(q.dtype)
    return torch.cat((first, q[1:] * flips * sign0), dim=0)


def matrix_to_quat(m: torch.Tensor) -> torch.Tensor:
    """Unit quaternion (w >= 0) of a rotation matrix, by the largest of four pivots. Shape: (..., 3, 3) -> (..., 4)."""
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    pivots = torch.stack((trace, m00, m11, m22), dim=-1)
    choice = pivots.argmax(dim=-1, keepdim=True)
    # Each candidate is exact where its pivot is the largest; the others may divide by ~0 and are discarded.
    s0 = (1.0 + trace).clamp_min(1e-12).sqrt() * 2
    s1 = (1.0 + m00 - m11 - m22).clamp_min(1e-12).sqrt() * 2
    s2 = (1.0 - m00 + m11 - m22).clamp_min(1e-12).sqrt() * 2
    s3 = (1.0 - m00 - m11 + m22).clamp_min(1e-12).sqrt() * 2
    m21_12, m02_20, m10_01 = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    m21p12, m02p20, m10p01 = m[..., 2, 1] + m[..., 1, 2], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1]
    candidates = torch.stack(
        (
            torch.stack((0.25 * s0, m21_12 / s0, m02_20 / s0, m10_01 / s0), dim=-1),
            torch.stack((m21_12 / s1, 0.25 * s1, m10p01 / s1, m02p20 / s1), dim=-1),
            torch.stack((m02_20 / s2, m10p01 / s2, 0.25 * s2, m21p12 / s2), dim=-1),
            torch.stack((m10_01 / s3, m02p20 / s3, m21p12 / s3, 0.25 * s3), dim=-1),
        ),
        dim=-2,
    )
    q = torch.gather(candidates, -2, choice.unsqueeze(-1).expand(choice.shape + (4,))).squeeze(-2)
    q = torch.where(q[..., :1] < 0, -q, q)
    return quat_normalize(q)
