"""The MuJoCo Warp backend: every env a world of one batched MJWarp model, on CUDA where present, else Warp's CPU.

The model is the C backend's (amp_studio.engines.mujoco_engine.build_sim_model): the same ball joints, PD
position actuators, floor and floor-contact sensors, so a policy moves between the two. MJWarp computes in float32;
the C backend in float64 (tests/engines/test_mujoco_warp_engine.py states how close they stay). On CUDA the control
step's physics substeps run as one captured CUDA graph; the state comes back to the CPU learner as torch tensors.
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines.engine import Engine
from amp_studio.engines.engine_config import EngineConfig
from amp_studio.engines.mujoco_engine import build_sim_model
from amp_studio.engines.mujoco_state import MAX_QVEL, check_pd_actuators, qpos_qvel_to_state, state_to_qpos_qvel
from amp_studio.engines.spherical_targets import clamp_spherical_targets

try:
    import mujoco_warp as mjw
    import warp as wp
except ImportError as exc:  # make_engine checks first; this names what is missing if imported directly
    raise ImportError(f"the mujoco_warp engine needs the mujoco-warp package ({exc})") from exc

wp.config.quiet = True  # Warp would print its banner and a line per kernel module it loads into training logs
wp.config.log_level = wp.LOG_WARNING


def warp_device(name: str):
    """The Warp device for a config's `device`: auto is the first CUDA device where there is one, else the CPU."""
    if name == "auto":
        return wp.get_device("cuda:0" if wp.is_cuda_available() else "cpu")
    try:
        return wp.get_device(name)
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(None, f"the mujoco_warp engine cannot use device '{name}': {exc}") from None


