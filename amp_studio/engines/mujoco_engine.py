"""The MuJoCo backend: one model with a ground plane, N characters' states stepped in C across threads."""

from __future__ import annotations

import contextlib

import mujoco
import numpy as np
import torch
from mujoco import rollout

from amp_studio.ball_joints import build_ball_joint_spec, finish_ball_joint_model
from amp_studio.character import CharacterModel, CharacterState
from amp_studio.engines.engine import Engine
from amp_studio.engines.engine_config import EngineConfig
from amp_studio.engines.mujoco_state import MAX_QVEL, check_pd_actuators, qpos_qvel_to_state, state_to_qpos_qvel
from amp_studio.engines.spherical_targets import clamp_spherical_targets

FLOOR = "floor"
SOLVER_WARNINGS = {"count": 0, "last": ""}


def _count_warning(message: str) -> None:
    # Blow-ups are detected and handled per env; a printed line per event would flood training logs.
    SOLVER_WARNINGS["count"] += 1
    SOLVER_WARNINGS["last"] = message
_FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS
# What a reset refreshes for its own rows only: the state and the body kinematics made from it (Engine's names).
_PARTIAL_KEYS = ("state", "body_pos", "body_mat", "joint_mat")


def build_sim_model(character: CharacterModel, sim_freq: int) -> mujoco.MjModel:
    """The character with ball joints (amp_studio.ball_joints), a ground plane, a light, the physics rate and one
    floor-contact sensor per body."""
    spec, *drives = build_ball_joint_spec(character.path)
    floor = spec.worldbody.add_geom()
    floor.name = FLOOR
    floor.type = mujoco.mjtGeom.mjGEOM_PLANE
    floor.size = [0.0, 0.0, 1.0]  # infinite
    floor.friction = [1.0, 0.005, 0.0001]
    floor.rgba = [0.55, 0.6, 0.65, 1.0]
    light = spec.worldbody.add_light()
    light.pos = [0.0, 0.0, 4.0]
    light.dir = [0.0, 0.0, -1.0]
    spec.option.timestep = 1.0 / sim_freq
    for name in character.body_names:
        sensor = spec.add_sensor()
        sensor.name = f"floor_contact_{name}"
        sensor.type = mujoco.mjtSensor.mjSENS_CONTACT
        sensor.objtype = mujoco.mjtObj.mjOBJ_BODY
        sensor.objname = name
        sensor.reftype = mujoco.mjtObj.mjOBJ_GEOM
        sensor.refname = FLOOR
        sensor.intprm[0] = 1  # data: number of contacts found
        sensor.intprm[1] = 0  # no reduction
        sensor.intprm[2] = 1
    return finish_ball_joint_model(spec, *drives).model


