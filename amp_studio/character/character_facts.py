"""What a character's MJCF says about it, found rather than assumed: its key bodies (head, hands, feet) and which
way it faces.

Key bodies are what the observations and the discriminator track beyond the root and joints. The humanoid names
them head, right_hand, left_hand, right_foot and left_foot; a robot names them otherwise (the G1: head_link,
*_wrist_yaw_link, *_ankle_roll_link) or not at all. The extremities are the ends of the kinematic tree among the
bodies that have mass (marker bodies such as a toe or IMU frame have none): the two lowest at rest are the feet,
the one nearest the middle of the rest are the head, the others the hands; names decide left from right.
"""

from __future__ import annotations

import re
from pathlib import Path

import mujoco
import numpy as np

from amp_studio.errors import CharacterError


def rest_positions(model: mujoco.MjModel) -> np.ndarray:
    """World positions of every body (world body excluded) in the file's rest pose."""
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    return data.xpos[1:].copy()


def extremities(model: mujoco.MjModel) -> list[int]:
    """Bodies (root = 0) with mass and no body with mass below them: the ends of the limbs, and the head."""
    count = model.nbody - 1
    massive = [model.body_mass[b + 1] > 0 for b in range(count)]
    below = [False] * count  # a body with mass somewhere below this one
    for b in reversed(range(1, count)):  # MuJoCo orders children after their parents
        p = int(model.body_parentid[b + 1]) - 1
        below[p] = below[p] or below[b] or massive[b]
    return [b for b in range(1, count) if massive[b] and not below[b]]


def side_of(name: str) -> str | None:
    """"left" or "right" from a body's name (left_hand, LeftHand, l_wrist, hand.L), or None."""
    lower = name.lower()
    for side in ("left", "right"):
        if side in lower or re.search(rf"(^|[^a-z]){side[0]}([^a-z]|$)", lower):
            return side
    return None


def derived_key_bodies(model: mujoco.MjModel, path: Path) -> tuple[str, ...]:
    """The head, right hand, left hand, right foot and left foot (the humanoid's order), found from the file."""
    ends = extremities(model)
    names = [model.body(b + 1).name for b in range(model.nbody - 1)]
    if len(ends) != 5:
        raise CharacterError(path, f"cannot tell its head, hands and feet: it has {len(ends)} limb ends "
                                             f"with mass ({', '.join(names[b] for b in ends) or 'none'}), not 5; "
                                             f"name them in the env config's key_bodies")
    pos = rest_positions(model)
    root = pos[0]
    feet = sorted(ends, key=lambda b: pos[b, 2])[:2]
    rest = [b for b in ends if b not in feet]
    head = min(rest, key=lambda b: abs(pos[b, 1] - root[1]))  # the hands are off to the sides
    hands = [b for b in rest if b != head]
    out = [names[head]]
    for pair in (hands, feet):
        sides = {side_of(names[b]): b for b in pair}
        if set(sides) != {"left", "right"}:
            # No side in the names: the character faces +x, so its left is +y.
            right, left = sorted(pair, key=lambda b: pos[b, 1])
            sides = {"right": right, "left": left}
        out += [names[sides["right"]], names[sides["left"]]]
    return tuple(out)


def check_faces_forward(model: mujoco.MjModel, path: Path, feet: tuple[str, str]) -> None:
    """The character must face +x at rest (heading, the observations' frame and the clips assume it): judged by
    its feet, whose collision shapes reach further toward the toes than the heel."""
    m = model
    data = mujoco.MjData(m)
    mujoco.mj_kinematics(m, data)
    reach = []
    for name in feet:
        b = m.body(name).id
        geoms = [g for g in range(m.ngeom) if m.geom_bodyid[g] == b]
        if not geoms:
            continue
        centre = np.mean([data.geom_xpos[g] for g in geoms], axis=0) - data.xpos[b]
        if np.linalg.norm(centre[:2]) > 0.01:
            reach.append(centre[:2] / np.linalg.norm(centre[:2]))
    if reach:
        forward = np.mean(reach, axis=0)
        if forward[0] < np.cos(np.radians(45.0)) * np.linalg.norm(forward):
            angle = np.degrees(np.arctan2(forward[1], forward[0]))
            raise CharacterError(path, f"its feet point {angle:.0f} degrees from +x at rest; the character "
                                                 f"must face +x (turn its root body in the file)")
