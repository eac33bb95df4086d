"""Hostile checkpoints: a tiny real one made at run time (and others of another character, observation size or
network size), truncated, bit-flipped, with entries removed, reshaped, retyped or made non-finite, or pickles that
try to run code."""

from __future__ import annotations

import copy
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from hostile_configs import TINY_AGENT, tiny_agent, yaml_bases
from hostile_mutations import RunsCode, absurd_values, code_pickles, damaged_bytes, get_at, paths_of, set_at
from hypothesis import strategies as st

from amp_studio import DATA_DIR
from amp_studio.motion.pkl_format import restricted_load

DEFAULT_ENV = DATA_DIR / "envs" / "amp_humanoid_env.yaml"
DEFAULT_ENGINE = DATA_DIR / "engines" / "mujoco_engine.yaml"
CHECKPOINT_ENVS = 2
SHIPPED_MODELS = {"shipped_walk_model.pt": DATA_DIR / "models" / "amp_humanoid_walk_model.pt",
                  "shipped_location_model.pt": DATA_DIR / "models" / "amp_location_humanoid_model.pt"}


@dataclass(frozen=True)
class Fixtures:
    """Valid inputs the hostile ones are opened with or made from, written once into `folder`."""

    folder: Path

    @property
    def tiny_agent(self) -> Path:
        """data/agents/amp_humanoid_agent.yaml with TINY_AGENT's sizes."""
        return self.folder / "tiny_agent.yaml"

    @property
    def dataset_env(self) -> Path:
        """The default env with its contact bodies named, so that a dataset's clips need no ground check."""
        return self.folder / "dataset_env.yaml"

    @property
    def checkpoint(self) -> Path:
        """A full checkpoint of the default env and the tiny agent after one iteration on CHECKPOINT_ENVS envs."""
        return self.folder / "tiny.pt"

    @property
    def other_checkpoints(self) -> dict[str, Path]:
        """Checkpoints that load but do not fit the default run: another character, observation or network size."""
        made = {name: self.folder / name for name in ("other_character.pt", "other_observations.pt")}
        return {**made, **SHIPPED_MODELS}


def build_fixtures(folder: str | Path) -> Fixtures:
    """Write the fixtures (about 5 s; files already there are kept)."""
    fixtures = Fixtures(Path(folder))
    fixtures.folder.mkdir(parents=True, exist_ok=True)
    if not fixtures.tiny_agent.is_file():
        agent = tiny_agent(yaml_bases("agents")["amp_humanoid_agent.yaml"][1])
        fixtures.tiny_agent.write_text(yaml.safe_dump(agent, sort_keys=False), encoding="utf-8")
    env = yaml.safe_load(DEFAULT_ENV.read_text(encoding="utf-8"))
    env["env"]["contact_bodies"] = ["right_foot", "left_foot"]
    fixtures.dataset_env.write_text(yaml.safe_dump(env, sort_keys=False), encoding="utf-8")
    if not fixtures.checkpoint.is_file():
        _train_checkpoint(fixtures, DEFAULT_ENV, fixtures.checkpoint)
    if not fixtures.other_checkpoints["other_character.pt"].is_file():
        _train_checkpoint(fixtures, _one_armed_env(fixtures.folder), fixtures.other_checkpoints["other_character.pt"])
    if not fixtures.other_checkpoints["other_observations.pt"].is_file():
        env["env"]["key_bodies"] = ["head", "right_foot", "left_foot"]
        path = fixtures.folder / "fewer_key_bodies_env.yaml"
        path.write_text(yaml.safe_dump(env, sort_keys=False), encoding="utf-8")
        _train_checkpoint(fixtures, path, fixtures.other_checkpoints["other_observations.pt"])
    return fixtures


def _train_checkpoint(fixtures: Fixtures, env_config: Path, out: Path) -> None:
    from amp_studio.runs.training import make_training

    threads = torch.get_num_threads()
    runner = make_training(env_config, DEFAULT_ENGINE, fixtures.tiny_agent, CHECKPOINT_ENVS, seed=0,
                           out_dir=out.parent / f"run_{out.stem}", agent_overrides=dict(TINY_AGENT), logger="txt",
                           log=lambda line: None)
    runner.train(max_iterations=1)
    runner.env.close()
    torch.set_num_threads(threads)
    (out.parent / f"run_{out.stem}" / "checkpoints" / "latest.pt").replace(out)


def _one_armed_env(folder: Path) -> Path:
    """An env of the humanoid without its right elbow (27 DoFs) and the bundled walk without that column."""
    xml = (DATA_DIR / "assets" / "humanoid" / "humanoid.xml").read_text(encoding="utf-8")
    lines = [line for line in xml.splitlines() if '"right_elbow"' not in line]
    (folder / "one_armed.xml").write_text("\n".join(lines), encoding="utf-8")
    clip = restricted_load((DATA_DIR / "motions" / "walk_keyframed.pkl").read_bytes())
    clip["frames"] = np.delete(clip["frames"], 6 + 9, axis=1)  # DoF 9 is the right elbow
    (folder / "one_armed_walk.pkl").write_bytes(pickle.dumps(clip, protocol=4))
    env = yaml.safe_load(DEFAULT_ENV.read_text(encoding="utf-8"))
    env["env"].update(char_file=str(folder / "one_armed.xml"), motion_file=str(folder / "one_armed_walk.pkl"))
    path = folder / "one_armed_env.yaml"
    path.write_text(yaml.safe_dump(env, sort_keys=False), encoding="utf-8")
    return path