class MujocoEngine(Engine):
    """N characters as rows of a MuJoCo full-physics state array, stepped by `mujoco.rollout` across threads.

    MuJoCo resets a simulation whose accelerations blow up (warning BADQACC) to the model's rest state; that
    shows as the state's time jumping back. Such envs, and any with non-finite or absurd state, are `failed`.
    """

    def __init__(self, config: EngineConfig, character: CharacterModel, num_envs: int):
        super().__init__(config, character, num_envs)
        self.model = build_sim_model(character, config.sim_freq)
        m = self.model
        mujoco.set_mju_user_warning(_count_warning)
        check_pd_actuators(m, character)
        self.substeps = config.substeps
        nthread = config.num_threads if config.num_threads > 1 else 0
        self._rollout = rollout.Rollout(nthread=nthread)
        self._models = [m] * num_envs
        self._datas = [mujoco.MjData(m) for _ in range(max(1, nthread))]
        self._scratch = mujoco.MjData(m)

        nstate = mujoco.mj_stateSize(m, _FULL)
        self._qpos = slice(1, 1 + m.nq)  # FULLPHYSICS: time, qpos, qvel, ...
        self._qvel = slice(1 + m.nq, 1 + m.nq + m.nv)
        rest = np.zeros(nstate)
        mujoco.mj_getState(m, self._scratch, rest, _FULL)
        self._state = np.tile(rest, (num_envs, 1))
        self._out = np.zeros((num_envs, self.substeps, nstate))
        self._sens = np.zeros((num_envs, self.substeps, m.nsensordata))
        self._ctrl = np.zeros((num_envs, self.substeps, m.nu))
        ball = character.ball
        self._ball_dofs = torch.from_numpy(ball.ball_dofs)
        # Each env's last reported exp maps: the next are taken nearest to them, so they stay continuous in time
        # where a joint's angle passes pi (the quaternion alone would flip them to the other side).
        self._last_exp_maps = torch.zeros(num_envs, len(ball.ball_dofs), 3, dtype=torch.float64)
        self._contact = np.zeros((num_envs, character.num_bodies), dtype=bool)
        self._stale_contacts = np.ones(num_envs, dtype=bool)
        self._failed = torch.zeros(num_envs, dtype=torch.bool)
        self._partial: tuple[dict[str, torch.Tensor], np.ndarray] | None = None
        """After resets: the state and body kinematics before them, and which rows they made stale (see get_state
        and _body_kinematics)."""

    def close(self) -> None:
        """Stop the rollout thread pool."""
        if self._rollout is not None:
            self._rollout.close()
            self._rollout = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown
            self.close()

    def set_targets(self, pd_targets: torch.Tensor) -> None:
        """PD position targets for every DoF, held for all substeps. Shape: (num_envs, num_dofs).

        A spherical joint's target is an exponential map, held short of pi (clamp_spherical_targets).
        """
        targets = clamp_spherical_targets(pd_targets.detach().to(torch.float64), self._ball_dofs)
        self._ctrl[:] = targets.numpy()[:, None, :]

    def step(self) -> None:
        """One control step: `substeps` physics steps of every env, in C across threads."""
        expected = self._state[:, 0] + self.substeps * self.sim_dt
        self._rollout.rollout(self._models, self._datas, self._state, self._ctrl, nstep=self.substeps,
                              state=self._out, sensordata=self._sens, skip_checks=True)
        self._state[:] = self._out[:, -1]
        reset_by_solver = np.abs(self._state[:, 0] - expected) > 0.5 * self.sim_dt
        finite = np.isfinite(self._state).all(axis=1)
        wild = np.abs(self._state[:, self._qvel]).max(axis=1) > MAX_QVEL
        failed = reset_by_solver | ~finite | wild
        if not finite.all():
            # Keep downstream math finite; these envs end their episodes and are reset.
            self._state[~finite] = np.nan_to_num(self._state[~finite], nan=0.0, posinf=0.0, neginf=0.0)
        self._failed = torch.from_numpy(failed)
        self._contact = self._sens[:, -1] > 0
        self._stale_contacts[:] = False
        self._invalidate()

    def reset(self, env_ids: torch.Tensor, state: CharacterState) -> None:
        """Set the state of env_ids (time restarts at 0); contacts are recomputed for the new poses."""
        ids = env_ids.cpu().numpy()
        if len(ids) == 0:
            return
        qpos, qvel = state_to_qpos_qvel(self.character, state)
        self._state[ids, 0] = 0.0
        self._state[ids, self._qpos] = qpos
        self._last_exp_maps[torch.as_tensor(ids)] = state.dof_pos[:, self._ball_dofs].to(torch.float64)
        self._state[ids, self._qvel] = qvel
        self._failed[torch.as_tensor(ids)] = False
        self._stale_contacts[ids] = True  # computed on first use; the next step replaces them anyway
        # The other envs' state and body kinematics stay as computed: only the reset rows are converted again (a
        # step's resets are a few envs, and the skill measures, observations and task read them right after).
        known = dict(self._partial[0]) if self._partial else {}
        known.update((key, self._derived[key]) for key in _PARTIAL_KEYS if key in self._derived)
        stale = self._partial[1] if self._partial else np.zeros(self.num_envs, dtype=bool)
        stale[ids] = True
        self._invalidate()
        self._partial = (known, stale) if known else None

    def _refresh_contacts(self, ids: np.ndarray) -> None:
        m, d = self.model, self._scratch
        for i in ids:
            mujoco.mj_setState(m, d, self._state[i], _FULL)
            mujoco.mj_forward(m, d)
            self._contact[i] = d.sensordata > 0
        self._stale_contacts[ids] = False

    def get_state(self) -> CharacterState:
        """Root and DoF state of every env, float32."""
        if "state" not in self._derived:
            known, rows = self._known("state")
            if known is None:
                self._derived["state"], self._last_exp_maps = qpos_qvel_to_state(
                    self.character, torch.from_numpy(self._state[:, self._qpos]),
                    torch.from_numpy(self._state[:, self._qvel]), self._last_exp_maps)
            else:
                fresh, exp_maps = qpos_qvel_to_state(
                    self.character, torch.from_numpy(self._state[rows.numpy(), self._qpos]),
                    torch.from_numpy(self._state[rows.numpy(), self._qvel]), self._last_exp_maps[rows])
                self._last_exp_maps[rows] = exp_maps
                self._derived["state"] = known.with_rows(rows, fresh)
        return self._derived["state"]

    def _body_kinematics(self) -> None:
        if "body_pos" in self._derived:
            return
        known, rows = self._known("body_pos")
        if known is None:
            super()._body_kinematics()
            return
        s = self.get_state()
        tree = self.character.kinematic_tree(s.dof_pos.dtype)
        fresh = tree(s.root_pos[rows], s.root_rot[rows], s.dof_pos[rows])
        for key, value in zip(_PARTIAL_KEYS[1:], fresh):
            full = self._partial[0][key].clone()
            if key == "body_mat":
                full[..., rows] = value  # the batch is its last dimension (KinematicTree.__call__)
            else:
                full[rows] = value
            self._derived[key] = full

    def _known(self, key: str) -> tuple[object | None, torch.Tensor | None]:
        """What `key` was before the last resets, and the rows they made stale (None, None: compute it all)."""
        if self._partial is None or key not in self._partial[0]:
            return None, None
        return self._partial[0][key], torch.from_numpy(np.nonzero(self._partial[1])[0])

    def _invalidate(self) -> None:
        super()._invalidate()
        self._partial = None

    @property
    def ground_contact(self) -> torch.Tensor:
        """Whether each body touches the floor, from MuJoCo's contacts. Shape: (num_envs, num_bodies).

        After a step: MuJoCo's contact sensors, evaluated at the start of the last physics substep.
        After a reset: the contacts of the new pose.
        """
        if self._stale_contacts.any():
            self._refresh_contacts(np.nonzero(self._stale_contacts)[0])
        return torch.from_numpy(self._contact)

    @property
    def failed(self) -> torch.Tensor:
        """Envs whose physics diverged or was reset by MuJoCo in the last step. Shape: (num_envs,)."""
        return self._failed

    def state_dict(self) -> dict:
        """The simulation state of every env, for an exact resume."""
        return {"state": torch.from_numpy(self._state.copy()), "ctrl": torch.from_numpy(self._ctrl.copy()),
                "contact": torch.from_numpy(self._contact.copy()),
                "stale_contacts": torch.from_numpy(self._stale_contacts.copy()), "failed": self._failed.clone()}

    def load_state_dict(self, state: dict) -> None:
        """Restore from state_dict() (same model and env count)."""
        self._state[:] = state["state"].numpy()
        self._ctrl[:] = state["ctrl"].numpy()
        self._contact[:] = state["contact"].numpy()
        self._stale_contacts[:] = state["stale_contacts"].numpy()
        self._failed = state["failed"].clone()
        self._invalidate()

    def qpos(self) -> np.ndarray:
        """MuJoCo qpos of every env (ball joints as quaternions; for MuJoCo viewers). Shape: (num_envs, nq)."""
        return self._state[:, self._qpos]
