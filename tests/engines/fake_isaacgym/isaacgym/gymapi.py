"""Fake isaacgym.gymapi: Isaac Gym's calls, tensor layouts and conventions, with MuJoCo stepping each env.

Kept as Isaac Gym keeps them: quaternions (x, y, z, w); root and rigid-body rows of 13 (position in the shared scene,
i.e. plus the env's grid origin; rotation; linear and world angular velocity); DoF state (N * D, 2); int32 actor
indices; indexed sets applied at the next simulate, the last of each kind only (the GPU pipeline's rule); tensors
seen through refresh_* only; body states and contact forces changed only by simulate. The PD drives
are the DofProperties set on the actors, written into the model's position actuators, so wrong gains or a wrong
order show as different motion. Each env keeps its own MjData (float64) between steps, as PhysX keeps its state.

A body's three hinges (x, y, z) are one spherical joint, as Isaac Gym's MJCF importer makes them: simulated as a
MuJoCo ball joint (amp_studio.ball_joints), shown as three DoFs named after the hinges whose positions are the
exponential map (angle in [0, pi]) and whose velocities are the angular velocity in the child body's frame, as
MimicKit reads PhysX's; its drives act on the map's components.
"""

from __future__ import annotations

from collections import Counter
from enum import IntEnum
from pathlib import Path

import mujoco
import numpy as np
import torch

from amp_studio.ball_joints import build_ball_joint_spec, finish_ball_joint_model

# Test knobs: lay out rigid bodies and DoFs in these name orders instead of MuJoCo's (None: MuJoCo's order).
BODY_ORDER: list[str] | None = None
DOF_ORDER: list[str] | None = None


class SimType(IntEnum):
    SIM_PHYSX = 0
    SIM_FLEX = 1


class UpAxis(IntEnum):
    UP_AXIS_Y = 0
    UP_AXIS_Z = 1


class DofDriveMode(IntEnum):
    DOF_MODE_NONE = 0
    DOF_MODE_POS = 1
    DOF_MODE_VEL = 2
    DOF_MODE_EFFORT = 3


class IndexDomain(IntEnum):
    DOMAIN_ACTOR = 0
    DOMAIN_ENV = 1
    DOMAIN_SIM = 2


SIM_PHYSX, SIM_FLEX = SimType.SIM_PHYSX, SimType.SIM_FLEX
UP_AXIS_Y, UP_AXIS_Z = UpAxis.UP_AXIS_Y, UpAxis.UP_AXIS_Z
DOF_MODE_NONE, DOF_MODE_POS = DofDriveMode.DOF_MODE_NONE, DofDriveMode.DOF_MODE_POS
DOF_MODE_VEL, DOF_MODE_EFFORT = DofDriveMode.DOF_MODE_VEL, DofDriveMode.DOF_MODE_EFFORT
DOMAIN_ACTOR, DOMAIN_ENV, DOMAIN_SIM = IndexDomain.DOMAIN_ACTOR, IndexDomain.DOMAIN_ENV, IndexDomain.DOMAIN_SIM


class Vec3:
    def __init__(self, x: float = 0.0, y: float = 0.0, z: float = 0.0):
        self.x, self.y, self.z = float(x), float(y), float(z)


class Quat:
    def __init__(self, x: float = 0.0, y: float = 0.0, z: float = 0.0, w: float = 1.0):
        self.x, self.y, self.z, self.w = float(x), float(y), float(z), float(w)


class Transform:
    def __init__(self, p: Vec3 | None = None, r: Quat | None = None):
        self.p = p or Vec3()
        self.r = r or Quat()


class PhysXParams:
    def __init__(self):
        self.num_threads, self.solver_type = 4, 1
        self.num_position_iterations, self.num_velocity_iterations = 4, 1
        self.contact_offset, self.rest_offset = 0.02, 0.001
        self.bounce_threshold_velocity, self.max_depenetration_velocity = 0.2, 100.0
        self.default_buffer_size_multiplier, self.max_gpu_contact_pairs = 2.0, 1024 * 1024
        self.use_gpu = False


class SimParams:
    def __init__(self):
        self.dt, self.substeps = 1.0 / 60.0, 2
        self.up_axis, self.gravity = UP_AXIS_Y, Vec3(0.0, -9.8, 0.0)
        self.use_gpu_pipeline, self.num_client_threads = False, 0
        self.physx = PhysXParams()


