"""How good a retargeted clip is, against its source: landmark error (relative to the pelvis), bone directions,
foot skate in contact (the character's and the source's own), penetration, floating, joint-range excess, jerk."""

from __future__ import annotations

import numpy as np
import torch

from amp_studio.character import CharacterModel
from amp_studio.motion.motion_clip import MotionClip
from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.foot_contacts import FootContacts, skate
from amp_studio.motion.retarget.geom_extents import lowest_point_per_frame
from amp_studio.rotations import quat_to_matrix

LIMBS = tuple((f"{s}_{a}", f"{s}_{b}") for s in SIDES for a, b in (("hip", "knee"), ("knee", "ankle"),
                                                                     ("ankle", "toe"), ("shoulder", "elbow"),
                                                                     ("elbow", "wrist")))
TRUNK = (("pelvis", "neck"),)


def landmark_positions(rig: CharacterRig, frames: np.ndarray) -> dict[str, np.ndarray]:
    """The character's landmark positions in each frame. name -> (F, 3)."""
    with torch.no_grad():
        pos, quat = rig.character.forward_kinematics_frames(torch.from_numpy(np.asarray(frames, np.float64)))
        rot = quat_to_matrix(quat)
    return {name: (pos[:, b] + rot[:, b] @ torch.from_numpy(local)).numpy() for name, (b, local) in rig.points.items()}


def bone_cosines(ours: dict[str, np.ndarray], source: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per segment (from-to), per frame, the cosine between the character's bone and the source's."""
    out = {}
    for a, b in LIMBS + TRUNK:
        if a in ours and b in ours and a in source and b in source:
            d1, d2 = ours[b] - ours[a], source[b] - source[a]
            n = np.linalg.norm(d1, axis=-1) * np.linalg.norm(d2, axis=-1)
            out[f"{a}-{b}"] = (d1 * d2).sum(-1) / np.maximum(n, 1e-12)
    return out


def quality(clip: MotionClip, rig: CharacterRig, targets: dict[str, np.ndarray], source: dict[str, np.ndarray],
            contacts: FootContacts, seconds: float) -> dict:
    """The figures, all in SI units (metres, m/s, radians). targets: the landmark positions the retarget aimed at
    (the source's pose on the character's bones, at its size); source: the source's landmarks in metres, z up."""
    character: CharacterModel = rig.character
    frames = clip.frames
    ours = landmark_positions(rig, frames)
    # Relative to the pelvis (the usual root-aligned error): a body lowered a little so that its legs reach the
    # held feet is not a pose error.
    errors = np.concatenate([np.linalg.norm((ours[n] - ours["pelvis"]) - (targets[n] - targets["pelvis"]), axis=-1)
                             for n in targets if n in ours and n != "pelvis"])
    cosines = bone_cosines(ours, source)
    lowest = lowest_point_per_frame(character, frames)  # meshes by their vertices, not bounding spheres
    feet = {}
    for side in SIDES:
        for part in ("ankle", "toe"):
            name = f"{side}_{part}"
            if name in contacts.contact and name in ours:
                feet[name] = (skate(ours[name], contacts.contact[name], clip.fps),
                              skate(targets[name], contacts.contact[name], clip.fps))
    dofs = frames[:, 6:]
    lower, upper = character.dof_lower.double().numpy(), character.dof_upper.double().numpy()
    excess = np.maximum(np.maximum(lower - dofs, dofs - upper), 0.0)
    stacked = np.stack([ours[n] for n in ours], axis=1)
    jerk = np.diff(stacked, n=3, axis=0) * clip.fps ** 3 if len(frames) > 3 else np.zeros((1, 1, 3))
    return {
        "frames": int(clip.num_frames),
        "fps": float(clip.fps),
        "landmark_error_mean": float(errors.mean()),
        "landmark_error_max": float(errors.max()),
        "bone_cosine_mean": float(np.mean([c.mean() for c in cosines.values()])),
        "bone_cosine_min": float(min(c.min() for c in cosines.values())),
        "bone_cosine_by_segment": {k: round(float(c.mean()), 4) for k, c in cosines.items()},
        "foot_skate": float(np.mean([f[0] for f in feet.values()])) if feet else 0.0,
        "foot_skate_source": float(np.mean([f[1] for f in feet.values()])) if feet else 0.0,
        "contact_fraction": {side: round(float(contacts.foot[side].mean()), 3) for side in SIDES},
        "penetration": float(max(0.0, -lowest.min())),
        "lowest_point_mean": float(lowest.mean()),
        "joint_range_excess": float(excess.max()),
        "jerk_mean": float(np.linalg.norm(jerk, axis=-1).mean()),
        "ms_per_frame": 1000.0 * seconds / max(1, clip.num_frames),
    }


def summary(figures: dict) -> list[str]:
    """The figures as lines for a person."""
    return [f"landmark error: mean {100 * figures['landmark_error_mean']:.1f} cm, "
            f"max {100 * figures['landmark_error_max']:.1f} cm",
            f"bone directions: cosine mean {figures['bone_cosine_mean']:.3f}, worst {figures['bone_cosine_min']:.3f}",
            f"foot skate in contact: {100 * figures['foot_skate']:.1f} cm/s (the source's own: "
            f"{100 * figures['foot_skate_source']:.1f} cm/s)",
            f"penetration {100 * figures['penetration']:.1f} cm, lowest point on average "
            f"{100 * figures['lowest_point_mean']:.1f} cm, joint-range excess {figures['joint_range_excess']:.3f} rad",
            f"{figures['ms_per_frame']:.1f} ms per frame"]
