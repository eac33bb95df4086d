"""Biovision Hierarchy (.bvh) motion capture as the file has it (units, axes and rest pose stay the file's own; the
retargeting works from this), its forward kinematics, and writing it back. Every defect of a file is one MotionError
naming the line; counts are checked before anything is allocated for them."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import numpy as np

from amp_studio.errors import MotionError, describe
from amp_studio.motion.motion_clip import MAX_ABS_VALUE, MAX_DURATION, MAX_FPS, MAX_FRAMES

MAX_JOINTS = 10_000
MAX_CHANNELS = 10_000
MAX_DEPTH = 256
MAX_VALUES = 100_000_000  # frames x channels: an hour at 120 fps of a 60-joint skeleton is 79 million
MAX_FILE_BYTES = 2**30
# Canonical spelling of each channel, by its lower-case name; the index is the axis (0 x, 1 y, 2 z).
CHANNEL_NAMES = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")
_CANONICAL = {name.lower(): name for name in CHANNEL_NAMES}
_ROWS_PER_BLOCK = 4096  # frame lines parsed by numpy at a time; a bad block is read again line by line
_FRAMES_LINE = re.compile(r"frames\s*:\s*(\+?\d{1,12})", re.IGNORECASE)
_FRAME_TIME_LINE = re.compile(r"frame\s*time\s*:\s*(.*)", re.IGNORECASE)
# What numpy's parser reads; Python's float() also takes "1_000" and other scripts' digits, which no exporter writes.
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|nan|inf(?:inity)?)", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True, eq=False)  # equal only to itself: generated __eq__/__hash__ would compare arrays
class BvhJoint:
    """One joint, or an End Site (a joint with no channels that marks where the last bone ends)."""

    name: str
    parent: int  # index into BvhClip.joints, -1 for the root
    offset: np.ndarray  # (3,) float64, file units and axes
    channels: tuple[str, ...]  # canonical names (Xposition .. Zrotation) in file order; () for an end site
    end_site: bool

    def __post_init__(self) -> None:
        offset = np.array(self.offset, dtype=np.float64).reshape(3)
        offset.flags.writeable = False  # frozen means frozen: a shared offset cannot be edited in place
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "channels", tuple(self.channels))


@dataclass(eq=False)
class BvhClip:
    """A BVH file: joints in depth-first file order (parents before children) and one row of values per frame."""

    path: Path
    joints: list[BvhJoint]
    frame_time: float  # seconds
    values: np.ndarray  # (num_frames, total channel count) float64, as in the file (degrees for rotations)
    _starts: list[int] = field(init=False, repr=False)
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._starts = list(accumulate((len(joint.channels) for joint in self.joints), initial=0))
        self._index = {joint.name: i for i, joint in enumerate(self.joints)}
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.values.ndim != 2 or self.values.shape[1] != self._starts[-1]:
            raise MotionError(self.path, f"values of shape {self.values.shape}, expected (frames, {self._starts[-1]})")

    @property
    def num_frames(self) -> int:
        return int(self.values.shape[0])

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    def channel_start(self, j: int) -> int:
        """The column of joint j's first channel in `values`."""
        return self._starts[j]

    def joint_index(self, name: str) -> int:
        if name not in self._index:
            raise MotionError(self.path, f"no joint named {describe(name)}")
        return self._index[name]

    def local_rotations(self) -> np.ndarray:
        """(F, J, 3, 3): R = R_c1 @ R_c2 @ R_c3 for rotation channels c1 c2 c3 in file order; identity without."""
        return np.stack(self._local_rotations(), axis=1)

    def _local_rotations(self) -> list[np.ndarray]:
        out = []  # one contiguous (F, 3, 3) array per joint: numpy multiplies those twice as fast as strided views
        for j, joint in enumerate(self.joints):
            rotation = np.broadcast_to(np.eye(3), (self.num_frames, 3, 3))
            for k, channel in enumerate(joint.channels):
                if channel.endswith("rotation"):  # the last channel listed turns a child vector first
                    angle = np.radians(self.values[:, self._starts[j] + k])
                    rotation = rotation @ axis_rotation("XYZ".index(channel[0]), angle)
            out.append(rotation)
        return out

    def local_translations(self) -> np.ndarray:
        """(F, J, 3): each joint's offset, with a position channel's value in place of that component."""
        offsets = np.array([joint.offset for joint in self.joints], dtype=np.float64).reshape(-1, 3)
        out = np.broadcast_to(offsets, (self.num_frames,) + offsets.shape).copy()
        for j, joint in enumerate(self.joints):
            for k, channel in enumerate(joint.channels):
                if channel.endswith("position"):
                    out[:, j, "XYZ".index(channel[0])] = self.values[:, self._starts[j] + k]
        return out

    def global_transforms(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions (F, J, 3) and rotations (F, J, 3, 3) in file units and axes."""
        local_t, positions, rotations = self.local_translations(), [], []
        for j, (joint, local_r) in enumerate(zip(self.joints, self._local_rotations())):  # parents come first
            if joint.parent < 0:
                positions.append(local_t[:, j])
                rotations.append(local_r)
            else:
                parent_r = rotations[joint.parent]
                positions.append(positions[joint.parent] + (parent_r @ local_t[:, j, :, None])[..., 0])
                rotations.append(parent_r @ local_r)
        return np.stack(positions, axis=1), np.stack(rotations, axis=1)

    def rest_positions(self) -> np.ndarray:
        """(J, 3): the zero pose, offsets only."""
        out = np.zeros((len(self.joints), 3))
        for j, joint in enumerate(self.joints):
            out[j] = joint.offset + (out[joint.parent] if joint.parent >= 0 else 0.0)
        return out


def axis_rotation(axis: int, radians: np.ndarray) -> np.ndarray:
    """(..., 3, 3) right-handed rotations by `radians` about axis 0 (x), 1 (y) or 2 (z)."""
    c, s = np.cos(radians), np.sin(radians)
    out = np.zeros(np.shape(radians) + (3, 3))
    i, k = (axis + 1) % 3, (axis + 2) % 3
    out[..., axis, axis] = 1.0
    out[..., i, i] = out[..., k, k] = c
    out[..., i, k], out[..., k, i] = -s, s
    return out


def read_bvh(path: str | Path) -> BvhClip:
    """Read a BVH file; any defect is a MotionError naming the file and the line."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(path, 1, f"the file is larger than {MAX_FILE_BYTES // 2**20:,d} MB")
    data = path.read_bytes()
    if b"\x00" in data:  # UTF-16 and binary files; no text encoding of BVH has NUL bytes
        raise _fail(path, data.count(b"\n", 0, data.index(b"\x00")) + 1, "a NUL byte: not a text file (BVH is "
                                                                         "UTF-8 or latin-1 text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # older exporters write joint names in their system's 8-bit code page
    del data
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    del text
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the last line's newline: "the file ends" at the last line an editor shows
    joints, motion_line = _Hierarchy(path).parse(lines)
    frame_time, values = _read_motion(path, lines, motion_line, sum(len(j.channels) for j in joints))
    return BvhClip(path=path, joints=joints, frame_time=frame_time, values=values)


class _Hierarchy:
    """The HIERARCHY section, statement by statement; braces may share a line with anything."""

    def __init__(self, path: Path):
        self.path = path
        self.records: list[dict] = []  # name, parent, offset, channels, end_site, label; the root first
        self.stack: list[int] = []  # joints whose block is open
        self.pending: int | None = None  # a joint declared, its '{' not yet seen
        self.names: dict[str, int] = {}  # joint name -> the line that declared it
        self.num_channels = 0

    def parse(self, lines: list[str]) -> tuple[list[BvhJoint], int]:
        """The joints and the index of the line after MOTION."""
        started = False
        for i, line in enumerate(lines):
            for piece in re.split(r"([{}])", line):
                piece = piece.strip()
                if piece and not started and piece.upper() != "HIERARCHY":
                    raise _fail(self.path, i + 1, f"not a BVH file: expected 'HIERARCHY', found {describe(piece)}")
                if piece and started and self.statement(piece, i + 1):
                    return self.joints(), i + 1
                started = started or bool(piece)
        problem = "no MOTION section" if self.records else "no ROOT (no skeleton)" if started else "empty file"
        if self.stack or self.pending is not None:
            problem = "unbalanced braces: a block is still open at the end of the file"
        raise _fail(self.path, len(lines), problem)

    def statement(self, piece: str, n: int) -> bool:
        """Handle one statement or brace; True at MOTION."""
        keyword, rest = (piece.split(None, 1) + [""])[:2]  # a name is the rest of the line, spaces and all
        word = keyword.upper()
        if piece == "{":
            if self.pending is None:
                raise _fail(self.path, n, "unbalanced braces: '{' with no JOINT, ROOT or End Site before it")
            self.stack.append(self.pending)
            self.pending = None
        elif self.pending is not None:
            raise _fail(self.path, n, f"expected '{{' after {self.records[-1]['label']}, found {describe(piece)}")
        elif piece == "}":
            if not self.stack:
                raise _fail(self.path, n, "unbalanced braces: '}' with no block open")
            joint = self.records[self.stack.pop()]
            if joint["offset"] is None:
                raise _fail(self.path, n, f"{joint['label']} has no OFFSET")
        elif word == "ROOT":
            if self.records:
                where = "inside another joint" if self.stack else "after the first (one skeleton per file)"
                raise _fail(self.path, n, f"a second ROOT {describe(rest)} {where}")
            self.declare(rest, n, end_site=False)
        elif word == "JOINT" or (word == "END" and rest.lower().startswith("site")):
            if not self.stack:
                raise _fail(self.path, n, f"{describe(piece)} outside any joint's braces")
            if self.records[self.stack[-1]]["end_site"]:
                raise _fail(self.path, n, "an End Site cannot have child joints")
            self.declare(rest if word == "JOINT" else "", n, end_site=word == "END")
        elif word in ("OFFSET", "CHANNELS"):
            if not self.stack:
                raise _fail(self.path, n, f"{word} outside any joint's braces")
            joint = self.records[self.stack[-1]]
            if joint[word.lower()] is not None:
                raise _fail(self.path, n, f"a second {word} for {joint['label']}")
            if word == "CHANNELS":
                joint["channels"] = self.channels(rest, joint, n)
            elif len(rest.split()) != 3:
                raise _fail(self.path, n, f"OFFSET needs 3 numbers, found {len(rest.split())}")
            else:
                joint["offset"] = np.array([_number(self.path, t, n, "OFFSET") for t in rest.split()])
        elif word == "MOTION":
            if self.stack:
                raise _fail(self.path, n, f"unbalanced braces: MOTION with {len(self.stack)} block(s) still open")
            if not self.records:
                raise _fail(self.path, n, "no ROOT before MOTION")
            return True
        else:
            raise _fail(self.path, n, f"unexpected {describe(piece)} (expected ROOT, JOINT, End Site, OFFSET, "
                                      "CHANNELS, braces or MOTION)")
        return False

    def declare(self, name: str, n: int, end_site: bool) -> None:
        if not end_site:
            if not name:
                raise _fail(self.path, n, "a joint with no name")
            if name in self.names:
                raise _fail(self.path, n, f"a second joint named {describe(name)} (first on line {self.names[name]})")
            self.names[name] = n
        if len(self.records) >= MAX_JOINTS:
            raise _fail(self.path, n, f"more than {MAX_JOINTS:,d} joints")
        if len(self.stack) >= MAX_DEPTH:
            raise _fail(self.path, n, f"joints nested more than {MAX_DEPTH} deep")
        self.pending = len(self.records)
        label = f"the End Site of line {n}" if end_site else f"joint {describe(name)}"
        self.records.append({"name": name, "parent": self.stack[-1] if self.stack else -1, "offset": None,
                             "channels": None, "end_site": end_site, "label": label})

    def channels(self, rest: str, joint: dict, n: int) -> tuple[str, ...]:
        tokens = rest.split()
        if not tokens or not re.fullmatch(r"\+?\d{1,9}", tokens[0]):
            raise _fail(self.path, n, f"CHANNELS needs a count, found {describe(tokens[0] if tokens else '')}")
        count, names = int(tokens[0]), tokens[1:]
        if count != len(names):
            raise _fail(self.path, n, f"CHANNELS says {count} but lists {len(names)} channel names")
        canonical = []
        for name in names:
            if name.lower() not in _CANONICAL:
                raise _fail(self.path, n, f"unknown channel {describe(name)} (expected {', '.join(CHANNEL_NAMES)})")
            if _CANONICAL[name.lower()] in canonical:
                raise _fail(self.path, n, f"channel {_CANONICAL[name.lower()]} listed twice")
            canonical.append(_CANONICAL[name.lower()])
        if canonical and joint["end_site"]:
            raise _fail(self.path, n, "an End Site has no channels")
        self.num_channels += len(canonical)
        if self.num_channels > MAX_CHANNELS:
            raise _fail(self.path, n, f"more than {MAX_CHANNELS:,d} channels")
        return tuple(canonical)

    def joints(self) -> list[BvhJoint]:
        taken, out = set(self.names), []
        for record in self.records:
            name = record["name"]
            if record["end_site"]:  # "<parent>_end", or "<parent>_end_2" ... when a joint already has that name
                base = name = f"{self.records[record['parent']]['name']}_end"
                k = 2
                while name in taken:
                    name, k = f"{base}_{k}", k + 1
                taken.add(name)
            out.append(BvhJoint(name=name, parent=record["parent"], offset=record["offset"],
                                channels=record["channels"] or (), end_site=record["end_site"]))
        return out


def _fail(path: Path, line: int, problem: str) -> MotionError:
    return MotionError(path, f"line {line}: {problem}")


def _number(path: Path, token: str, n: int, what: str) -> float:
    value = float(token) if _NUMBER.fullmatch(token) else math.nan
    if not abs(value) <= MAX_ABS_VALUE:  # also NaN
        raise _fail(path, n, f"{what}: {describe(token)} is not a number within +-{MAX_ABS_VALUE:g}")
    return value


def _next_statement(path: Path, lines: list[str], i: int, pattern: re.Pattern, expected: str) -> tuple[int, str]:
    """The index of the first non-blank line from i on, which must match `pattern`, and what the pattern took."""
    i = next((k for k in range(i, len(lines)) if lines[k].strip()), len(lines))
    if i == len(lines):
        raise _fail(path, len(lines), f"the file ends before {expected!r}")
    match = pattern.fullmatch(lines[i].strip())
    if not match:
        raise _fail(path, i + 1, f"expected {expected!r}, found {describe(lines[i].strip())}")
    return i, match.group(1).strip()


def _read_motion(path: Path, lines: list[str], i: int, num_channels: int) -> tuple[float, np.ndarray]:
    """Frame time and the (frames, channels) values of the MOTION section, which starts at line index i."""
    i, text = _next_statement(path, lines, i, _FRAMES_LINE, "Frames: N (a whole number)")
    num_frames = int(text)
    if num_frames > MAX_FRAMES:
        raise _fail(path, i + 1, f"{num_frames:,d} frames, at most {MAX_FRAMES:,d}")
    if num_channels == 0:
        raise _fail(path, i + 1, "no joint has CHANNELS, so the frames hold no motion")
    if num_frames * num_channels > MAX_VALUES:
        raise _fail(path, i + 1, f"{num_frames:,d} frames x {num_channels:,d} channels: over {MAX_VALUES:,d} values")
    i, text = _next_statement(path, lines, i + 1, _FRAME_TIME_LINE, "Frame Time: seconds")
    frame_time = _number(path, text, i + 1, "Frame Time")
    if not frame_time > 0:
        raise _fail(path, i + 1, f"Frame Time must be positive, got {frame_time:g}")
    if frame_time < 1.0 / MAX_FPS or num_frames * frame_time > MAX_DURATION:
        raise _fail(path, i + 1, f"Frame Time {frame_time:g} s: at most {MAX_FPS:g} fps and {MAX_DURATION:g} s in all")
    rows = [k for k in range(i + 1, len(lines)) if lines[k] and not lines[k].isspace()]
    if len(rows) < num_frames:
        raise _fail(path, len(lines), f"the file ends after {len(rows)} of the {num_frames} frames that 'Frames:' "
                                      "announces (truncated?)")
    if len(rows) > num_frames:
        raise _fail(path, rows[num_frames] + 1, f"more frames than the {num_frames} that 'Frames:' announces")
    blocks = [_parse_rows(path, lines, rows[b:b + _ROWS_PER_BLOCK], num_channels)
              for b in range(0, num_frames, _ROWS_PER_BLOCK)]
    values = np.concatenate(blocks) if blocks else np.zeros((0, num_channels))
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_ABS_VALUE)
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise _fail(path, rows[row] + 1, f"value {col + 1} ({values[row, col]:g}) is not a finite number within "
                                         f"+-{MAX_ABS_VALUE:g}")
    return frame_time, values


def _parse_rows(path: Path, lines: list[str], rows: list[int], width: int) -> np.ndarray:
    """(len(rows), width) values of the given lines: numpy's parser, or line by line to say what is wrong."""
    try:
        block = np.loadtxt([lines[k] for k in rows], dtype=np.float64, ndmin=2, comments=None)
        if block.shape == (len(rows), width):
            return block
    except (ValueError, TypeError, OverflowError):
        pass
    out = np.empty((len(rows), width))
    for r, k in enumerate(rows):
        tokens = lines[k].split()
        if len(tokens) != width:
            raise _fail(path, k + 1, f"{len(tokens)} values, expected {width} (one per channel)")
        for c, token in enumerate(tokens):
            if not _NUMBER.fullmatch(token):
                raise _fail(path, k + 1, f"value {c + 1} is not a number: {describe(token)}")
            out[r, c] = float(token)
    return out


def write_bvh(clip: BvhClip, path: str | Path) -> None:
    """Write the clip in the standard layout (tabs, 6 decimals), atomically."""
    path = Path(path)
    out: list[str] = ["HIERARCHY"]
    stack: list[int] = []  # the open blocks
    for j, joint in enumerate(clip.joints):
        while stack and stack[-1] != joint.parent:
            stack.pop()
            out.append("\t" * len(stack) + "}")
        if (joint.parent < 0) != (j == 0) or (joint.parent >= 0 and not stack):
            raise MotionError(path, f"joint {describe(joint.name)} is not in depth-first order with one root")
        tab = "\t" * len(stack)
        out.append(tab + ("End Site" if joint.end_site else f"{'JOINT' if stack else 'ROOT'} {joint.name}"))
        out += [tab + "{", tab + "\tOFFSET " + " ".join(f"{v:.6f}" for v in joint.offset)]
        if not joint.end_site:
            out.append(tab + f"\tCHANNELS {len(joint.channels)}" + "".join(f" {c}" for c in joint.channels))
        stack.append(j)
    out += ["\t" * k + "}" for k in reversed(range(len(stack)))]
    out += ["MOTION", f"Frames: {clip.num_frames}", f"Frame Time: {clip.frame_time:.10g}"]
    rows = [" ".join(f"{v:.6f}" for v in row) for row in clip.values.tolist()]
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text("\n".join(out + rows) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MotionError(path, f"cannot write: {exc.strerror}") from None
