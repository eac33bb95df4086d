"""What a BVH source skeleton is: which joint is each landmark (from names, else from the skeleton's shape), which
axis is up, and how long a file unit is in metres (from the actor's size), for retargeting its motion."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from amp_studio.config_loading import ConfigError
from amp_studio.errors import describe
from amp_studio.motion.bvh_reader import BvhClip
from amp_studio.motion.retarget.landmark_names import LANDMARKS, REQUIRED_LANDMARKS, Landmarks, name_landmarks
from amp_studio.motion.retarget.landmark_shape import (
    Tree,
    facing_directions,
    hand_point,
    head_point,
    shape_landmarks,
    toe_point,
)
from amp_studio.motion.retarget.mapping import UP_AXES, apply_mapping

UNITS = {"m": 1.0, "dm": 0.1, "cm": 0.01, "mm": 0.001, "inch": 0.0254, "ft": 0.3048, "cmu": 0.0254 / 0.45}
"""Metres per file unit of the units skeletons come in; "cmu" is the CMU converter's (an inch / 0.45 = 5.644 cm)."""
SNAP = 0.15
"""An estimated unit within this share of a known unit is that unit."""
LEG_M = 0.83
"""Hip to ankle (thigh + shin) of a 1.7 m adult, 0.80-0.85 m: bone lengths do not depend on the pose, so the unit
is estimated from them rather than from the height the rest pose happens to stand."""
HEAD_M = 1.55
"""Floor to head joint (the skull's base) of a 1.7 m adult, for skeletons whose legs were not found."""
CLEAR_UP = 0.7
"""The ankles-to-head direction names an axis when that axis holds this share of it (the body leans < 45 deg)."""
LIMBS = (("leg", ("hip", "knee", "ankle")), ("arm", ("shoulder", "elbow", "wrist")))
ORDER = (("left_hip", "left_knee", "left_ankle", "left_toe"), ("right_hip", "right_knee", "right_ankle", "right_toe"),
         ("left_shoulder", "left_elbow", "left_wrist", "left_hand"),
         ("right_shoulder", "right_elbow", "right_wrist", "right_hand"), ("pelvis", "spine", "chest", "neck", "head"))
"""Chains down the joint tree: each landmark lies below the one before it."""


def shape_pose(clip: BvhClip) -> np.ndarray:
    """(J, 3) the pose the skeleton is read from: the rest pose, or the first frame when the rest pose is degenerate
    (offsets mostly zero, the pose carried by position channels)."""
    return _frame_positions(clip, [0])[0] if rest_is_degenerate(clip) else clip.rest_positions()


def rest_is_degenerate(clip: BvhClip) -> bool:
    """More than 80% of the offsets are zero (CMU's zero-length helper joints and end sites are 49%)."""
    lengths = [float(np.linalg.norm(joint.offset)) for joint in clip.joints[1:]]
    zero = sum(length <= 1e-9 * max(max(lengths, default=0.0), 1e-300) for length in lengths)
    return clip.num_frames > 0 and (not lengths or zero > 0.8 * len(lengths))


def _frame_positions(clip: BvhClip, frames: list[int]) -> np.ndarray:
    """(len(frames), J, 3) global positions of some frames only (a long clip's forward kinematics is not needed)."""
    part = BvhClip(path=clip.path, joints=clip.joints, frame_time=clip.frame_time, values=clip.values[frames])
    return part.global_transforms()[0]


def clip_tree(clip: BvhClip, rest: np.ndarray | None = None) -> Tree:
    pose = shape_pose(clip) if rest is None else np.asarray(rest, dtype=np.float64)
    return Tree([j.parent for j in clip.joints], pose, [bool(j.channels) for j in clip.joints])


