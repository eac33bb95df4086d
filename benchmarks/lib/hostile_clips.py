"""Hostile clips, mutated from the real ones: MimicKit pickles (data/motions/*.pkl) and DeepMimic JSON
(shared/motions/deepmimic/humanoid3d_*.txt, read in place and never copied)."""

from __future__ import annotations

import functools
import json
import math
import pickle
from collections import OrderedDict
from pathlib import Path

import numpy as np
from hostile_mutations import (
    DEEP_DEPTHS,
    absurd_values,
    code_pickles,
    damaged_bytes,
    damaged_text,
    deep_nesting,
    nested_list_pickle,
    reference_bomb_pickle,
)
from hypothesis import strategies as st

from amp_studio.motion.pkl_format import restricted_load
from amp_studio.paths import DATA_DIR, DEEPMIMIC_DIR

DEEP_TOKEN = "__DEEP__"
MAX_MUTATED_FRAMES = 3000  # enough to be long, short enough that `motion info` stays well under the 10-s limit


@functools.cache
def pkl_bases() -> dict[str, dict]:
    """The bundled MimicKit clips, parsed (with this project's restricted unpickler)."""
    return {p.name: restricted_load(p.read_bytes()) for p in sorted((DATA_DIR / "motions").glob("*.pkl"))}


@functools.cache
def deepmimic_bases() -> dict[str, tuple[str, object]]:
    """DeepMimic files by name: (text, parsed JSON). Falls back to a small synthetic clip without shared/."""
    files = sorted(DEEPMIMIC_DIR.glob("humanoid3d_*.txt"))
    if not files:
        frame = [1 / 30, 0.0, 0.85, 0.0] + [1.0, 0.0, 0.0, 0.0] * 2 + ([1.0, 0.0, 0.0, 0.0] * 2 + [0.0]) * 4
        frame = frame[:44] + [0.0] * (44 - len(frame))
        text = json.dumps({"Loop": "wrap", "Frames": [frame] * 3})
        return {"synthetic.txt": (text, json.loads(text))}
    return {p.name: (p.read_text(encoding="utf-8"), json.loads(p.read_text(encoding="utf-8"))) for p in files}


