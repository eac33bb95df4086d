"""Feet that stand where the source's stand: each leg solved in closed form (hip, knee hinge, ankle) so that the
ankle reaches its target exactly, stance feet held in place and their soles on the floor.

The transfer already gives every body its source rotation; only the legs must also reach positions, because the
character's legs are not the source's legs scaled. A leg with a spherical hip and a hinge knee reaches a point by
its knee bend (which sets the hip-to-ankle distance) and a swing of the whole leg about the hip (which aims it);
the thigh's twist and the foot's rotation stay the transferred ones. Closed form, every frame at once: no
iterations to converge, so nothing to jitter. A leg of single hinges (a robot's) has no closed form: hinge_legs.py
solves it, after the same soft straightening.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
import torch

from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.foot_contacts import FootContacts
from amp_studio.motion.retarget.geom_extents import is_mesh, mesh_corners
from amp_studio.motion.retarget.hinge_legs import hinge_leg, solve_hinge_leg
from amp_studio.motion.retarget.transfer import (
    Transfer,
    alignment,
    body_frames,
    body_positions,
    frames_from_world,
    point_positions,
)
from amp_studio.rotations import quat_to_matrix

BLEND = 0.1
"""Seconds over which a held foot eases into and out of its hold: a hold that starts at once would pop."""


SOFT_KNEE = 0.01
"""Metres short of straight at which a leg starts to straighten softly (see _soft_reach)."""


@dataclass
class FootGeometry:
    """Corners of the foot geoms' boxes, per side, in the foot body's frame from the ankle point (the lowest is
    how low the sole reaches below the ankle)."""

    corners: dict[str, np.ndarray]  # side -> (P, 3)


def foot_geometry(rig: CharacterRig) -> FootGeometry:
    model = rig.character.mj_model
    corners = {}
    for side in SIDES:
        foot, ankle = rig.points[f"{side}_ankle"]
        points = []
        for g in rig.foot_geoms[side]:
            if is_mesh(model, g):
                local = mesh_corners(model, g)  # the box around its vertices, in its body's frame
            else:
                half = _box_half(model, g)
                rot = np.zeros(9)
                mujoco.mju_quat2Mat(rot, model.geom_quat[g])
                local = model.geom_pos[g] + (np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).T.reshape(-1, 3)
                                             * half) @ rot.reshape(3, 3).T
            body = model.geom_bodyid[g] - 1
            # A geom on a body below the foot (a toe) is placed as it is at rest.
            world = rig.rest_pos[body] + local @ rig.rest_rot[body].T
            points.append((world - rig.rest_pos[foot]) @ rig.rest_rot[foot] - ankle)
        corners[side] = np.concatenate(points)
    return FootGeometry(corners)


def _box_half(model: mujoco.MjModel, g: int) -> np.ndarray:
    size, kind = model.geom_size[g], int(model.geom_type[g])  # a plain int: numpy ints and the enum compare badly
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return np.full(3, size[0]) * 0.7  # a box's corners reach past a ball: stay within it
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return np.array([size[0] * 0.7, size[0] * 0.7, size[1] + size[0] * 0.7])
    return np.array(size[:3])


def lowest_foot_points(rig: CharacterRig, frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per side, each frame's lowest foot corner (metres above z = 0). Shape: (F,) each."""
    feet = foot_geometry(rig)
    with torch.no_grad():
        pos, quat = rig.character.forward_kinematics_frames(torch.from_numpy(frames))
        rot = quat_to_matrix(quat).numpy()
    out = {}
    for side in SIDES:
        b, ankle = rig.points[f"{side}_ankle"]
        corners = (feet.corners[side] + ankle) @ np.swapaxes(rot[:, b], -1, -2)
        out[side] = (pos[:, b, 2].numpy()[:, None] + corners[..., 2]).min(-1)
    return out


def settle(rig: CharacterRig, transfer: Transfer, contacts: FootContacts) -> float:
    """Move the root and the landmark targets up or down so that standing feet rest on the floor (the median of
    their lowest points in stance at z = 0): the source's feet and the character's differ in how high the ankle
    and toe joints sit above the sole. Returns the shift (m)."""
    lowest = lowest_foot_points(rig, transfer.frames)
    standing = np.concatenate([lowest[s][contacts.foot[s]] for s in SIDES])
    if not len(standing):
        standing = np.minimum(*lowest.values())
    shift = -float(np.median(standing))
    transfer.root_pos[:, 2] += shift
    transfer.frames[:, 2] += shift
    for p in transfer.positions.values():
        p[:, 2] += shift
    return shift