def find_landmarks(clip: BvhClip, rest: np.ndarray | None = None) -> Landmarks:
    """Each landmark's joint: from the joint names where the common conventions decide it, else from the tree and
    the pose (`rest`, (J, 3), or shape_pose). how says which, per landmark: "name", "topology" (the joint tree and
    bone lengths, left and right from the facing direction; the chest is always where the arms and neck branch) or
    "geometry" (the hand and toe points beyond the wrist and the ankle)."""
    tree = clip_tree(clip, rest)
    named = name_landmarks([j.name for j in clip.joints], tree)
    shape = shape_landmarks(tree)
    joints: dict[str, int | None] = dict.fromkeys(LANDMARKS)
    how: dict[str, str] = {}

    def take(key: str, joint: int | None, way: str) -> None:
        joints[key] = joint
        if joint is not None:
            how[key] = way

    for key in ("pelvis", "spine", "neck", "head"):
        take(key, named.get(key, shape.joints.get(key)), "name" if key in named else "topology")
    if "head" in named:
        joints["head"] = head_point(tree, named["head"])  # a head joint at the neck: its end site
    for kind, parts in LIMBS:
        for side in ("left", "right"):
            keys = [f"{side}_{part}" for part in parts]
            have = [named[k] for k in keys if k in named]
            # A limb named in part is completed from the shape's limb that holds the named joints, whichever side
            # the shape thought it was.
            chain = next((c for c in (f"left_{kind}", f"right_{kind}") if any(j in shape.chains.get(c, ()) for j in
                                                                                  have)), f"{side}_{kind}")
            for key, part in zip(keys, parts):
                take(key, named.get(key, shape.joints.get(f"{chain.split('_')[0]}_{part}")),
                     "name" if key in named else "topology")
    for side in ("left", "right"):
        ankle, wrist, elbow = joints[f"{side}_ankle"], joints[f"{side}_wrist"], joints[f"{side}_elbow"]
        for key, point in ((f"{side}_toe", None if ankle is None else toe_point(tree, ankle)),
                           (f"{side}_hand", None if wrist is None else hand_point(tree, wrist, elbow))):
            if key in named:
                take(key, named[key], "name")
            else:
                take(key, point, "geometry")
    take("chest", *_chest(tree, joints, named, shape.joints.get("chest")))
    problems = list(shape.problems) if any(how.get(k) != "name" for k in joints) else []
    problems += _check(clip, tree, joints, how)
    names = {k: None if j is None else clip.joints[j].name for k, j in joints.items()}
    return Landmarks(joints=joints, how=how, problems=problems, names=names)


def _chest(tree: Tree, joints: dict, named: dict, shape_chest: int | None) -> tuple[int | None, str]:
    """The joint the arms and the neck branch from; a fork at the neck itself (3ds Max) gives the joint below."""
    top = joints["neck"] if joints["neck"] is not None else joints["head"]
    arms = [joints["left_shoulder"], joints["right_shoulder"]]
    if top is None or None in arms:
        return (named["chest"], "name") if "chest" in named else (shape_chest, "topology")
    fork = tree.lca(arms + [top])
    if fork == joints["neck"] and tree.parents[fork] >= 0:
        fork = tree.parents[fork]
    return fork, "topology"


