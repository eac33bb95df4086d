"""The Isaac Gym backend: PhysX over gymapi / gymtorch tensors, converted to this project's conventions at the boundary.

Imported only when `engine_name: isaac_gym` is selected (amp_studio.engines.make_engine). Isaac Gym refuses to load
after torch; this package imports torch, so a process that uses this backend must `import isaacgym` first, and
make_engine turns a failed import into a ConfigError saying so.

Isaac Gym's conventions, converted only by the pure functions below: quaternions (x, y, z, w); root and rigid-body
rows of 13 = position, rotation, linear velocity, angular velocity (world frame, as our CharacterState; the MuJoCo
backend converts its free joint's body-frame angular velocity instead); DoF state (num_envs * num_dofs, 2) =
position, velocity; positions in one scene where env i sits at its grid origin; body and DoF order by its own
importer, matched to ours by name. Linear velocities are taken as the body origins' (as IsaacGymEnvs and MimicKit
take them); where PhysX reports a centre of mass's instead, they differ by angular velocity x (origin - com).

The importer makes a body's three hinges (x, y, z) one PhysX spherical joint, whose three DoF positions are its
exponential map and whose DoF velocities are its angular velocity in the child body's frame, as MimicKit reads them:
our dof_pos and dof_vel, passed through by name. Its PD position drives act on the map, so spherical targets are held
short of a half turn (amp_studio.engines.spherical_targets), as in the MuJoCo backend.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from isaacgym import gymapi, gymtorch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines.engine import Engine
from amp_studio.engines.engine_config import EngineConfig
from amp_studio.engines.spherical_targets import clamp_spherical_targets
from amp_studio.rotations import quat_normalize

# IsaacGymEnvs' AMP humanoid counts a body as touching once its net contact force exceeds 0.1 N.
CONTACT_FORCE_THRESHOLD = 0.1
# Speeds no character reaches (as in the MuJoCo backend): beyond them the simulation has diverged.
_MAX_SPEED = 1e3
_STATE_FIELDS = ("root_pos", "root_rot", "dof_pos", "root_vel", "root_ang_vel", "dof_vel")


def quat_wxyz_to_xyzw(q: torch.Tensor) -> torch.Tensor:
    """Our (w, x, y, z) quaternions in Isaac Gym's (x, y, z, w) order. Shape: (..., 4)."""
    return torch.cat((q[..., 1:], q[..., :1]), dim=-1)


def quat_xyzw_to_wxyz(q: torch.Tensor) -> torch.Tensor:
    """Isaac Gym's (x, y, z, w) quaternions in our (w, x, y, z) order. Shape: (..., 4)."""
    return torch.cat((q[..., 3:], q[..., :3]), dim=-1)


def pack_state_rows(pos: torch.Tensor, rot: torch.Tensor, vel: torch.Tensor, ang_vel: torch.Tensor,
                    origin: torch.Tensor) -> torch.Tensor:
    """Isaac Gym's 13-wide root / rigid-body rows from env-relative position, wxyz rotation, world velocities."""
    return torch.cat((pos + origin, quat_wxyz_to_xyzw(rot), vel, ang_vel), dim=-1)


