"""Engine settings (MimicKit's data/engines/*.yaml keys)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from amp_studio.config_loading import Range, build_config, load_yaml
from amp_studio.engine_availability import KNOWN_ENGINES
from amp_studio.errors import describe

CONTROL_MODES = ("pos",)


@dataclass(frozen=True)
class EngineConfig:
    """Which physics backend runs the characters, and at what rates."""

    engine_name: str
    """Backend: `mujoco` (CPU, always available), `mujoco_warp` (MuJoCo Warp: CUDA or Warp's CPU device; needs the
    mujoco-warp package) or `isaac_gym` (PhysX; needs the isaacgym package and a GPU)."""
    control_mode: str = "pos"
    """Actions are PD position targets."""
    control_freq: int = 30
    """Policy steps per second."""
    sim_freq: int = 120
    """Physics steps per second; a multiple of control_freq."""
    num_threads: int = 2
    """Threads stepping the characters in C (MuJoCo); 0 or 1 steps on the calling thread. isaac_gym: PhysX's
    worker threads on the CPU pipeline; unused on the GPU pipeline."""
    env_spacing: float = 5.0
    """isaac_gym: metres between neighbouring characters on the grid that shares one PhysX scene. Ignored by
    mujoco, whose characters never meet."""
    device: str = "auto"
    """mujoco_warp: the Warp device: `cuda`, `cuda:N`, `cpu`, or `auto` (the first CUDA device where there is one,
    else the CPU). The other engines ignore it."""
    max_contacts: int = 64
    """mujoco_warp: contacts allocated per world (one world may use more if others use fewer)."""
    max_constraints: int = 256
    """mujoco_warp: constraint rows allocated per world (contacts and joint limits); a world never has more."""
    ground_contact_height: float = 0.3
    """isaac_gym: a body touches the ground only if its origin is below this height (m), since PhysX's net contact
    forces also count body-body contacts. 0.3 clears a tilted foot (~0.13) and a head on the ground (~0.27).
    Ignored by mujoco, whose contacts name the floor."""

    # Far beyond any real setting; larger ones are typos or garbage, refused before anything is allocated.
    RANGES: ClassVar[dict[str, Range]] = {
        "control_freq": Range(1, 10_000), "sim_freq": Range(1, 100_000), "num_threads": Range(0, 1024),
        "env_spacing": Range(-math.inf, 1e4), "ground_contact_height": Range(-math.inf, 100.0),  # validate: > 0
        "max_contacts": Range(1, 100_000), "max_constraints": Range(1, 1_000_000),
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.engine_name not in KNOWN_ENGINES:
            return f"unknown engine_name {describe(self.engine_name)} (available: {', '.join(KNOWN_ENGINES)})"
        if self.control_mode not in CONTROL_MODES:
            return f"control_mode: expected one of {CONTROL_MODES}, got {describe(self.control_mode)}"
        if self.control_freq <= 0 or self.sim_freq <= 0 or self.sim_freq % self.control_freq:
            return f"sim_freq ({self.sim_freq}) must be a positive multiple of control_freq ({self.control_freq})"
        if self.num_threads < 0:
            return f"num_threads must not be negative, got {self.num_threads}"
        if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", self.device):
            return f"device: expected auto, cpu, cuda or cuda:N, got {describe(self.device)}"
        if self.env_spacing <= 0:
            return f"env_spacing must be positive, got {self.env_spacing}"
        if self.ground_contact_height <= 0:
            return f"ground_contact_height must be positive, got {self.ground_contact_height}"
        return None

    @property
    def substeps(self) -> int:
        """Physics steps per control step."""
        return self.sim_freq // self.control_freq


def load_engine_config(path: str | Path, overrides: dict | None = None) -> EngineConfig:
    """An engine config from YAML, with an env config's `engine:` block laid over it."""
    data = dict(load_yaml(path))
    data.update(overrides or {})
    return build_config(EngineConfig, data, path)
