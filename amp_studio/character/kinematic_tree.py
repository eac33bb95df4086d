"""Forward kinematics with rotation matrices, all bodies of one tree depth at a time.

Hot paths (every control step, every demo window) need body positions and joint rotations for thousands of
characters; batching by depth keeps the number of torch calls small (about 30 for the humanoid).
"""

from __future__ import annotations

import mujoco
import torch

from amp_studio.rotations import quat_to_matrix


class KinematicTree:
    """Batched FK of one character in one dtype. Bodies indexed as in CharacterModel (root = 0)."""

    def __init__(self, mj_model: mujoco.MjModel, parents: list[int], hinges_per_body: list[list[int]],
                 dtype: torch.dtype):
        m = mj_model
        nb = len(parents)
        self.num_dofs = m.nq - 7
        depth = [0] * nb
        for b in range(1, nb):
            depth[b] = depth[parents[b]] + 1
        self.levels = [torch.tensor([b for b in range(nb) if depth[b] == d], dtype=torch.long)
                       for d in range(1, max(depth) + 1)]
        self.parents = torch.tensor(parents, dtype=torch.long)
        self.offsets = torch.tensor(m.body_pos[1:], dtype=dtype)
        self.rest = quat_to_matrix(torch.tensor(m.body_quat[1:], dtype=dtype))
        self.rest_is_identity = bool(torch.allclose(self.rest, torch.eye(3, dtype=dtype).expand(nb, 3, 3)))

        max_h = max(1, max(len(h) for h in hinges_per_body))
        pad = self.num_dofs  # a column of zeros appended to the DoFs: the identity rotation
        self.dof_index = torch.full((nb, max_h), pad, dtype=torch.long)
        axes = torch.zeros(nb, max_h, 3, dtype=dtype)
        axes[..., 0] = 1.0
        anchors = torch.zeros(nb, 3, dtype=dtype)
        for b, dofs in enumerate(hinges_per_body):
            for k, dof in enumerate(dofs):
                self.dof_index[b, k] = dof
                axes[b, k] = torch.tensor(m.jnt_axis[dof + 1], dtype=dtype)
            if dofs:
                positions = torch.tensor(m.jnt_pos[[d + 1 for d in dofs]], dtype=dtype)
                if not torch.allclose(positions, positions[:1].expand_as(positions)):
                    raise ValueError("hinges of one body must share one anchor")
                anchors[b] = positions[0]
        self.anchors = anchors if anchors.abs().max() > 0 else None
        # Rodrigues: R = I + sin(a) K + (1 - cos(a)) K^2, with K the cross-product matrix of the axis.
        x, y, z = axes.unbind(-1)
        zero = torch.zeros_like(x)
        self.k1 = torch.stack((zero, -z, y, z, zero, -x, -y, x, zero), dim=-1).reshape(nb, max_h, 3, 3)
        self.k2 = self.k1 @ self.k1
        self.eye = torch.eye(3, dtype=dtype)
        self.jointed = torch.tensor([b for b, h in enumerate(hinges_per_body) if h], dtype=torch.long)

    def __call__(self, root_pos: torch.Tensor, root_rot: torch.Tensor,
                 dof_pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Body positions, body rotation matrices, and the local rotation of each jointed body.

        Shapes: (B, 3), (B, 4), (B, D) -> (B, num_bodies, 3), (B, num_bodies, 3, 3), (B, num_jointed, 3, 3).
        """
        batch = dof_pos.shape[0]
        dof = torch.cat((dof_pos, torch.zeros(batch, 1, dtype=dof_pos.dtype)), dim=-1)
        angle = dof[:, self.dof_index]  # (B, nb, max_h)
        s, c = torch.sin(angle)[..., None, None], torch.cos(angle)[..., None, None]
        hinge = self.eye + s * self.k1 + (1.0 - c) * self.k2  # (B, nb, max_h, 3, 3)
        joint = hinge[:, :, 0]
        for k in range(1, hinge.shape[2]):
            joint = joint @ hinge[:, :, k]
        nb = self.offsets.shape[0]
        pos = torch.empty(batch, nb, 3, dtype=dof_pos.dtype)
        mat = torch.empty(batch, nb, 3, 3, dtype=dof_pos.dtype)
        pos[:, 0] = root_pos
        mat[:, 0] = quat_to_matrix(root_rot)
        for level in self.levels:
            parent = self.parents[level]
            parent_mat = mat[:, parent]
            pos[:, level] = pos[:, parent] + (parent_mat @ self.offsets[level].unsqueeze(-1)).squeeze(-1)
            before = parent_mat if self.rest_is_identity else parent_mat @ self.rest[level]
            mat[:, level] = before @ joint[:, level]
            if self.anchors is not None:
                # MuJoCo turns a body about its joint anchor, not its origin.
                a = self.anchors[level].unsqueeze(-1)
                pos[:, level] += ((before - mat[:, level]) @ a).squeeze(-1)
        return pos, mat, joint[:, self.jointed]
