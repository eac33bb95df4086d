from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from amp_studio.errors import MotionError
from amp_studio.motion import MotionLibrary, load_clip, save_clip, write_dataset
from amp_studio.rotations import exp_map_to_quat, quat_angular_velocity, quat_conj, quat_mul, quat_to_exp_map

from .helpers import make_clip, standing_frames


def _ramp_clip(loop="wrap", n=11, fps=10.0):
    """Root moves 1 m/s along x and turns 0.5 rad/s about z; a knee and a hip bend at constant rates."""
    frames = standing_frames(n)
    t = np.arange(n) / fps
    frames[:, 0] = t
    frames[:, 1] = 0.2 * t
    frames[:, 5] = 0.5 * t
    frames[:, 6 + 17] = 0.1 + 0.3 * t  # right knee
    frames[:, 6 + 14 + 1] = -0.2 * t  # right hip y
    return make_clip(frames, fps=fps, loop=loop)


@pytest.fixture
def lib(character):
    return MotionLibrary([_ramp_clip()], None, character, dtype=torch.float64)


def test_frame_times_give_the_frames(lib):
    clip = lib.clips[0]
    # A wrapping clip's time `length` is the next cycle's start, so its last frame is checked under clamp below.
    n = clip.num_frames - 1
    times = torch.arange(n, dtype=torch.float64) / clip.fps
    state = lib.get_state(torch.zeros(n, dtype=torch.long), times)
    f = torch.from_numpy(clip.frames[:n])
    assert torch.allclose(state.root_pos, f[:, :3], atol=1e-9)
    assert torch.allclose(quat_to_exp_map(state.root_rot), f[:, 3:6], atol=1e-9)
    assert torch.allclose(state.dof_pos, f[:, 6:], atol=1e-9)


def test_between_frames_and_velocities(lib):
    state = lib.get_state(torch.tensor([0]), torch.tensor([0.25], dtype=torch.float64))
    assert torch.allclose(state.root_pos[0], torch.tensor([0.25, 0.05, 0.88], dtype=torch.float64), atol=1e-9)
    assert torch.allclose(quat_to_exp_map(state.root_rot)[0], torch.tensor([0, 0, 0.125], dtype=torch.float64))
    assert math.isclose(state.dof_pos[0, 17].item(), 0.1 + 0.3 * 0.25, abs_tol=1e-9)
    assert math.isclose(state.dof_pos[0, 15].item(), -0.05, abs_tol=1e-9)
    assert torch.allclose(state.root_vel[0], torch.tensor([1.0, 0.2, 0.0], dtype=torch.float64), atol=1e-9)
    assert torch.allclose(state.root_ang_vel[0], torch.tensor([0, 0, 0.5], dtype=torch.float64), atol=1e-9)
    assert math.isclose(state.dof_vel[0, 17].item(), 0.3, abs_tol=1e-9)
    assert math.isclose(state.dof_vel[0, 15].item(), -0.2, abs_tol=1e-9)


def test_wrap_carries_root_displacement_per_cycle(lib):
    length = lib.clips[0].duration  # 1 s, travelling (1.0, 0.2) per cycle
    t = torch.tensor([0.3, 0.3 + length, 0.3 + 2 * length, 0.3 - length], dtype=torch.float64)
    state = lib.get_state(torch.zeros(4, dtype=torch.long), t)
    base = state.root_pos[0]
    for k, cycles in ((1, 1), (2, 2), (3, -1)):
        expected = base + torch.tensor([1.0, 0.2, 0.0], dtype=torch.float64) * cycles
        assert torch.allclose(state.root_pos[k], expected, atol=1e-9), k
        assert torch.allclose(state.dof_pos[k], state.dof_pos[0], atol=1e-9)


def test_clamp_holds_the_ends(character):
    lib = MotionLibrary([_ramp_clip(loop="clamp")], None, character, dtype=torch.float64)
    state = lib.get_state(torch.zeros(3, dtype=torch.long), torch.tensor([-1.0, 5.0, 1.0], dtype=torch.float64))
    f = torch.from_numpy(lib.clips[0].frames)
    assert torch.allclose(state.root_pos[0], f[0, :3]) and torch.allclose(state.root_pos[1], f[-1, :3])
    assert torch.allclose(state.root_pos[2], f[-1, :3])


def test_spherical_joints_are_slerped(character):
    frames = standing_frames(2)
    frames[0, 6:9] = [0.4, 0.0, 0.0]
    frames[1, 6:9] = [0.0, 0.6, 0.0]
    lib = MotionLibrary([make_clip(frames, fps=1.0)], None, character, dtype=torch.float64)
    state = lib.get_state(torch.tensor([0]), torch.tensor([0.5], dtype=torch.float64))
    q0, q1 = exp_map_to_quat(torch.from_numpy(frames[:, 6:9]))
    # Halfway along the arc: the same angle from both ends.
    mid = exp_map_to_quat(state.dof_pos[0, 0:3])
    assert math.isclose(abs(float((mid * q0).sum())), abs(float((mid * q1).sum())), abs_tol=1e-12)
    assert not torch.allclose(state.dof_pos[0, 0:3], torch.tensor([0.2, 0.3, 0.0], dtype=torch.float64))


