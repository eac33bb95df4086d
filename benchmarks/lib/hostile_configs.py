"""Hostile YAMLs, mutated from the real ones in data/: env, agent, engine and dataset files, some with companion
files (a bad clip the env or dataset names, a dataset naming itself or a companion that names it back).

Companions are named relative to the case's folder, which is the working directory while the case runs (as for a
user who keeps a config and its clips in one folder)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml
from hostile_clips import deepmimic_clip_case, pkl_clip_case
from hostile_mutations import (
    DEEP_DEPTHS,
    YAML_CODE,
    YAML_RECURSIVE,
    absurd_values,
    damaged_text,
    deep_nesting,
    mutated_document,
    yaml_alias_bomb,
)
from hypothesis import strategies as st

from amp_studio import DATA_DIR

TOKEN = "__DEEP__"
# The agent YAMLs with small networks, buffers and horizon, so that one training iteration on one env takes a
# tenth of a second; every key and type stays as the real file has it.
TINY_AGENT = {"model": {"actor_net": [16, 16], "critic_net": [16, 16], "disc_net": [16, 16]}, "steps_per_iter": 2,
              "disc_buffer_size": 64, "disc_replay_samples": 8, "torch_threads": 1}


@functools.cache
def yaml_bases(folder: str) -> dict[str, tuple[str, dict]]:
    """(text, parsed) of each YAML in data/<folder>."""
    return {p.name: (p.read_text(encoding="utf-8"), yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted((DATA_DIR / folder).glob("*.yaml"))}


def tiny_agent(doc: dict) -> dict:
    """An agent config shrunk for speed (TINY_AGENT's values where the file has those keys)."""
    doc = copy.deepcopy(doc)
    for key, value in TINY_AGENT.items():
        if isinstance(value, dict):
            doc.setdefault(key, {}).update(value)
        else:
            doc[key] = value
    return doc


@functools.cache
def dataset_bases() -> dict[str, dict]:
    """The real datasets with their clip paths made absolute, so that they still load from another folder."""
    found = {}
    for path in sorted((DATA_DIR / "datasets").glob("*.yaml")) + [DATA_DIR / "motions" / "bundled.yaml"]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in doc["motions"]:
            entry["file"] = str((path.parent / entry["file"]).resolve())
        found[path.name] = doc
    return found


@st.composite
def yaml_value_text(draw) -> tuple[str, str]:
    """YAML text for a value that only text can express: deep nesting, alias bombs and loops, code tags, big ints."""
    op = draw(st.sampled_from(["deep", "bomb", "loop", "code", "bigint"]))
    if op == "deep":
        depth = draw(st.sampled_from(DEEP_DEPTHS))
        return deep_nesting(depth), f"nested {depth} deep"
    if op == "bomb":
        return yaml_alias_bomb(), "an alias bomb (9**9 strings)"
    if op == "loop":
        return YAML_RECURSIVE, "a list that contains itself"
    if op == "code":
        return YAML_CODE, "a python/object/apply tag"
    digits = draw(st.sampled_from([400, 5000, 100_000]))
    return "9" * digits, f"an integer of {digits} digits"


@st.composite
def mutated_yaml(draw, text: str, doc: dict) -> tuple[bytes, str]:
    """The YAML with one edit: of its parsed settings (then dumped), or of its text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(damaged_text(text))
    mutated, note = draw(mutated_document(copy.deepcopy(doc), TOKEN))
    out = yaml.safe_dump(mutated, sort_keys=False, allow_unicode=True)
    if TOKEN in out:
        value, what = draw(yaml_value_text())
        out = out.replace(TOKEN, value)
        note = note.replace("deeply nested", what)
    return out.encode("utf-8"), note


def _dump(doc: object) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")


@st.composite
def clip_companion(draw) -> tuple[str, bytes, str]:
    """A hostile clip to be named by another file: (name, bytes, mutation)."""
    name, data, _, note = draw(st.one_of(pkl_clip_case(), deepmimic_clip_case()))
    return "companion" + Path(name).suffix, data, f"names a clip with {note}"


@st.composite
def env_yaml_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile env YAML."""
    name = draw(st.sampled_from(sorted(yaml_bases("envs"))))
    text, base = yaml_bases("envs")[name]
    op = draw(st.sampled_from(["doc", "doc", "doc", "motion_file", "char_file"]))
    if op == "doc":
        data, note = draw(mutated_yaml(text, base))
        return (name, data, (), note)
    doc = copy.deepcopy(base)
    choice = draw(st.sampled_from(["companion", "companion", "dataset", "self", "missing", "directory", "nul",
                                   "long", "empty"]))
    companions: tuple = ()
    if choice == "companion" and op == "motion_file":
        companion, data, note = draw(clip_companion())
        companions = ((companion, data),)
    elif choice in ("companion", "dataset"):
        companion = "companion.yaml" if op == "motion_file" else "companion.xml"
        source = (DATA_DIR / "assets" / "humanoid" / "humanoid.xml").read_text(encoding="utf-8")
        data, note = draw(damaged_text(source) if op == "char_file" else dataset_document(name))
        companions = ((companion, data),)
        note = f"names a {'dataset' if op == 'motion_file' else 'character'} with {note}"
    else:
        companion = {"self": name, "missing": "missing" + (".pkl" if op == "motion_file" else ".xml"),
                     "directory": ".", "nul": "clip\x00.pkl", "long": "x" * 5000 + ".pkl", "empty": ""}[choice]
        note = f"names {choice} ({companion[:40]!r})"
    doc.setdefault("env", {})[op] = companion
    return (name, _dump(doc), companions, f"env.{op} {note}")


@st.composite
def agent_yaml_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile agent YAML (mutated from its tiny version)."""
    name = draw(st.sampled_from(sorted(yaml_bases("agents"))))
    _, base = yaml_bases("agents")[name]
    doc = tiny_agent(base)
    data, note = draw(mutated_yaml(yaml.safe_dump(doc, sort_keys=False), doc))
    return (name, data, (), note)


@st.composite
def engine_yaml_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile engine YAML."""
    name = draw(st.sampled_from(sorted(yaml_bases("engines"))))
    text, base = yaml_bases("engines")[name]
    data, note = draw(mutated_yaml(text, base))
    return (name, data, (), note)


@st.composite
def dataset_document(draw, self_name: str = "dataset.yaml") -> tuple[bytes, str]:
    """A hostile dataset YAML's bytes (its clips named absolutely, or missing) and its mutation."""
    name = draw(st.sampled_from(sorted(dataset_bases())))
    doc = copy.deepcopy(dataset_bases()[name])
    op = draw(st.sampled_from(["doc", "doc", "entry", "entry", "weight", "mirror", "contact_bodies"]))
    if op == "doc":
        return draw(mutated_yaml(_dump(doc).decode(), doc))
    entries = doc["motions"]
    i = draw(st.integers(0, len(entries) - 1))
    if op == "entry":
        target = draw(st.sampled_from([self_name, "missing.pkl", ".", "/dev/null", "companion.yaml",
                                       "../" * 40 + "etc/passwd", "x" * 5000, "clip\x00.pkl"]))
        entries[i]["file"] = target
        return _dump(doc), f"motions[{i}].file = {target[:40]!r}"
    if op == "weight":
        value = draw(st.one_of(st.sampled_from([-1.0, 0.0, 1e308, 1e-320, float("nan"), float("inf")]),
                               absurd_values()))
        for entry in entries if draw(st.booleans()) else [entries[i]]:
            entry["weight"] = value
        return _dump(doc), f"weight {value!r:.40}"
    if op == "mirror":
        entries[i]["mirror"] = draw(st.one_of(st.sampled_from([True, "only", "yes", 1, 0]), absurd_values()))
        return _dump(doc), f"motions[{i}].mirror = {entries[i]['mirror']!r:.40}"
    value = draw(st.one_of(st.sampled_from([["right_foot", "tail"], [], "right_foot", [["right_foot"]]]),
                           absurd_values()))
    doc["contact_bodies"] = value
    return _dump(doc), f"contact_bodies = {value!r:.40}"


@st.composite
def dataset_yaml_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile dataset, maybe with a companion clip or a companion
    dataset that names this one back (a cycle)."""
    name = "dataset.yaml"
    data, note = draw(dataset_document(name))
    extra = draw(st.sampled_from(["none", "none", "clip", "cycle"]))
    if extra == "clip":
        companion, clip, clip_note = draw(clip_companion())
        doc = {"motions": [{"file": companion, "weight": 1.0}]}
        if draw(st.booleans()):
            doc["motions"].append({"file": str(DATA_DIR / "motions" / "walk_keyframed.pkl"), "weight": 1.0})
        return (name, _dump(doc), ((companion, clip),), clip_note)
    if extra == "cycle":
        back = _dump({"motions": [{"file": name, "weight": 1.0}]})
        doc = {"motions": [{"file": "companion.yaml", "weight": 1.0}]}
        return (name, _dump(doc), (("companion.yaml", back),), "a dataset naming one that names it back")
    return (name, data, (), note)
