"""Physics backends behind one Engine protocol, chosen by `engine_name` and imported only when chosen."""

from __future__ import annotations

from amp_studio.character import CharacterModel
from amp_studio.config_loading import ConfigError
from amp_studio.engines.engine import Engine
from amp_studio.engines.engine_config import EngineConfig, load_engine_config

KNOWN_ENGINES = ("mujoco",)


def make_engine(config: EngineConfig, character: CharacterModel, num_envs: int) -> Engine:
    """The backend named by config.engine_name, imported here and nowhere earlier."""
    if config.engine_name == "mujoco":
        from amp_studio.engines.mujoco_engine import MujocoEngine

        return MujocoEngine(config, character, num_envs)
    raise ConfigError(None, f"unknown engine_name '{config.engine_name}' (available: {', '.join(KNOWN_ENGINES)})")


__all__ = ["Engine", "EngineConfig", "KNOWN_ENGINES", "load_engine_config", "make_engine"]
