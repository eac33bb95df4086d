"""How high the body goes over its feet: the root (and every landmark target above the feet) moved up or down per
frame so that the legs keep the source's knee bend where the feet are held on the floor.

A held foot rarely sits under the hip exactly as the source's did: the hold keeps it where the stance began, the
sole is put on the floor, and the character's legs are not the actor's scaled. Near a straight knee a small change
of reach moves the knee a lot (3 cm of reach turns a nearly straight knee 10 cm forward), so the body's height is
chosen per frame to keep both standing legs' knees and ankles nearest the source's pose, never so high that a leg
cannot reach its held foot, and then smoothed over BLEND seconds so that the body does not bob.
"""

from __future__ import annotations

import numpy as np

from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.leg_ik import BLEND, AnkleTargets, leg_reach
from amp_studio.motion.retarget.time_filters import moving_average
from amp_studio.motion.retarget.transfer import Transfer, body_frames, body_positions, point_positions

DROPS = np.linspace(-0.15, 0.15, 121)
"""The body heights tried (m, down): 2.5 mm apart, far beyond any stance's need."""

REACH_SLACK = 0.01
"""How far (m) a held foot may be missed rather than sink the body: a straight leg landing a heel a little beyond
the character's reach (the actor's feet are not the character's) would otherwise lower the whole body for it and
bend the other knee far forward (up to 14 cm on the Xia walks); with 1 cm the worst knee is within 8 cm."""


def place_body(rig: CharacterRig, transfer: Transfer, ankles: AnkleTargets, fps: float) -> np.ndarray:
    """Move the root and the targets above the feet down by the chosen drop (up where negative), and each free
    foot's target along with the body (never below the floor). Returns the drop per frame (m)."""
    world = body_frames(rig, transfer)
    body_pos = body_positions(rig, transfer.root_pos, world)
    frames = len(transfer.root_pos)
    cost = np.zeros((frames, len(DROPS)))
    needed = np.full(frames, -1.0)  # the lowest the body may go: free to rise by a metre where no foot holds
    for side in SIDES:
        hip, knee, ankle = (point_positions(rig, body_pos, world, f"{side}_{part}")
                            for part in ("hip", "knee", "ankle"))
        hold = ankles.hold[side]
        thigh, shin = np.linalg.norm(knee - hip, axis=-1).mean(), np.linalg.norm(ankle - knee, axis=-1).mean()
        posed = ankle - hip  # the source's leg on the character's bones
        target = np.repeat(ankles.position[side][:, None], len(DROPS), axis=1)  # (F, D, 3)
        free_z = np.maximum(transfer.positions[f"{side}_ankle"][:, 2, None] - DROPS, ankles.sole[side][:, None])
        target[..., 2] = hold[:, None] * target[..., 2] + (1.0 - hold[:, None]) * free_z
        reach_vec = target - hip[:, None] + DROPS[:, None] * np.array([0.0, 0.0, 1.0])  # from the lowered hip
        cost = cost + _knee_and_ankle_error(reach_vec, posed[:, None], thigh, shin) ** 2
        longest = leg_reach(rig, side)
        horizontal = np.minimum(np.linalg.norm(reach_vec[:, 0, :2], axis=-1), longest)
        lowest = -np.sqrt(longest ** 2 - horizontal ** 2) - (target[:, 0, 2] - hip[:, 2])
        needed = np.maximum(needed, lowest - REACH_SLACK - (1.0 - hold))  # a hold easing out binds less
    width = max(1, int(round(BLEND * fps)))
    needed = moving_average(needed, width)
    # Where the feet do not decide (both free in the air), the source's own height: a small pull toward no drop.
    cost = np.where(DROPS[None] >= needed[:, None], np.sqrt(cost) + 0.05 * np.abs(DROPS), np.inf)
    best = np.where(np.isfinite(cost).any(-1), DROPS[np.argmin(cost, axis=-1)], needed)
    drop = np.maximum(moving_average(best, width), needed)
    transfer.root_pos[:, 2] -= drop
    transfer.frames[:, 2] -= drop
    for name, p in transfer.positions.items():
        if not name.endswith(("_ankle", "_toe")):
            p[:, 2] -= drop
    for side in SIDES:  # the free part of each ankle target goes along with the body
        z, sole = transfer.positions[f"{side}_ankle"][:, 2], ankles.sole[side]
        ankles.position[side][:, 2] += (1.0 - ankles.hold[side]) * (np.maximum(z - drop, sole) - np.maximum(z, sole))
    return drop


def _knee_and_ankle_error(reach: np.ndarray, posed: np.ndarray, thigh: float, shin: float) -> np.ndarray:
    """How far the knee and the ankle (the larger) land from the posed leg's when the hip-to-ankle vector is
    `reach` instead of `posed`, the knee bending in the same plane: the knee sits `along` the hip-ankle line and
    `out` from it. Shapes broadcast; the last axis is xyz."""
    def knee(vec):
        length = np.maximum(np.linalg.norm(vec, axis=-1), 1e-9)
        along = np.clip((thigh ** 2 - shin ** 2 + length ** 2) / (2 * length), -thigh, thigh)
        return vec / length[..., None] * along[..., None], np.sqrt(np.maximum(thigh ** 2 - along ** 2, 0.0))

    line, out = knee(reach)
    posed_line, posed_out = knee(posed)
    knee_error = np.hypot(np.linalg.norm(line - posed_line, axis=-1), out - posed_out)
    return np.maximum(knee_error, np.linalg.norm(reach - posed, axis=-1))

