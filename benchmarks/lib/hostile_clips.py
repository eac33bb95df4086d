"""Hostile clips, mutated from the real ones: MimicKit pickles (data/motions/*.pkl), DeepMimic JSON
(shared/motions/deepmimic/humanoid3d_*.txt) and BVH motion capture (shared/motions/bvh/xia/*.bvh); the shared files
are read in place and never copied."""

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
from amp_studio.paths import DATA_DIR, DEEPMIMIC_DIR, SHARED_DIR

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


# ----- BVH motion capture (shared/motions/bvh/xia/*.bvh, read in place) -----

BVH_DIR = SHARED_DIR / "motions" / "bvh" / "xia"
BVH_ALL_CHANNELS = "Xposition Yposition Zposition Zrotation Yrotation Xrotation"
# Without shared/: a small humanoid in centimetres, Y up, in a T-pose, with names as exporters write them (a
# namespace prefix, a space), two rotation orders and End Sites; standing still for three frames.
_SYNTHETIC_JOINTS = [  # name, parent, offset (cm)
    ("mixamorig:Spine", "Hips", (0, 10, 0)), ("Spine1", "mixamorig:Spine", (0, 20, 0)),
    ("Neck", "Spine1", (0, 20, 0)), ("Head", "Neck", (0, 10, 0)),
    ("LeftArm", "Spine1", (17, 15, 0)), ("LeftForeArm", "LeftArm", (28, 0, 0)), ("LeftHand", "LeftForeArm", (25, 0, 0)),
    ("RightArm", "Spine1", (-17, 15, 0)), ("RightForeArm", "RightArm", (-28, 0, 0)),
    ("RightHand", "RightForeArm", (-25, 0, 0)),
    ("Left Up Leg", "Hips", (9, -5, 0)), ("LeftLeg", "Left Up Leg", (0, -42, 0)), ("LeftFoot", "LeftLeg", (0, -41, 0)),
    ("LeftToeBase", "LeftFoot", (0, -5, 12)),
    ("Right Up Leg", "Hips", (-9, -5, 0)), ("RightLeg", "Right Up Leg", (0, -42, 0)),
    ("RightFoot", "RightLeg", (0, -41, 0)), ("RightToeBase", "RightFoot", (0, -5, 12)),
]


def _synthetic_bvh() -> str:
    children: dict[str, list] = {}
    for name, parent, offset in _SYNTHETIC_JOINTS:
        children.setdefault(parent, []).append((name, offset))

    def block(name: str, offset, depth: int, root: bool = False) -> list[str]:
        pad = "\t" * depth
        channels = ("CHANNELS 6 " + BVH_ALL_CHANNELS) if root else (
            "CHANNELS 3 Xrotation Zrotation Yrotation" if "Arm" in name else "CHANNELS 3 Zrotation Yrotation Xrotation")
        lines = [f"{pad}{'ROOT' if root else 'JOINT'} {name}", f"{pad}{{",
                 f"{pad}\tOFFSET {offset[0]} {offset[1]} {offset[2]}", f"{pad}\t{channels}"]
        for child, child_offset in children.get(name, []):
            lines += block(child, child_offset, depth + 1)
        if name not in children:
            lines += [f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET 0 5 0", f"{pad}\t}}"]
        return lines + [f"{pad}}}"]

    channels = 6 + 3 * len(_SYNTHETIC_JOINTS)
    frame = "0 93 0" + " 0" * (channels - 3)
    return "\n".join(["HIERARCHY"] + block("Hips", (0, 0, 0), 0, root=True)
                     + ["MOTION", "Frames: 3", "Frame Time: 0.0333333"] + [frame] * 3) + "\n"


SYNTHETIC_BVH = _synthetic_bvh()
BVH_BAD_NUMBERS = ["nan", "inf", "-inf", "1e308", "1e999", "-1e7", "abc", "", "0x10", "--1", "1,5", "1e-320",
                   "9" * 400, "\u0661"]


@functools.cache
def bvh_bases() -> dict[str, str]:
    """The shared BVH clips by name; the synthetic one when shared/ is absent."""
    files = sorted(BVH_DIR.glob("*.bvh"))
    return {p.name: p.read_text(encoding="utf-8") for p in files} or {"synthetic.bvh": SYNTHETIC_BVH}