def unpack_state_rows(rows: torch.Tensor, origin: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Env-relative position, wxyz rotation, linear and angular velocity (world) from Isaac Gym's 13-wide rows."""
    return rows[..., 0:3] - origin, quat_xyzw_to_wxyz(rows[..., 3:7]), rows[..., 7:10], rows[..., 10:13]


def from_isaac_order(values: torch.Tensor, index: torch.Tensor, dim: int) -> torch.Tensor:
    """Entries along dim rearranged from Isaac Gym's order to ours (ours[i] = isaac[index[i]]); a copy."""
    return values.index_select(dim, index)


def to_isaac_order(values: torch.Tensor, index: torch.Tensor, dim: int) -> torch.Tensor:
    """Entries along dim rearranged from our order to Isaac Gym's (isaac[index[i]] = ours[i])."""
    return torch.empty_like(values).index_copy_(dim, index, values)


def name_index(ours: list[str], isaac: dict[str, int], what: str, source: str | Path | None) -> torch.Tensor:
    """Isaac Gym's index of each of our names, from its name -> index dict; any mismatch is a ConfigError."""
    missing = [name for name in ours if name not in isaac]
    extra = sorted(set(isaac) - set(ours))
    if missing or extra:
        raise ConfigError(source, f"Isaac Gym's {what} names do not match MuJoCo's: missing {missing}, extra {extra}")
    return torch.tensor([isaac[name] for name in ours], dtype=torch.long)


def ground_contact_from_forces(forces: torch.Tensor, heights: torch.Tensor, force_threshold: float,
                               max_height: float) -> torch.Tensor:
    """Per body: net contact force above force_threshold (N) and origin below max_height (m). Shapes: (..., 3), (...).

    PhysX's net contact force sums every contact of a body, other bodies' included (a hand on a thigh); the height
    gate keeps such contacts well above the floor from counting as ground contact.
    """
    return torch.logical_and(forces.norm(dim=-1) > force_threshold, heights < max_height)


class IsaacGymEngine(Engine):
    """N characters, one per env on a grid in one PhysX scene, driven by PhysX position drives with the MJCF's gains.

    Isaac Gym's tensors stay in its layout on the simulation device (cuda: GPU pipeline); getters return float32 CPU
    tensors in our conventions. PhysX computes body states and contacts only while simulating: after a reset, until
    the next step, the reset envs' bodies come from forward kinematics and they report no ground contact.
    """

    def __init__(self, config: EngineConfig, character: CharacterModel, num_envs: int, device: str | None = None):
        super().__init__(config, character, num_envs)
        self.device = torch.device(device or ("cuda:0" if torch.cuda.is_available() else "cpu"))
        self.substeps = config.substeps
        self.gym = gymapi.acquire_gym()
        self.sim = self._create_sim()
        self._closed = False
        asset = self._load_asset()
        path = character.path
        self._body_index = name_index(character.body_names, self.gym.get_asset_rigid_body_dict(asset), "body", path)
        self._dof_index = name_index(character.dof_names, self.gym.get_asset_dof_dict(asset), "DoF", path)
        origins, actor_ids = self._create_envs(asset)
        if not self.gym.prepare_sim(self.sim):
            raise ConfigError(path, "Isaac Gym could not prepare the simulation")

        dev = self.device
        self._origins = torch.tensor(origins, dtype=torch.float32, device=dev)
        self._actor_ids = torch.tensor(actor_ids, dtype=torch.int32, device=dev)  # Isaac Gym's index type
        self._rows = self._actor_ids.long()
        self._body_index_dev = self._body_index.to(dev)
        self._dof_index_dev = self._dof_index.to(dev)
        self._ball_dofs = torch.from_numpy(character.ball.ball_dofs).to(dev)
        # Acquired once: the wrapped tensors are views of PhysX's buffers, updated in place by refresh_*.
        self._root = gymtorch.wrap_tensor(self.gym.acquire_actor_root_state_tensor(self.sim))
        self._dofs = gymtorch.wrap_tensor(self.gym.acquire_dof_state_tensor(self.sim))
        self._bodies = gymtorch.wrap_tensor(self.gym.acquire_rigid_body_state_tensor(self.sim))
        self._forces = gymtorch.wrap_tensor(self.gym.acquire_net_contact_force_tensor(self.sim))
        # One actor per env, so actor i owns DoF rows [i * D, (i + 1) * D) and body rows [i * B, (i + 1) * B).
        self._dof_view = self._dofs.view(num_envs, character.num_dofs, 2)
        self._body_view = self._bodies.view(num_envs, character.num_bodies, 13)
        self._force_view = self._forces.view(num_envs, character.num_bodies, 3)
        self._targets = torch.zeros(num_envs, character.num_dofs, dtype=torch.float32, device=dev)
        self._contact = torch.zeros(num_envs, character.num_bodies, dtype=torch.bool)
        self._bodies_from_fk = torch.ones(num_envs, dtype=torch.bool)
        self._pending = torch.zeros(num_envs, dtype=torch.bool)  # reset since the last step, not yet sent
        self._failed = torch.zeros(num_envs, dtype=torch.bool)
        self._refresh()

    # ----- construction -----

    def _create_sim(self) -> gymapi.Sim:
        p = gymapi.SimParams()
        p.dt = self.sim_dt
        # One PhysX step per simulate() call and `substeps` calls per control step, rather than sim_params.substeps:
        # every physics step then generates contacts and updates the drives, as in the MuJoCo backend and MimicKit.
        p.substeps = 1
        p.up_axis = gymapi.UP_AXIS_Z
        gx, gy, gz = (float(g) for g in self.character.mj_model.opt.gravity)
        p.gravity = gymapi.Vec3(gx, gy, gz)
        gpu = self.device.type == "cuda"
        p.use_gpu_pipeline = gpu
        p.physx.use_gpu = gpu
        p.physx.num_threads = self.config.num_threads
        # MimicKit's PhysX settings for this humanoid.
        p.physx.solver_type = 1
        p.physx.num_position_iterations = 4
        p.physx.num_velocity_iterations = 0
        p.physx.contact_offset = 0.02
        p.physx.rest_offset = 0.0
        p.physx.bounce_threshold_velocity = 0.2
        p.physx.max_depenetration_velocity = 10.0
        p.physx.default_buffer_size_multiplier = 10.0
        p.physx.max_gpu_contact_pairs = 8 * 1024 * 1024
        sim = self.gym.create_sim(self.device.index or 0, -1, gymapi.SIM_PHYSX, p)
        if sim is None:
            raise ConfigError(None, f"Isaac Gym could not create a PhysX simulation on {self.device}")
        plane = gymapi.PlaneParams()
        plane.normal = gymapi.Vec3(0.0, 0.0, 1.0)
        plane.static_friction = plane.dynamic_friction = 1.0  # the MuJoCo floor's sliding friction
        plane.restitution = 0.0
        self.gym.add_ground(sim, plane)
        return sim

    def _load_asset(self) -> gymapi.Asset:
        opts = gymapi.AssetOptions()
        opts.fix_base_link = False
        opts.default_dof_drive_mode = gymapi.DOF_MODE_POS
        # PhysX damps every body's spin by 0.5 unless told otherwise; MuJoCo does not damp, the reference uses 0.01.
        opts.angular_damping = 0.01
        # PhysX clamps body speeds at 64 rad/s by default, which a fast limb can reach.
        opts.max_angular_velocity = opts.max_linear_velocity = _MAX_SPEED
        path = self.character.path.resolve()
        asset = self.gym.load_asset(self.sim, str(path.parent), path.name, opts)
        if asset is None:
            raise ConfigError(path, "Isaac Gym cannot load this MJCF")
        return asset

    def _drive_gains(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """kp, kv, torque limit and armature per DoF, our order, as the character file gives them."""
        drives = self.character.ball.drives
        if not np.all(drives.kp > 0):
            raise ConfigError(self.character.path, "the isaac_gym engine needs PD gains for every DoF: position "
                                                   "actuators, or (MimicKit's files) joint stiffness")
        # PhysX has no passive joint damping beside the drive; a position drive (target velocity 0) damps alike.
        kv = drives.kv + drives.damping
        effort = np.minimum(drives.force_limit, np.finfo(np.float32).max)  # PhysX takes a finite maximum force
        f32 = np.float32
        return drives.kp.astype(f32), kv.astype(f32), effort.astype(f32), drives.armature.astype(f32)

    def _create_envs(self, asset: gymapi.Asset) -> tuple[list[list[float]], list[int]]:
        kp, kv, effort, armature = self._drive_gains()
        isaac = self._dof_index.numpy()
        half = 0.5 * self.config.env_spacing
        lower = gymapi.Vec3(-half, -half, 0.0)
        upper = gymapi.Vec3(half, half, self.config.env_spacing)
        per_row = max(1, math.ceil(math.sqrt(self.num_envs)))
        pose = gymapi.Transform()
        x, y, z = (float(v) for v in self.character.mj_model.body_pos[1])
        pose.p = gymapi.Vec3(x, y, z)
        pose.r = gymapi.Quat(0.0, 0.0, 0.0, 1.0)
        origins, actor_ids = [], []
        for i in range(self.num_envs):
            env = self.gym.create_env(self.sim, lower, upper, per_row)
            # Collision group i: characters in different envs never touch; filter 0 keeps self-collisions (MuJoCo).
            actor = self.gym.create_actor(env, asset, pose, "character", i, 0, 0)
            props = self.gym.get_actor_dof_properties(env, actor)
            props["driveMode"][:] = gymapi.DOF_MODE_POS
            props["stiffness"][isaac] = kp
            props["damping"][isaac] = kv
            props["effort"][isaac] = effort
            props["armature"][isaac] = armature
            if not self.gym.set_actor_dof_properties(env, actor, props):
                raise ConfigError(self.character.path, "Isaac Gym rejected the PD drive properties")
            o = self.gym.get_env_origin(env)
            origins.append([o.x, o.y, o.z])
            actor_ids.append(self.gym.get_actor_index(env, actor, gymapi.DOMAIN_SIM))
        return origins, actor_ids

    # ----- simulation -----

    def _refresh(self) -> None:
        self.gym.refresh_actor_root_state_tensor(self.sim)
        self.gym.refresh_dof_state_tensor(self.sim)
        self.gym.refresh_rigid_body_state_tensor(self.sim)
        self.gym.refresh_net_contact_force_tensor(self.sim)

    def reset(self, env_ids: torch.Tensor, state: CharacterState) -> None:
        """Set env_ids' state, sent to PhysX with the next step; until then: bodies by kinematics, no contacts."""
        if len(env_ids) == 0:
            return
        dev = self.device
        ids = env_ids.to(dev, torch.long)
        rows = self._rows[ids]
        s = CharacterState(*(getattr(state, f).to(dev, torch.float32) for f in _STATE_FIELDS))
        self._root[rows] = pack_state_rows(s.root_pos, quat_normalize(s.root_rot), s.root_vel, s.root_ang_vel,
                                           self._origins[ids])
        self._dof_view[rows, :, 0] = to_isaac_order(s.dof_pos, self._dof_index_dev, dim=1)
        self._dof_view[rows, :, 1] = to_isaac_order(s.dof_vel, self._dof_index_dev, dim=1)
        cpu_ids = env_ids.cpu().long()
        self._pending[cpu_ids] = True
        self._failed[cpu_ids] = False
        self._contact[cpu_ids] = False
        self._bodies_from_fk[cpu_ids] = True
        self._invalidate()

    def _send_resets(self) -> None:
        # The GPU pipeline applies one indexed set of each kind per simulate (the last), so the resets since the
        # last step go in one call each, just before it, as MimicKit does. Their rows wait in the wrapped tensors,
        # which only refresh_* (after simulating) overwrites.
        if not self._pending.any():
            return
        actors = self._actor_ids[torch.nonzero(self._pending).flatten().to(self.device)].contiguous()
        self.gym.set_actor_root_state_tensor_indexed(self.sim, gymtorch.unwrap_tensor(self._root),
                                                     gymtorch.unwrap_tensor(actors), len(actors))
        self.gym.set_dof_state_tensor_indexed(self.sim, gymtorch.unwrap_tensor(self._dofs),
                                              gymtorch.unwrap_tensor(actors), len(actors))
        self._pending[:] = False

    def set_targets(self, pd_targets: torch.Tensor) -> None:
        """PD position targets for every DoF (our order), held for all substeps. Shape: (num_envs, num_dofs).

        Spherical targets beyond a half turn are held at it (clamp_spherical_targets).
        """
        targets = clamp_spherical_targets(pd_targets.to(self.device, torch.float32), self._ball_dofs)
        self._targets[:] = to_isaac_order(targets, self._dof_index_dev, dim=1)

    def step(self) -> None:
        """One control step: `substeps` PhysX steps of every env, then the tensors are refreshed."""
        self._send_resets()
        self.gym.set_dof_position_target_tensor(self.sim, gymtorch.unwrap_tensor(self._targets))
        for _ in range(self.substeps):
            self.gym.simulate(self.sim)
            self.gym.fetch_results(self.sim, True)
        self._refresh()
        root = self._root[self._rows]
        finite = torch.isfinite(root).all(dim=1) & torch.isfinite(self._dof_view).flatten(1).all(dim=1)
        speed = torch.maximum(root[:, 7:].abs().amax(dim=1), self._dof_view[..., 1].abs().amax(dim=1))
        self._failed = (~finite | (speed > _MAX_SPEED)).cpu()
        bodies = from_isaac_order(self._body_view, self._body_index_dev, dim=1)
        forces = from_isaac_order(self._force_view, self._body_index_dev, dim=1)
        heights = bodies[..., 2] - self._origins[:, None, 2]
        self._contact = ground_contact_from_forces(forces, heights, CONTACT_FORCE_THRESHOLD,
                                                   self.config.ground_contact_height).cpu()
        self._bodies_from_fk[:] = False
        self._invalidate()

    # ----- getters -----

    def get_state(self) -> CharacterState:
        """Root and DoF state of every env, float32 on the CPU; non-finite values (a diverged env) read as 0."""
        if "root_pos" not in self._derived:
            pos, rot, vel, ang_vel = unpack_state_rows(self._root[self._rows], self._origins)
            dofs = from_isaac_order(self._dof_view, self._dof_index_dev, dim=1)
            values = (pos, rot, dofs[..., 0], vel, ang_vel, dofs[..., 1])
            clean = [torch.nan_to_num(v.float().cpu(), nan=0.0, posinf=0.0, neginf=0.0) for v in values]
            clean[1] = quat_normalize(clean[1])
            self._derived.update(zip(_STATE_FIELDS, clean))
        return CharacterState(*(self._derived[f] for f in _STATE_FIELDS))

    def _rigid_bodies(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if "rb_pos" not in self._derived:
            rows = from_isaac_order(self._body_view, self._body_index_dev, dim=1)
            parts = unpack_state_rows(rows, self._origins[:, None])
            pos, rot, vel, ang_vel = (torch.nan_to_num(p.float().cpu(), nan=0.0, posinf=0.0, neginf=0.0)
                                      for p in parts)
            rot = quat_normalize(torch.where(rot[..., :1] < 0, -rot, rot))  # w >= 0, as the base class gives
            stale = torch.nonzero(self._bodies_from_fk).flatten()
            if len(stale):
                s = self.get_state().index(stale)
                pos[stale], rot[stale] = self.character.forward_kinematics(s.root_pos, s.root_rot, s.dof_pos)
                vel[stale], ang_vel[stale] = self.character.body_velocities(s)
            self._derived.update(rb_pos=pos, rb_rot=rot, rb_vel=vel, rb_ang_vel=ang_vel)
        d = self._derived
        return d["rb_pos"], d["rb_rot"], d["rb_vel"], d["rb_ang_vel"]

    @property
    def body_pos(self) -> torch.Tensor:
        """World position of each body's origin relative to its env, from PhysX. Shape: (num_envs, num_bodies, 3)."""
        return self._rigid_bodies()[0]

    @property
    def body_rot(self) -> torch.Tensor:
        """World rotation (w, x, y, z; w >= 0) of each body, from PhysX. Shape: (num_envs, num_bodies, 4)."""
        return self._rigid_bodies()[1]

    def body_velocities(self) -> tuple[torch.Tensor, torch.Tensor]:
        """World linear and angular velocity of each body, from PhysX. Shapes: (num_envs, num_bodies, 3)."""
        _, _, vel, ang_vel = self._rigid_bodies()
        return vel, ang_vel

    @property
    def ground_contact(self) -> torch.Tensor:
        """Net contact force above 0.1 N with the body's origin below ground_contact_height. Shape: (N, B)."""
        return self._contact

    @property
    def failed(self) -> torch.Tensor:
        """Envs whose state became non-finite or impossibly fast in the last step. Shape: (num_envs,)."""
        return self._failed

    # ----- checkpoints -----

    def state_dict(self) -> dict[str, Any]:
        """Every env's state, targets, contacts and failures in our conventions (PhysX's solver caches are not kept)."""
        s = self.get_state()
        return {"state": {f: getattr(s, f).clone() for f in _STATE_FIELDS},
                "targets": from_isaac_order(self._targets, self._dof_index_dev, dim=1).cpu(),
                "contact": self._contact.clone(), "failed": self._failed.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from state_dict() (same character and env count)."""
        self.reset(torch.arange(self.num_envs), CharacterState(**state["state"]))
        self.set_targets(state["targets"])
        self._contact = state["contact"].clone()
        self._failed = state["failed"].clone()

    def close(self) -> None:
        """Destroy the PhysX simulation."""
        if not self._closed:
            self._closed = True
            self.gym.destroy_sim(self.sim)
