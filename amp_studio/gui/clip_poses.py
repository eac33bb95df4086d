"""Clip frames to MuJoCo poses with numpy alone, for playing clips in the viewport."""

from __future__ import annotations

import numpy as np


def exp_map_to_quat(v: np.ndarray) -> np.ndarray:
    """Quaternion (w, x, y, z) of an exponential map. Shape: (..., 3) -> (..., 4)."""
    angle = np.linalg.norm(v, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(a/2)/a tends to 1/2 at 0; the series keeps tiny angles exact.
    scale = np.where(angle > 1e-8, np.sin(half) / np.maximum(angle, 1e-12), 0.5 - angle**2 / 48.0)
    return np.concatenate((np.cos(half), v * scale), axis=-1)


def slerp(q0: np.ndarray, q1: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation of unit quaternions, the short way round. Shape: (4,)."""
    dot = float(np.dot(q0, q1))
    if dot < 0.0:
        q1, dot = -q1, -dot
    if dot > 0.9995:
        q = q0 + t * (q1 - q0)
        return q / np.linalg.norm(q)
    theta = np.arccos(dot)
    return (np.sin((1 - t) * theta) * q0 + np.sin(t * theta) * q1) / np.sin(theta)


class ClipPoses:
    """A clip's poses at any time: frames interpolated, wrapping clips advancing by their root displacement."""

    def __init__(self, frames: np.ndarray, fps: float, loop: str):
        self.frames = np.asarray(frames, dtype=np.float64)
        self.fps = float(fps)
        self.loop = loop
        self.duration = (len(self.frames) - 1) / self.fps
        self._quats = exp_map_to_quat(self.frames[:, 3:6])
        self._cycle_shift = self.frames[-1, :2] - self.frames[0, :2]

    def qpos(self, time: float) -> np.ndarray:
        """MuJoCo qpos at time seconds: root position, root quaternion (w, x, y, z), DoFs."""
        shift = np.zeros(2)
        if self.duration <= 0:
            time = 0.0
        elif self.loop == "wrap":
            cycles = np.floor(time / self.duration)
            time -= cycles * self.duration
            shift = cycles * self._cycle_shift
        else:
            time = min(max(time, 0.0), self.duration)
        x = time * self.fps
        i = min(int(np.floor(x)), len(self.frames) - 2) if len(self.frames) > 1 else 0
        f = x - i if len(self.frames) > 1 else 0.0
        a, b = self.frames[i], self.frames[min(i + 1, len(self.frames) - 1)]
        root = a[:3] + f * (b[:3] - a[:3])
        root[:2] += shift
        rot = slerp(self._quats[i], self._quats[min(i + 1, len(self.frames) - 1)], f)
        dofs = a[6:] + f * (b[6:] - a[6:])
        return np.concatenate((root, rot, dofs))
