"""The source's motion as the retargeting reads it: landmark positions in metres with z up, the world rotations of
the landmark joints, and the same in the file's zero pose (its rest pose, whatever it is: T, A or other)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amp_studio.motion.retarget.skeleton import rest_is_degenerate

AXES = {"x": 0, "y": 1, "z": 2}


def up_rotation(up: str) -> np.ndarray:
    """The rotation taking the file's up axis ("+y", "-z", ...) to +z, turning about a horizontal axis only, so
    that a right-handed file stays right-handed and its forward direction stays horizontal."""
    u = np.zeros(3)
    u[AXES[up[-1].lower()]] = -1.0 if up.startswith("-") else 1.0
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(u, z)
    s, c = np.linalg.norm(axis), float(u @ z)
    if s < 1e-9:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])  # already z up, or upside down: half a turn about x
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


@dataclass
class SourceMotion:
    """Landmarks of a source clip. positions: name -> (F, 3) metres, z up; rotations: name -> (F, 3, 3) world
    rotation of the landmark's joint; rest_positions / rest_rotations: the same in the zero pose."""

    fps: float
    positions: dict[str, np.ndarray]
    rotations: dict[str, np.ndarray]
    rest_positions: dict[str, np.ndarray]
    rest_rotations: dict[str, np.ndarray]

    @property
    def num_frames(self) -> int:
        return len(self.positions["pelvis"])

    def has(self, name: str) -> bool:
        return name in self.positions


def source_motion(clip, landmarks: dict[str, int | None], up: str, unit: float) -> SourceMotion:
    """clip: a BvhClip; landmarks: landmark name -> joint index (None: not mapped); up: the file's up axis;
    unit: metres per file unit."""
    turn = up_rotation(up)
    pos, rot = clip.global_transforms()
    mapped = {name: j for name, j in landmarks.items() if j is not None}
    positions = {name: unit * pos[:, j] @ turn.T for name, j in mapped.items()}
    rotations = {name: turn @ rot[:, j] @ turn.T for name, j in mapped.items()}
    if rest_is_degenerate(clip):
        # Offsets mostly zero, the pose carried by position channels: the first frame is the reference pose.
        rest, rest_rot = pos[0], rot[0]
    else:  # the zero pose, whose rotations are the identity (in metres and z up too)
        rest, rest_rot = clip.rest_positions(), np.broadcast_to(np.eye(3), rot.shape[1:])
    rest_positions = {name: unit * turn @ (rest[j] - rest[0]) for name, j in mapped.items()}
    rest_rotations = {name: turn @ rest_rot[j] @ turn.T for name, j in mapped.items()}
    return SourceMotion(float(clip.fps), positions, rotations, rest_positions, rest_rotations)
