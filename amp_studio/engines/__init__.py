"""Physics backends behind one Engine protocol, chosen by `engine_name` and imported only when chosen."""

from __future__ import annotations

from amp_studio.character import CharacterModel
from amp_studio.config_loading import ConfigError
from amp_studio.engine_availability import (
    KNOWN_ENGINES,
    available_engines,
    engine_availability,
    is_installed,
    isaac_gym_missing,
)
from amp_studio.engines.engine import Engine
from amp_studio.engines.engine_config import EngineConfig, load_engine_config


def make_engine(config: EngineConfig, character: CharacterModel, num_envs: int) -> Engine:
    """The backend named by config.engine_name, imported here and nowhere earlier."""
    if config.engine_name == "mujoco":
        from amp_studio.engines.mujoco_engine import MujocoEngine

        return MujocoEngine(config, character, num_envs)
    if config.engine_name == "mujoco_warp":
        reason = engine_availability("mujoco_warp")
        if reason:
            raise ConfigError(None, reason)
        from amp_studio.engines.mujoco_warp_engine import MujocoWarpEngine

        return MujocoWarpEngine(config, character, num_envs)
    if config.engine_name == "isaac_gym":
        return _make_isaac_gym(config, character, num_envs)
    raise ConfigError(None, f"unknown engine_name '{config.engine_name}' (available: {', '.join(KNOWN_ENGINES)})")


def _make_isaac_gym(config: EngineConfig, character: CharacterModel, num_envs: int) -> Engine:
    # No version check here: the import decides, so that any isaacgym that imports (or a test's stand-in) is used.
    if not is_installed("isaacgym"):
        raise ConfigError(None, isaac_gym_missing())
    try:
        from amp_studio.engines.isaac_gym_engine import IsaacGymEngine
    except ImportError as exc:
        # Isaac Gym refuses to load once torch is imported, and this package imports torch: an entry script
        # that wants Isaac Gym must `import isaacgym` before anything else.
        raise ConfigError(None, f"the isaacgym package is installed but failed to import ({exc}); Isaac Gym must be "
                                "imported before torch, so put `import isaacgym` first in the entry script, or use "
                                "data/engines/mujoco_engine.yaml, which works everywhere") from None
    return IsaacGymEngine(config, character, num_envs)


__all__ = [
    "Engine",
    "EngineConfig",
    "KNOWN_ENGINES",
    "available_engines",
    "engine_availability",
    "load_engine_config",
    "make_engine",
]
