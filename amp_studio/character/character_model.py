"""Kinematic model of a character read from MJCF, with batched forward kinematics in torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np
import torch

from amp_studio import DEFAULT_CHARACTER
from amp_studio.ball_joints import ball_joint_character
from amp_studio.character.character_facts import check_faces_forward, derived_key_bodies
from amp_studio.character.character_state import CharacterState
from amp_studio.character.kinematic_tree import KinematicTree
from amp_studio.errors import CharacterError
from amp_studio.joint_layout import read_joint_layout
from amp_studio.rotations import exp_map_to_quat, matrix_to_quat


@dataclass(frozen=True)
class Joint:
    """One joint of the character as clips and actions see it: a hinge, or a spherical joint (three hinges about
    x, y, z, or a MuJoCo ball joint)."""

    name: str
    body: int
    dof_start: int
    num_dofs: int

    @property
    def is_spherical(self) -> bool:
        """Three DoFs, an exponential map."""
        return self.num_dofs == 3


class CharacterModel:
    """Bodies, joints, DoF ranges and key bodies of an MJCF character with one free root, hinges and ball joints.

    Bodies are indexed as in MuJoCo minus the world body: index 0 is the root. DoFs are the file's joints in
    MJCF depth-first order, so a motion frame is `[root pos (3), root exp map (3), dofs (num_dofs)]`; three hinges
    about a body's x, y, z axes, or a ball joint, are a spherical joint whose three values are an exponential map,
    simulated as a ball joint (`mj_model`, amp_studio.ball_joints; amp_studio.joint_layout reads the file's joints).
    """

    def __init__(self, mjcf_path: str | Path = DEFAULT_CHARACTER, key_bodies: tuple[str, ...] | None = None):
        """key_bodies: the bodies observations track (None: the head, hands and feet, found from the file)."""
        self.path = Path(mjcf_path)
        if not self.path.is_file():
            raise CharacterError(self.path, "character file not found")
        try:
            self.source_model = mujoco.MjModel.from_xml_path(str(self.path))
        except ValueError as exc:
            raise CharacterError(self.path, f"MuJoCo cannot load it: {exc}") from None
        m = self.source_model
        try:
            m.names.decode("utf-8")  # the bindings decode each name on access
        except UnicodeDecodeError:
            raise CharacterError(self.path, "names of bodies, joints or geoms must be UTF-8 text") from None
        try:
            layout = read_joint_layout(m, self.path)
            self.ball = ball_joint_character(self.path)
        except ValueError as exc:
            message, prefix = str(exc), f"{self.path}: "
            raise CharacterError(self.path, message[len(prefix):] if message.startswith(prefix) else message) from None
        # The model with ball joints: what the simulation and every viewer pose (qpos via pose_to_qpos).
        self.mj_model = self.ball.model

        self.num_bodies = m.nbody - 1
        self.body_names = [m.body(i + 1).name for i in range(self.num_bodies)]
        self.parents = [int(m.body_parentid[i + 1]) - 1 for i in range(self.num_bodies)]
        self.num_dofs = layout.num_dofs
        self.dof_names = list(layout.names)  # a ball joint's three: <joint>_x, _y, _z
        # Per-axis ranges: action scaling and the clip checks; the simulation limits each ball joint by a cone.
        self.dof_lower = torch.tensor(layout.lower, dtype=torch.float32)
        self.dof_upper = torch.tensor(layout.upper, dtype=torch.float32)
        # Each DoF's rotation axis in its body's frame: a hinge's own, a spherical joint's x, y and z.
        self.dof_axes = layout.axes
        self.joints = [Joint(j.name, j.body - 1, j.dof_start, j.num_dofs) for j in layout.joints]
        if key_bodies is None:
            key_bodies = derived_key_bodies(self.source_model, self.path)
            check_faces_forward(self.source_model, self.path, key_bodies[3:5])
        self.key_bodies = tuple(key_bodies)
        self.key_body_ids = [self.body_id(name) for name in key_bodies]

        # Per body, the DoFs of its joint's local angular velocity: three for a spherical joint, one along its axis
        # for a hinge.
        self._hinges: list[list[int]] = [[] for _ in range(self.num_bodies)]
        for joint in self.joints:
            self._hinges[joint.body].extend(range(joint.dof_start, joint.dof_start + joint.num_dofs))
        self._cache: dict = {}

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

    def kinematic_tree(self, dtype: torch.dtype = torch.float32) -> KinematicTree:
        """The batched matrix FK for this character in dtype (built once)."""
        key = ("tree", dtype)
        if key not in self._cache:
            self._cache[key] = KinematicTree(self.source_model, self.parents, self._hinges, self.dof_axes, dtype)
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

        A spherical joint's DoF velocities are its angular velocity in the child body's frame (a ball joint's
        velocity in MuJoCo); a hinge's is the rate about its axis. Shapes: state of batch B -> 2 x (B, bodies, 3).
        """
        dtype = state.dof_pos.dtype
        tree = self.kinematic_tree(dtype)
        pos, mat, _ = tree(state.root_pos, state.root_rot, state.dof_pos)
        world = tree.body_matrices(mat)  # (B, bodies, 3, 3)
        local = self._local_spin(dtype, state.dof_vel)  # (B, bodies, 3)
        spin = (world @ local.unsqueeze(-1)).squeeze(-1)
        lin, ang = [state.root_vel], [state.root_ang_vel]
        for b in range(1, self.num_bodies):
            p = self.parents[b]
            lin.append(lin[p] + torch.cross(ang[p], pos[:, b] - pos[:, p], dim=-1))
            ang.append(ang[p] + spin[:, b])
        return torch.stack(lin, dim=1), torch.stack(ang, dim=1)

    def _local_spin(self, dtype: torch.dtype, dof_vel: torch.Tensor) -> torch.Tensor:
        """Each body's joint angular velocity in its own frame (zero for the root). Shape: (B, D) -> (B, bodies, 3)."""
        key = ("spin", dtype)
        if key not in self._cache:
            # local = dof_vel @ basis: basis[d, b] is DoF d's unit spin axis of body b.
            # A spherical joint's DoF axes are x, y and z: its DoF velocities are the local angular velocity.
            basis = torch.zeros(self.num_dofs, self.num_bodies, 3, dtype=torch.float64)
            axes = torch.from_numpy(self.dof_axes)
            for b, dofs in enumerate(self._hinges):
                for d in dofs:
                    basis[d, b] = axes[d]
            self._cache[key] = basis.flatten(1).to(dtype)
        return (dof_vel @ self._cache[key]).unflatten(-1, (self.num_bodies, 3))

    def frames_to_qpos(self, frames: np.ndarray) -> np.ndarray:
        """MuJoCo qpos for motion frames. Shape: (N, 6 + num_dofs) -> (N, 7 + num_dofs)."""
        frames = np.asarray(frames, dtype=np.float64)
        quat = exp_map_to_quat(torch.from_numpy(frames[:, 3:6])).numpy()
        return self.ball.pose_to_qpos(np.concatenate((frames[:, :3], quat, frames[:, 6:]), axis=1))

    def forward_kinematics_frames(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """forward_kinematics for motion frames (root exp map). Shape: (B, 6 + num_dofs)."""
        return self.forward_kinematics(frames[..., :3], exp_map_to_quat(frames[..., 3:6]), frames[..., 6:])