def _indices(lines: list[str], keyword: str) -> list[int]:
    return [i for i, line in enumerate(lines) if line.strip().upper().startswith(keyword)]


def deep_bvh(depth: int) -> str:
    joints = "".join(f"JOINT j{i}\n{{\nOFFSET 0 1 0\nCHANNELS 1 Zrotation\n" for i in range(depth))
    return (f"HIERARCHY\nROOT r\n{{\nOFFSET 0 0 0\nCHANNELS 1 Zrotation\n{joints}" + "}\n" * (depth + 1)
            + f"MOTION\nFrames: 1\nFrame Time: 0.1\n{' '.join(['0'] * (depth + 1))}\n")


def many_bvh_joints(count: int, channels: str) -> str:
    joints = "".join(f"JOINT j{i} {{ OFFSET 0 1 0 }}\n" if not channels else
                     f"JOINT j{i}\n{{\nOFFSET 0 1 0\n{channels}\n}}\n" for i in range(count))
    width = 1 + count * (len(channels.split()) - 2 if channels else 0)
    return (f"HIERARCHY\nROOT r\n{{\nOFFSET 0 0 0\nCHANNELS 1 Zrotation\n{joints}}}\n"
            f"MOTION\nFrames: 1\nFrame Time: 0.1\n{' '.join(['0'] * width)}\n")


