"""The state of a batch of characters: what a clip gives at a time and what an engine is reset to."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class CharacterState:
    """Root and joint state, world frame.

    Shapes: root_pos (B, 3), root_rot (B, 4) quaternion wxyz, dof_pos (B, D), root_vel (B, 3),
    root_ang_vel (B, 3), dof_vel (B, D).
    """

    root_pos: torch.Tensor
    root_rot: torch.Tensor
    dof_pos: torch.Tensor
    root_vel: torch.Tensor
    root_ang_vel: torch.Tensor
    dof_vel: torch.Tensor

    def index(self, ids: torch.Tensor) -> CharacterState:
        """The states of a subset of the batch."""
        return CharacterState(*(getattr(self, f)[ids] for f in _FIELDS))

    def with_rows(self, ids: torch.Tensor, rows: CharacterState) -> CharacterState:
        """A new state: this one with the states of ids replaced by rows (this one is left as it is)."""
        out = CharacterState(*(getattr(self, f).clone() for f in _FIELDS))
        for f in _FIELDS:
            getattr(out, f)[ids] = getattr(rows, f)
        return out

    def to(self, dtype: torch.dtype) -> CharacterState:
        """The same state in another dtype."""
        return CharacterState(*(getattr(self, f).to(dtype) for f in _FIELDS))


_FIELDS = ("root_pos", "root_rot", "dof_pos", "root_vel", "root_ang_vel", "dof_vel")
