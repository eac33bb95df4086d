"""A trained policy as one ONNX graph: raw observation in, PD targets out, with what a host needs to run it.

The graph holds everything between the simulator's observation and its actuators: the observation normalizer,
the actor's mean (the deterministic policy), the scaling of actions to joint ranges and the spherical joints'
half-turn hold. Metadata (`metadata_props`, JSON values) name the observation layout, the DoFs in order, the rates,
the PD gains, the character file and the project version, so that a game engine or a robot stack can wire it up
without this project.
"""

from __future__ import annotations

import json
import logging
import tempfile
import warnings
from pathlib import Path

import torch

from amp_studio import __version__
from amp_studio.character import CharacterModel
from amp_studio.config_loading import resolve_path
from amp_studio.engines import load_engine_config
from amp_studio.engines.spherical_targets import MAX_SPHERICAL_TARGET_ANGLE
from amp_studio.envs.amp_env import action_scaling
from amp_studio.envs.env_config import load_env_config
from amp_studio.learning.networks import mlp
from amp_studio.learning.normalizer import Normalizer
from amp_studio.runs.checkpoints import CheckpointError, load_checkpoint

OPSET = 18


class PolicyGraph(torch.nn.Module):
    """obs (N, obs_dim) -> PD targets (N, num_dofs), radians; a spherical joint's three are its exp map."""

    def __init__(self, obs_norm: Normalizer, actor: torch.nn.Module, action_offset: torch.Tensor,
                 action_scale: torch.Tensor, ball_dofs: torch.Tensor):
        super().__init__()
        self.obs_norm = obs_norm
        self.actor = actor
        self.register_buffer("action_offset", action_offset.float().clone())
        self.register_buffer("action_scale", action_scale.float().clone())
        # A 0/1 mask and a gather index, not in-place indexed writes: plain ops that every ONNX runtime has.
        self.register_buffer("ball_dofs", ball_dofs.long().reshape(-1, 3).clone())
        mask = torch.zeros(action_offset.numel())
        mask[self.ball_dofs.flatten()] = 1.0
        self.register_buffer("ball_mask", mask)
        owner = torch.zeros(action_offset.numel(), dtype=torch.long)  # hinges: any joint; the mask drops it
        for j, dofs in enumerate(self.ball_dofs):
            owner[dofs] = j
        self.register_buffer("ball_owner", owner)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        targets = self.action_offset + self.action_scale * self.actor(self.obs_norm(obs))
        if self.ball_dofs.numel() == 0:
            return targets
        angle = targets[:, self.ball_dofs].norm(dim=-1)  # (N, joints)
        shrink = MAX_SPHERICAL_TARGET_ANGLE / angle.clamp_min(MAX_SPHERICAL_TARGET_ANGLE)
        per_dof = shrink[:, self.ball_owner]
        return targets * (self.ball_mask * per_dof + (1.0 - self.ball_mask))


def _actor_from_state(state: dict) -> torch.nn.Sequential:
    """The actor MLP (networks.mlp) rebuilt from its weights' shapes."""
    weights = [v for _, v in sorted((int(k.split(".")[0]), v) for k, v in state.items() if k.endswith(".weight"))]
    actor = mlp(weights[0].shape[1], [w.shape[0] for w in weights[:-1]], weights[-1].shape[0])
    actor.load_state_dict(state)
    return actor


def _configs(state: dict, path: Path) -> tuple[str, object, object]:
    configs = state.get("configs") or {}
    if "env_config.yaml" not in configs or "engine_config.yaml" not in configs:
        raise CheckpointError(path, "has no env and engine configs to export with (a checkpoint from a run has them)")
    with tempfile.TemporaryDirectory() as tmp:
        env_file, engine_file = Path(tmp) / "env_config.yaml", Path(tmp) / "engine_config.yaml"
        env_file.write_text(configs["env_config.yaml"], encoding="utf-8")
        engine_file.write_text(configs["engine_config.yaml"], encoding="utf-8")
        name, env_cfg, engine_overrides = load_env_config(env_file)
        engine_cfg = load_engine_config(engine_file, engine_overrides)
    return name, env_cfg, engine_cfg


