"""The landmarks (the anatomical points the retargeting follows) and the names the common skeleton conventions give
the joints at them: CMU, Mixamo, 3ds Max Biped, SMPL, LaFAN1, HumanIK/MotionBuilder, Rokoko/Blender/Unity,
Bandai-Namco and Poser/DAZ."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from amp_studio.motion.retarget.landmark_shape import Tree

LANDMARKS = ("pelvis", "spine", "chest", "neck", "head", "left_shoulder", "left_elbow", "left_wrist", "left_hand",
             "right_shoulder", "right_elbow", "right_wrist", "right_hand", "left_hip", "left_knee", "left_ankle",
             "left_toe", "right_hip", "right_knee", "right_ankle", "right_toe")
"""Each is the joint whose origin is that point. *_shoulder is the upper-arm joint (where the arm turns), not the
clavicle; *_hip the thigh joint; *_hand a point beyond the wrist (a finger base or the hand's end site); *_toe the
toe base joint, else the foot's end site."""
REQUIRED_LANDMARKS = ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
                      "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                      "head")


@dataclass
class Landmarks:
    """joints: landmark -> joint index in the clip (None: not found); how: landmark -> "name", "topology",
    "geometry" or "mapping"; names: landmark -> joint name; problems: what is missing or doubtful, one line each."""

    joints: dict[str, int | None]
    how: dict[str, str]
    problems: list[str] = field(default_factory=list)
    names: dict[str, str | None] = field(default_factory=dict)

    def missing(self) -> list[str]:
        """The required landmarks not found."""
        return [name for name in REQUIRED_LANDMARKS if self.joints.get(name) is None]


# Each side landmark's names with the side word removed, lower case, separators dropped, in order of preference:
# an earlier name wins where a skeleton has both. CMU, LaFAN1, HumanIK and Bandai-Namco call the clavicle
# "shoulder" and the upper arm "arm"/"upperarm", but SMPL's L_Shoulder is the upper arm (beside an L_Collar), so
# "shoulder" is the upper arm only when no arm name exists. SMPL's L_Foot is the toe (after L_Ankle), CMU's
# LeftFoot the ankle: the ankle takes "ankle" first, the toe takes "foot" only if the ankle did not.
SIDE_NAMES = {
    "hip": ("upleg", "upperleg", "thigh", "thighbend", "hip", "femur"),
    "knee": ("leg", "lowerleg", "loleg", "calf", "shin", "knee", "tibia"),
    "ankle": ("ankle", "foot"),
    "toe": ("toebase", "toe", "toes", "toe0", "ball", "foot"),
    "shoulder": ("arm", "upperarm", "uparm", "shldr", "shldrbend", "humerus", "shoulder"),
    "elbow": ("forearm", "forearmbend", "lowerarm", "loarm", "elbow", "radius"),
    "wrist": ("wrist", "hand"),
    "hand": ("hand",),  # SMPL's L_Hand beyond L_Wrist; elsewhere the hand point comes from geometry
}
PELVIS_NAMES = ("hips", "pelvis", "hip")
SPINE_NAME = re.compile(r"spine\d*|abdomen|lowerback|waist|chest|upperchest")
NECK_NAME = re.compile(r"neck\d*")
HEAD_NAMES = ("head",)
# Prefixes some exporters put before every name: 3ds Max's "Bip01 ", HumanIK's "Character1_", Mixamo's
# "mixamorig" without its colon; namespaces ("mixamorig:", "rig|") are cut at the last ':' or '|'.
_PREFIX = re.compile(r"^(?:[Bb]ip0*\d+|[Cc]haracter\d*|mixamorig\d*)(?:[\s_.\-]+|(?=[A-Z])|$)")
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LEFT, _RIGHT = ("left", "l", "lft"), ("right", "r", "rt", "rgt")


def parse_name(name: str) -> tuple[str | None, str]:
    """(side, part) of a joint name: side "left", "right" or None; part the rest in lower case without separators.
    "mixamorig:LeftUpLeg" -> ("left", "upleg"); "Bip01 L Thigh" -> ("left", "thigh"); "thigh.L" -> ("left",
    "thigh"); "LHipJoint" -> ("left", "hipjoint"); "Spine1" -> (None, "spine1")."""
    name = re.split(r"[:|]", name)[-1]
    name = _PREFIX.sub("", name)
    tokens = [t.lower() for t in _TOKEN.findall(name)]
    side = None
    for words, which in ((_LEFT, "left"), (_RIGHT, "right")):
        if len(tokens) > 1 and tokens[0] in words:
            side, tokens = which, tokens[1:]
        elif len(tokens) > 1 and tokens[-1] in words:
            side, tokens = which, tokens[:-1]
    return side, "".join(tokens)


def name_landmarks(names: list[str], tree: Tree) -> dict[str, int]:
    """Landmark -> joint for the landmarks the joint names decide; a joint serves one landmark at most."""
    parsed = [parse_name(n) for n in names]
    found: dict[str, int] = {}
    used: set[int] = set()

    def pick(side: str | None, parts, key: str) -> None:
        for part in parts:
            # The shallowest joint of that name: the one nearest the root where an exporter repeats a name.
            hits = sorted((j for j, (s, p) in enumerate(parsed) if s == side and p == part and j not in used),
                          key=lambda j: tree.depth[j])
            if hits:
                found[key] = hits[0]
                used.add(hits[0])
                return

    pick(None, PELVIS_NAMES, "pelvis")
    for side in ("left", "right"):
        for what in ("hip", "knee", "ankle", "toe", "shoulder", "elbow", "wrist", "hand"):
            pick(side, SIDE_NAMES[what], f"{side}_{what}")
    pick(None, HEAD_NAMES, "head")
    necks = sorted((j for j, (s, p) in enumerate(parsed) if s is None and NECK_NAME.fullmatch(p)),
                   key=lambda j: tree.depth[j])
    if necks:
        found["neck"] = necks[0]
    # The lowest spine joint above the pelvis: CMU's LowerBack sits at the pelvis, its Spine above it.
    pelvis = found.get("pelvis")
    spines = sorted((j for j, (s, p) in enumerate(parsed) if s is None and SPINE_NAME.fullmatch(p)
                     and (pelvis is None or tree.apart(j, pelvis))), key=lambda j: tree.depth[j])
    if spines:
        found["spine"] = spines[0]
    if len(spines) > 1:
        found["chest"] = spines[-1]  # the highest; find_landmarks prefers the joint the arms branch from
    return found
