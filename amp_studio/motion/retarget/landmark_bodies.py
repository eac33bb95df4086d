"""Which body of a character is each landmark's segment: the thigh for the hip, the shin for the knee, the foot for
the ankle, and so on; the body whose rotation follows the source joint of that name.

Names decide first, across conventions: a humanoid's `left_thigh`, Mixamo's `LeftUpLeg`, CMU's `lfemur`, SMPL's
`L_Hip`, a robot's `left_hip_pitch_link`/`left_hip_roll_link`/`left_hip_yaw_link`. A robot splits a joint into a
chain of hinge bodies named after it, so the segment is the deepest body of that name (the yaw link, which the
thigh hangs from), and a clavicle named "shoulder" gives way to a deeper upper arm. Bodies without mass and
geoms (markers such as `head_mocap` or `imu_in_torso`) are passed over where a real body has the name. Where the
names do not decide a limb, its geometry does: the limb ends (the lowest ends of the tree are the feet, the one
in the middle the head), and each limb's hinges split into three joints at its two longest bones.
"""

from __future__ import annotations

import re

import mujoco
import numpy as np

from amp_studio.character.character_facts import extremities, side_of

SIDES = ("left", "right")
LIMBS = {"leg": ("hip", "knee", "ankle"), "arm": ("shoulder", "elbow", "wrist")}

# Words of a segment's or joint's name, without the side and separators, by landmark; an earlier word wins.
# "leg" alone is Mixamo's shin (its thigh is "UpLeg"), "arm" alone its upper arm.
LIMB_WORDS = {
    "hip": ("upleg", "upperleg", "thigh", "hip", "femur"),
    "knee": ("lowerleg", "loleg", "leg", "calf", "shin", "knee", "tibia"),
    "ankle": ("ankle", "foot"),
    "toe": ("toebase", "toe", "toes", "ball"),
    "shoulder": ("upperarm", "uparm", "arm", "shoulder", "humerus"),
    "elbow": ("forearm", "lowerarm", "loarm", "elbow", "radius", "ulna"),
    "wrist": ("wrist", "hand", "palm"),
}
TRUNK_WORDS = {
    "chest": ("upperchest", "chest", "torso", "thorax", "upperback", "spine", "waist", "abdomen", "trunk", "lowerback"),
    "neck": ("neck", "lowerneck", "upperneck"),
    "head": ("head", "skull"),
}
# Words that say a body is no landmark's segment: markers and sensors, fingers, the clavicle.
_NOT = {"mocap", "imu", "site", "marker", "sensor", "camera", "contour", "thumb", "index", "middle", "ring",
        "pinky", "little", "finger", "clavicle", "collar", "scapula"}
# Words that name nothing: link and joint suffixes, the axis of a robot's hinge, numbers.
_NOISE = re.compile(r"link|joint|jnt|body|bone|pitch|roll|yaw|rev|[xyz]|\d+")
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SIDE_WORDS = {"left": ("left", "l", "lft"), "right": ("right", "r", "rt", "rgt")}
TWIST = np.cos(np.radians(30.0))
"""A hinge whose axis is within 30 degrees of its bone turns the bone about itself: it belongs with the joint at
the bone's start, however far along the bone its body sits (a robot's shoulder yaw halfway down the upper arm)."""


def parse_body_name(name: str) -> tuple[str | None, str | None]:
    """(side, landmark part) of a body's name, either None where the name does not say. "left_hip_roll_link" ->
    ("left", "hip"); "LeftUpLeg" -> ("left", "hip"); "lfemur" -> ("left", "hip"); "torso_link" -> (None, "chest")."""
    tokens = [t.lower() for t in _TOKEN.findall(re.split(r"[:|]", name)[-1])]
    side = None
    for which, words in _SIDE_WORDS.items():
        if len(tokens) > 1 and tokens[0] in words:
            side, tokens = which, tokens[1:]
        elif len(tokens) > 1 and tokens[-1] in words:
            side, tokens = which, tokens[:-1]
    if side is None and len(tokens) == 1 and tokens[0][:1] in "lr":  # CMU's lfemur, rhand
        rest = tokens[0][1:]
        if any(rest in words for words in LIMB_WORDS.values()):
            side, tokens = ("left" if tokens[0][0] == "l" else "right"), [rest]
    if _NOT & set(tokens):
        return side, None
    tokens = [t for t in tokens if not _NOISE.fullmatch(t)]
    table = LIMB_WORDS if side else TRUNK_WORDS
    joined = "".join(tokens)
    for part, words in table.items():
        if joined in words:
            return side, part
    for token in reversed(tokens):  # "rubber_hand": the last word that names a part
        for part, words in table.items():
            if token in words:
                return side, part
    return side, None