def observation_layout(character: CharacterModel, env_cfg, env_name: str) -> list[list]:
    """[name, size] segments of the policy observation, in order (amp_obs.compute_policy_obs)."""
    frame = "world" if env_cfg.global_obs else f"heading frame: {env_cfg.heading}"
    layout = [["root_height", 1]] if env_cfg.root_height_obs else []
    layout += [[f"root_x_axis ({frame})", 3], [f"root_z_axis ({frame})", 3], [f"root_velocity ({frame})", 3],
               [f"root_angular_velocity ({frame})", 3]]
    layout += [[f"{character.body_names[b]}_position_from_root ({frame})", 3] for b in character.key_body_ids]
    layout += [[f"{j.name}_rotation_x_and_z_axes (parent frame)", 6] for j in character.joints]
    layout += [["dof_velocities", character.num_dofs]]
    if env_name == "task_location":
        layout += [[f"target_offset_xy (heading frame: {env_cfg.heading})", 2]]
    if env_name == "task_steering":
        layout += [[f"command_direction_xy (heading frame: {env_cfg.heading})", 2], ["command_speed (m/s)", 1],
                   [f"command_facing_xy (heading frame: {env_cfg.heading})", 2]]
    if env_name == "add":
        for k in env_cfg.tar_obs_steps:  # tracking_obs.target_obs, from the character's frame
            pose = f"clip_pose_{k}_steps_ahead"
            layout += [[f"{pose}_root_offset_xy_and_height ({frame})", 3], [f"{pose}_root_x_axis ({frame})", 3],
                       [f"{pose}_root_z_axis ({frame})", 3]]
            layout += [[f"{pose}_{character.body_names[b]}_from_its_root ({frame})", 3]
                       for b in character.key_body_ids]
            layout += [[f"{pose}_{j.name}_rotation_x_and_z_axes (parent frame)", 6] for j in character.joints]
    return layout


def build_policy_graph(model_file: str | Path) -> tuple[PolicyGraph, dict[str, str], int]:
    """The graph of a checkpoint's policy, its metadata (JSON strings) and its observation size."""
    model_file = Path(model_file)
    state = load_checkpoint(model_file)
    env_name, env_cfg, engine_cfg = _configs(state, model_file)
    key_bodies = None if env_cfg.key_bodies is None else tuple(env_cfg.key_bodies)
    character = CharacterModel(resolve_path(env_cfg.char_file), key_bodies=key_bodies)
    agent = state["agent"]
    actor = _actor_from_state(agent["actor"])
    obs_dim = int(agent["obs_norm"]["mean32"].numel())
    obs_norm = Normalizer(obs_dim)
    obs_norm.load_state_dict(agent["obs_norm"])
    layout = observation_layout(character, env_cfg, env_name)
    if sum(size for _, size in layout) != obs_dim:
        raise CheckpointError(model_file, f"its observation has {obs_dim} values, but its env config describes "
                                          f"{sum(size for _, size in layout)}")
    offset, scale = action_scaling(character, env_cfg.zero_center_action)
    ball = character.ball
    graph = PolicyGraph(obs_norm, actor, offset, scale, torch.from_numpy(ball.ball_dofs))
    graph.eval()
    drives = ball.drives
    metadata = {
        "producer": "AMP Studio",
        "project_version": __version__,
        "env_name": env_name,
        "character_file": Path(env_cfg.char_file).name,
        "observation_size": obs_dim,
        "observation_layout": layout,
        "dof_names": character.dof_names,
        "spherical_joints": [[j.name, j.dof_start] for j in character.joints if j.is_spherical],
        "control_hz": engine_cfg.control_freq,
        "physics_hz": engine_cfg.sim_freq,
        "pd_kp": drives.kp.tolist(),
        "pd_kd": drives.kv.tolist(),
        "torque_limit": [None if v == float("inf") else float(v) for v in drives.force_limit],
        "output": "PD position targets (radians), one per DoF in dof_names order; a spherical joint's three are "
                  "its exponential map (held short of a half turn)",
        "iteration": int(state.get("iteration", 0)),
        "samples": int(state.get("samples", 0)),
    }
    return graph, {k: json.dumps(v) if not isinstance(v, str) else v for k, v in metadata.items()}, obs_dim


def export_onnx(model_file: str | Path, out_path: str | Path) -> Path:
    """Write the checkpoint's policy as ONNX (batch size free) with its metadata; returns the path."""
    import onnx

    graph, metadata, obs_dim = build_policy_graph(model_file)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    batch = torch.export.Dim("batch", min=1)
    # The exporter reports on optional torchvision ops and its own deprecations: noise for a user exporting.
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(graph, (torch.zeros(2, obs_dim),), dynamo=True, opset_version=OPSET,
                                        input_names=["obs"], output_names=["pd_targets"],
                                        dynamic_shapes={"obs": {0: batch}}, verbose=False)
    finally:
        exporter_log.setLevel(level)
    program.optimize()
    model = program.model_proto
    for key, value in metadata.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    onnx.save(model, tmp)
    tmp.replace(out_path)
    return out_path
