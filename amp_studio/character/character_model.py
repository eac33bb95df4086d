"""Kinematic model of a character read from MJCF, with batched forward kinematics in torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np
import torch

from amp_studio import DEFAULT_CHARACTER
from amp_studio.character.character_state import CharacterState
from amp_studio.character.kinematic_tree import KinematicTree
from amp_studio.errors import CharacterError
from amp_studio.rotations import exp_map_to_quat, matrix_to_quat, quat_from_axis_angle, quat_mul, quat_rotate

DEFAULT_KEY_BODIES = ("head", "right_hand", "left_hand", "right_foot", "left_foot")


@dataclass(frozen=True)
class Joint:
    """One joint of the character as clips and actions see it: a hinge, or three hinges forming a sphere."""

    name: str
    body: int
    dof_start: int
    num_dofs: int

    @property
    def is_spherical(self) -> bool:
        """Three hinges on one body, whose angles are an exponential map."""
        return self.num_dofs == 3


class CharacterModel:
    """Bodies, joints, DoF ranges and key bodies of an MJCF character with one free root and hinge joints.

    Bodies are indexed as in MuJoCo minus the world body: index 0 is the root. DoFs are the hinge angles in
    MJCF depth-first order, so a motion frame is `[root pos (3), root exp map (3), dofs (num_dofs)]`.
    """

    def __init__(self, mjcf_path: str | Path = DEFAULT_CHARACTER, key_bodies: tuple[str, ...] = DEFAULT_KEY_BODIES):
        self.path = Path(mjcf_path)
        if not self.path.is_file():
            raise CharacterError(self.path, "character file not found")
        try:
            self.mj_model = mujoco.MjModel.from_xml_path(str(self.path))
        except ValueError as exc:
            raise CharacterError(self.path, f"MuJoCo cannot load it: {exc}") from None
        m = self.mj_model
        self._check_structure()

        self.num_bodies = m.nbody - 1
        self.body_names = [m.body(i + 1).name for i in range(self.num_bodies)]
        self.parents = [int(m.body_parentid[i + 1]) - 1 for i in range(self.num_bodies)]
        self.num_dofs = m.nq - 7
        self.dof_names = [m.joint(j).name for j in range(1, m.njnt)]
        lower = np.array([m.jnt_range[j, 0] if m.jnt_limited[j] else -np.inf for j in range(1, m.njnt)])
        upper = np.array([m.jnt_range[j, 1] if m.jnt_limited[j] else np.inf for j in range(1, m.njnt)])
        self.dof_lower = torch.tensor(lower, dtype=torch.float32)
        self.dof_upper = torch.tensor(upper, dtype=torch.float32)
        self.joints = self._group_joints()
        self.key_body_ids = [self.body_id(name) for name in key_bodies]

        # Per-body rest transform and hinges, kept as float64 and cast to the caller's dtype on use.
        self._body_pos = torch.tensor(m.body_pos[1:], dtype=torch.float64)
        self._body_quat = torch.tensor(m.body_quat[1:], dtype=torch.float64)
        self._hinges: list[list[tuple[int, torch.Tensor, torch.Tensor]]] = [[] for _ in range(self.num_bodies)]
        for j in range(1, m.njnt):
            b = int(m.jnt_bodyid[j]) - 1
            axis = torch.tensor(m.jnt_axis[j], dtype=torch.float64)
            pos = torch.tensor(m.jnt_pos[j], dtype=torch.float64)
            self._hinges[b].append((j - 1, axis, pos))
        self._cache: dict = {}

    def _check_structure(self) -> None:
        m = self.mj_model
        if m.njnt < 1 or m.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE or m.jnt_bodyid[0] != 1:
            raise CharacterError(self.path, "the first body must have a free joint (the root)")
        for j in range(1, m.njnt):
            if m.jnt_type[j] != mujoco.mjtJoint.mjJNT_HINGE:
                raise CharacterError(self.path, f"joint '{m.joint(j).name}' is not a hinge; only hinges are supported")
        if m.njnt > 1 and any(m.jnt_bodyid[j] == 1 for j in range(1, m.njnt)):
            raise CharacterError(self.path, "the root body may only have its free joint")

    def _group_joints(self) -> list[Joint]:
        m = self.mj_model
        joints: list[Joint] = []
        j = 1
        while j < m.njnt:
            body = int(m.jnt_bodyid[j])
            run = 1
            while j + run < m.njnt and m.jnt_bodyid[j + run] == body:
                run += 1
            if run == 3:
                name = m.joint(j).name
                name = name[:-2] if name[-2:] in ("_x", "_y", "_z") else name
                joints.append(Joint(name, body - 1, j - 1, 3))
            else:
                joints.extend(Joint(m.joint(j + k).name, body - 1, j + k - 1, 1) for k in range(run))
            j += run
        return joints

    def body_id(self, name: str) -> int:
        """Index of a body by name (root = 0)."""
        try:
            return self.body_names.index(name)
        except ValueError:
            raise CharacterError(self.path, f"no body named '{name}' (bodies: {', '.join(self.body_names)})") from None

    @property
    def spherical_dof_index(self) -> torch.Tensor:
        """DoF indices of each spherical joint's exp map. Shape: (num_spherical, 3)."""
        idx = [list(range(jt.dof_start, jt.dof_start + 3)) for jt in self.joints if jt.is_spherical]
        return torch.tensor(idx, dtype=torch.long).reshape(-1, 3)

    @property
    def hinge_dof_index(self) -> torch.Tensor:
        """DoF indices of single-hinge joints. Shape: (num_hinges,)."""
        return torch.tensor([jt.dof_start for jt in self.joints if not jt.is_spherical], dtype=torch.long)

    def _constants(self, dtype: torch.dtype) -> tuple:
        if dtype not in self._cache:
            hinges = [[(d, a.to(dtype), p.to(dtype), bool(p.abs().max() > 0)) for d, a, p in hs] for hs in self._hinges]
            self._cache[dtype] = (self._body_pos.to(dtype), self._body_quat.to(dtype), hinges)
        return self._cache[dtype]

    def kinematic_tree(self, dtype: torch.dtype = torch.float32) -> KinematicTree:
        """The batched matrix FK for this character in dtype (built once)."""
        key = ("tree", dtype)
        if key not in self._cache:
            hinges = [[d for d, _, _ in hs] for hs in self._hinges]
            self._cache[key] = KinematicTree(self.mj_model, self.parents, hinges, dtype)
        return self._cache[key]

    def forward_kinematics(
        self, root_pos: torch.Tensor, root_rot: torch.Tensor, dof_pos: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """World body positions and rotations, as MuJoCo's mj_kinematics computes them.

        Shapes: root_pos (B, 3), root_rot (B, 4) unit quaternion wxyz, dof_pos (B, num_dofs)
        -> body_pos (B, num_bodies, 3), body_rot (B, num_bodies, 4).
        """
        tree = self.kinematic_tree(dof_pos.dtype)
        pos, mat, _ = tree(root_pos, root_rot, dof_pos)
        return pos, matrix_to_quat(tree.body_matrices(mat))

    def body_velocities(self, state: CharacterState) -> tuple[torch.Tensor, torch.Tensor]:
        """World linear velocity of each body origin and world angular velocity of each body.

        Shapes: state of batch B -> (B, num_bodies, 3), (B, num_bodies, 3).
        """
        _, _, vel, ang_vel = self._kinematics(state.root_pos, state.root_rot, state.dof_pos,
                                              (state.root_vel, state.root_ang_vel, state.dof_vel))
        return vel, ang_vel

    def _kinematics(self, root_pos, root_rot, dof_pos, velocities=None):
        body_pos_rest, body_quat_rest, hinges = self._constants(dof_pos.dtype)
        batch = dof_pos.shape[:-1]
        positions: list[torch.Tensor] = []
        rotations: list[torch.Tensor] = []
        lin: list[torch.Tensor] = []
        ang: list[torch.Tensor] = []
        for b in range(self.num_bodies):
            parent = self.parents[b]
            if parent < 0:
                pos, rot = root_pos, root_rot
                if velocities is not None:
                    lin.append(velocities[0])
                    ang.append(velocities[1])
                positions.append(pos)
                rotations.append(rot)
                continue
            ppos, prot = positions[parent], rotations[parent]
            pos = ppos + quat_rotate(prot, body_pos_rest[b].expand(batch + (3,)))
            rot = quat_mul(prot, body_quat_rest[b].expand(batch + (4,)))
            spins = []  # (world angular velocity of one hinge, its world anchor)
            for dof, axis, jpos, offset in hinges[b]:
                new_rot = quat_mul(rot, quat_from_axis_angle(axis.expand(batch + (3,)), dof_pos[..., dof]))
                anchor = pos + quat_rotate(rot, jpos.expand(batch + (3,))) if offset else pos
                if velocities is not None:
                    world_axis = quat_rotate(rot, axis.expand(batch + (3,)))
                    spins.append((world_axis * velocities[2][..., dof:dof + 1], anchor))
                if offset:
                    # MuJoCo rotates about the joint anchor, not the body origin.
                    pos = anchor - quat_rotate(new_rot, jpos.expand(batch + (3,)))
                rot = new_rot
            positions.append(pos)
            rotations.append(rot)
            if velocities is not None:
                v = lin[parent] + torch.cross(ang[parent], pos - ppos, dim=-1)
                w = ang[parent]
                for spin, anchor in spins:
                    v = v + torch.cross(spin, pos - anchor, dim=-1)
                    w = w + spin
                lin.append(v)
                ang.append(w)
        out_vel = torch.stack(lin, dim=-2) if velocities is not None else None
        out_ang = torch.stack(ang, dim=-2) if velocities is not None else None
        return torch.stack(positions, dim=-2), torch.stack(rotations, dim=-2), out_vel, out_ang

    def frames_to_qpos(self, frames: np.ndarray) -> np.ndarray:
        """MuJoCo qpos for motion frames. Shape: (N, 6 + num_dofs) -> (N, 7 + num_dofs)."""
        frames = np.asarray(frames, dtype=np.float64)
        quat = exp_map_to_quat(torch.from_numpy(frames[:, 3:6])).numpy()
        return np.concatenate((frames[:, :3], quat, frames[:, 6:]), axis=1)

    def forward_kinematics_frames(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """forward_kinematics for motion frames (root exp map). Shape: (B, 6 + num_dofs)."""
        return self.forward_kinematics(frames[..., :3], exp_map_to_quat(frames[..., 3:6]), frames[..., 6:])