class LandmarkBodies:
    """Landmark name -> body index (root = 0) of a character, with `how` each was found ("name" or "geometry")."""

    def __init__(self, character):
        self.character = character
        model = character.source_model
        self.depth = [0] * character.num_bodies
        for b in range(1, character.num_bodies):
            self.depth[b] = self.depth[character.parents[b]] + 1
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        self.rest_pos = data.xpos[1:].copy()
        self.rest_rot = data.xmat[1:].reshape(-1, 3, 3).copy()
        self.real = [model.body_mass[b + 1] > 0 or bool((model.geom_bodyid == b + 1).any())
                     for b in range(character.num_bodies)]
        self.jointed = {j.body for j in character.joints}
        self.parsed = [parse_body_name(n) for n in character.body_names]
        self.found: dict[str, int] = {"pelvis": 0}  # the root: the source's root travels and turns with it
        self.how: dict[str, str] = {"pelvis": "root"}
        for side in SIDES:
            for limb, parts in LIMBS.items():
                self._limb(side, limb, parts)
        self._trunk()

    def ancestors(self, body: int) -> list[int]:
        """The body and every body above it, the body first."""
        out = [body]
        while out[-1] > 0:
            out.append(self.character.parents[out[-1]])
        return out

    def _named(self, side: str | None, part: str, deepest: bool = True) -> list[int]:
        """Bodies of that name, real bodies (with mass or geoms) first, then the deepest (or shallowest) first."""
        hits = [b for b, (s, p) in enumerate(self.parsed) if s == side and p == part and b > 0]
        return sorted(hits, key=lambda b: (not self.real[b], -self.depth[b] if deepest else self.depth[b], b))

    def _limb(self, side: str, limb: str, parts: tuple[str, str, str]) -> None:
        named = [self._named(side, part) for part in parts]
        if all(named):
            chosen = [n[0] for n in named]
            # Each joint below the one before it, or the names do not describe one limb.
            if all(chosen[i] in self.ancestors(chosen[i + 1])[1:] for i in range(2)):
                for part, body in zip(parts, chosen):
                    self.found[f"{side}_{part}"], self.how[f"{side}_{part}"] = body, "name"
                return
        found = self._limb_by_geometry(side, limb)
        for part, body in zip(parts, found or ()):
            self.found[f"{side}_{part}"], self.how[f"{side}_{part}"] = body, "geometry"

    def _limb_by_geometry(self, side: str, limb: str) -> list[int] | None:
        """The limb's three segment bodies from its end (a foot or hand): its jointed bodies below where it leaves
        the other limb, split at its two longest bones, each joint's segment the deepest body of its group."""
        ends = self._ends()
        if ends is None or f"{side}_{limb}" not in ends:
            return None
        end = ends[f"{side}_{limb}"]
        other = ends[f"{'right' if side == 'left' else 'left'}_{limb}"]
        shared = set(self.ancestors(other))
        path = [b for b in self.ancestors(end)[::-1] if b not in shared and b in self.jointed]
        if len(path) < 3:
            return None
        gaps = [np.linalg.norm(self.rest_pos[b] - self.rest_pos[a]) for a, b in zip(path[:-1], path[1:])]
        cuts = sorted(np.argsort(gaps)[-2:])  # a cut after path[i]
        cuts = [self._past_twists(path, i) for i in cuts]
        if cuts[0] >= cuts[1] or cuts[1] >= len(path) - 1:
            return None
        return [path[cuts[0]], path[cuts[1]], end]

    def _past_twists(self, path: list[int], cut: int) -> int:
        """Where a cut after path[cut] goes once the hinges just below it that twist the bone are counted with the
        joint above (they turn the bone about itself)."""
        while cut + 1 < len(path) - 1:
            b = path[cut + 1]
            bone = self.rest_pos[b] - self.rest_pos[path[cut]]
            joint = next(j for j in self.character.joints if j.body == b)
            if joint.num_dofs != 1:
                break
            axis = self.rest_rot[b] @ self.character.dof_axes[joint.dof_start]
            if abs(axis @ bone) < TWIST * np.linalg.norm(bone):
                break
            cut += 1
        return cut

    def _ends(self) -> dict[str, int] | None:
        """Feet, hands and head from the tree: the ends of the limbs with mass (character_facts.extremities), the
        two lowest the feet, the one nearest the middle the head, sides by name, else by +y (the left of a
        character facing +x)."""
        ends = extremities(self.character.source_model)
        if len(ends) != 5:
            return None
        pos = self.rest_pos
        feet = sorted(ends, key=lambda b: pos[b, 2])[:2]
        rest = [b for b in ends if b not in feet]
        head = min(rest, key=lambda b: abs(pos[b, 1] - pos[0, 1]))
        out = {"head": head}
        for limb, pair in (("leg", feet), ("arm", [b for b in rest if b != head])):
            sides = {side_of(self.character.body_names[b]): b for b in pair}
            if set(sides) != set(SIDES):
                sides = dict(zip(("right", "left"), sorted(pair, key=lambda b: pos[b, 1])))
            out.update({f"{s}_{limb}": sides[s] for s in SIDES})
        return out

    def _trunk(self) -> None:
        """The chest: the deepest chest-named body above both shoulders, else the body the arms branch from; the
        head: the deepest real head-named body, else the head end; the neck: the shallowest neck-named body."""
        shoulders = [self.found.get(f"{s}_shoulder") for s in SIDES]
        if None in shoulders:
            return
        common = [b for b in self.ancestors(shoulders[0]) if b in self.ancestors(shoulders[1])]
        chest = next((b for b in self._named(None, "chest") if b in common and b > 0), None)
        self.found["chest"], self.how["chest"] = (chest, "name") if chest is not None else (common[0], "geometry")
        head = self._named(None, "head")
        if head and self.real[head[0]]:
            self.found["head"], self.how["head"] = head[0], "name"
        else:
            ends = self._ends()
            if ends is not None:
                self.found["head"], self.how["head"] = ends["head"], "geometry"
        neck = self._named(None, "neck", deepest=False)
        if neck:
            self.found["neck"], self.how["neck"] = neck[0], "name"