@dataclass
class AnkleTargets:
    """Per side: where the ankle must be each frame (F, 3), how much of it is a held stance (F,: 0 free, 1 held,
    eased between), and the ankle's height when the sole is on the floor (F,)."""

    position: dict[str, np.ndarray]
    hold: dict[str, np.ndarray]
    sole: dict[str, np.ndarray]


def ankle_targets(rig: CharacterRig, transfer: Transfer, contacts: FootContacts, fps: float) -> AnkleTargets:
    """Per side, where the ankle must be each frame: held while the ankle (heel) stands, placed so that the
    held ball of the foot stays put while only the toe stands, the sole on the floor in stance and never below
    it; the transferred position elsewhere, blended over BLEND seconds."""
    feet = foot_geometry(rig)
    world = body_frames(rig, transfer)
    targets = AnkleTargets({}, {}, {})
    for side in SIDES:
        foot, ankle_local = rig.points[f"{side}_ankle"]
        ankle = transfer.positions[f"{side}_ankle"].copy()
        toe_local = rig.points[f"{side}_toe"][1] - ankle_local
        rot = world[:, foot]
        toe_offset = rot @ toe_local  # ankle to ball of foot, world
        # Lowest corner below the ankle for this foot rotation: the ankle's height when the sole is on the floor.
        sole = -(feet.corners[side] @ np.swapaxes(rot, -1, -2))[..., 2].min(-1)
        # Each hold as a track: the held heel (the ankle) and the held ball of the foot (the ankle then follows
        # the foot's rotation around it), each carried on to the frames nearest its stance.
        tracks, eases = [], []
        for name in (f"{side}_ankle", f"{side}_toe"):
            on = np.zeros(len(ankle), bool)
            point = np.zeros((len(ankle), 2))
            for first, end in contacts.spans(name) if name in contacts.contact else ():
                on[first:end] = True
                point[first:end] = transfer.positions[name][first:end, :2].mean(axis=0)
            if on.any():
                point = point[_nearest(on)]
                tracks.append(point - toe_offset[:, :2] if name.endswith("_toe") else point)
                eases.append(ease(trim_ends(on, int(round(0.5 * BLEND * fps))), BLEND * fps))
        if not tracks:
            tracks, eases = [ankle[:, :2]], [np.zeros(len(ankle))]
        # The heel's hold wins where both stand, handing over to the ball's gradually as the heel lifts.
        held = tracks[0] if len(tracks) == 1 else eases[0][:, None] * tracks[0] + (1 - eases[0][:, None]) * tracks[1]
        weight = np.max(eases, axis=0)
        out = ankle.copy()
        out[:, :2] = (1 - weight[:, None]) * ankle[:, :2] + weight[:, None] * held
        out[:, 2] = (1 - weight) * np.maximum(ankle[:, 2], sole) + weight * sole
        targets.position[side], targets.hold[side], targets.sole[side] = out, weight, sole
    return targets


def trim_ends(on: np.ndarray, frames: int) -> np.ndarray:
    """`on` with each run's last `frames` frames off (at least its first frame kept), except a run that lasts to
    the clip's end: nothing is known of how that stance ends."""
    out = on.copy()
    starts = np.flatnonzero(on & ~np.concatenate(([False], on[:-1])))
    ends = np.flatnonzero(on & ~np.concatenate((on[1:], [False]))) + 1
    for first, end in zip(starts, ends):
        if end < len(on):
            out[max(first + 1, end - frames):end] = False
    return out


def _nearest(on: np.ndarray) -> np.ndarray:
    """For each frame, the index of the nearest frame where `on` (which has at least one)."""
    ones = np.flatnonzero(on)
    frames = np.arange(len(on))
    at = np.clip(np.searchsorted(ones, frames), 0, len(ones) - 1)
    before = ones[np.maximum(at - 1, 0)]
    return np.where(np.abs(frames - before) < np.abs(frames - ones[at]), before, ones[at])