class PlaneParams:
    def __init__(self):
        self.normal, self.distance = Vec3(0.0, 1.0, 0.0), 0.0
        self.static_friction = self.dynamic_friction = 1.0
        self.restitution = 0.0


class AssetOptions:
    def __init__(self):
        self.fix_base_link = False
        self.default_dof_drive_mode = int(DOF_MODE_NONE)
        self.angular_damping, self.linear_damping = 0.5, 0.0
        self.max_angular_velocity, self.max_linear_velocity = 64.0, 1000.0


class DofProperties:
    dtype = np.dtype([("hasLimits", "?"), ("lower", "f4"), ("upper", "f4"), ("driveMode", "i4"), ("velocity", "f4"),
                      ("effort", "f4"), ("stiffness", "f4"), ("damping", "f4"), ("friction", "f4"),
                      ("armature", "f4")])


class Tensor:
    """The fake's descriptor holds the torch tensor itself."""

    def __init__(self, data: torch.Tensor):
        self.data = data


class Asset:
    def __init__(self, path: Path, options: AssetOptions):
        self.path, self.options = path, options
        # The file's hinges name the DoFs and give their limits, a spherical joint's per axis.
        m = mujoco.MjModel.from_xml_path(str(path))
        bodies = [m.body(i).name for i in range(1, m.nbody)]
        dofs = [m.joint(j).name for j in range(1, m.njnt)]
        self.file_dof_names = dofs
        self.body_names = list(BODY_ORDER) if BODY_ORDER is not None else bodies
        self.dof_names = list(DOF_ORDER) if DOF_ORDER is not None else dofs
        assert sorted(self.body_names) == sorted(bodies) and sorted(self.dof_names) == sorted(dofs)
        props = np.zeros(len(dofs), dtype=DofProperties.dtype)
        for i, name in enumerate(self.dof_names):
            j = m.joint(name).id
            props[i] = (bool(m.jnt_limited[j]), *m.jnt_range[j], options.default_dof_drive_mode, 100.0, 0, 0, 0, 0, 0)
        self.dof_props = props


class Env:
    def __init__(self, index: int, origin: Vec3):
        self.index, self.origin = index, origin
        self.asset: Asset | None = None
        self.pose = Transform()
        self.dof_props: np.ndarray | None = None


class Sim:
    def __init__(self, params: SimParams):
        self.params = params
        self.ground: PlaneParams | None = None
        self.envs: list[Env] = []
        self.calls: Counter[str] = Counter()  # for tests: which Gym calls were made how often
        self.world: _World | None = None  # made by prepare_sim
        self.prepared = self.destroyed = False


def _actuator_of_each_dof(m: mujoco.MjModel) -> np.ndarray:
    """Each file DoF's actuator in a ball-joint model: its hinge's, or the one on its ball whose gear picks its axis."""
    dof_of = np.empty(m.nu, dtype=np.int64)
    for a in range(m.nu):
        j = int(m.actuator_trnid[a, 0])
        axis = int(np.argmax(m.actuator_gear[a, :3])) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_BALL else 0
        dof_of[a] = m.jnt_dofadr[j] - 6 + axis  # the free root's 6 DoFs come first
    assert sorted(dof_of.tolist()) == list(range(m.nu)), "one PD actuator per DoF"
    return np.argsort(dof_of)


