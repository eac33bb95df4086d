"""What the retargeting needs to know of the character: where its landmarks are, which of its bodies follow which
source joint's rotation (and through which hinges), and which geoms its feet stand on.

Landmarks are points on bodies (a body's origin, or a point on it such as the ball of the foot), named as the
source skeleton's are (amp_studio.motion.retarget.skeleton.LANDMARKS), so that one table of names says what
matches what. Each landmark has a segment body (landmark_bodies.py: by names across conventions, else by
geometry) and a point: the joint's centre, which for a robot's chain of hinges (a hip of pitch, roll and yaw
links) is where the hinge axes meet, not any one link's origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from amp_studio.character import CharacterModel
from amp_studio.errors import CharacterError
from amp_studio.motion.retarget.geom_extents import is_mesh, mesh_corners
from amp_studio.motion.retarget.hinge_chains import HingeChain, find_chain
from amp_studio.motion.retarget.landmark_bodies import SIDES, LandmarkBodies

REQUIRED = ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
            "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")
PREVIOUS = {"chest": "pelvis", "head": "chest",
            **{f"{s}_{part}": before for s in SIDES for part, before in (
                ("hip", "pelvis"), ("knee", f"{s}_hip"), ("ankle", f"{s}_knee"),
                ("shoulder", "chest"), ("elbow", f"{s}_shoulder"), ("wrist", f"{s}_elbow"))}}
"""Each landmark's segment hangs from the one before it: its joint (or chain of hinges) lies between them."""


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
    """A character's landmarks, followers, hinge chains and feet, for retargeting onto it."""

    def __init__(self, character: CharacterModel):
        self.character = character
        self.rest_pos, self.rest_rot = self._rest_pose()
        found = LandmarkBodies(character)
        missing = [name for name in REQUIRED if name not in found.found]
        if missing:
            raise CharacterError(character.path, f"retargeting needs a body for each of {', '.join(missing)} "
                                                 f"(bodies: {', '.join(character.body_names)})")
        self.bodies: dict[str, int] = dict(found.found)
        self.found_by = found.how
        self._centres = {name: self._joint_centre(name) for name in self.bodies if name not in ("head", "neck")}
        self.points: dict[str, tuple[int, np.ndarray]] = {
            name: (self.bodies[name], self._centres[name]) for name in REQUIRED}
        self.points["neck"] = self._neck()
        self.bodies["neck"] = self.points["neck"][0]
        # Every geom of the foot, drawn or colliding: none of it may go below the floor (a robot's drawn foot
        # reaches past the four small balls it collides with).
        self.foot_geoms = {side: self._geoms_of(self.bodies[f"{side}_ankle"]) for side in SIDES}
        for side in SIDES:
            self.points[f"{side}_toe"] = (self.bodies[f"{side}_ankle"], self._ball_of_foot(side))
        if "head" in self.bodies:
            self.points["head"] = (self.bodies["head"], self._head_point())
        self.followers = self._followers()
        # Chains that taking each hinge's own twist would get wrong: more than one hinge, or a hinge on a body
        # above the follower (a hand welded below the wrist's last hinge).
        self.chains = [c for c in (self.chain_of(f.body) for f in self.followers) if c is not None
                       and (c.size > 1 or (c.size == 1 and c.hinged[-1] < 0))]

    # ----- the bodies -----

    def _rest_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions and rotation matrices of the bodies in the model's zero pose, standing on its root."""
        model = self.character.mj_model
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        return data.xpos[1:].copy(), data.xmat[1:].reshape(-1, 3, 3).copy()

    def _chain(self, body: int) -> list[int]:
        chain = [body]
        while chain[-1] > 0:
            chain.append(self.character.parents[chain[-1]])
        return chain[::-1]

    def landmark_of(self, body: int) -> str | None:
        return next((name for name, b in self.bodies.items() if b == body and name != "neck"), None)

    def chain_of(self, body: int) -> HingeChain | None:
        """The hinges between a landmark body and the one before it (None: a spherical joint, or the root)."""
        name = self.landmark_of(body)
        if name not in PREVIOUS or PREVIOUS[name] not in self.bodies:
            return None
        return find_chain(self.character, self.rest_rot, self.bodies[PREVIOUS[name]], body)

    def _joints_between(self, name: str) -> list:
        """The joints that turn a landmark's segment relative to the one before it, nearest the root first."""
        body = self.bodies[name]
        above = self.bodies.get(PREVIOUS.get(name, ""), -1)
        path = []
        while body > above and body >= 0:
            path.append(body)
            body = self.character.parents[body]
        return [j for b in path[::-1] for j in self.character.joints if j.body == b]

    def _joint_centre(self, name: str) -> np.ndarray:
        """Where a landmark's joint turns, in its segment body's frame: the body's origin for one joint on the
        body itself (a ball, three hinges on one body, a knee's hinge); for a chain of hinges on several bodies,
        the point nearest all their axes at rest (a hip's pitch, roll and yaw axes meet within a few mm)."""
        body = self.bodies[name]
        joints = self._joints_between(name)
        if not joints or (len({j.body for j in joints}) == 1 and joints[0].body == body):
            return np.zeros(3)
        lines = np.zeros((3, 3))
        rhs = np.zeros(3)
        for j in joints:
            origin = self.rest_pos[j.body]
            for d in range(j.dof_start, j.dof_start + j.num_dofs):
                axis = self.rest_rot[j.body] @ self.character.dof_axes[d]
                across = np.eye(3) - np.outer(axis, axis)
                lines += across
                rhs += across @ origin
        # A faint pull to the origins keeps the point defined where the axes leave a direction free.
        origins = np.mean([self.rest_pos[j.body] for j in joints], axis=0)
        centre = np.linalg.solve(lines + 1e-6 * np.eye(3), rhs + 1e-6 * origins)
        return self.rest_rot[body].T @ (centre - self.rest_pos[body])

    def _geoms_of(self, body: int) -> list[int]:
        model = self.character.mj_model
        bodies = {body} | {b for b in range(self.character.num_bodies) if body in self._chain(b)}
        return [g for g in range(model.ngeom) if model.geom_bodyid[g] - 1 in bodies]

    def _welded(self, body: int) -> list[int]:
        """The bodies moving as one with `body`: up through bodies without joints to the first that has one,
        and everything below that without a joint between."""
        jointed = {j.body for j in self.character.joints}
        top = body
        while top not in jointed and top > 0:
            top = self.character.parents[top]
        out = [top]
        for b in range(top + 1, self.character.num_bodies):
            if b not in jointed and self.character.parents[b] in out:
                out.append(b)
        return out

    # ----- points on bodies -----

    def _geom_box(self, geoms: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """World-axis bounds of geoms at rest (their bounding boxes; a mesh's vertices)."""
        model = self.character.mj_model
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        low, high = np.full(3, np.inf), np.full(3, -np.inf)
        for g in geoms:
            if is_mesh(model, g):
                body = model.geom_bodyid[g]
                points = data.xpos[body] + mesh_corners(model, g) @ data.xmat[body].reshape(3, 3).T
                low, high = np.minimum(low, points.min(0)), np.maximum(high, points.max(0))
                continue
            half = np.abs(data.geom_xmat[g].reshape(3, 3)) @ _half_extent(model, g)
            low = np.minimum(low, data.geom_xpos[g] - half)
            high = np.maximum(high, data.geom_xpos[g] + half)
        return low, high

    def _ball_of_foot(self, side: str) -> np.ndarray:
        """A point on the sole, two thirds of the way from the ankle to the front of the foot: where a mocap
        skeleton's toe joint sits. In the foot body's frame."""
        body = self.bodies[f"{side}_ankle"]
        low, high = self._geom_box(self.foot_geoms[side])
        ankle = self.rest_point(f"{side}_ankle")
        world = np.array([ankle[0] + 2.0 / 3.0 * (high[0] - ankle[0]), ankle[1], low[2]])
        return self.rest_rot[body].T @ (world - self.rest_pos[body])

    def _head_geoms(self) -> list[int]:
        """The head's geoms: its body's and those below it; a head body without any (a robot's head drawn on
        its torso) takes the geoms of the bodies welded to it that lie above the shoulders."""
        own = self._geoms_of(self.bodies["head"])
        if own:
            return own
        model = self.character.mj_model
        shoulders = np.mean([self.rest_point(f"{s}_shoulder")[2] for s in SIDES])
        welded = [g for g in range(model.ngeom) if model.geom_bodyid[g] - 1 in self._welded(self.bodies["head"])]
        return [g for g in welded if np.mean(self._geom_box([g]), axis=0)[2] > shoulders]

    def _head_point(self) -> np.ndarray:
        """The middle of the head's geoms: where the head's direction from the neck points. In the head's frame."""
        body = self.bodies["head"]
        geoms = self._head_geoms()
        if not geoms:
            return np.zeros(3)
        low, high = self._geom_box(geoms)
        return self.rest_rot[body].T @ (0.5 * (low + high) - self.rest_pos[body])

    def _neck(self) -> tuple[int, np.ndarray]:
        """The neck: a body named so, else the head's joint (a head with one turns at the neck); a head welded to
        the torso (a robot's) has its neck below the middle of its geoms, level with the shoulders."""
        if "neck" in self.bodies:
            return self.bodies["neck"], np.zeros(3)
        head = self.bodies.get("head", self.bodies.get("chest"))
        if head is None:
            raise CharacterError(self.character.path, "retargeting needs a head or a chest (found neither)")
        if any(j.body == head for j in self.character.joints) and head != self.bodies.get("chest"):
            return head, np.zeros(3)
        geoms = self._head_geoms() if "head" in self.bodies else []
        middle = np.mean(self._geom_box(geoms), axis=0) if geoms else self.rest_pos[head]
        shoulders = np.mean([self.rest_point(f"{s}_shoulder") for s in SIDES], axis=0)
        world = np.array([middle[0], middle[1], shoulders[2]])
        return head, self.rest_rot[head].T @ (world - self.rest_pos[head])

    def rest_point(self, name: str) -> np.ndarray:
        """A landmark's world position in the zero pose (the joint's centre for a body without a landmark point,
        such as the chest)."""
        body, local = self.points[name] if name in self.points else (self.bodies[name], self._centres[name])
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
        # A body that no joint turns relative to the one before it (a robot's head on its torso) cannot follow.
        return [f for f in followers if f.source == "pelvis" or self._joints_between(f.source)]

    def leg_length(self) -> float:
        """Hip to knee to ankle at rest, averaged over the sides (the size the source is scaled to)."""
        return float(np.mean([np.linalg.norm(self.rest_point(f"{s}_knee") - self.rest_point(f"{s}_hip"))
                              + np.linalg.norm(self.rest_point(f"{s}_ankle") - self.rest_point(f"{s}_knee"))
                              for s in SIDES]))


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
