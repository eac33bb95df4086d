"""What the retargeting needs to know of the character: where its landmarks are, which of its bodies follow which
source joint's rotation, and which geoms its feet stand on.

Landmarks are points on bodies (a body's origin, or a point on it such as the ball of the foot), named as the
source skeleton's are (amp_studio.motion.retarget.skeleton.LANDMARKS), so that one table of names says what
matches what. The character's bodies are found by name, with the usual spellings of a humanoid's body names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import mujoco
import numpy as np

from amp_studio.character import CharacterModel
from amp_studio.errors import CharacterError

SIDES = ("left", "right")

# Body names a character may use for each landmark's body, by side ("{s}" is "left"/"right", "{c}" is "l"/"r"),
# compared with separators and case ignored. The first name found wins.
_BODY_NAMES = {
    "pelvis": ("pelvis", "hips", "hip", "root", "base"),
    "chest": ("torso", "chest", "spine2", "spine1", "upperchest", "upper_body", "waist"),
    "neck": ("head", "neck"),
    "head": ("head",),
    "{s}_hip": ("{s}_thigh", "{s}_upper_leg", "{s}_hip", "{c}_thigh", "{c}_hip", "thigh_{c}", "{s}_hip_pitch_link"),
    "{s}_knee": ("{s}_shin", "{s}_lower_leg", "{s}_knee", "{s}_calf", "{c}_shin", "{c}_knee", "shin_{c}",
                 "{s}_knee_link"),
    "{s}_ankle": ("{s}_foot", "{s}_ankle", "{c}_foot", "{c}_ankle", "foot_{c}", "{s}_ankle_roll_link"),
    "{s}_shoulder": ("{s}_upper_arm", "{s}_shoulder", "{s}_arm", "{c}_upper_arm", "{c}_shoulder", "upperarm_{c}",
                     "{s}_shoulder_roll_link"),
    "{s}_elbow": ("{s}_lower_arm", "{s}_forearm", "{s}_elbow", "{c}_lower_arm", "{c}_elbow", "forearm_{c}",
                  "{s}_elbow_link"),
    "{s}_wrist": ("{s}_hand", "{s}_wrist", "{c}_hand", "{c}_wrist", "hand_{c}", "{s}_wrist_yaw_link",
                  "{s}_rubber_hand"),
}
REQUIRED = ("pelvis", "neck", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
            "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")


@dataclass(frozen=True)
class Follower:
    """A character body whose world rotation follows a source joint's, aligned at rest by the directions of
    `primary` (the first of its (from, to) landmark pairs that both skeletons have apart: mocap skeletons put
    some joints on top of each other) and `secondary` (the twist about primary): a landmark pair or one of the
    body's DIRECTIONS. Both are needed: a leg that points down in both rests still faces where its body faces."""

    body: int
    source: str
    primary: tuple[tuple[str, str], ...]
    secondary: tuple[str, str] | str


DIRECTIONS = ("up", "lateral", "forward")
"""Directions of the whole body at rest: up (pelvis to neck), lateral (right hip to left hip), and forward
(lateral x up, where the body faces)."""


