"""Building a training run from config files: the one way the CLI, the GUI worker and benchmarks start one."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import torch
import yaml

from amp_studio.config_loading import ConfigError, merge_overrides
from amp_studio.engines import load_engine_config
from amp_studio.envs import make_env
from amp_studio.envs.env_config import load_env_config
from amp_studio.learning import distributed
from amp_studio.learning.add_agent import ADDAgent
from amp_studio.learning.agent_config import load_agent_config
from amp_studio.learning.amp_agent import AMPAgent
from amp_studio.runs.resources import check_training_memory
from amp_studio.runs.run_directory import RunDirectory
from amp_studio.runs.runner import Runner


def make_training(env_config: str | Path, engine_config: str | Path, agent_config: str | Path, num_envs: int,
                  seed: int = 0, out_dir: str | Path | None = None, env_overrides: dict | None = None,
                  agent_overrides: dict | None = None, logger: str = "tb",
                  log: Callable[[str], None] = print, threads: int | None = None) -> Runner:
    """Env, agent and runner from the three configs; with out_dir, a run directory holding the configs as used.

    In a multi-process run every process calls this; each seeds its envs with seed + rank, only rank 0 keeps
    the run directory, and `threads` caps the physics and torch threads of each process.
    """
    seed = seed + distributed.rank()
    torch.manual_seed(seed)
    name, env_cfg, engine_overrides = load_env_config(env_config, env_overrides)
    engine_cfg = load_engine_config(engine_config, engine_overrides)
    agent_cfg = load_agent_config(agent_config, agent_overrides)
    if threads is not None:
        engine_cfg = dataclasses.replace(engine_cfg, num_threads=threads)
        agent_cfg = dataclasses.replace(agent_cfg, torch_threads=threads)
    if agent_cfg.torch_threads > 0:
        torch.set_num_threads(agent_cfg.torch_threads)
    check_method(name, agent_cfg, agent_config)
    # One env first: its sizes tell whether num_envs fit in memory; its clips are loaded once for both.
    try:
        probe = make_env(name, env_cfg, engine_cfg, 1, seed=seed)
    except ConfigError as exc:
        if exc.path is not None:
            raise
        # The engines say what is missing (isaacgym, a GPU) without knowing which config chose them.
        raise ConfigError(engine_config, exc.problem) from None
    check_training_memory(num_envs, probe.obs_dim, probe.action_dim, probe.disc_obs_dim, agent_cfg)
    probe.close()
    env = make_env(name, env_cfg, engine_cfg, num_envs, seed=seed, motion_lib=probe.motion_lib)
    if hasattr(env, "use_training_starts"):  # training only: evaluations start where the clip weights say
        env.use_training_starts()
    init = env.clip_mean_action() if agent_cfg.model.actor_init_to_clip_mean else None
    mirror = env.policy_mirror() if agent_cfg.mirror_augment else None
    agent_class = ADDAgent if agent_cfg.agent_name == "ADD" else AMPAgent
    agent = agent_class(agent_cfg, env.obs_dim, env.action_dim, env.disc_obs_dim, seed=seed, init_action=init,
                     mirror=mirror)
    configs = {
        "env_config.yaml": _as_used(env_config, env_overrides, block="env"),
        "engine_config.yaml": Path(engine_config).read_text(encoding="utf-8"),
        "agent_config.yaml": _as_used(agent_config, agent_overrides),
    }
    run_dir = None
    if out_dir is not None and distributed.is_main():
        run_dir = RunDirectory(out_dir, tensorboard=logger == "tb")
        for file, text in configs.items():
            run_dir.write_config(file, text)
        run_dir.log_event("started", num_envs=num_envs, seed=seed, processes=distributed.world_size(),
                          time_started=time.time())
    runner = Runner(env, agent, agent_cfg, run_dir, configs, log)
    note = acrobatics_note(name, env.motion_lib.clips, runner.skills.references)
    if note and distributed.is_main():
        log(note)
    return runner


def acrobatics_note(env_name: str, clips, references) -> str | None:
    """A line for imitation runs of clips that turn upside down: the AMP method alone has not learned those here
    (docs/results/skill_suite.md), the tracking method has."""
    if env_name != "amp":
        return None
    flips = [clip.name or f"clip {i}" for i, (clip, ref) in enumerate(zip(clips, references))
             if ref.event == "inversion"]
    if not flips:
        return None
    return (f"note: upside down in the clip ({', '.join(flips)}): AMP alone has not learned such clips here, ADD "
            "with the tracking reward has (--env_config data/envs/add_humanoid_env.yaml --agent_config "
            "data/agents/add_humanoid_agent.yaml)")


def check_method(env_name: str, agent_cfg, agent_config: str | Path) -> None:
    """ADD's discriminator judges the add env's differences from the clip, AMP's the other envs' poses."""
    if (env_name == "add") != (agent_cfg.agent_name == "ADD"):
        raise ConfigError(agent_config, f"agent_name {agent_cfg.agent_name} cannot train env_name {env_name}: "
                                        "ADD trains the add env, AMP the others")
    if env_name == "add" and agent_cfg.mirror_augment:
        raise ConfigError(agent_config, "mirror_augment: the add env's target observations have no mirror yet; "
                                        "set it to false")


def _as_used(path: str | Path, overrides: dict | None, block: str | None = None) -> str:
    """The config file's text; with overrides, the settings with the overrides merged in (still loadable)."""
    text = Path(path).read_text(encoding="utf-8")
    if not overrides:
        return text
    doc = yaml.safe_load(text) or {}
    doc = merge_overrides(doc, {block: overrides} if block else overrides)
    try:  # a path within the working directory, never this machine's absolute one: shipped models carry it
        shown = Path(path).resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = Path(path).name
    header = f"# {shown} with overrides {overrides}\n"
    return header + yaml.safe_dump(doc, sort_keys=False)
