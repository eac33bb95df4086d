"""Clip frames to poses with numpy alone, for playing clips in the viewport."""

from __future__ import annotations

import numpy as np

from amp_studio.ball_joints import exp_map_to_quat, quat_to_exp_map


def slerp(q0: np.ndarray, q1: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation of unit quaternions, the short way round. Shape: (..., 4)."""
    dot = (q0 * q1).sum(-1, keepdims=True)
    q1 = np.where(dot < 0.0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    near = dot > 0.9995
    sin = np.where(near, 1.0, np.sin(theta))
    w0 = np.where(near, 1.0 - t, np.sin((1 - t) * theta) / sin)
    w1 = np.where(near, t, np.sin(t * theta) / sin)
    q = w0 * q0 + w1 * q1
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


class ClipPoses:
    """A clip's poses at any time: frames interpolated (spherical joints and the root by slerp), wrapping clips
    advancing by their root displacement."""

    def __init__(self, frames: np.ndarray, fps: float, loop: str, spherical_starts: tuple[int, ...] = ()):
        self.frames = np.asarray(frames, dtype=np.float64)
        self.fps = float(fps)
        self.loop = loop
        self.duration = (len(self.frames) - 1) / self.fps
        self._quats = exp_map_to_quat(self.frames[:, 3:6])
        self._sph = 6 + np.asarray(spherical_starts, dtype=np.int64).reshape(-1, 1) + np.arange(3)
        self._joint_quats = exp_map_to_quat(self.frames[:, self._sph])
        self._cycle_shift = self.frames[-1, :2] - self.frames[0, :2]

    def pose(self, time: float) -> np.ndarray:
        """The pose at time seconds: root position, root quaternion (w, x, y, z), DoFs."""
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
        j = min(i + 1, len(self.frames) - 1)
        a, b = self.frames[i], self.frames[j]
        root = a[:3] + f * (b[:3] - a[:3])
        root[:2] += shift
        rot = slerp(self._quats[i], self._quats[j], f)
        dofs = a[6:] + f * (b[6:] - a[6:])
        if len(self._sph):
            dofs[self._sph - 6] = quat_to_exp_map(slerp(self._joint_quats[i], self._joint_quats[j], f))
        return np.concatenate((root, rot, dofs))
