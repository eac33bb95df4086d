# isaacgym.gymapi: the subset AMP Studio's isaac_gym adapter uses, from Isaac Gym's Python API reference.
# The real module is a pybind11 extension; its enums are int-like, as IntEnum models them here. The module-level
# constants are the enum members the adapter uses.
from enum import IntEnum
from typing import ClassVar

import numpy as np
import numpy.typing as npt

class SimType(IntEnum):
    SIM_PHYSX = 0
    SIM_FLEX = 1

SIM_PHYSX: SimType

class UpAxis(IntEnum):
    UP_AXIS_Y = 0
    UP_AXIS_Z = 1

UP_AXIS_Z: UpAxis

class DofDriveMode(IntEnum):
    DOF_MODE_NONE = 0
    DOF_MODE_POS = 1
    DOF_MODE_VEL = 2
    DOF_MODE_EFFORT = 3

DOF_MODE_POS: DofDriveMode

class IndexDomain(IntEnum):
    DOMAIN_ACTOR = 0
    DOMAIN_ENV = 1
    DOMAIN_SIM = 2

DOMAIN_SIM: IndexDomain

class Vec3:
    x: float
    y: float
    z: float
    def __init__(self, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> None: ...

class Quat:
    """Rotation quaternion, components (x, y, z, w)."""

    x: float
    y: float
    z: float
    w: float
    def __init__(self, x: float = 0.0, y: float = 0.0, z: float = 0.0, w: float = 1.0) -> None: ...

class Transform:
    p: Vec3
    r: Quat
    def __init__(self, p: Vec3 = ..., r: Quat = ...) -> None: ...

class PhysXParams:
    num_threads: int
    solver_type: int
    num_position_iterations: int
    num_velocity_iterations: int
    contact_offset: float
    rest_offset: float
    bounce_threshold_velocity: float
    max_depenetration_velocity: float
    default_buffer_size_multiplier: float
    max_gpu_contact_pairs: int
    use_gpu: bool
    def __init__(self) -> None: ...

class SimParams:
    dt: float
    substeps: int
    up_axis: UpAxis
    gravity: Vec3
    use_gpu_pipeline: bool
    physx: PhysXParams
    def __init__(self) -> None: ...

class PlaneParams:
    normal: Vec3
    static_friction: float
    dynamic_friction: float
    restitution: float
    def __init__(self) -> None: ...

class AssetOptions:
    fix_base_link: bool
    default_dof_drive_mode: int
    angular_damping: float
    max_angular_velocity: float
    max_linear_velocity: float
    def __init__(self) -> None: ...

class DofProperties:
    """One DoF's drive and limits. Gym returns them as a numpy structured array of this dtype, fields: hasLimits,
    lower, upper, driveMode, velocity, effort, stiffness, damping, friction, armature."""

    dtype: ClassVar[np.dtype[np.void]]

DofPropertiesArray = npt.NDArray[np.void]

class Tensor:
    """Descriptor of a simulation buffer; gymtorch.wrap_tensor gives the torch view."""

class Sim: ...
class Env: ...
class Asset: ...

class Gym:
    # Returns None where the simulation cannot be created (no such device, PhysX failure).
    def create_sim(
        self, compute_device: int = 0, graphics_device: int = 0, type: SimType = ..., params: SimParams = ...
    ) -> Sim | None: ...
    def destroy_sim(self, sim: Sim) -> None: ...
    def add_ground(self, sim: Sim, params: PlaneParams) -> None: ...
    def load_asset(self, sim: Sim, rootpath: str, filename: str, options: AssetOptions = ...) -> Asset | None: ...
    def get_asset_rigid_body_dict(self, asset: Asset) -> dict[str, int]: ...
    def get_asset_dof_dict(self, asset: Asset) -> dict[str, int]: ...
    def create_env(self, sim: Sim, lower: Vec3, upper: Vec3, num_per_row: int) -> Env: ...
    def get_env_origin(self, env: Env) -> Vec3: ...
    def create_actor(
        self,
        env: Env,
        asset: Asset,
        pose: Transform,
        name: str | None = None,
        group: int = -1,
        filter: int = -1,
        segmentationId: int = 0,
    ) -> int: ...
    def get_actor_dof_properties(self, env: Env, actorHandle: int) -> DofPropertiesArray: ...
    def set_actor_dof_properties(self, env: Env, actorHandle: int, dofProps: DofPropertiesArray) -> bool: ...
    def get_actor_index(self, env: Env, actorHandle: int, domain: IndexDomain) -> int: ...
    def prepare_sim(self, sim: Sim) -> bool: ...
    def acquire_actor_root_state_tensor(self, sim: Sim) -> Tensor: ...
    def acquire_dof_state_tensor(self, sim: Sim) -> Tensor: ...
    def acquire_rigid_body_state_tensor(self, sim: Sim) -> Tensor: ...
    def acquire_net_contact_force_tensor(self, sim: Sim) -> Tensor: ...
    def refresh_actor_root_state_tensor(self, sim: Sim) -> bool: ...
    def refresh_dof_state_tensor(self, sim: Sim) -> bool: ...
    def refresh_rigid_body_state_tensor(self, sim: Sim) -> bool: ...
    def refresh_net_contact_force_tensor(self, sim: Sim) -> bool: ...
    def set_actor_root_state_tensor_indexed(
        self, sim: Sim, root_states: Tensor, actor_indices: Tensor, n: int
    ) -> bool: ...
    def set_dof_state_tensor_indexed(self, sim: Sim, dof_states: Tensor, actor_indices: Tensor, n: int) -> bool: ...
    def set_dof_position_target_tensor(self, sim: Sim, targets: Tensor) -> bool: ...
    def simulate(self, sim: Sim) -> None: ...
    def fetch_results(self, sim: Sim, wait: bool = False) -> None: ...

def acquire_gym() -> Gym: ...
