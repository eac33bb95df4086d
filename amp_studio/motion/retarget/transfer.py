"""The source's pose carried onto the character: each follower body takes its source joint's rotation, relative to
the zero poses of both, so that limbs point where the source's point whatever either rest pose is (T, A or other).

For a follower f with source joint j: G_char(t) = G_src(t) G_src_rest^T A_f R_char_rest, where A_f turns the
character's rest bone (f.primary, and f.secondary for the twist) onto the source's rest bone. A limb that points
along the source's in the rest poses then points along it in every frame; the root travels as the source's,
scaled by the ratio of leg lengths. A follower turned by a chain of single hinges (a robot's hip of pitch, roll and
yaw links) gets the chain's angles that come nearest its rotation (hinge_chains.py), and the links between take
the rotations those angles give them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from amp_studio.motion.retarget import hinge_chains
from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig, Follower
from amp_studio.motion.retarget.source_motion import SourceMotion
from amp_studio.rotations import matrix_to_quat, quat_to_exp_map

MIN_BONE = 0.02
"""Metres: landmarks closer than this at rest give no direction (a mocap neck joint on top of the chest's)."""


@dataclass
class Transfer:
    """Targets for the solver: root position (F, 3), each follower body's world rotation (F, 3, 3), each
    landmark's world position (F, 3), and the frames whose forward kinematics reach them where the joints allow."""

    root_pos: np.ndarray
    rotations: dict[int, np.ndarray]
    positions: dict[str, np.ndarray]
    frames: np.ndarray


def alignment(primary_char: np.ndarray, primary_src: np.ndarray, secondary_char: np.ndarray | None = None,
              secondary_src: np.ndarray | None = None) -> np.ndarray:
    """The rotation A with A @ primary_char along primary_src (and the secondaries in one plane with them, when
    given and not parallel to the primaries); the smallest such rotation without secondaries."""
    a, b = _unit(primary_char), _unit(primary_src)
    if secondary_char is not None and secondary_src is not None:
        fa, fb = _frame(a, secondary_char), _frame(b, secondary_src)
        if fa is not None and fb is not None:
            return fb @ fa.T
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(a @ b)
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        other = _unit(np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0]))
        return 2.0 * np.outer(other, other) - np.eye(3)  # half a turn about an axis across a
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


def transfer(source: SourceMotion, rig: CharacterRig) -> Transfer:
    """Targets and first frames for the source's motion on the rig's character."""
    scale = rig.leg_length() / _leg_length(source)
    rotations: dict[int, np.ndarray] = {}
    for f in (f for f in rig.followers if _source_has(source, f)):
        a = alignment(*_directions(rig, source, f))
        src = source.rotations[f.source] @ source.rest_rotations[f.source].T
        rotations[f.body] = src @ a @ rig.rest_rot[f.body]

    pelvis = source.positions["pelvis"]
    floor = min(source.positions[f"{s}_{part}"][:, 2].min() for s in SIDES for part in ("toe", "ankle")
                if source.has(f"{s}_{part}"))
    # The pelvis as high above the floor as the source's, at the character's size; the floor terms of the solver
    # then settle the feet on it.
    root_pos = scale * (pelvis - np.array([pelvis[0, 0], pelvis[0, 1], floor]))

    world = world_rotations(rig, rotations, len(pelvis))
    frames = frames_from_world(rig, root_pos, world)
    body_pos = body_positions(rig, root_pos, world)
    positions = {name: body_pos[:, body] + world[:, body] @ local for name, (body, local) in rig.points.items()}
    return Transfer(root_pos, rotations, positions, frames)


def body_frames(rig: CharacterRig, transfer: Transfer) -> np.ndarray:
    """Every body's world rotation under the transfer. Shape: (F, bodies, 3, 3)."""
    return world_rotations(rig, transfer.rotations, len(transfer.root_pos))


def _source_has(source: SourceMotion, f: Follower) -> bool:
    names = (f.source,) + (() if isinstance(f.secondary, str) else f.secondary)
    return all(source.has(name) for name in names) and any(all(map(source.has, pair)) for pair in f.primary)


def _directions(rig: CharacterRig, source: SourceMotion, f: Follower):
    """The follower's primary and secondary directions at rest, on the character and on the source."""
    def char(pair):
        return body_direction(rig.rest_point, pair) if isinstance(pair, str) else \
            rig.rest_point(pair[1]) - rig.rest_point(pair[0])

    def src(pair):
        def rest(name):
            return source.rest_positions[name]
        return body_direction(rest, pair) if isinstance(pair, str) else rest(pair[1]) - rest(pair[0])

    usable = [pair for pair in f.primary if all(map(source.has, pair))]
    primary = next((pair for pair in usable if min(np.linalg.norm(char(pair)), np.linalg.norm(src(pair)))
                    > MIN_BONE), usable[0])
    return char(primary), src(primary), char(f.secondary), src(f.secondary)


def body_direction(point, name: str) -> np.ndarray:
    """One of character_rig.DIRECTIONS, from a landmark's position function."""
    up = point("neck") - point("pelvis")
    lateral = point("left_hip") - point("right_hip")
    if name == "up":
        return up
    if name == "lateral":
        return lateral
    return np.cross(lateral, up)


def _leg_length(source: SourceMotion) -> float:
    lengths = [np.linalg.norm(source.rest_positions[f"{s}_knee"] - source.rest_positions[f"{s}_hip"])
               + np.linalg.norm(source.rest_positions[f"{s}_ankle"] - source.rest_positions[f"{s}_knee"])
               for s in SIDES]
    return float(np.mean(lengths))