@st.composite
def bvh_clip_case(draw) -> tuple[str, bytes, tuple, str]:
    """(file name, bytes, companions, mutation) of one hostile BVH file."""
    name = draw(st.sampled_from(sorted(bvh_bases())))
    text = bvh_bases()[name]
    lines = text.split("\n")
    motion = _indices(lines, "MOTION")[0]
    rows = list(range(motion + 3, len(lines) - 1))  # the frame lines (the text ends with a newline)
    op = draw(st.sampled_from(["text", "text", "frames", "frame_time", "value", "value", "row", "rows", "line",
                               "line", "channels", "offset", "brace", "name", "deep", "many", "layout", "tail"]))
    if op == "text":
        data, note = draw(damaged_text(text))
        return (name, data, (), note)
    if op == "frames":
        value = draw(st.sampled_from(["0", "1", "-1", str(len(rows) - 1), str(len(rows) + 1), "1000000", "1000001",
                                      "10" + "0" * 30, "abc", "", "2.5", "1e3", "+3"]))
        lines[motion + 1] = f"Frames: {value}"
        note = f"Frames: {value}"
    elif op == "frame_time":
        value = draw(st.sampled_from(["0", "-0.0083", "nan", "inf", "1e-300", "1e300", "abc", "", "1/120", "1e-5",
                                      "86400", "0.0083 0.0083"]))
        lines[motion + 2] = f"Frame Time: {value}"
        note = f"Frame Time: {value}"
    elif op == "value":
        row = draw(st.sampled_from(rows))
        cells = lines[row].split()
        col, value = draw(st.integers(0, len(cells) - 1)), draw(st.sampled_from(BVH_BAD_NUMBERS))
        cells[col] = value
        lines[row] = " ".join(cells)
        note = f"line {row + 1} value {col + 1} = {value[:20]!r}"
    elif op == "row":
        row, change = draw(st.sampled_from(rows)), draw(st.sampled_from(["drop", "add", "empty", "words"]))
        cells = lines[row].split()
        lines[row] = " ".join({"drop": cells[:-1], "add": cells + ["0"], "empty": [], "words": ["x"] * len(cells)}
                              [change])
        note = f"line {row + 1}: {change} values"
    elif op == "rows":
        keep = draw(st.sampled_from([0, 1, len(rows) - 1, len(rows) + 1, MAX_MUTATED_FRAMES]))
        data = [lines[rows[i % len(rows)]] for i in range(keep)]
        lines = lines[:rows[0]] + data + [""]
        note = f"{keep} frame lines for {len(rows)} frames"
    elif op == "line":
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "double", "swap", "uppercase", "lowercase"]))
        j = min(i + 1, len(lines) - 1)
        if how == "drop":
            del lines[i]
        elif how == "double":
            lines.insert(i, lines[i])
        elif how == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i].upper() if how == "uppercase" else lines[i].lower()
        note = f"line {i + 1}: {how}"
    elif op == "channels":
        i = draw(st.sampled_from(_indices(lines, "CHANNELS")))
        value = draw(st.sampled_from(["CHANNELS 3 Zrotation Yrotation", "CHANNELS 3 Zrotation Yrotation Wrotation",
                                      "CHANNELS 7 " + BVH_ALL_CHANNELS + " Xrotation", "CHANNELS 999999999999",
                                      "CHANNELS -1", "CHANNELS", "CHANNELS 0", "CHANNELS 6 " + BVH_ALL_CHANNELS,
                                      "CHANNELS 2 Xrotation Xrotation", "CHANNELS 3 zrotation YROTATION xRotation",
                                      "CHANNELS 3.0 Zrotation Yrotation Xrotation"]))
        lines[i] = value
        note = f"line {i + 1}: {value}"
    elif op == "offset":
        i = draw(st.sampled_from(_indices(lines, "OFFSET")))
        size = draw(st.sampled_from([3, 3, 3, 0, 2, 4]))
        value = "OFFSET " + " ".join(draw(st.lists(st.sampled_from(BVH_BAD_NUMBERS + ["0", "1.5"]), min_size=size,
                                                   max_size=size)))
        lines[i] = value
        note = f"line {i + 1}: {value[:40]}"
    elif op == "brace":
        i = draw(st.sampled_from(_indices(lines, "{") + _indices(lines, "}")))
        how = draw(st.sampled_from(["drop", "double", "flip"]))
        lines[i] = {"drop": "", "double": lines[i] * 2, "flip": lines[i].replace("{", "(").replace("}", "{")}[how]
        note = f"line {i + 1}: brace {how}"
    elif op == "name":
        i = draw(st.sampled_from(_indices(lines, "JOINT") + _indices(lines, "ROOT")))
        keyword, _, old = lines[i].strip().partition(" ")
        new = draw(st.sampled_from(["", "Hips", "mixamorig:Left Arm.001", "x" * 100_000, "\x1b[2J", "\u00e9\u4e2d",
                                    "{", "a } b", old + " extra words"]))
        lines[i] = f"{keyword} {new}"
        note = f"line {i + 1}: named {new[:30]!r}"
    elif op == "deep":
        depth = draw(st.sampled_from(DEEP_DEPTHS + [255, 256, 257]))
        return (name, deep_bvh(depth).encode(), (), f"joints nested {depth} deep")
    elif op == "many":
        count = draw(st.sampled_from([9_999, 10_000, 10_001, 1_666, 1_667, 20_000]))
        channels = draw(st.sampled_from(["", "CHANNELS 6 " + BVH_ALL_CHANNELS]))
        return (name, many_bvh_joints(count, channels).encode(), (), f"{count} joints ({channels or 'no channels'})")
    elif op == "layout":
        how = draw(st.sampled_from(["crlf", "cr", "tabs", "one_line", "blank_lines", "no_indent"]))
        joined = "\n".join(lines)
        data = {"crlf": joined.replace("\n", "\r\n"), "cr": joined.replace("\n", "\r"),
                "tabs": joined.replace(" ", "\t"), "one_line": joined.replace("\n", " "),
                "blank_lines": joined.replace("\n", "\n\n \n"),
                "no_indent": "\n".join(line.strip() for line in lines)}[how]
        return (name, data.encode(), (), f"layout: {how}")
    else:
        tail = draw(st.sampled_from(["second_root", "no_motion", "motion_twice", "garbage"]))
        hierarchy = lines[:motion]
        lines = {"second_root": hierarchy + [line.replace("ROOT", "ROOT Second") for line in hierarchy[1:]]
                 + lines[motion:], "no_motion": hierarchy, "motion_twice": lines + lines[motion:],
                 "garbage": lines + ["# exported by", "\x07\x1b[2J"]}[tail]
        note = tail
    return (name, "\n".join(lines).encode(), (), note)