class MujocoWarpEngine(Engine):
    """N characters as N worlds of one MJWarp model, stepped together by Warp kernels.

    Envs whose state turns non-finite or absurdly fast are `failed`, as with the C backend (MJWarp does not reset
    a diverged world itself).
    """

    def __init__(self, config: EngineConfig, character: CharacterModel, num_envs: int):
        super().__init__(config, character, num_envs)
        self.model = build_sim_model(character, config.sim_freq)
        m = self.model
        check_pd_actuators(m, character)
        self.substeps = config.substeps
        self.device = warp_device(config.device)
        rest = mujoco.MjData(m)
        mujoco.mj_forward(m, rest)
        with wp.ScopedDevice(self.device):
            self._m = mjw.put_model(m)
            self._d = mjw.put_data(m, rest, nworld=num_envs, nconmax=config.max_contacts,
                                   njmax=config.max_constraints)
        d = self._d
        # Torch views of the worlds' arrays (no copies): reading and writing them reads and writes the simulation.
        self._qpos = wp.to_torch(d.qpos)
        self._qvel = wp.to_torch(d.qvel)
        self._time = wp.to_torch(d.time)
        self._ctrl = wp.to_torch(d.ctrl)
        self._warmstart = wp.to_torch(d.qacc_warmstart)
        self._sensordata = wp.to_torch(d.sensordata)
        self._ball_dofs = torch.from_numpy(character.ball.ball_dofs)
        self._last_exp_maps = torch.zeros(num_envs, len(self._ball_dofs), 3, dtype=torch.float64)
        self._contact = torch.zeros(num_envs, character.num_bodies, dtype=torch.bool)
        self._stale_contacts = torch.ones(num_envs, dtype=torch.bool)
        self._failed = torch.zeros(num_envs, dtype=torch.bool)
        self._graph = None
        if self.device.is_cuda:
            # One CUDA graph for the control step's substeps: a launch per step instead of hundreds of kernels.
            with wp.ScopedDevice(self.device), wp.ScopedCapture() as capture:
                self._substeps()
            self._graph = capture.graph

    def _substeps(self) -> None:
        for _ in range(self.substeps):
            mjw.step(self._m, self._d)

    def set_targets(self, pd_targets: torch.Tensor) -> None:
        """PD position targets for every DoF, held for all substeps. Shape: (num_envs, num_dofs).

        A spherical joint's target is an exponential map, held short of pi (clamp_spherical_targets).
        """
        targets = clamp_spherical_targets(pd_targets.detach().to(torch.float64), self._ball_dofs)
        self._ctrl.copy_(targets.to(self._ctrl.dtype))

    def step(self) -> None:
        """One control step: `substeps` physics steps of every world."""
        expected = self._time.to(torch.float64) + self.substeps * self.sim_dt
        with wp.ScopedDevice(self.device):
            if self._graph is not None:
                wp.capture_launch(self._graph)
            else:
                self._substeps()
        qpos, qvel = self._qpos.cpu(), self._qvel.cpu()
        finite = torch.isfinite(qpos).all(dim=1) & torch.isfinite(qvel).all(dim=1)
        wild = qvel.abs().amax(dim=1) > MAX_QVEL
        jumped = (self._time.cpu().to(torch.float64) - expected.cpu()).abs() > 0.5 * self.sim_dt
        failed = ~finite | wild | jumped
        if not bool(finite.all()):
            # Keep downstream math finite; these envs end their episodes and are reset.
            bad = (~finite).to(self._qpos.device)
            self._qpos[bad] = torch.nan_to_num(self._qpos[bad], nan=0.0, posinf=0.0, neginf=0.0)
            self._qvel[bad] = torch.nan_to_num(self._qvel[bad], nan=0.0, posinf=0.0, neginf=0.0)
        self._failed = failed
        self._contact = (self._sensordata > 0).cpu()
        self._stale_contacts[:] = False
        self._invalidate()

    def reset(self, env_ids: torch.Tensor, state: CharacterState) -> None:
        """Set the state of env_ids (time restarts at 0); contacts are recomputed for the new poses."""
        ids = env_ids.cpu().long()
        if len(ids) == 0:
            return
        qpos, qvel = state_to_qpos_qvel(self.character, state)
        on = ids.to(self._qpos.device)
        self._qpos[on] = torch.from_numpy(qpos).to(self._qpos)
        self._qvel[on] = torch.from_numpy(qvel).to(self._qvel)
        self._time[on] = 0.0
        self._warmstart[on] = 0.0
        self._last_exp_maps[ids] = state.dof_pos[:, self._ball_dofs].to(torch.float64)
        self._failed[ids] = False
        self._stale_contacts[ids] = True  # computed on first use; the next step replaces them anyway
        self._invalidate()

    def _refresh_contacts(self) -> None:
        # forward() evaluates every world's sensors; only the stale ones take the new values, so the others keep
        # the contacts of their last step, as with the C backend.
        stale = self._stale_contacts.clone()
        with wp.ScopedDevice(self.device):
            mjw.forward(self._m, self._d)
        self._contact[stale] = (self._sensordata > 0).cpu()[stale]
        self._stale_contacts[:] = False

    def get_state(self) -> CharacterState:
        """Root and DoF state of every env, float32 on the CPU."""
        if "state" not in self._derived:
            self._derived["state"], self._last_exp_maps = qpos_qvel_to_state(
                self.character, self._qpos.cpu(), self._qvel.cpu(), self._last_exp_maps)
        return self._derived["state"]

    @property
    def ground_contact(self) -> torch.Tensor:
        """Whether each body touches the floor, from MJWarp's contact sensors. Shape: (num_envs, num_bodies).

        After a step: evaluated at the start of the last physics substep. After a reset: the new pose's.
        """
        if bool(self._stale_contacts.any()):
            self._refresh_contacts()
        return self._contact

    @property
    def failed(self) -> torch.Tensor:
        """Envs whose physics diverged in the last step. Shape: (num_envs,)."""
        return self._failed

    def state_dict(self) -> dict:
        """The simulation state of every world, for an exact resume."""
        return {"qpos": self._qpos.cpu().clone(), "qvel": self._qvel.cpu().clone(),
                "time": self._time.cpu().clone(), "ctrl": self._ctrl.cpu().clone(),
                "warmstart": self._warmstart.cpu().clone(), "contact": self._contact.clone(),
                "stale_contacts": self._stale_contacts.clone(), "failed": self._failed.clone(),
                "last_exp_maps": self._last_exp_maps.clone()}

    def load_state_dict(self, state: dict) -> None:
        """Restore from state_dict() (same model and env count)."""
        for name in ("qpos", "qvel", "time", "ctrl", "warmstart"):
            view = getattr(self, f"_{name}")
            view.copy_(state[name].to(view))
        self._contact = state["contact"].clone()
        self._stale_contacts = state["stale_contacts"].clone()
        self._failed = state["failed"].clone()
        self._last_exp_maps = state["last_exp_maps"].clone()
        self._invalidate()

    def qpos(self) -> np.ndarray:
        """MuJoCo qpos of every env (ball joints as quaternions; for MuJoCo viewers). Shape: (num_envs, nq)."""
        return self._qpos.cpu().numpy().astype(np.float64)