def _check(clip: BvhClip, tree: Tree, joints: dict, how: dict) -> list[str]:
    """What is missing or doubtful: required landmarks not found, one joint for two landmarks, a landmark that is
    not below the one before it, and left/right names on the skeleton's other side (a mirrored skeleton)."""
    missing = Landmarks(joints, how).missing()
    out = [f"no joint found for {', '.join(missing)}"] if missing else []
    seen: dict[int, str] = {}
    for key, j in joints.items():
        if j is None:
            continue
        if j in seen and (key in REQUIRED_LANDMARKS or seen[j] in REQUIRED_LANDMARKS):  # spine may be the chest
            out.append(f"{key} and {seen[j]} are the same joint {describe(clip.joints[j].name)}")
        seen.setdefault(j, key)
    for chain in ORDER:
        found = [k for k in chain if joints[k] is not None]
        for upper, lower in zip(found, found[1:]):
            if not tree.is_below(joints[lower], joints[upper]):
                out.append(f"{lower} {describe(clip.joints[joints[lower]].name)} is not below {upper} "
                           f"{describe(clip.joints[joints[upper]].name)} in the joint tree")
    ankles = [joints["left_ankle"], joints["right_ankle"]]
    if joints["head"] is not None and None not in ankles:
        facing = facing_directions(tree, joints["head"], ankles)
        for left, right in (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")):
            if facing is None or joints[left] is None or joints[right] is None:
                continue
            across = (tree.pos[joints[left]] - tree.pos[joints[right]]) @ np.cross(*facing)
            if across < 0 and how.get(left) in ("name", "mapping"):
                out.append(f"{left} {describe(clip.joints[joints[left]].name)} is on the skeleton's right side "
                           "(facing where the toes point): a mirrored skeleton? Its names are kept")
    return out


def detect_up_axis(clip: BvhClip, landmarks: Landmarks) -> str:
    """The file's up axis ("+y", "-z", ...): where the head is from the ankles in the rest pose, or in the first
    frames when the rest pose is degenerate or leans more than 45 degrees; "+y" (BVH's convention) if neither."""
    return _up_axis(clip, landmarks)[0]


def _up_axis(clip: BvhClip, landmarks: Landmarks) -> tuple[str, str]:
    """(axis, how it was found)."""
    vector = None if rest_is_degenerate(clip) else _up_vector(clip.rest_positions(), landmarks.joints)
    if vector is not None and np.abs(vector).max() >= CLEAR_UP * np.linalg.norm(vector) > 0:
        return _axis(vector), "from the rest pose (head above the ankles)"
    frames = _frame_positions(clip, list(range(min(clip.num_frames, 30))))
    vectors = [v / np.linalg.norm(v) for v in (_up_vector(p, landmarks.joints) for p in frames)
               if v is not None and np.linalg.norm(v) > 0]
    if vectors:
        vector = np.mean(vectors, axis=0)
        if np.abs(vector).max() >= CLEAR_UP * np.linalg.norm(vector) > 0:
            return _axis(vector), f"from the first {len(frames)} frames (head above the ankles)"
    return "+y", "not found (no head above the feet): +y assumed"


def _up_vector(pos: np.ndarray, joints: dict) -> np.ndarray | None:
    top = next((joints[k] for k in ("head", "neck", "chest") if joints.get(k) is not None), None)
    for pair in (("left_ankle", "right_ankle"), ("left_toe", "right_toe"), ("left_knee", "right_knee")):
        feet = [joints.get(k) for k in pair]
        if top is not None and None not in feet:
            return pos[top] - pos[feet].mean(axis=0)
    return None


def _axis(vector: np.ndarray) -> str:
    k = int(np.argmax(np.abs(vector)))
    return ("+" if vector[k] > 0 else "-") + "xyz"[k]


def _axis_vector(up: str) -> np.ndarray:
    out = np.zeros(3)
    out["xyz".index(up[1])] = 1.0 if up[0] == "+" else -1.0
    return out


def detect_unit(clip: BvhClip, landmarks: Landmarks, up: str) -> tuple[float, str]:
    """(metres per file unit, its name): the actor's leg (hip-knee-ankle) taken as LEG_M, else the head's height
    above the feet taken as HEAD_M, snapped to the nearest of UNITS within SNAP; else (the estimate, "estimated")."""
    return _unit(clip, landmarks, up)[:2]


def _unit(clip: BvhClip, landmarks: Landmarks, up: str) -> tuple[float, str, str]:
    """(unit, name, how it was found)."""
    pos, joints = shape_pose(clip), landmarks.joints
    legs = [float(np.linalg.norm(pos[joints[f"{s}_hip"]] - pos[joints[f"{s}_knee"]])
                  + np.linalg.norm(pos[joints[f"{s}_knee"]] - pos[joints[f"{s}_ankle"]]))
            for s in ("left", "right") if None not in (joints[f"{s}_hip"], joints[f"{s}_knee"], joints[f"{s}_ankle"])]
    heights = pos @ _axis_vector(up)
    if legs and np.mean(legs) > 0:
        size, basis = float(np.mean(legs)), f"leg (hip-knee-ankle) {np.mean(legs):.4g} units taken as {LEG_M} m"
        estimate = LEG_M / size
    elif joints["head"] is not None and np.ptp(heights) > 0:
        size = float(heights[joints["head"]] - heights.min())
        basis = f"head {size:.4g} units above the lowest joint taken as {HEAD_M} m"
        estimate = HEAD_M / size if size > 0 else 1.0
    else:
        return 1.0, "m", "not found (no legs or head): metres assumed"
    name = min(UNITS, key=lambda n: abs(math.log(estimate / UNITS[n])))
    if abs(estimate / UNITS[name] - 1.0) <= SNAP:
        return UNITS[name], name, f"{basis}: {estimate:.4g} m per unit, within {SNAP:.0%} of {name}"
    return estimate, "estimated", f"{basis}: {estimate:.4g} m per unit, no known unit within {SNAP:.0%}"


@dataclass
class SkeletonFacts:
    """A source skeleton as the retargeting needs it. unit: metres per file unit; height_m: the rest pose's extent
    along up in metres (feet to the highest joint: the head's end site, else the head joint)."""

    up: str
    unit: float
    unit_name: str
    height_m: float
    fps: float
    num_frames: int
    landmarks: Landmarks
    joint_names: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # how the landmarks, the up axis and the unit were decided
    source: str = ""  # the clip's file

    def summary(self) -> list[str]:
        """Human-readable lines for the command line."""
        lines = [f"skeleton{' of ' + self.source if self.source else ''}: {len(self.joint_names)} joints (end sites "
                 f"included), {self.num_frames} frames at {self.fps:.4g} fps",
                 f"up axis: {self.up}", f"unit: {self.unit_name} ({self.unit:.6g} m per unit); height "
                 f"{self.height_m:.2f} m"]
        lines += [f"  {note}" for note in self.notes]
        for key in LANDMARKS:
            name = self.landmarks.names.get(key)
            lines.append(f"{key}: {'-' if name is None else name} ({self.landmarks.how.get(key, 'not found')})")
        lines += [f"problem: {p}" for p in self.landmarks.problems]
        return lines


def analyse(clip: BvhClip, up: str | None = None, unit: float | None = None,
            mapping: dict | None = None) -> SkeletonFacts:
    """The clip's skeleton facts; up, unit and mapping (from mapping.load_mapping: its landmarks, and its up and unit
    where up and unit are not given) replace what would be detected."""
    notes = []
    if mapping is not None:
        landmarks = apply_mapping(clip, mapping)
        landmarks.problems += _check(clip, clip_tree(clip), landmarks.joints, landmarks.how)
        up = up if up is not None else mapping.get("up")
        unit = unit if unit is not None else mapping.get("unit")
        notes.append(f"landmarks from {mapping.get('source') or 'the mapping'}")
    else:
        landmarks = find_landmarks(clip)
    if up is None:
        up, how = _up_axis(clip, landmarks)
        notes.append(f"up axis {how}")
    elif up not in UP_AXES:
        raise ConfigError(None, f"up axis {describe(up)}: expected one of {', '.join(UP_AXES)}")
    if unit is None:
        unit, unit_name, how = _unit(clip, landmarks, up)
        notes.append(f"unit {how}")
    else:
        if isinstance(unit, bool) or not isinstance(unit, (int, float)) or not 0 < unit < math.inf:
            raise ConfigError(None, f"unit {describe(unit)}: expected metres per file unit, a positive number")
        unit = float(unit)
        unit_name = next((n for n, v in UNITS.items() if abs(unit / v - 1) < 1e-3), "given")
    heights = shape_pose(clip) @ _axis_vector(up)
    return SkeletonFacts(up=up, unit=unit, unit_name=unit_name, height_m=float(np.ptp(heights) * unit),
                         fps=float(clip.fps), num_frames=clip.num_frames, landmarks=landmarks,
                         joint_names=tuple(j.name for j in clip.joints), notes=notes, source=str(clip.path))
