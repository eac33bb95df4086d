"""Left-right mirrors of the policy's observations and actions, for symmetry augmentation of its updates.

The mirror is the clips' (amp_studio.motion.mirror): a reflection M across the world xz-plane. In the heading frame,
the mirrored state's observation is the original's with every vector reflected (y negated; an angular velocity is
an axial vector and has x and z negated instead), each body's values in its partner's place, joint rotations R as
M R M (their x and z axes reflected) and DoF values signed as the clips' mirror signs them. A mirrored action puts
the mirrored PD targets in the same normalized units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from amp_studio.character import CharacterModel
from amp_studio.errors import CharacterError, MotionError
from amp_studio.motion.mirror import MirrorMap, partner_name

_POLAR = (1.0, -1.0, 1.0)
_AXIAL = (-1.0, 1.0, -1.0)


@dataclass(frozen=True)
class AffineMirror:
    """out[..., i] = gain[i] * x[..., source[i]] + bias[i]."""

    source: torch.Tensor
    gain: torch.Tensor
    bias: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., self.source] * self.gain + self.bias

    def then(self, other: AffineMirror) -> AffineMirror:
        """Concatenated with another mirror of the values that follow (its sources shifted past these)."""
        return AffineMirror(torch.cat((self.source, other.source + len(self.source))),
                            torch.cat((self.gain, other.gain)), torch.cat((self.bias, other.bias)))

    @staticmethod
    def signed(source: list[int] | np.ndarray, sign: list[float] | np.ndarray) -> AffineMirror:
        """A signed permutation (no bias)."""
        sign_t = torch.as_tensor(np.asarray(sign, dtype=np.float32))
        return AffineMirror(torch.as_tensor(np.asarray(source, dtype=np.int64)), sign_t, torch.zeros_like(sign_t))


@dataclass(frozen=True)
class PolicyMirror:
    """The mirror of a policy observation and of a normalized action (each its own inverse)."""

    obs: AffineMirror
    actions: AffineMirror


def _symmetric(character: CharacterModel) -> MirrorMap:
    try:
        return MirrorMap(character)
    except MotionError as exc:
        raise CharacterError(character.path, f"symmetry augmentation needs a left-right symmetric character: "
                                             f"{exc.problem}") from None


def dof_mirror(character: CharacterModel) -> AffineMirror:
    """DoF values (angles, or their velocities) of the mirrored pose."""
    frame = _symmetric(character)
    return AffineMirror.signed(frame.source[6:] - 6, frame.sign[6:])


def action_mirror(character: CharacterModel, offset: torch.Tensor, scale: torch.Tensor) -> AffineMirror:
    """Normalized actions (PD target = offset + scale * action) whose targets are the mirrored targets."""
    dofs = dof_mirror(character)
    gain = dofs.gain * scale[dofs.source] / scale
    bias = (dofs.gain * offset[dofs.source] - offset) / scale
    return AffineMirror(dofs.source, gain.float(), bias.float())


def policy_obs_mirror(character: CharacterModel, key_body_ids: list[int], root_height_obs: bool) -> AffineMirror:
    """The mirror of amp_obs.compute_policy_obs's layout: [root height], root x and z axes, root linear and
    angular velocity, key bodies relative to the root, then each jointed body's x and z axes, then DoF velocities."""
    dofs = dof_mirror(character)
    names = character.body_names
    partner = [names.index(partner_name(name)) for name in names]
    source: list[int] = []
    sign: list[float] = []

    def vector(place: int, signs: tuple[float, ...]) -> None:
        source.extend(range(place, place + 3))
        sign.extend(signs)

    if root_height_obs:
        vector_start = 1
        source.append(0)
        sign.append(1.0)
    else:
        vector_start = 0
    for i, signs in enumerate((_POLAR, _POLAR, _POLAR, _AXIAL)):
        vector(vector_start + 3 * i, signs)
    keys_start = vector_start + 12
    for body in key_body_ids:
        if partner[body] not in key_body_ids:
            raise CharacterError(character.path, f"symmetry augmentation: key body '{names[body]}' has no partner "
                                                 f"'{names[partner[body]]}' among the key bodies")
        vector(keys_start + 3 * key_body_ids.index(partner[body]), _POLAR)
    codes_start = keys_start + 3 * len(key_body_ids)
    jointed = sorted({joint.body for joint in character.joints})
    for body in jointed:
        place = codes_start + 6 * jointed.index(partner[body])
        vector(place, _POLAR)
        vector(place + 3, _POLAR)
    vel_start = codes_start + 6 * len(jointed)
    source.extend((dofs.source + vel_start).tolist())
    sign.extend(dofs.gain.tolist())
    return AffineMirror.signed(source, sign)


__all__ = ["AffineMirror", "PolicyMirror", "action_mirror", "dof_mirror", "policy_obs_mirror"]
