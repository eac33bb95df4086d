"""The Engine protocol: N characters stepped together, state as torch tensors with a leading num_envs dimension."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.engines.engine_config import EngineConfig
from amp_studio.rotations import matrix_to_quat


class Engine(ABC):
    """A batch of characters under physics. All getters return float32 tensors shaped (num_envs, ...).

    Rotations are quaternions (w, x, y, z); velocities and positions are in the world frame. Getters
    reflect the last `step()` or `reset()`.
    """

    def __init__(self, config: EngineConfig, character: CharacterModel, num_envs: int):
        self.config = config
        self.character = character
        self.num_envs = num_envs
        self.control_dt = 1.0 / config.control_freq
        self.sim_dt = 1.0 / config.sim_freq
        self._derived: dict[str, torch.Tensor] = {}

    @abstractmethod
    def reset(self, env_ids: torch.Tensor, state: CharacterState) -> None:
        """Put the characters env_ids in the given state (batch of len(env_ids)), with no physics step."""

    @abstractmethod
    def set_targets(self, pd_targets: torch.Tensor) -> None:
        """PD position targets for every DoF, radians, held during the next step. Shape: (num_envs, num_dofs)."""

    @abstractmethod
    def step(self) -> None:
        """Advance one control step (several physics substeps) for every env."""

    @abstractmethod
    def get_state(self) -> CharacterState:
        """Root and DoF state of every env."""

    @property
    @abstractmethod
    def ground_contact(self) -> torch.Tensor:
        """Whether each body touches the ground. Shape: (num_envs, num_bodies), bool."""

    @property
    @abstractmethod
    def failed(self) -> torch.Tensor:
        """Envs whose physics broke down in the last step (diverged or reset by the solver). Shape: (num_envs,)."""

    def _invalidate(self) -> None:
        self._derived.clear()

    def _body_kinematics(self) -> None:
        if "body_pos" not in self._derived:
            s = self.get_state()
            tree = self.character.kinematic_tree(s.dof_pos.dtype)
            self._derived["body_pos"], self._derived["body_mat"], self._derived["joint_mat"] = tree(
                s.root_pos, s.root_rot, s.dof_pos)

    @property
    def body_pos(self) -> torch.Tensor:
        """World position of each body's origin. Shape: (num_envs, num_bodies, 3)."""
        self._body_kinematics()
        return self._derived["body_pos"]

    @property
    def body_rot(self) -> torch.Tensor:
        """World rotation of each body. Shape: (num_envs, num_bodies, 4)."""
        self._body_kinematics()
        if "body_rot" not in self._derived:
            tree = self.character.kinematic_tree(self._derived["body_pos"].dtype)
            self._derived["body_rot"] = matrix_to_quat(tree.body_matrices(self._derived["body_mat"]))
        return self._derived["body_rot"]

    @property
    def joint_matrices(self) -> torch.Tensor:
        """Local rotation matrix of each jointed body. Shape: (num_envs, num_jointed_bodies, 3, 3)."""
        self._body_kinematics()
        return self._derived["joint_mat"]

    def body_velocities(self) -> tuple[torch.Tensor, torch.Tensor]:
        """World linear velocity of each body origin and angular velocity of each body. Shapes: (num_envs, B, 3)."""
        if "body_vel" not in self._derived:
            self._derived["body_vel"], self._derived["body_ang_vel"] = self.character.body_velocities(
                self.get_state())
        return self._derived["body_vel"], self._derived["body_ang_vel"]

    def state_dict(self) -> dict:
        """The simulation state of every env, for an exact resume."""
        raise NotImplementedError(f"{type(self).__name__} cannot save its state")

    def load_state_dict(self, state: dict) -> None:
        """Restore from state_dict()."""
        raise NotImplementedError(f"{type(self).__name__} cannot restore its state")

    def close(self) -> None:
        """Release threads and native resources."""