def world_rotations(rig: CharacterRig, rotations: dict[int, np.ndarray], num_frames: int) -> np.ndarray:
    """Every body's world rotation: a follower's target; a body inside a hinge chain, as the chain's hinges put
    it when they turn the follower below it as near its target as they can (ranges aside: this is the target
    pose, not the clip's); any other body turned with its parent as at rest."""
    parents = rig.character.parents
    world = np.empty((num_frames, len(parents), 3, 3))
    inner = {b: (chain, i) for chain in rig.chains if chain.end in rotations
             for i, b in enumerate(chain.bodies[:-1])}
    posed: dict[int, np.ndarray] = {}
    for b, p in enumerate(parents):
        if b in rotations:
            world[:, b] = rotations[b]
        elif b in inner:
            chain, i = inner[b]
            if chain.end not in posed:  # the anchor is above every chain body: its rotation is known by now
                anchor = world[:, chain.anchor]
                angles = hinge_chains.solve(chain, np.swapaxes(anchor, -1, -2) @ rotations[chain.end], bounded=False)
                posed[chain.end] = anchor[:, None] @ hinge_chains.body_rotations(chain, angles)
            world[:, b] = posed[chain.end][:, i]
        elif p < 0:
            world[:, b] = rig.rest_rot[b]
        else:
            world[:, b] = world[:, p] @ (rig.rest_rot[p].T @ rig.rest_rot[b])
    return world


def body_positions(rig: CharacterRig, root_pos: np.ndarray, world: np.ndarray) -> np.ndarray:
    """Where each body is when every body has its world rotation: the bones keep the character's lengths."""
    parents = rig.character.parents
    body_pos = np.empty(world.shape[:2] + (3,))
    for b, p in enumerate(parents):
        if p < 0:
            body_pos[:, b] = root_pos
        else:
            offset = rig.rest_rot[p].T @ (rig.rest_pos[b] - rig.rest_pos[p])
            body_pos[:, b] = body_pos[:, p] + world[:, p] @ offset
    return body_pos


def point_positions(rig: CharacterRig, body_pos: np.ndarray, world: np.ndarray, name: str) -> np.ndarray:
    """A landmark's world position in each frame, from the bodies' positions and rotations. Shape: (F, 3)."""
    body, local = rig.points[name]
    return body_pos[:, body] + world[:, body] @ local


def frames_from_world(rig: CharacterRig, root_pos: np.ndarray, world: np.ndarray) -> np.ndarray:
    """Clip frames whose joints give the bodies these world rotations as nearly as the joints can: a spherical
    joint exactly, a chain of hinges by its hinge_chains solution within the ranges, any other hinge by the twist
    of its rotation about its axis."""
    character = rig.character
    model = character.source_model
    parents = character.parents
    dofs = np.zeros((len(root_pos), character.num_dofs))
    chained = {d for chain in rig.chains for d in chain.dofs}
    # Each joint's own rotation, for the joints no chain solves (all of them on a humanoid).
    bodies = sorted({j.body for j in character.joints if j.dof_start not in chained})
    local = np.empty((len(root_pos), len(bodies), 3, 3))
    for i, b in enumerate(bodies):
        p = parents[b]
        rest_local = rig.rest_rot[b] if p < 0 else rig.rest_rot[p].T @ rig.rest_rot[b]
        parent = np.eye(3) if p < 0 else world[:, p]
        local[:, i] = rest_local.T @ np.swapaxes(parent, -1, -2) @ world[:, b]
    quat = matrix_to_quat(torch.from_numpy(local))
    place = {b: i for i, b in enumerate(bodies)}
    for joint in character.joints:
        if joint.body not in place:
            continue
        q = quat[:, place[joint.body]]
        if joint.is_spherical:
            dofs[:, joint.dof_start:joint.dof_start + 3] = quat_to_exp_map(q).numpy()
        else:
            axis = torch.from_numpy(model.jnt_axis[joint.dof_start + 1])
            twist = (q[:, 1:] * axis).sum(-1)
            dofs[:, joint.dof_start] = (2.0 * torch.atan2(twist, q[:, 0])).numpy()
            dofs[:, joint.dof_start] = np.angle(np.exp(1j * dofs[:, joint.dof_start]))  # within (-pi, pi]
    for chain in rig.chains:
        relative = np.swapaxes(world[:, chain.anchor], -1, -2) @ world[:, chain.end]
        dofs[:, list(chain.dofs)] = hinge_chains.solve(chain, relative)
    root = quat_to_exp_map(matrix_to_quat(torch.from_numpy(world[:, 0]))).numpy()
    frames = np.concatenate((root_pos, root, dofs), axis=1)
    lower, upper = character.dof_lower.double().numpy(), character.dof_upper.double().numpy()
    frames[:, 6:] = np.clip(frames[:, 6:], lower, upper)
    return frames


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / max(np.linalg.norm(v), 1e-12)


def _frame(primary: np.ndarray, secondary) -> np.ndarray | None:
    """Columns: primary, the secondary made orthogonal to it, and their cross product (None if they are
    nearly parallel)."""
    s = np.asarray(secondary, dtype=np.float64) - (np.asarray(secondary) @ primary) * primary
    if np.linalg.norm(s) < 1e-6 * max(np.linalg.norm(secondary), 1e-12):
        return None
    s = _unit(s)
    return np.stack((primary, s, np.cross(primary, s)), axis=1)
