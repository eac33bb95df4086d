"""The body moved over standing feet that the legs' joint ranges keep them from reaching.

The legs are solved with the body where the transfer and body_height.py put it. A humanoid's legs reach any held
foot within their length; a robot's may not: the G1 bends its hip only 90 degrees and its ankle 50 degrees up, so
in a deep squat (the landing of the Xia hop, neutral_16) its legs hang short of feet held flat on the floor, and
the feet slide and dig in. Where that happens the whole body moves by what the standing feet miss (their mean,
weighted by how much each stands), smoothed over leg_ik.BLEND, and the legs are solved again: a few rounds bring
the feet within a few millimetres. Legs solved in closed form (leg_ik's spherical hips) are left as they are.
"""

from __future__ import annotations

import numpy as np

from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.hinge_legs import ankle_positions, hinge_leg
from amp_studio.motion.retarget.leg_ik import BLEND, AnkleTargets, lowest_foot_points, solve_hinge_legs, solve_legs
from amp_studio.motion.retarget.time_filters import moving_average, running_max
from amp_studio.motion.retarget.transfer import Transfer, body_frames, body_positions

ROUNDS = 4
TOLERANCE = 0.003
"""Metres a standing foot may be missed without moving the body: the soft straightening misses by up to 3.7 mm."""


def solve_legs_reaching(rig: CharacterRig, transfer: Transfer, ankles: AnkleTargets, fps: float) -> np.ndarray:
    """leg_ik.solve_legs, with the body moved (the transfer's root, its landmark targets above the feet and the
    swinging feet's targets with it) until the standing feet are reached. Returns the frames."""
    frames = solve_legs(rig, transfer, ankles.position, ankles.hold)
    sides = [side for side in SIDES if hinge_leg(rig, side) is not None]
    if not sides:
        return frames
    width = max(1, int(round(BLEND * fps)))
    # The body only moves: every rotation stays, and every body moves with the root.
    world = body_frames(rig, transfer)
    body_pos = body_positions(rig, transfer.root_pos, world)
    for _ in range(ROUNDS):
        missed = _missed(rig, frames, ankles, world, sides)
        weight = np.sum([ankles.hold[side] for side in sides], axis=0)
        shift = np.sum([ankles.hold[side][:, None] * missed[side] for side in sides], axis=0)
        shift /= np.maximum(weight, 1.0)[:, None]
        shift = moving_average(shift, width)
        if np.abs(shift).max() < 0.5 * TOLERANCE:
            break
        transfer.root_pos += shift
        transfer.frames[:, :3] += shift
        frames[:, :3] += shift
        body_pos += shift[:, None]
        for name, p in transfer.positions.items():
            if not name.endswith(("_ankle", "_toe")):
                p += shift
        for side in SIDES:
            ankles.position[side] += (1.0 - ankles.hold[side])[:, None] * shift
        frames = solve_hinge_legs(rig, world, body_pos, frames, ankles.position, ankles.hold)
    return _out_of_the_floor(rig, transfer, frames, width)


def _out_of_the_floor(rig: CharacterRig, transfer: Transfer, frames: np.ndarray, width: int) -> np.ndarray:
    """The whole body lifted where a foot is still below the floor (two standing feet that the ranges keep
    apart in height: the other floats rather than this one sinking); smoothed without lowering any frame's lift."""
    lowest = lowest_foot_points(rig, frames)
    lift = np.maximum(-np.minimum(*(lowest[side] for side in SIDES)), 0.0)
    if not lift.any():
        return frames
    lift = moving_average(running_max(lift, width), width)
    frames = frames.copy()
    frames[:, 2] += lift
    transfer.root_pos[:, 2] += lift
    transfer.frames[:, 2] += lift
    return frames


def _missed(rig: CharacterRig, frames: np.ndarray, ankles: AnkleTargets, world: np.ndarray,
            sides: list[str]) -> dict[str, np.ndarray]:
    """Per side, how far each frame's ankle is from its target, beyond TOLERANCE (F, 3): target - reached."""
    out = {}
    for side in sides:
        leg = hinge_leg(rig, side)
        reached = ankle_positions(rig, leg, frames[:, :3], world[:, rig.bodies["pelvis"]],
                                  frames[:, 6 + np.array(leg.dofs)])
        miss = ankles.position[side] - reached
        size = np.linalg.norm(miss, axis=-1, keepdims=True)
        out[side] = miss * np.maximum(0.0, 1.0 - TOLERANCE / np.maximum(size, 1e-12))
    return out

