"""Heels that rise at the end of a stance: where a held heel is farther from the hip than the straight leg
reaches, the foot pitches about the front of its sole (the toes stay on the floor) until the leg reaches.

A stance heel is held where it landed while the body walks on over it. The actor's heel peels off the floor as
the leg straightens behind; the contact detector, judging the ankle's height and speed, can still call that heel
standing, and the character's legs are not the actor's scaled. Holding it flat would leave the hip too high for
the leg: the body would have to sink (and bend the other, swinging leg). Pitching the foot about its front edge
is what a walker does, keeps the toes where they stand, and moves nothing above the ankle.
"""

from __future__ import annotations

import numpy as np

from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.leg_ik import BLEND, AnkleTargets, foot_geometry, leg_reach
from amp_studio.motion.retarget.time_filters import moving_average, running_max
from amp_studio.motion.retarget.transfer import Transfer, body_frames, body_positions, point_positions

PITCHES = np.radians(np.arange(0.0, 60.5, 0.5))
"""The turns tried (radians about the foot's lateral axis), half a degree apart: positive lifts the heel about
the front of the sole, negative the toes about the heel."""


def lift_heels(rig: CharacterRig, transfer: Transfer, ankles: AnkleTargets, fps: float) -> dict[str, np.ndarray]:
    """Pitch held feet that the straight leg cannot reach from the source's hip height; change the foot's
    rotation in the transfer and its ankle target (and sole height) to match. Returns each side's lift (rad)."""
    feet = foot_geometry(rig)
    world = body_frames(rig, transfer)
    body_pos = body_positions(rig, transfer.root_pos, world)
    width = max(1, int(round(BLEND * fps)))
    lifts = {}
    for side in SIDES:
        foot, ankle_local = rig.points[f"{side}_ankle"]
        hold = ankles.hold[side]
        rot = world[:, foot]
        corners = feet.corners[side] @ np.swapaxes(rot, -1, -2)  # (F, P, 3): ankle to each corner, world
        forward = rot @ (rig.points[f"{side}_toe"][1] - ankle_local)
        forward[:, 2] = 0.0
        forward /= np.maximum(np.linalg.norm(forward, axis=-1, keepdims=True), 1e-9)
        lateral = np.cross([0.0, 0.0, 1.0], forward)  # turning about it by a positive angle lifts the heel
        # The pivots: the sole's (the corners lowest at rest) most forward one (the front edge, about which the
        # heel lifts) and most backward one (the heel, about which the toes lift).
        rest_z = (feet.corners[side] @ rig.rest_rot[foot].T)[:, 2]
        sole = rest_z <= rest_z.min() + 0.005
        ahead = (corners * forward[:, None]).sum(-1)
        front = _pick(corners, np.argmax(np.where(sole, ahead, -np.inf), axis=-1))
        back = _pick(corners, np.argmin(np.where(sole, ahead, np.inf), axis=-1))
        pivots = np.where(PITCHES[None, :, None] >= 0, front[:, None], back[:, None])  # (F, K, 3)
        ankle = ankles.position[side][:, None] + pivots - (_turns(lateral, PITCHES) @ pivots[..., None])[..., 0]
        hip = point_positions(rig, body_pos, world, f"{side}_hip")
        reach = np.linalg.norm(ankle - hip[:, None], axis=-1)
        # The smallest turn that lets the straight leg reach, else the one that comes nearest; none where no foot
        # holds or it reaches flat.
        fits = reach <= leg_reach(rig, side)
        smallest = np.argmin(np.where(fits, np.abs(PITCHES), np.inf), axis=-1)
        lift = np.where(fits.any(-1), PITCHES[smallest], PITCHES[np.argmin(reach, axis=-1)]) * (hold > 0)
        lift = hold * _smooth_keeping_extremes(lift, width)
        if not lift.any():
            lifts[side] = lift
            continue
        turn = _turns(lateral, lift[:, None])[:, 0]
        new_rot = turn @ rot
        pivot = np.where(lift[:, None] >= 0, front, back)
        ankles.position[side] += pivot - (turn @ pivot[..., None])[..., 0]
        new_corners = feet.corners[side] @ np.swapaxes(new_rot, -1, -2)
        ankles.sole[side] = -new_corners[..., 2].min(-1)
        # The held part on the floor: the turned foot's lowest corner at z = 0.
        ankles.position[side][:, 2] = hold * ankles.sole[side] + (1 - hold) * ankles.position[side][:, 2]
        transfer.rotations[foot] = new_rot
        lifts[side] = lift
    return lifts


def _pick(points: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(points, index[:, None, None], axis=1)[:, 0]


def _smooth_keeping_extremes(x: np.ndarray, width: int) -> np.ndarray:
    """Smoothed over 2 width + 1 frames, never smaller in size than x: a held extreme, then a moving average."""
    signed = running_max(np.maximum(x, 0.0), width) - running_max(np.maximum(-x, 0.0), width)
    return moving_average(signed, width)


def _turns(axis: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rotations about each frame's axis (F, 3) by each of its angles (F or 1, K). Shape: (F, K, 3, 3)."""
    k = np.zeros(axis.shape[:-1] + (3, 3))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -axis[..., 2], axis[..., 1], -axis[..., 0]
    k = k - np.swapaxes(k, -1, -2)
    angles = np.broadcast_to(np.asarray(angles, dtype=np.float64), (len(axis), np.shape(angles)[-1]))
    s, c = np.sin(angles)[..., None, None], np.cos(angles)[..., None, None]
    k = k[:, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)