def test_weighted_sampling(character):
    clips = [_ramp_clip(), _ramp_clip(n=21), _ramp_clip(n=5)]
    lib = MotionLibrary(clips, [1.0, 3.0, 0.0], character)
    gen = torch.Generator().manual_seed(0)
    ids = lib.sample_clips(20000, generator=gen)
    counts = torch.bincount(ids, minlength=3).double() / 20000
    assert abs(counts[1].item() - 0.75) < 0.02 and counts[2].item() == 0.0
    times = lib.sample_times(ids, generator=gen)
    assert (times >= 0).all() and (times <= lib.clip_lengths[ids].float()).all()
    assert times[ids == 1].max() > 1.5  # the 2-second clip is sampled over its whole length
    state = lib.get_state(ids, times)
    assert state.root_pos.shape == (20000, 3) and state.dof_vel.shape == (20000, 28)
    assert state.root_pos.dtype == torch.float32


def test_hard_frames_are_started_from_as_often_as_asked(character):
    # A 30-frame stand with a jump (frames 10-14, 0.3 m up) and a lean of 90 degrees (frames 20-22).
    frames = standing_frames(30)
    frames[10:15, 2] += 0.3
    frames[20:23, 3] = math.pi / 2
    lib = MotionLibrary([make_clip(frames, fps=10.0)], None, character)
    assert torch.nonzero(lib.hard_frames()).flatten().tolist() == [10, 11, 12, 13, 14, 20, 21, 22]
    ids = torch.zeros(40000, dtype=torch.long)

    def hard_share(weight: float) -> float:
        times = lib.sample_times(ids, generator=torch.Generator().manual_seed(0), hard_weight=weight)
        assert (times >= 0).all() and (times <= 2.9).all()
        frame = (times * 10).floor().long()
        return float(lib.hard_frames()[frame].double().mean())

    # 8 of the 29 frame intervals are hard: uniform times start there 8/29 of the time; a weight of 4 makes it
    # 40/61.
    assert hard_share(0.0) == pytest.approx(8 / 29, abs=0.01)
    assert hard_share(4.0) == pytest.approx(40 / 61, abs=0.01)


def test_rejects_bad_weights_and_widths(character):
    with pytest.raises(MotionError, match="weights"):
        MotionLibrary([_ramp_clip()], [-1.0], character)
    narrow = make_clip(standing_frames(3)[:, :30])
    with pytest.raises(MotionError, match="expected 34 values per frame"):
        MotionLibrary([narrow], None, character)


def test_from_dataset_file(tmp_path, character):
    save_clip(_ramp_clip(), tmp_path / "a.pkl")
    save_clip(_ramp_clip(n=21), tmp_path / "b.pkl")
    write_dataset([(tmp_path / "a.pkl", 2.0), (tmp_path / "b.pkl", 2.0)], tmp_path / "set.yaml")
    lib = MotionLibrary.from_file(tmp_path / "set.yaml", character)
    assert lib.num_clips == 2 and torch.allclose(lib.clip_weights, torch.tensor([0.5, 0.5], dtype=torch.float64))


@pytest.mark.deepmimic
def test_real_clip_is_continuous_and_velocities_match_positions(deepmimic_dir, character):
    """Dense sampling of real clips: no jumps, and central differences of positions agree with velocities."""
    clips = [load_clip(deepmimic_dir / f"humanoid3d_{n}.txt") for n in ("walk", "spinkick", "backflip")]
    lib = MotionLibrary(clips, None, character, dtype=torch.float64)
    for cid, clip in enumerate(clips):
        t = torch.linspace(0.0, 2.5 * clip.duration, 2001, dtype=torch.float64)
        ids = torch.full_like(t, cid, dtype=torch.long)
        s = lib.get_state(ids, t)
        # Dense samples never move much more than the data's own largest frame-to-frame step (wrap included);
        # an exp map flipping branch would jump by nearly 2*pi.
        f = torch.from_numpy(clip.frames[:, 6:])
        data_step = max((f[1:] - f[:-1]).abs().max().item(), (f[0] - f[-1]).abs().max().item())
        step = (s.dof_pos[1:] - s.dof_pos[:-1]).abs().max().item()
        assert step <= data_step + 0.05, (clip.name, step, data_step)
        h = 1e-4
        mid = t[100:-100:37]
        ids_mid = ids[: len(mid)]
        ahead, behind = lib.get_state(ids_mid, mid + h), lib.get_state(ids_mid, mid - h)
        now = lib.get_state(ids_mid, mid)
        # Away from frame boundaries the interpolated position moves at the frame's difference velocity.
        frac = (mid * clip.fps) % 1.0
        inside = (frac > 0.01) & (frac < 0.99)
        frame = lib.get_state(ids_mid, torch.floor(mid * clip.fps) / clip.fps)
        root_fd = (ahead.root_pos - behind.root_pos) / (2 * h)
        assert torch.allclose(root_fd[inside], frame.root_vel[inside], atol=1e-5), clip.name
        hinge = character.hinge_dof_index
        dof_fd = (ahead.dof_pos[:, hinge] - behind.dof_pos[:, hinge]) / (2 * h)
        assert torch.allclose(dof_fd[inside], frame.dof_vel[inside][:, hinge], atol=1e-5), clip.name
        # A spherical joint's velocity is its local angular velocity, constant between frames under slerp.
        sph = character.spherical_dof_index
        qa, qb = exp_map_to_quat(ahead.dof_pos[:, sph]), exp_map_to_quat(behind.dof_pos[:, sph])
        local_fd = quat_to_exp_map(quat_mul(quat_conj(qb), qa)) / (2 * h)
        assert torch.allclose(local_fd[inside], frame.dof_vel[inside][:, sph], atol=1e-4), clip.name
        ang_fd = quat_angular_velocity(behind.root_rot, ahead.root_rot, 2 * h)
        # Slerp turns at a constant rate between frames, the rate of the frame's difference velocity.
        assert torch.allclose(ang_fd[inside], frame.root_ang_vel[inside], atol=1e-4), clip.name
        assert now.root_pos.shape == (len(mid), 3)
