"""Forward kinematics with rotation matrices, all bodies of one tree depth at a time; spherical joints rotate by
the exponential map of their three values, as the ball joints of the simulation do.

Hot paths (every control step, every reset and demo window) need body positions and joint rotations for
thousands of characters. Batching by depth, keeping each depth's bodies contiguous and precomputing every
index keeps the number of torch calls (and slow gathers) small: about 35 calls for the humanoid. Gathers are
index_select, about 3x faster than advanced indexing on these shapes.
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch

from amp_studio.rotations import quat_to_matrix


class KinematicTree:
    """Batched FK of one character in one dtype. Bodies indexed as in CharacterModel (root = 0)."""

    def __init__(self, mj_model: mujoco.MjModel, parents: list[int], hinges_per_body: list[list[int]],
                 dof_axes: np.ndarray, dtype: torch.dtype):
        """hinges_per_body: each body's DoFs (three for a spherical joint); dof_axes: each DoF's axis, (D, 3)."""
        m = mj_model
        nb = len(parents)
        self.num_bodies = nb
        depth = [0] * nb
        for b in range(1, nb):
            depth[b] = depth[parents[b]] + 1
        levels = [[b for b in range(nb) if depth[b] == d] for d in range(max(depth) + 1)]
        where = {b: i for level in levels for i, b in enumerate(level)}
        self.level_sizes = [len(level) for level in levels[1:]]
        # Each level's parents are in the level above: gather them by their place there.
        self.parent_in_level = [torch.tensor([where[parents[b]] for b in level]) for level in levels[1:]]
        self.offsets = [torch.tensor(m.body_pos[[b + 1 for b in level]], dtype=dtype) for level in levels[1:]]
        rest = quat_to_matrix(torch.tensor(m.body_quat[1:], dtype=dtype))
        self.rest = None
        if not torch.allclose(rest, torch.eye(3, dtype=dtype).expand(nb, 3, 3)):
            self.rest = [rest[level] for level in levels[1:]]
        anchors = [m.jnt_pos[m.dof_jntid[[6 + d for d in h]]] for h in hinges_per_body]
        if any(len(a) and abs(a).max() > 0 for a in anchors):
            raise ValueError("hinge anchors away from the body origin are not supported by the batched kinematics")

        # DoFs reordered so that each body's are contiguous: spherical joints (three DoFs) first, then hinges.
        triples = [b for b in range(nb) if len(hinges_per_body[b]) == 3]
        singles = [b for b in range(nb) if len(hinges_per_body[b]) == 1]
        if any(len(h) not in (0, 1, 3) for h in hinges_per_body):
            raise ValueError("bodies must have 0, 1 or 3 hinges, or one ball joint")
        order = [d for b in triples for d in hinges_per_body[b]] + [hinges_per_body[b][0] for b in singles]
        self.dof_order = torch.tensor(order, dtype=torch.long)
        self.num_triples = len(triples)
        axes = torch.tensor(dof_axes[order], dtype=dtype)
        x, y, z = axes.unbind(-1)
        zero = torch.zeros_like(x)
        # Hinges by Rodrigues: R = I + sin(a) K + (1 - cos(a)) K^2, K the cross-product matrix of the axis;
        # three-DoF bodies are spherical joints, their three values one exponential map (the axes are x, y, z).
        self.k1 = torch.stack((zero, -z, y, z, zero, -x, -y, x, zero), dim=-1).reshape(-1, 3, 3)
        self.k2 = self.k1 @ self.k1
        self.eye = torch.eye(3, dtype=dtype)
        # Component-major copies, (3, 3, ..., 1): the batch is innermost, behind the matrix indices (see _matmul_cm).
        self.eye_cm = self.eye[:, :, None, None]
        self.k1_cm = self.k1.permute(1, 2, 0).unsqueeze(-1)
        self.k2_cm = self.k2.permute(1, 2, 0).unsqueeze(-1)
        self.offsets_cm = [o.T[None, :, :, None] for o in self.offsets]
        self.rest_cm = None if self.rest is None else [r.permute(1, 2, 0).unsqueeze(-1) for r in self.rest]
        slot = {b: i for i, b in enumerate(triples + singles)}
        identity = len(slot)
        level_slots = [slot.get(b, identity) for level in levels[1:] for b in level]
        self.level_slot_groups = torch.tensor(level_slots, dtype=torch.long).split(self.level_sizes)
        self.jointed_slots = torch.tensor([slot[b] for b in range(nb) if b in slot], dtype=torch.long)
        self.level_order = torch.tensor([b for level in levels for b in level], dtype=torch.long)
        self.body_order = self.level_order.argsort()

    def __call__(self, root_pos: torch.Tensor, root_rot: torch.Tensor,
                 dof_pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Body positions, body rotations (component-major, level order) and each jointed body's local rotation.

        Shapes: (B, 3), (B, 4), (B, D) -> (B, num_bodies, 3), (3, 3, num_bodies, B), (B, num_jointed, 3, 3).
        The body rotations are for `body_matrices`, which puts them in body order and the usual layout.
        """
        values = dof_pos.index_select(1, self.dof_order).T  # (D, B)
        n = self.num_triples
        triple = _exp_map_matrices_cm(values[:3 * n].unflatten(0, (n, 3)).transpose(0, 1), self.eye_cm)
        angle = values[3 * n:]
        hinge = self.eye_cm + self.k1_cm[:, :, 3 * n:] * torch.sin(angle) + self.k2_cm[:, :, 3 * n:] * (
            1.0 - torch.cos(angle))  # (3, 3, hinges, B)
        identity = self.eye_cm.expand(3, 3, 1, dof_pos.shape[0])
        joint = torch.cat((triple, hinge, identity), 2)

        rot = quat_to_matrix(root_rot).permute(1, 2, 0).unsqueeze(2)  # (3, 3, 1, B)
        pos = root_pos.T.unsqueeze(1)  # (3, 1, B)
        rots, poss = [rot], [pos]
        for i, parent in enumerate(self.parent_in_level):
            prot, ppos = rot.index_select(2, parent), pos.index_select(1, parent)
            pos = ppos + (prot * self.offsets_cm[i]).sum(1)
            if self.rest is not None:
                prot = _matmul_cm(prot, self.rest_cm[i])
            rot = _matmul_cm(prot, joint.index_select(2, self.level_slot_groups[i]))
            rots.append(rot)
            poss.append(pos)
        body_pos = torch.cat(poss, 1).index_select(1, self.body_order).permute(2, 1, 0)
        return body_pos, torch.cat(rots, 2), joint.index_select(2, self.jointed_slots).permute(3, 2, 0, 1)

    def body_matrices(self, level_matrices: torch.Tensor) -> torch.Tensor:
        """Rotation matrices from __call__'s layout to body order. Shape: (B, num_bodies, 3, 3)."""
        return level_matrices.index_select(2, self.body_order).permute(3, 2, 0, 1)


