"""Standing feet turned flat on the floor, for feet whose ankles cannot turn as the source's feet do.

The source's foot rotations do not say that a standing sole is flat: mocap skeletons' foot frames are fitted to
markers, and a rest pose with legs splayed (the CMU skeleton's, 20 degrees out) carries its roll into the stance
(on the Xia walks, standing feet roll 15-25 degrees and pitch 5-10 toes down). A spherical ankle follows that
(one edge of the sole on the floor), but a robot's ankle of two hinges (the G1's: +-15 degrees of roll, its
heading from the hip's yaw) cannot, and a robot stands on its soles. Its stance feet keep the source's heading
and turn flat, eased in and out over leg_ik.BLEND about each stance; heel_lift then pitches them about the front
of the sole where the leg cannot reach the held heel.
"""

from __future__ import annotations

import numpy as np

from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.foot_contacts import FootContacts
from amp_studio.motion.retarget.leg_ik import BLEND, ease, trim_ends
from amp_studio.motion.retarget.transfer import Transfer, body_frames, body_positions, frames_from_world


def keeps_soles_flat(rig: CharacterRig, side: str) -> bool:
    """A foot turned by a chain of fewer than three hinges below the shin cannot follow the source's foot."""
    chain = rig.chain_of(rig.bodies[f"{side}_ankle"])
    return chain is not None and chain.size < 3


def flatten_stance(rig: CharacterRig, transfer: Transfer, contacts: FootContacts, fps: float) -> None:
    """Turn each such foot's transferred rotation flat where it stands, then update the foot's landmark targets and
    the transfer's frames to match. Its roll goes wherever either the heel or the ball stands; its pitch only
    where both do: a landing heel keeps the source's toes up, a pushing-off ball its heel up."""
    changed = False
    for side in SIDES:
        foot = rig.bodies[f"{side}_ankle"]
        if not keeps_soles_flat(rig, side) or foot not in transfer.rotations:
            continue
        trim = int(round(0.5 * BLEND * fps))
        standing = ease(trim_ends(contacts.foot[side], trim), BLEND * fps)
        points = [contacts.contact.get(f"{side}_{p}") for p in ("ankle", "toe")]
        both = standing if any(p is None for p in points) else ease(trim_ends(points[0] & points[1], trim), BLEND * fps)
        rot = transfer.rotations[foot]
        forward = rot @ (rig.rest_rot[foot].T @ np.array([1.0, 0.0, 0.0]))
        normal = rot @ (rig.rest_rot[foot].T @ np.array([0.0, 0.0, 1.0]))  # the sole faces down at rest
        level = np.cross(np.cross([0.0, 0.0, 1.0], forward), forward)  # the normal with no roll, unnormalised
        level = -level / np.maximum(np.linalg.norm(level, axis=-1, keepdims=True), 1e-12)
        roll = np.arctan2((np.cross(normal, level) * forward).sum(-1), (normal * level).sum(-1))
        unrolled = _turns(forward, standing * roll) @ rot
        normal = unrolled @ (rig.rest_rot[foot].T @ np.array([0.0, 0.0, 1.0]))
        transfer.rotations[foot] = tilt_towards_up(normal, both) @ unrolled
        changed = True
    if not changed:
        return
    world = body_frames(rig, transfer)
    body_pos = body_positions(rig, transfer.root_pos, world)
    for name, (body, local) in rig.points.items():
        if body in (rig.bodies[f"{s}_ankle"] for s in SIDES):
            transfer.positions[name] = body_pos[:, body] + world[:, body] @ local
    transfer.frames = frames_from_world(rig, transfer.root_pos, world)


def tilt_towards_up(normal: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per frame, the rotation turning `normal` (F, 3) toward +z by `weight` (F,) of the smallest turn that
    would make it vertical: about the horizontal axis normal x z, so the heading stays. Shape: (F, 3, 3)."""
    axis = np.cross(normal, [0.0, 0.0, 1.0])
    size = np.linalg.norm(axis, axis=-1)
    angle = weight * np.arctan2(size, normal[:, 2])
    return _turns(axis / np.maximum(size, 1e-12)[:, None], angle)


def _turns(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotations about unit axes (F, 3) by angles (F,). Shape: (F, 3, 3)."""
    k = np.zeros((len(axis), 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k = k - np.swapaxes(k, -1, -2)
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)
