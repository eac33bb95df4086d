"""Left-right mirrors of clips: the motion reflected across the world xz-plane (y -> -y).

A reflection M = diag(1, -1, 1) turns a rotation R into M R M, a rotation by the same angle the other way about
the reflected axis: an exponential map v becomes (-vx, vy, -vz). The mirrored character does with its left side
what the original did with its right, so each joint takes its partner's reflected rotation: spherical joints'
maps as above, a hinge about axis a with angle t the partner's rotation about its own axis by -t (a' . M a).
This holds for characters whose left and right halves are reflections of each other (offsets, rest rotations and
joint axes), which is checked; a body's rest rotation R carries over as M R M on its partner, so the reasoning
above holds in each body's own frame.
"""

from __future__ import annotations

import numpy as np

from amp_studio.character import CharacterModel
from amp_studio.errors import MotionError
from amp_studio.motion.motion_clip import MotionClip

_REFLECT = np.array([1.0, -1.0, 1.0])
_REFLECT_QUAT = np.array([1.0, -1.0, 1.0, -1.0])
_SIDES = (("right", "left"), ("Right", "Left"), ("RIGHT", "LEFT"))


def partner_name(name: str) -> str:
    """The name of the other side's body or joint (right <-> left); a name with no side is its own partner."""
    for a, b in _SIDES:
        if a in name:
            return name.replace(a, b)
        if b in name:
            return name.replace(b, a)
    return name


class MirrorMap:
    """How a character's frame values map onto the mirrored frame: out[:, target] = sign * in[:, source]."""

    def __init__(self, character: CharacterModel):
        m = character.source_model
        path = character.path
        names = character.body_names
        jointed = {j.body for j in character.joints}
        for b, name in enumerate(names):
            if b not in jointed and m.body_mass[b + 1] == 0:
                continue  # a marker (an IMU or a toe frame): no DoF and no mass, nothing of it moves or pushes
            partner = partner_name(name)
            if partner not in names:
                raise MotionError(path, f"cannot mirror: body '{name}' has no partner '{partner}'")
            p = names.index(partner)
            if character.parents[b] >= 0 and names[character.parents[p]] != partner_name(names[character.parents[b]]):
                raise MotionError(path, f"cannot mirror: bodies '{name}' and '{partner}' hang from unpaired parents")
            # 0.1 mm: a robot's description is as symmetric as its drawings (the G1's shoulders differ by 10 um).
            if not np.allclose(m.body_pos[b + 1] * _REFLECT, m.body_pos[p + 1], atol=1e-4):
                raise MotionError(path, f"cannot mirror: body '{partner}' does not sit where '{name}' does, "
                                        f"reflected ({m.body_pos[p + 1].tolist()} vs {m.body_pos[b + 1].tolist()})")
            # A rest rotation R reflects to M R M: the quaternion (w, x, y, z) becomes (w, -x, y, -z).
            if not np.allclose(m.body_quat[b + 1] * _REFLECT_QUAT, m.body_quat[p + 1], atol=1e-6):
                raise MotionError(path, f"cannot mirror: body '{partner}' is not turned at rest as '{name}' is, "
                                        f"reflected ({m.body_quat[p + 1].tolist()} vs {m.body_quat[b + 1].tolist()})")
        width = 6 + character.num_dofs
        source = np.arange(width)
        sign = np.ones(width)
        sign[[1, 3, 5]] = -1.0  # root position y; root exp map x and z
        joints = {j.name: j for j in character.joints}
        axes = character.dof_axes
        for joint in character.joints:
            partner = joints.get(partner_name(joint.name))
            if partner is None or partner.num_dofs != joint.num_dofs:
                raise MotionError(path, f"cannot mirror: joint '{joint.name}' has no partner of the same kind")
            out = 6 + partner.dof_start
            if joint.is_spherical:
                source[out:out + 3] = 6 + joint.dof_start + np.arange(3)
                sign[out:out + 3] = (-1.0, 1.0, -1.0)
            else:
                source[out] = 6 + joint.dof_start
                sign[out] = -float(np.dot(axes[partner.dof_start], axes[joint.dof_start] * _REFLECT))
        self.source = source
        self.sign = sign

    def frames(self, frames: np.ndarray) -> np.ndarray:
        """Mirrored frames. Shape: (N, 6 + num_dofs)."""
        return frames[:, self.source] * self.sign


MIRROR_SUFFIX = "_mirror"
"""Appended to a clip's name for its mirror (and removed again when a mirror is mirrored back)."""


def mirror_clip(clip: MotionClip, character: CharacterModel) -> MotionClip:
    """The clip's left-right mirror on this character (same fps and loop mode)."""
    clip.check_dofs(character.num_dofs)
    frames = MirrorMap(character).frames(clip.frames)
    name = clip.name.removesuffix(MIRROR_SUFFIX) if clip.mirrored else f"{clip.name}{MIRROR_SUFFIX}"
    commands = None if clip.task_commands is None else clip.task_commands * np.array([1.0, -1.0, 1.0])
    return MotionClip(clip.fps, clip.loop, frames, name=name, source=clip.source, mirrored=not clip.mirrored,
                      task_commands=commands)