class _World:
    """The MuJoCo side of a prepared sim: one ball-joint model with the ground, one MjData per env, index maps."""

    def __init__(self, sim: Sim):
        asset = sim.envs[0].asset
        assert asset is not None and all(e.asset is asset for e in sim.envs), "one actor of one asset per env"
        spec, *drives = build_ball_joint_spec(asset.path)
        if sim.ground is not None:
            floor = spec.worldbody.add_geom()
            floor.type = mujoco.mjtGeom.mjGEOM_PLANE
            floor.size = [0.0, 0.0, 1.0]
            floor.friction = [sim.ground.static_friction, 0.005, 0.0001]
        self.character = finish_ball_joint_model(spec, *drives)
        self.m = m = self.character.model
        # Set on the model, not the spec: MuJoCo 3.2 (Python 3.8, where Isaac Gym runs) cannot reach spec.option.
        g = sim.params.gravity
        m.opt.timestep, m.opt.gravity = sim.params.dt, [g.x, g.y, g.z]
        # PhysX articulation joints have no passive damping: a DoF is damped only by its drive (the properties).
        m.dof_damping[6:] = 0.0
        self.bodies = np.array([m.body(n).id for n in asset.body_names])
        # The file's DoF (the pose's and qvel[6:]'s order) of each of Isaac Gym's DoFs, and its actuator.
        self.dofs = np.array([asset.file_dof_names.index(n) for n in asset.dof_names])
        self.actuators = _actuator_of_each_dof(m)[self.dofs]
        props = sim.envs[0].dof_props
        assert props is not None and all(np.array_equal(e.dof_props, props) for e in sim.envs)
        pos = props["driveMode"] == DOF_MODE_POS
        kp, kv = np.where(pos, props["stiffness"], 0.0), np.where(pos, props["damping"], 0.0)
        a = self.actuators
        m.actuator_gainprm[a, 0], m.actuator_biasprm[a, 1], m.actuator_biasprm[a, 2] = kp, -kp, -kv
        m.actuator_forcelimited[a] = 1  # PhysX caps every drive at its maximum force
        m.actuator_forcerange[a, 0], m.actuator_forcerange[a, 1] = -props["effort"], props["effort"]
        m.dof_armature[6 + self.dofs] = props["armature"]
        self.origins = np.array([[e.origin.x, e.origin.y, e.origin.z] for e in sim.envs])
        self.datas = []
        for e in sim.envs:
            d = mujoco.MjData(m)
            d.qpos[:3] = [e.pose.p.x, e.pose.p.y, e.pose.p.z]
            d.qpos[3:7] = [e.pose.r.w, e.pose.r.x, e.pose.r.y, e.pose.r.z]
            mujoco.mj_forward(m, d)
            self.datas.append(d)
        n, nd, nb = len(sim.envs), len(self.dofs), len(self.bodies)
        # What PhysX holds (`state`) and what the acquired tensors show until the next refresh (`shown`).
        self.state = {"root": torch.zeros(n, 13), "dof": torch.zeros(n * nd, 2), "body": torch.zeros(n * nb, 13),
                      "force": torch.zeros(n * nb, 3)}
        self.shown = {k: v.clone() for k, v in self.state.items()}
        self.targets = torch.zeros(n, nd)
        # Indexed sets take effect at the next simulate, only the last of each kind: the GPU pipeline's rule.
        self.staged: dict[str, tuple[list[int], np.ndarray]] = {}
        for i in range(n):
            self.write_state(i)

    def write_state(self, i: int) -> None:
        """Env i's MjData (kinematics up to date) into Isaac Gym's layout: root, DoF and rigid-body rows."""
        m, d, o = self.m, self.datas[i], self.origins[i]
        nb = len(self.bodies)
        xyzw = np.roll(d.qpos[3:7], -1)
        world_ang = np.zeros(3)
        mujoco.mju_rotVecQuat(world_ang, d.qvel[3:6], d.qpos[3:7])
        self.state["root"][i] = torch.from_numpy(np.concatenate((d.qpos[:3] + o, xyzw, d.qvel[:3], world_ang)))
        self.state["dof"][self.dof_rows(i)] = torch.from_numpy(self.dof_states(d))
        rows = np.zeros((nb, 13))
        vel = np.zeros(6)
        for k, b in enumerate(self.bodies):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, vel, 0)  # at the body origin, world
            rows[k] = np.concatenate((d.xpos[b] + o, np.roll(d.xquat[b], -1), vel[3:], vel[:3]))
        self.state["body"][i * nb:(i + 1) * nb] = torch.from_numpy(rows)

    def dof_rows(self, i: int) -> slice:
        """Env i's rows of the DoF state tensor."""
        nd = len(self.dofs)
        return slice(i * nd, (i + 1) * nd)

    def dof_states(self, d: mujoco.MjData) -> np.ndarray:
        """(position, velocity) of each of Isaac Gym's DoFs: a ball joint's as exponential map, local spin."""
        pos = self.character.qpos_to_pose(d.qpos)[7:]
        return np.stack((pos[self.dofs], d.qvel[6 + self.dofs]), 1)

    def set_dof_states(self, d: mujoco.MjData, states: np.ndarray) -> None:
        """Inverse of dof_states: exponential maps to ball joints' quaternions, velocities as they are."""
        pose = np.concatenate((d.qpos[:7], np.zeros(len(self.dofs))))
        pose[7 + self.dofs] = states[:, 0]
        d.qpos[:] = self.character.pose_to_qpos(pose)
        d.qvel[6 + self.dofs] = states[:, 1]

    def net_contact_forces(self, i: int) -> np.ndarray:
        """Each body's summed contact force (world), every contact counted, other bodies' included, like PhysX's."""
        m, d = self.m, self.datas[i]
        net = np.zeros((m.nbody, 3))
        f6 = np.zeros(6)
        for c in range(d.ncon):
            mujoco.mj_contactForce(m, d, c, f6)
            force = d.contact.frame[c].reshape(3, 3).T @ f6[:3]
            g1, g2 = d.contact.geom[c]
            net[m.geom_bodyid[g2]] += force  # the normal points from geom1 to geom2
            net[m.geom_bodyid[g1]] -= force
        return net[self.bodies]

    def apply_staged(self) -> None:
        """The staged root and DoF states into each env's MjData (converted from Isaac Gym's conventions)."""
        ids, rows = self.staged.pop("root", ([], np.zeros((0, 13))))
        for i, r in zip(ids, rows):
            d = self.datas[i]
            d.qpos[:3] = r[:3] - self.origins[i]
            d.qpos[3:7] = np.roll(r[3:7], 1)
            mujoco.mju_normalize4(d.qpos[3:7])
            d.qvel[:3] = r[7:10]
            # MuJoCo's free joint takes angular velocity in the body frame; Isaac Gym's is in the world frame.
            inverse = np.zeros(4)
            mujoco.mju_negQuat(inverse, d.qpos[3:7])
            mujoco.mju_rotVecQuat(d.qvel[3:6], r[10:13], inverse)
        ids, states = self.staged.pop("dof", ([], np.zeros((0, len(self.dofs), 2))))
        for i, st in zip(ids, states):
            self.set_dof_states(self.datas[i], st)

    def step(self) -> None:
        """One physics step of every env with the position targets; then body states and forces, as PhysX."""
        self.apply_staged()
        nb = len(self.bodies)
        for i, d in enumerate(self.datas):
            d.ctrl[self.actuators] = self.targets[i].double().numpy()
            mujoco.mj_step(self.m, d)
            # Contacts and their forces are those of this step; positions have moved on, so update kinematics.
            self.state["force"][i * nb:(i + 1) * nb] = torch.from_numpy(self.net_contact_forces(i))
            mujoco.mj_kinematics(self.m, d)
            mujoco.mj_comPos(self.m, d)
            mujoco.mj_comVel(self.m, d)
            self.write_state(i)