@st.composite
def mutated_frames(draw, frames: np.ndarray, durations: bool = False) -> tuple[object, str]:
    """A frames table with one defect (or none): wrong shapes, non-finite or huge values, other types.
    `durations`: column 0 is DeepMimic's per-frame duration."""
    frames = np.array(frames[:MAX_MUTATED_FRAMES], dtype=np.float64)
    n, width = frames.shape
    ops = ["keep", "cell", "cell", "rows", "width", "width", "transpose", "ndim", "empty", "ragged", "dtype",
           "repeat", "random", "zeros", "scale"] + ["duration"] * 3 * durations
    op = draw(st.sampled_from(ops))
    if op == "cell":
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, width - 1))
        value = draw(st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e12, 1e-320, 0.0]))
        frames[i, j] = value
        return frames, f"frame {i} value {j} = {value}"
    if op == "rows":
        keep = draw(st.integers(0, 3))
        return frames[:keep], f"{keep} frames"
    if op == "width":
        delta = draw(st.sampled_from([-1, 1, -6, 10, -(width - 6), -(width - 1), -width]))
        if delta < 0:
            return frames[:, :width + delta], f"{width + delta} values per frame"
        return np.concatenate([frames, np.zeros((n, delta))], axis=1), f"{width + delta} values per frame"
    if op == "transpose":
        return frames.T.copy(), "frames transposed"
    if op == "ndim":
        shape = draw(st.sampled_from([(-1,), (n, width, 1), (1, n, width), (n * width, 1, 1, 1)]))
        return frames.reshape(shape), f"frames reshaped to {shape}"
    if op == "empty":
        value = draw(st.sampled_from([np.zeros((0, width)), np.zeros((0,)), np.float64(1.0), [], [[]], "frames",
                                      None, {"frames": 1}]))
        return value, f"frames = {type(value).__name__} {getattr(value, 'shape', '')}"
    if op == "ragged":
        rows = frames.tolist()
        i = draw(st.integers(0, n - 1))
        rows[i] = rows[i][:-1] if draw(st.booleans()) else rows[i] + [0.0]
        return rows, f"frame {i} of another length"
    if op == "dtype":
        kind = draw(st.sampled_from(["int64", "bool", "float16", "complex128", "object", "str", "uint8"]))
        if kind == "object":
            value = frames.astype(object)
            value[0, 0] = draw(st.sampled_from(["text", None, [1.0], {"a": 1}]))
            return value, "an object array holding a non-number"
        if kind == "str":
            return frames.astype(str), "frames as strings"
        return frames.astype(kind), f"frames as {kind}"
    if op == "repeat":
        reps = draw(st.integers(2, max(2, MAX_MUTATED_FRAMES // n)))
        return np.tile(frames, (reps, 1))[:MAX_MUTATED_FRAMES], f"frames repeated {reps} times"
    if op == "random":
        seed = draw(st.integers(0, 2**32 - 1))
        scale = draw(st.sampled_from([1.0, 10.0, 1e6]))
        return np.random.default_rng(seed).uniform(-scale, scale, frames.shape), f"random frames (scale {scale})"
    if op == "zeros":
        return np.zeros_like(frames), "all zeros"
    if op == "scale":
        factor = draw(st.sampled_from([-1.0, 1e-12, 1e6, 1e150]))
        return frames * factor, f"frames times {factor}"
    if op == "duration":
        i = draw(st.integers(0, n - 1))
        value = draw(st.sampled_from([0.0, -1 / 30, 1e-12, 1e12, 1e-300, 1e300, math.nan]))
        frames[i if draw(st.booleans()) else slice(None), 0] = value
        return frames, f"frame duration {value}"
    return frames, "frames unchanged"


@st.composite
def pkl_clip_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile MimicKit clip."""
    name = draw(st.sampled_from(sorted(pkl_bases())))
    base = pkl_bases()[name]
    op = draw(st.sampled_from(["frames", "frames", "frames", "field", "field", "keys", "structure", "bytes",
                               "code", "deep", "bomb", "protocol"]))
    doc = dict(base)
    note = ""
    if op == "frames":
        doc["frames"], note = draw(mutated_frames(base["frames"]))
        if isinstance(doc["frames"], np.ndarray) and draw(st.booleans()):
            doc["frames"] = doc["frames"].tolist()
            note += " (as lists)"
    elif op == "field":
        key = draw(st.sampled_from(["fps", "loop_mode", "name"]))
        value = draw(st.one_of(absurd_values(), st.sampled_from(
            [np.float32(30.0), np.int64(1), np.array([30.0]), np.array(30.0), np.bool_(True), 2, -1, 30,
             np.float64(np.nan), "wrap", b"bytes"])))
        doc[key] = value
        note = f"{key} = {value!r:.60}"
    elif op == "keys":
        key = draw(st.sampled_from(["fps", "loop_mode", "frames", "name"]))
        if draw(st.booleans()):
            doc.pop(key)
            note = f"no '{key}'"
        else:
            doc[draw(st.sampled_from(["extra", 1, None, ("a", 1)]))] = draw(absurd_values())
            note = "an extra key"
    elif op == "structure":
        value = draw(st.sampled_from([[doc], None, 42, "clip", OrderedDict(doc), (doc,), list(doc.items()),
                                      np.array([1.0, 2.0]), set()]))
        return _pkl(name, value, 4, f"whole clip replaced by {type(value).__name__}")
    elif op == "bytes":
        data, note = draw(damaged_bytes(pickle.dumps(base, protocol=4)))
        return (name, data, (), note)
    elif op == "code":
        data, note = draw(st.sampled_from(code_pickles()))
        return (name, data, (), note)
    elif op == "deep":
        depth = draw(st.sampled_from(DEEP_DEPTHS))
        if draw(st.booleans()):
            return (name, nested_list_pickle(depth), (), f"frames nested {depth} deep")
        doc[draw(st.sampled_from(["name", "fps", "loop_mode"]))] = DEEP_TOKEN
        token = b"X" + len(DEEP_TOKEN).to_bytes(4, "little") + DEEP_TOKEN.encode()
        nested = b"(" * depth + b"l" * depth
        return (name, pickle.dumps(doc, protocol=3).replace(token, nested), (), f"a field nested {depth} deep")
    elif op == "bomb":
        levels = draw(st.integers(3, 10))
        return (name, reference_bomb_pickle(levels), (), f"frames of 10**{levels} references")
    else:
        protocol = draw(st.integers(0, pickle.HIGHEST_PROTOCOL))
        return _pkl(name, doc, protocol, f"pickle protocol {protocol}")
    return _pkl(name, doc, draw(st.sampled_from([3, 4, 5])), note)


def _pkl(name: str, obj: object, protocol: int, note: str) -> tuple[str, bytes, tuple, str]:
    return (name, pickle.dumps(obj, protocol=protocol), (), note)


@st.composite
def deepmimic_clip_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile DeepMimic clip."""
    name = draw(st.sampled_from(sorted(deepmimic_bases())))
    text, base = deepmimic_bases()[name]
    op = draw(st.sampled_from(["frames", "frames", "frames", "loop", "keys", "structure", "text", "deep",
                               "bigint", "suffix"]))
    if not isinstance(base, dict) or "Frames" not in base:
        op = draw(st.sampled_from(["text", "keys", "suffix"]))  # the skeleton file: not a clip at all
    doc = dict(base)
    note = ""
    if op == "frames":
        value, note = draw(mutated_frames(np.array(base["Frames"], dtype=np.float64), durations=True))
        doc["Frames"] = value.tolist() if isinstance(value, np.ndarray) else value
    elif op == "loop":
        doc["Loop"] = draw(st.one_of(absurd_values(), st.sampled_from(["WRAP", "loop", "clamp", " wrap"])))
        note = f"Loop = {doc['Loop']!r:.60}"
    elif op == "keys":
        key = draw(st.sampled_from(sorted(doc) + ["Extra"]))
        if key in doc and draw(st.booleans()):
            doc.pop(key)
            note = f"no '{key}'"
        else:
            doc[key] = draw(absurd_values())
            note = f"{key} = {doc[key]!r:.60}"
    elif op == "structure":
        value = draw(st.sampled_from([[doc], None, 42, "clip", []]))
        return (name, _json(value), (), f"whole clip replaced by {type(value).__name__}")
    elif op == "text":
        data, note = draw(damaged_text(text))
        return (name, data, (), note)
    elif op == "deep":
        depth = draw(st.sampled_from(DEEP_DEPTHS))
        target = draw(st.sampled_from(["Frames", "Loop", "document"]))
        if target == "document":
            return (name, deep_nesting(depth).encode(), (), f"a JSON document nested {depth} deep")
        doc[target] = DEEP_TOKEN
        data = _json(doc).replace(f'"{DEEP_TOKEN}"'.encode(), deep_nesting(depth).encode())
        return (name, data, (), f"{target} nested {depth} deep")
    elif op == "bigint":
        digits = draw(st.sampled_from([400, 5000, 100_000]))
        data = _json(doc).replace(b"[", b"[" + b"9" * digits + b", ", 2)
        return (name, data, (), f"an integer of {digits} digits")
    else:
        suffix = draw(st.sampled_from([".json", ".TXT", ".Txt"]))
        return (Path(name).stem + suffix, _json(doc), (), f"named {suffix}")
    return (name, _json(doc), (), note)


def _json(doc: object) -> bytes:
    # Values JSON has no type for (complex numbers) are written as strings, as a hand-edited file might have them.
    return json.dumps(doc, default=str).encode()