def ease(on: np.ndarray, width: float) -> np.ndarray:
    """A 0/1 signal eased from 0 to 1 over the `width` frames before each run of ones and back after it: whole
    within the run, so a held foot does not slide at the ends of its hold."""
    frames = np.arange(len(on))
    ones = np.flatnonzero(on)
    if not len(ones):
        return on.astype(np.float64)
    # Distance (frames) to the nearest one, by a search in the sorted positions of the ones.
    at = np.clip(np.searchsorted(ones, frames), 1, len(ones) - 1) if len(ones) > 1 else np.zeros(len(on), int)
    distance = np.minimum(np.abs(frames - ones[at]), np.abs(frames - ones[np.maximum(at - 1, 0)]))
    x = np.clip(1.0 - distance / max(width, 1.0), 0.0, 1.0)  # by time, whatever the frame rate
    return x * x * (3 - 2 * x)


def leg_reach(rig: CharacterRig, side: str) -> float:
    """How far the hip reaches its ankle, the knee all but straight."""
    hip, knee, ankle = (rig.rest_point(f"{side}_{part}") for part in ("hip", "knee", "ankle"))
    return 0.9997 * (np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee))


def solve_legs(rig: CharacterRig, transfer: Transfer, targets: dict[str, np.ndarray],
               hold: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Frames with each leg bent and swung so that its ankle is at its target (as near as the leg reaches), then
    once more with any foot that the joint ranges turned into the floor lifted out of it: the targets' sole
    heights assume the transferred foot rotations, which an ankle at the end of its range cannot always take.
    hold: per side, how much each frame's foot stands (AnkleTargets.hold; None: none, the ankles' places first)."""
    if hold is None:
        hold = {side: np.zeros(len(t)) for side, t in targets.items()}
    frames = _solve_legs_once(rig, transfer, targets, hold)
    lowest = lowest_foot_points(rig, frames)
    if min(v.min() for v in lowest.values()) >= 0.0:
        return frames
    lifted = {side: t.copy() for side, t in targets.items()}
    for side in SIDES:
        lifted[side][:, 2] += np.maximum(-lowest[side], 0.0)
    return _solve_legs_once(rig, transfer, lifted, hold)


def _solve_legs_once(rig: CharacterRig, transfer: Transfer, targets: dict[str, np.ndarray],
                     hold: dict[str, np.ndarray]) -> np.ndarray:
    character = rig.character
    model = character.source_model
    world = body_frames(rig, transfer)
    body_pos = body_positions(rig, transfer.root_pos, world)
    for side in SIDES:
        hip, knee, ankle = (rig.bodies[f"{side}_{part}"] for part in ("hip", "knee", "ankle"))
        knee_joint = next((j for j in character.joints if j.body == knee and not j.is_spherical), None)
        if knee_joint is None or character.parents[ankle] != knee or character.parents[knee] != hip:
            continue  # not a hip-knee-ankle chain with a hinge knee: hinge_legs solves it below
        axis = model.jnt_axis[knee_joint.dof_start + 1]
        upper = rig.rest_rot[hip].T @ (rig.rest_pos[knee] - rig.rest_pos[hip])     # in the thigh's frame
        lower = rig.rest_rot[knee].T @ (rig.rest_pos[ankle] - rig.rest_pos[knee])  # in the shin's frame
        rest_knee = rig.rest_rot[hip].T @ rig.rest_rot[knee]
        thigh, shin = world[:, hip], world[:, knee]
        bend = rest_knee.T @ np.swapaxes(thigh, -1, -2) @ shin  # the knee joint's rotation now
        angle = _hinge_angle(bend, axis)
        reach = _soft_reach(np.linalg.norm(targets[side] - body_pos[:, hip], axis=-1),
                            float(np.linalg.norm(upper) + np.linalg.norm(lower)))
        lo, hi = float(character.dof_lower[knee_joint.dof_start]), float(character.dof_upper[knee_joint.dof_start])
        angle = _knee_angle(upper, lower, axis, rest_knee, reach, angle, lo, hi)
        new_bend = _rotation(axis, angle)
        shin_in_thigh = rest_knee @ new_bend
        ankle_in_thigh = upper + shin_in_thigh @ lower
        reached = (thigh @ ankle_in_thigh[..., None])[..., 0]
        swing = _swings(reached, targets[side] - body_pos[:, hip])
        world[:, hip] = swing @ thigh
        world[:, knee] = world[:, hip] @ shin_in_thigh
    frames = frames_from_world(rig, transfer.root_pos, world)
    return solve_hinge_legs(rig, world, body_pos, frames, targets, hold)


def solve_hinge_legs(rig: CharacterRig, world: np.ndarray, body_pos: np.ndarray, frames: np.ndarray,
                     targets: dict[str, np.ndarray], hold: dict[str, np.ndarray]) -> np.ndarray:
    """`frames` with the legs made of hinges (hinge_legs.py) solved for their targets, from the angles they
    have; world and body_pos: the bodies' rotations and positions as the transfer put them (the hips' places)."""
    frames = frames.copy()
    for side in SIDES:
        leg = hinge_leg(rig, side)
        if leg is None:
            continue
        # The same soft straightening as the closed form's, about the hip joint's centre.
        hip = point_positions(rig, body_pos, world, f"{side}_hip")
        reach = targets[side] - hip
        distance = np.maximum(np.linalg.norm(reach, axis=-1), 1e-9)
        soft = _soft_reach(distance, leg_reach(rig, side) / 0.9997)
        target = hip + reach * (soft / distance)[:, None]
        dofs = 6 + np.array(leg.dofs)
        frames[:, dofs] = solve_hinge_leg(rig, leg, frames[:, :3], world[:, rig.bodies["pelvis"]],
                                          frames[:, dofs], target, world[:, leg.end], hold[side])
    return frames


def _soft_reach(reach: np.ndarray, straight: float) -> np.ndarray:
    """The hip-to-ankle distance the leg takes for a target `reach` away: the target's own up to SOFT_KNEE short
    of straight, then approaching straight without reaching it. A knee's bend goes as the square root of how far
    the target is inside the straight leg's reach, so a hard limit snaps the knee straight (4-5 degrees in one
    frame on the Xia walks) when the target crosses it; eased, the foot falls short by at most SOFT_KNEE / e."""
    soft = straight - SOFT_KNEE
    return np.where(reach > soft, soft + SOFT_KNEE * (1.0 - np.exp(-(reach - soft) / SOFT_KNEE)), reach)


def _rotation(axis: np.ndarray, angle) -> np.ndarray:
    angle = np.asarray(angle, dtype=np.float64)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle)[..., None, None] * k + (1 - np.cos(angle))[..., None, None] * (k @ k)


def _hinge_angle(rot: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The angle of each rotation's twist about axis."""
    skew = 0.5 * np.stack((rot[..., 2, 1] - rot[..., 1, 2], rot[..., 0, 2] - rot[..., 2, 0],
                           rot[..., 1, 0] - rot[..., 0, 1]), axis=-1)
    cos = 0.5 * (np.trace(rot, axis1=-2, axis2=-1) - 1.0)
    return np.arctan2(skew @ axis, cos)


