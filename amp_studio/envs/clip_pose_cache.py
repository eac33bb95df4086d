"""Each env's clip poses at whole control steps of its episode, kept for as long as the env will ask for them again.

The tracking env reads its clip at the episode's step now and at the steps its targets are ahead. A step later
the same poses are wanted again, one place further on: of the four poses the default asks for per env and step,
only the furthest ahead is new. Posing a clip (interpolation and forward kinematics) costs more than the env's
physics share at 1024 envs, so each is made once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Tuple

import torch

from amp_studio.character import CharacterState

ClipPose = Tuple[CharacterState, torch.Tensor, torch.Tensor]  # typing.Tuple: the worker runs on Python 3.8
"""A clip's state, its body positions (n, B, 3) and its local joint rotations (n, J, 3, 3)."""

_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(CharacterState))


class ClipPoseCache:
    """A ring of `window` slots per env, slot `step % window` holding the pose at episode step `step`.

    `pose` makes the poses not held: pose(env_ids, steps) -> ClipPose, for flat (n,) batches. The steps one call
    asks for, per env, must lie within `window` consecutive steps (so that no two share a slot).
    """

    def __init__(self, num_envs: int, window: int, pose: Callable[[torch.Tensor, torch.Tensor], ClipPose]):
        self.window = window
        self._pose = pose
        self._held = torch.full((num_envs, window), -1, dtype=torch.long)
        """The episode step each slot holds (-1: none)."""
        self._slots: dict[str, torch.Tensor] = {}

    def clear(self, env_ids: torch.Tensor | None = None) -> None:
        """Forget the poses of env_ids (all envs if None): their episodes restarted or their clips changed."""
        self._held[slice(None) if env_ids is None else env_ids] = -1

    def get(self, env_ids: torch.Tensor, steps: torch.Tensor) -> ClipPose:
        """The poses of env_ids at episode steps. Shapes: (n,), (n, s) -> ClipPose of n * s rows (env-major)."""
        envs = env_ids.unsqueeze(1).expand_as(steps)
        slots = steps % self.window
        missing = self._held[envs, slots] != steps
        if missing.any():
            new_envs, new_slots, new_steps = envs[missing], slots[missing], steps[missing]
            state, body_pos, joint_mat = self._pose(new_envs, new_steps)
            fresh = {name: getattr(state, name) for name in _STATE_FIELDS}
            fresh.update(body_pos=body_pos, joint_mat=joint_mat)
            if not self._slots:
                self._slots = {name: value.new_zeros(self._held.shape + value.shape[1:])
                               for name, value in fresh.items()}
            for name, value in fresh.items():
                self._slots[name][new_envs, new_slots] = value
            self._held[new_envs, new_slots] = new_steps
        got = {name: value[envs, slots].flatten(0, 1) for name, value in self._slots.items()}
        return (CharacterState(*(got[name] for name in _STATE_FIELDS)), got["body_pos"], got["joint_mat"])