def _saved(state: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _read(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


@st.composite
def mutated_tensor(draw, tensor: torch.Tensor) -> tuple[object, str]:
    """A tensor of another shape, type or content."""
    op = draw(st.sampled_from(["shape", "shape", "nan", "inf", "huge", "dtype", "scalar", "empty"]))
    if op == "shape":
        flat = tensor.flatten()
        shape = draw(st.sampled_from(["transposed", "shorter", "flat", "one", "extra_dim"]))
        if shape == "transposed" and tensor.dim() == 2:
            value = tensor.T
        elif shape in ("transposed", "shorter"):
            value = tensor[:-1] if tensor.dim() else flat[:-1]
        else:
            value = {"flat": flat, "one": torch.zeros(1), "extra_dim": tensor.unsqueeze(0)}[shape]
        return value.clone(), f"reshaped to {tuple(value.shape)}"
    if op in ("nan", "inf", "huge") and tensor.is_floating_point() and tensor.numel():
        value = tensor.clone()
        value.view(-1)[draw(st.integers(0, tensor.numel() - 1))] = {"nan": float("nan"), "inf": float("inf"),
                                                                    "huge": 3e38}[op]
        return value, f"one entry {op}"
    if op == "dtype":
        dtype = draw(st.sampled_from([torch.int64, torch.float16, torch.bool, torch.float64, torch.complex64,
                                      torch.uint8]))
        return tensor.to(dtype), f"as {dtype}"
    if op == "scalar":
        return torch.tensor(1.0), "a scalar"
    return torch.zeros(0), "empty"


@st.composite
def checkpoint_bytes(draw, fixtures: Fixtures) -> tuple[bytes, str]:
    """One hostile checkpoint file's bytes and its mutation."""
    op = draw(st.sampled_from(["entry", "entry", "entry", "tensor", "tensor", "tensor", "bytes", "bytes", "other",
                               "code", "foreign", "structure"]))
    if op == "bytes":
        return draw(damaged_bytes(fixtures.checkpoint.read_bytes()))
    if op == "other":
        name = draw(st.sampled_from(sorted(fixtures.other_checkpoints)))
        return fixtures.other_checkpoints[name].read_bytes(), f"{name}"
    if op == "code":
        if draw(st.booleans()):
            return draw(st.sampled_from(code_pickles()))
        state = _read(fixtures.checkpoint)
        where = draw(st.sampled_from(["top", "agent", "actor"]))
        evil = RunsCode(__import__("os").system, ("touch \"$AMP_HOSTILE_MARKER\"",))
        target = {"top": state, "agent": state["agent"], "actor": state["agent"]["actor"]}[where]
        target["evil"] = evil
        return _saved(state), f"a call of os.system inside the checkpoint ({where})"
    if op == "foreign":
        kind = draw(st.sampled_from(["clip", "yaml", "empty", "numpy", "json"]))
        data = {"clip": (DATA_DIR / "motions" / "walk_keyframed.pkl").read_bytes(),
                "yaml": (DATA_DIR / "agents" / "amp_humanoid_agent.yaml").read_bytes(), "empty": b"",
                "numpy": _numpy_bytes(), "json": b'{"agent": {}}'}[kind]
        return data, f"a {kind} file named .pt"
    state = _read(fixtures.checkpoint)
    if op == "structure":
        value = draw(st.sampled_from([[], None, 1, "agent", {"agent": None}, {"agent": []}, {"agent": {}},
                                      {"agent": state["agent"]["actor"]}, torch.zeros(3), [state]]))
        return _saved(value), f"the state replaced by {str(value)[:40]!r}"
    paths = paths_of(state)
    if op == "tensor":
        tensors = [p for p in paths if isinstance(get_at(state, p), torch.Tensor)]
        path = draw(st.sampled_from(tensors))
        value, note = draw(mutated_tensor(get_at(state, path)))
        set_at(state, path, value)
        return _saved(state), f"{'.'.join(map(str, path))} {note}"
    path = draw(st.sampled_from(paths))
    where = ".".join(map(str, path))
    action = draw(st.sampled_from(["delete", "set", "set", "policy_only", "unknown"]))
    if action == "delete":
        parent = get_at(state, path[:-1])
        del parent[path[-1]]
        return _saved(state), f"{where} deleted"
    if action == "policy_only":
        state["policy_only"] = draw(st.sampled_from([True, "yes", 1, None]))
        if draw(st.booleans()):
            state.pop("configs", None)
        return _saved(state), f"policy_only = {state['policy_only']!r}"
    if action == "unknown":
        parent = get_at(state, path[:-1]) if isinstance(get_at(state, path[:-1]), dict) else state
        parent["unknown"] = torch.zeros(2)
        return _saved(state), f"an unknown entry beside {where}"
    value = draw(absurd_values())
    set_at(state, path, copy.deepcopy(value))
    return _saved(state), f"{where} = {value!r:.40}"


def _numpy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(4))
    return buffer.getvalue()


@st.composite
def checkpoint_case(draw, fixtures: Fixtures) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile checkpoint."""
    data, note = draw(checkpoint_bytes(fixtures))
    return ("model.pt", data, (), note)