class CharacterRig:
    """A character's landmarks, followers and feet, for retargeting onto it."""

    def __init__(self, character: CharacterModel):
        self.character = character
        self.bodies = self._find_bodies()
        self.rest_pos, self.rest_rot = self._rest_pose()
        self.points: dict[str, tuple[int, np.ndarray]] = {
            name: (body, np.zeros(3)) for name, body in self.bodies.items() if name != "head" and name != "chest"}
        feet = {side: self.bodies[f"{side}_ankle"] for side in SIDES}
        self.foot_geoms = {side: self._geoms_of(feet[side]) for side in SIDES}
        for side in SIDES:
            self.points[f"{side}_toe"] = (feet[side], self._ball_of_foot(side))
        if "head" in self.bodies:
            self.points["head"] = (self.bodies["head"], self._head_point())
        self.followers = self._followers()

    # ----- finding the bodies -----

    def _find_bodies(self) -> dict[str, int]:
        names = {_plain(n): i for i, n in enumerate(self.character.body_names)}
        found: dict[str, int] = {}
        for landmark, candidates in _BODY_NAMES.items():
            for side in SIDES if "{s}" in landmark else (None,):
                key = landmark.format(s=side) if side else landmark
                for candidate in candidates:
                    name = candidate.format(s=side, c=side[0]) if side else candidate
                    if _plain(name) in names:
                        found[key] = names[_plain(name)]
                        break
        found["pelvis"] = 0  # the free root, whatever its name
        missing = [name for name in REQUIRED if name not in found]
        if missing:
            raise CharacterError(self.character.path, f"retargeting needs a body for each of {', '.join(missing)} "
                                                      f"(bodies: {', '.join(self.character.body_names)})")
        if "chest" not in found or found["chest"] == found["pelvis"]:
            found["chest"] = self._branch_body(found)
        return found

    def _branch_body(self, found: dict[str, int]) -> int:
        """The body the arms and the neck branch from: the chest, for a character without a body of that name."""
        chains = [self._chain(found[name]) for name in ("left_shoulder", "right_shoulder", "neck")]
        common = [b for b in chains[0] if all(b in chain for chain in chains[1:])]
        return common[-1] if common else 0

    def _chain(self, body: int) -> list[int]:
        chain = [body]
        while chain[-1] > 0:
            chain.append(self.character.parents[chain[-1]])
        return chain[::-1]

    def _rest_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions and rotation matrices of the bodies in the model's zero pose, standing on its root."""
        model = self.character.mj_model
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        return data.xpos[1:].copy(), data.xmat[1:].reshape(-1, 3, 3).copy()

    def _geoms_of(self, body: int) -> list[int]:
        model = self.character.mj_model
        bodies = {body} | {b for b in range(self.character.num_bodies) if body in self._chain(b)}
        return [g for g in range(model.ngeom) if model.geom_bodyid[g] - 1 in bodies]

    # ----- points on bodies -----

    def _geom_box(self, geoms: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """World-axis bounds of geoms at rest (their bounding boxes)."""
        model = self.character.mj_model
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        low, high = np.full(3, np.inf), np.full(3, -np.inf)
        for g in geoms:
            half = np.abs(data.geom_xmat[g].reshape(3, 3)) @ _half_extent(model, g)
            low = np.minimum(low, data.geom_xpos[g] - half)
            high = np.maximum(high, data.geom_xpos[g] + half)
        return low, high

    def _ball_of_foot(self, side: str) -> np.ndarray:
        """A point on the sole, two thirds of the way from the ankle to the front of the foot: where a mocap
        skeleton's toe joint sits. In the foot body's frame."""
        body = self.bodies[f"{side}_ankle"]
        low, high = self._geom_box(self.foot_geoms[side])
        ankle = self.rest_pos[body]
        world = np.array([ankle[0] + 2.0 / 3.0 * (high[0] - ankle[0]), ankle[1], low[2]])
        return self.rest_rot[body].T @ (world - ankle)

    def _head_point(self) -> np.ndarray:
        """The middle of the head's geoms: where the head's direction from the neck points. In the head's frame."""
        body = self.bodies["head"]
        low, high = self._geom_box(self._geoms_of(body))
        return self.rest_rot[body].T @ (0.5 * (low + high) - self.rest_pos[body])

    def rest_point(self, name: str) -> np.ndarray:
        """A landmark's world position in the zero pose (a body's origin for a body without a landmark point, such
        as the chest)."""
        body, local = self.points[name] if name in self.points else (self.bodies[name], np.zeros(3))
        return self.rest_pos[body] + self.rest_rot[body] @ local

    # ----- which body follows which source joint -----

    def _followers(self) -> list[Follower]:
        b = self.bodies
        shoulders = ("right_shoulder", "left_shoulder")
        followers = [Follower(b["pelvis"], "pelvis", (("pelvis", "neck"),), "lateral"),
                     Follower(b["chest"], "chest", (("chest", "neck"), ("chest", "head"), ("pelvis", "neck")),
                              shoulders)]
        if "head" in b and b["head"] != b["chest"]:
            followers.append(Follower(b["head"], "head", (("neck", "head"),), shoulders))
        for s in SIDES:
            def limb(landmark: str, primary: tuple[str, str], secondary: str = "forward") -> Follower:
                return Follower(b[landmark], landmark, (primary,), secondary)

            followers += [limb(f"{s}_hip", (f"{s}_hip", f"{s}_knee")),
                          limb(f"{s}_knee", (f"{s}_knee", f"{s}_ankle")),
                          limb(f"{s}_ankle", (f"{s}_ankle", f"{s}_toe"), "lateral"),
                          limb(f"{s}_shoulder", (f"{s}_shoulder", f"{s}_elbow")),
                          limb(f"{s}_elbow", (f"{s}_elbow", f"{s}_wrist")),
                          limb(f"{s}_wrist", (f"{s}_elbow", f"{s}_wrist"))]
        return followers

    def leg_length(self) -> float:
        """Hip to knee to ankle at rest, averaged over the sides (the size the source is scaled to)."""
        return float(np.mean([np.linalg.norm(self.rest_point(f"{s}_knee") - self.rest_point(f"{s}_hip"))
                              + np.linalg.norm(self.rest_point(f"{s}_ankle") - self.rest_point(f"{s}_knee"))
                              for s in SIDES]))


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _half_extent(model: mujoco.MjModel, g: int) -> np.ndarray:
    """Half the size of a geom along its own axes."""
    size, kind = model.geom_size[g], int(model.geom_type[g])  # a plain int: numpy ints and the enum compare badly
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return np.full(3, size[0])
    if kind in (mujoco.mjtGeom.mjGEOM_CAPSULE, mujoco.mjtGeom.mjGEOM_CYLINDER):
        return np.array([size[0], size[0], size[1] + (size[0] if kind == mujoco.mjtGeom.mjGEOM_CAPSULE else 0.0)])
    if kind in (mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_ELLIPSOID):
        return np.array(size[:3])
    return np.full(3, model.geom_rbound[g])