def _indices(actor_indices: Tensor, n: int) -> list[int]:
    idx = actor_indices.data
    assert idx.dtype == torch.int32 and idx.numel() == n, "Isaac Gym takes n int32 actor indices"
    return idx.tolist()


class Gym:
    """The Gym calls AMP Studio's adapter makes."""

    def create_sim(self, compute_device: int = 0, graphics_device: int = 0, type: SimType = SIM_FLEX,
                   params: SimParams | None = None) -> Sim:
        assert type == SIM_PHYSX
        return Sim(params or SimParams())

    def destroy_sim(self, sim: Sim) -> None:
        sim.destroyed = True

    def add_ground(self, sim: Sim, params: PlaneParams) -> None:
        sim.ground = params

    def load_asset(self, sim: Sim, rootpath: str, filename: str, options: AssetOptions | None = None) -> Asset:
        return Asset(Path(rootpath) / filename, options or AssetOptions())

    def get_asset_rigid_body_count(self, asset: Asset) -> int:
        return len(asset.body_names)

    def get_asset_dof_count(self, asset: Asset) -> int:
        return len(asset.dof_names)

    def get_asset_rigid_body_dict(self, asset: Asset) -> dict[str, int]:
        return {name: i for i, name in enumerate(asset.body_names)}

    def get_asset_dof_dict(self, asset: Asset) -> dict[str, int]:
        return {name: i for i, name in enumerate(asset.dof_names)}

    def create_env(self, sim: Sim, lower: Vec3, upper: Vec3, num_per_row: int) -> Env:
        i = len(sim.envs)
        row, col = divmod(i, num_per_row)
        env = Env(i, Vec3(col * (upper.x - lower.x), row * (upper.y - lower.y), 0.0))
        sim.envs.append(env)
        return env

    def get_env_origin(self, env: Env) -> Vec3:
        return Vec3(env.origin.x, env.origin.y, env.origin.z)

    def create_actor(self, env: Env, asset: Asset, pose: Transform, name: str | None = None, group: int = -1,
                     filter: int = -1, segmentationId: int = 0) -> int:
        assert env.asset is None, "the fake holds one actor per env"
        env.asset, env.pose, env.dof_props = asset, pose, asset.dof_props.copy()
        return 0

    def get_actor_dof_properties(self, env: Env, actorHandle: int) -> np.ndarray:
        assert env.dof_props is not None
        return env.dof_props.copy()

    def set_actor_dof_properties(self, env: Env, actorHandle: int, dofProps: np.ndarray) -> bool:
        env.dof_props = np.array(dofProps, dtype=DofProperties.dtype)
        return True

    def get_actor_index(self, env: Env, actorHandle: int, domain: IndexDomain) -> int:
        assert domain == DOMAIN_SIM and actorHandle == 0
        return env.index

    def prepare_sim(self, sim: Sim) -> bool:
        sim.world = _World(sim)
        sim.prepared = True
        return True

    def _acquire(self, sim: Sim, key: str) -> Tensor:
        sim.calls[f"acquire_{key}"] += 1
        return Tensor(sim.world.shown[key])

    def acquire_actor_root_state_tensor(self, sim: Sim) -> Tensor:
        return self._acquire(sim, "root")

    def acquire_dof_state_tensor(self, sim: Sim) -> Tensor:
        return self._acquire(sim, "dof")

    def acquire_rigid_body_state_tensor(self, sim: Sim) -> Tensor:
        return self._acquire(sim, "body")

    def acquire_net_contact_force_tensor(self, sim: Sim) -> Tensor:
        return self._acquire(sim, "force")

    def _refresh(self, sim: Sim, key: str) -> bool:
        sim.world.shown[key].copy_(sim.world.state[key])
        return True

    def refresh_actor_root_state_tensor(self, sim: Sim) -> bool:
        return self._refresh(sim, "root")

    def refresh_dof_state_tensor(self, sim: Sim) -> bool:
        return self._refresh(sim, "dof")

    def refresh_rigid_body_state_tensor(self, sim: Sim) -> bool:
        return self._refresh(sim, "body")

    def refresh_net_contact_force_tensor(self, sim: Sim) -> bool:
        return self._refresh(sim, "force")

    def set_actor_root_state_tensor_indexed(self, sim: Sim, root_states: Tensor, actor_indices: Tensor,
                                            n: int) -> bool:
        w = sim.world
        rows = root_states.data
        assert rows.shape == (len(w.datas), 13) and rows.dtype == torch.float32
        ids = _indices(actor_indices, n)
        w.staged["root"] = (ids, rows[ids].double().numpy())
        sim.calls["set_root_indexed"] += 1
        return True

    def set_dof_state_tensor_indexed(self, sim: Sim, dof_states: Tensor, actor_indices: Tensor, n: int) -> bool:
        w = sim.world
        nd = len(w.dofs)
        states = dof_states.data
        assert states.shape == (len(w.datas) * nd, 2) and states.dtype == torch.float32
        ids = _indices(actor_indices, n)
        w.staged["dof"] = (ids, states.view(len(w.datas), nd, 2)[ids].double().numpy())
        sim.calls["set_dof_indexed"] += 1
        return True

    def set_dof_position_target_tensor(self, sim: Sim, targets: Tensor) -> bool:
        w = sim.world
        assert targets.data.numel() == w.targets.numel() and targets.data.dtype == torch.float32
        w.targets.copy_(targets.data.reshape(w.targets.shape))
        return True

    def simulate(self, sim: Sim) -> None:
        assert sim.prepared and not sim.destroyed
        sim.calls["simulate"] += 1
        sim.world.step()

    def fetch_results(self, sim: Sim, wait: bool = False) -> None:
        sim.calls["fetch_results"] += 1


def acquire_gym() -> Gym:
    """The Gym singleton's stand-in."""
    return Gym()