def _exp_map_matrices_cm(v: torch.Tensor, eye_cm: torch.Tensor) -> torch.Tensor:
    """Rotation matrices of exponential maps, component-major: exp([v]x) = cos(a) I + sin(a)/a [v]x +
    (1 - cos(a))/a^2 v v^T with a = |v|. Shape: (3, n, B) -> (3, 3, n, B)."""
    x, y, z = v.unbind(0)
    angle_sq = x * x + y * y + z * z
    angle = angle_sq.sqrt()
    small = angle < 1e-4
    safe = torch.where(small, torch.ones_like(angle), angle)
    # Series below 1e-4 rad; 2 sin^2(a/2) for 1 - cos(a) keeps float32 exact for small angles.
    a = torch.where(small, 1.0 - angle_sq / 6.0, torch.sin(safe) / safe)
    half_sin = torch.sin(0.5 * safe) / safe
    b = torch.where(small, 0.5 - angle_sq / 24.0, 2.0 * half_sin * half_sin)
    c = 1.0 - b * angle_sq  # cos(a)
    zero = torch.zeros_like(x)
    skew = torch.stack((zero, -z, y, z, zero, -x, -y, x, zero)).unflatten(0, (3, 3))
    return eye_cm * c + skew * a + v.unsqueeze(1) * v.unsqueeze(0) * b


def _matmul_cm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Products of 3x3 matrices stored component-major, (3, 3, ...): several times faster than batched
    matmul on tiny matrices, which spends its time per matrix rather than per number."""
    return (a.unsqueeze(2) * b.unsqueeze(0)).sum(1)