def _knee_angle(upper, lower, axis, rest_knee, reach, current, lo, hi) -> np.ndarray:
    """The knee angle nearest the current one whose hip-to-ankle distance is `reach` (within the knee's range;
    the nearest reachable distance where none is). |upper + rest_knee R(a) lower|^2 = p + q cos a + r sin a."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    u = rest_knee.T @ upper  # upper in the knee's rest frame: |u + R(a) lower| is the distance
    par = axis * (axis @ lower)
    p = u @ u + lower @ lower + 2 * u @ par
    q = 2 * u @ (lower - par)
    r = 2 * u @ (k @ lower)
    amp = np.hypot(q, r)
    phase = np.arctan2(r, q)
    cos = np.clip((reach ** 2 - p) / max(amp, 1e-12), -1.0, 1.0)
    candidates = np.stack((phase + np.arccos(cos), phase - np.arccos(cos)), axis=-1)
    candidates = np.angle(np.exp(1j * (candidates - current[:, None]))) + current[:, None]  # nearest turn
    candidates = np.clip(candidates, lo, hi)
    # The candidate that reaches best once inside the range (a straight knee has its two solutions on either
    # side of zero, one of them out of range), then the one nearer the current bend.
    reached = np.sqrt(np.maximum(p + q * np.cos(candidates) + r * np.sin(candidates), 0.0))
    miss = np.round(np.abs(reached - reach[:, None]), 6)
    best = np.lexsort((np.abs(candidates - current[:, None]).T, miss.T), axis=0)[0]
    return np.take_along_axis(candidates, best[:, None], -1)[:, 0]


def _swings(current: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per frame, the smallest rotation turning direction current onto wanted. Shapes: (F, 3) -> (F, 3, 3)."""
    return np.stack([alignment(c, w) for c, w in zip(current, wanted)])
