"""Environments: AMP imitation, the location and steering tasks, tracking for ADD and kinematic clip playback,
built by `env_name`."""

from __future__ import annotations

from pathlib import Path

from amp_studio.engines import EngineConfig, load_engine_config
from amp_studio.envs.env_config import EnvConfig, LocationEnvConfig, SteeringEnvConfig, load_env_config
from amp_studio.envs.vec_env import DoneFlag, VecEnv


def make_env(env_name: str, config: EnvConfig, engine_config: EngineConfig, num_envs: int,
             seed: int | None = None, motion_lib=None) -> VecEnv:
    """The env class for env_name, built from resolved configs (and a motion library already loaded, if any)."""
    if env_name == "amp":
        from amp_studio.envs.amp_env import AMPEnv

        return AMPEnv(config, engine_config, num_envs, seed=seed, motion_lib=motion_lib)
    if env_name == "task_location":
        from amp_studio.envs.location_env import LocationEnv

        return LocationEnv(config, engine_config, num_envs, seed=seed, motion_lib=motion_lib)
    if env_name == "task_steering":
        from amp_studio.envs.steering_env import SteeringEnv

        return SteeringEnv(config, engine_config, num_envs, seed=seed, motion_lib=motion_lib)
    if env_name == "add":
        from amp_studio.envs.tracking_env import TrackingEnv

        return TrackingEnv(config, engine_config, num_envs, seed=seed, motion_lib=motion_lib)
    if env_name == "view_motion":
        from amp_studio.envs.view_motion_env import ViewMotionEnv

        return ViewMotionEnv(config, engine_config, num_envs, seed=seed, motion_lib=motion_lib)
    raise ValueError(f"unknown env_name '{env_name}'")


def make_env_from_files(env_config: str | Path, engine_config: str | Path, num_envs: int,
                        seed: int | None = None, env_overrides: dict | None = None) -> VecEnv:
    """An env from an env YAML and an engine YAML; the env's `engine:` block overrides the engine file."""
    name, config, engine_overrides = load_env_config(env_config, env_overrides)
    return make_env(name, config, load_engine_config(engine_config, engine_overrides), num_envs, seed)


__all__ = ["DoneFlag", "EnvConfig", "LocationEnvConfig", "SteeringEnvConfig", "VecEnv", "make_env",
           "make_env_from_files"]
