"""Batched sampling and interpolation of clips for reference-state resets and the discriminator's demo side."""

from __future__ import annotations

from pathlib import Path

import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.errors import MotionError
from amp_studio.motion.clip_io import dataset_contact_bodies, load_motions
from amp_studio.motion.motion_clip import MotionClip
from amp_studio.rotations import (
    exp_map_to_quat,
    nearest_exp_map,
    quat_angular_velocity,
    quat_conj,
    quat_mul,
    quat_slerp,
    quat_to_exp_map,
    tilt_deg,
)

HARD_TILT_DEG = 60.0
"""A frame with the pelvis tilted this far from upright is a hard start (a flip, a cartwheel, a roll)."""
HARD_RISE = 0.1
"""m: a frame with the root this far above its clip's median height is a hard start (a jump's or a flip's top)."""


class MotionLibrary:
    """All clips of a dataset in flat tensors, sampled and interpolated in batches.

    Interpolation: linear for root position and hinge angles, slerp for the root rotation and spherical joints;
    time wraps or clamps by the clip's loop mode; a wrapping clip carries its root xy displacement into each
    further cycle. Velocities are forward differences per frame (a spherical joint's: its local angular velocity),
    interpolated like positions.
    """

    def __init__(self, clips: list[MotionClip], weights: list[float] | None, character: CharacterModel,
                 dtype: torch.dtype = torch.float32):
        if not clips:
            raise MotionError(None, "a motion library needs at least one clip")
        weights = [1.0] * len(clips) if weights is None else list(weights)
        if len(weights) != len(clips) or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise MotionError(None, f"clip weights must be non-negative with a positive sum, got {weights}")
        for clip in clips:
            clip.check_dofs(character.num_dofs)
        self.character = character
        self.clips = clips
        self.declared_contact_bodies: tuple[str, ...] | None = None
        self.dtype = dtype
        self._sph = character.spherical_dof_index
        self._hinge = character.hinge_dof_index

        self.clip_weights = torch.tensor(weights, dtype=torch.float64) / sum(weights)
        self.clip_fps = torch.tensor([c.fps for c in clips], dtype=torch.float64)
        self.clip_num_frames = torch.tensor([c.num_frames for c in clips], dtype=torch.long)
        self.clip_lengths = torch.tensor([c.duration for c in clips], dtype=torch.float64)
        self.clip_wraps = torch.tensor([c.loop == "wrap" for c in clips])
        self.clip_starts = torch.cumsum(self.clip_num_frames, 0) - self.clip_num_frames

        parts = [self._clip_tensors(c) for c in clips]
        fields = list(zip(*parts))
        self._root_pos, self._root_rot, self._dof_pos, self._root_vel, self._root_ang_vel, self._dof_vel = (
            torch.cat(f).to(dtype) for f in fields
        )
        cycle = [(p[0][-1, :2] - p[0][0, :2]) if c.loop == "wrap" else torch.zeros(2, dtype=torch.float64)
                 for c, p in zip(clips, parts)]
        self._cycle_offset = torch.stack(cycle).to(dtype)
        # Each frame's spherical joints as quaternions, made once: every interpolation slerps them.
        self._sph_quat = exp_map_to_quat(self._dof_pos[:, self._sph])
        self._hard: torch.Tensor | None = None

    @classmethod
    def from_file(cls, path: str | Path, character: CharacterModel, dtype: torch.dtype = torch.float32):
        """A library from one clip file or a dataset YAML."""
        entries = load_motions(path, character.num_dofs, character)
        lib = cls([c for c, _ in entries], [w for _, w in entries], character, dtype)
        lib.declared_contact_bodies = dataset_contact_bodies(path, character)
        return lib

    def contact_bodies(self) -> tuple[str, ...]:
        """The dataset's `contact_bodies` if it names them, else the bodies that touch the ground in any clip
        (motion_checks.contact_bodies), in body order."""
        from amp_studio.motion.motion_checks import contact_bodies

        if self.declared_contact_bodies is not None:
            return self.declared_contact_bodies
        touching = set()
        for clip in self.clips:
            touching.update(contact_bodies(clip, self.character))
        return tuple(name for name in self.character.body_names if name in touching)

    @property
    def num_clips(self) -> int:
        """Number of clips."""
        return len(self.clips)

    def _clip_tensors(self, clip: MotionClip) -> tuple[torch.Tensor, ...]:
        f = torch.from_numpy(clip.frames)
        root_pos = f[:, :3]
        root_rot = exp_map_to_quat(f[:, 3:6])
        dof = f[:, 6:].clone()
        dt = 1.0 / clip.fps
        dof_vel = (dof[1:] - dof[:-1]) / dt
        # A spherical joint's DoF velocity is its angular velocity in its own (child) frame, as a MuJoCo ball
        # joint's and MimicKit's: the rotation from one frame's to the next, seen from the first.
        sph = exp_map_to_quat(dof[:, self._sph])
        dof_vel[:, self._sph] = quat_to_exp_map(quat_mul(quat_conj(sph[:-1]), sph[1:])) / dt
        root_vel = (root_pos[1:] - root_pos[:-1]) / dt
        root_ang_vel = quat_angular_velocity(root_rot[:-1], root_rot[1:], dt)
        # The last frame repeats the velocity into it.
        dof_vel, root_vel, root_ang_vel = (torch.cat((v, v[-1:])) for v in (dof_vel, root_vel, root_ang_vel))
        return root_pos, root_rot, dof, root_vel, root_ang_vel, dof_vel

    def sample_clips(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Clip ids drawn in proportion to their weights. Shape: (n,)."""
        return torch.multinomial(self.clip_weights, n, replacement=True, generator=generator)

    def sample_times(self, clip_ids: torch.Tensor, truncate_end: float = 0.0,
                     generator: torch.Generator | None = None, hard_weight: float = 0.0) -> torch.Tensor:
        """Times in [0, length - truncate_end] of each clip: uniform, or with hard_weight > 0 a frame interval
        drawn with weight 1 + hard_weight where its first frame is hard (hard_frames), then a uniform time in
        it. Shape: (n,)."""
        end = (self.clip_lengths[clip_ids] - truncate_end).clamp_min(0.0)
        if hard_weight <= 0:
            u = torch.rand(clip_ids.shape, generator=generator, dtype=torch.float64)
            return (u * end).to(self.dtype)
        hard = self.hard_frames()
        times = torch.zeros(clip_ids.shape, dtype=torch.float64)
        for clip in clip_ids.unique().tolist():
            rows = torch.nonzero(clip_ids == clip).flatten()
            start, frames = int(self.clip_starts[clip]), int(self.clip_num_frames[clip])
            weights = 1.0 + hard_weight * hard[start:start + max(1, frames - 1)].double()
            picked = torch.multinomial(weights, len(rows), replacement=True, generator=generator)
            u = torch.rand(len(rows), generator=generator, dtype=torch.float64)
            times[rows] = (picked + u) / self.clip_fps[clip]
        return times.minimum(end).to(self.dtype)

    def hard_frames(self) -> torch.Tensor:
        """Per frame of every clip (flat, clip after clip): whether it is a hard one to start from, the pelvis
        tilted HARD_TILT_DEG or more or the root HARD_RISE or more above its clip's median height (a flip's top,
        a jump's flight). Shape: (total_frames,)."""
        if self._hard is None:
            high = torch.cat([self._root_pos[s:s + k, 2] >= self._root_pos[s:s + k, 2].median() + HARD_RISE
                              for s, k in zip(self.clip_starts.tolist(), self.clip_num_frames.tolist())])
            self._hard = (tilt_deg(self._root_rot.double()) >= HARD_TILT_DEG) | high
        return self._hard

    def get_state(self, clip_ids: torch.Tensor, times: torch.Tensor) -> CharacterState:
        """Interpolated state of each clip at each time (seconds). Shapes: (n,), (n,)."""
        length = self.clip_lengths[clip_ids]
        t = times.to(torch.float64)
        wraps = self.clip_wraps[clip_ids]
        cycles = torch.where(wraps, torch.floor(t / length), torch.zeros_like(t))
        phase = torch.where(wraps, t - cycles * length, t.clamp(min=0.0).minimum(length))

        f = phase * self.clip_fps[clip_ids]
        n = self.clip_num_frames[clip_ids]
        i0 = torch.minimum(f.floor().long(), n - 2).clamp_min(0)
        blend = (f - i0).clamp(0.0, 1.0).to(self.dtype)
        a = self.clip_starts[clip_ids] + i0
        b = a + 1
        w = blend.unsqueeze(-1)

        root_pos = torch.lerp(self._root_pos[a], self._root_pos[b], w)
        root_pos[:, :2] += cycles.to(self.dtype).unsqueeze(-1) * self._cycle_offset[clip_ids]
        root_rot = quat_slerp(self._root_rot[a], self._root_rot[b], blend)

        dof_a, dof_b = self._dof_pos[a], self._dof_pos[b]
        dof = torch.lerp(dof_a, dof_b, w)
        sph_a = dof_a[:, self._sph]
        sph = quat_to_exp_map(quat_slerp(self._sph_quat[a], self._sph_quat[b], w.unsqueeze(-1)))
        dof[:, self._sph] = nearest_exp_map(sph, sph_a)

        return CharacterState(
            root_pos=root_pos,
            root_rot=root_rot,
            dof_pos=dof,
            root_vel=torch.lerp(self._root_vel[a], self._root_vel[b], w),
            root_ang_vel=torch.lerp(self._root_ang_vel[a], self._root_ang_vel[b], w),
            dof_vel=torch.lerp(self._dof_vel[a], self._dof_vel[b], w),
        )
