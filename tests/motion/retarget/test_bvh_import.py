"""One clip written down in other ways (other names, units, up axis, channel orders, position channels, frame
rate) retargets to the same motion; and the retargeted walk meets the quality figures."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
import torch

from amp_studio.character import CharacterModel
from amp_studio.motion.bvh_reader import BvhClip, BvhJoint, axis_rotation, read_bvh, write_bvh
from amp_studio.motion.clip_io import load_clip
from amp_studio.motion.retarget.bvh_import import ImportOptions, import_bvh, mapping_beside
from amp_studio.paths import SHARED_DIR
from tests.motion.retarget.skeletons import build_clip

WALK = SHARED_DIR / "motions" / "bvh" / "xia" / "neutral_01_000.bvh"
AXES = "XYZ"


@pytest.fixture(scope="module")
def walk() -> BvhClip:
    if not WALK.is_file():
        reason = f"shared BVH clips not found at {WALK.parent} (the shared/ folder beside this checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return read_bvh(WALK)


@pytest.fixture(scope="module")
def character() -> CharacterModel:
    return CharacterModel()


@pytest.fixture(scope="module")
def reference(walk, character):
    return import_bvh(WALK, character)


def body_positions(character: CharacterModel, frames: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        pos, _ = character.forward_kinematics_frames(torch.from_numpy(frames))
    return pos.numpy()


def euler(rot: np.ndarray, order: str) -> np.ndarray:
    """Degrees (a, b, c) with rot = R_order[0](a) R_order[1](b) R_order[2](c), for three distinct axes."""
    i, j, k = (AXES.index(a) for a in order)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0  # an even (cyclic) order or an odd one
    b = np.arcsin(np.clip(sign * rot[..., i, k], -1.0, 1.0))
    a = np.arctan2(-sign * rot[..., j, k], rot[..., k, k])
    c = np.arctan2(-sign * rot[..., i, j], rot[..., i, i])
    return np.degrees(np.stack((a, b, c), axis=-1))


def rewrite(clip: BvhClip, tmp_path, name="rewritten.bvh", names=None, scale=1.0, turn=None, order=None,
            positions_everywhere=False, every=1):
    """The clip with its joints renamed, its lengths scaled, its axes turned (offsets, positions and every
    rotation conjugated), its rotation channels in another order, position channels on every joint, or every
    `every`-th frame kept; written to a file and read back."""
    turn = np.eye(3) if turn is None else turn
    local = clip.local_rotations()[::every]
    trans = clip.local_translations()[::every]
    joints, columns = [], []
    for j, joint in enumerate(clip.joints):
        rename = names(joint.name) if names and not joint.end_site else joint.name
        if joint.end_site:
            joints.append(BvhJoint(rename, joint.parent, scale * turn @ joint.offset, (), True))
            continue
        rot_order = order or "".join(c[0] for c in joint.channels if c.endswith("rotation"))
        has_pos = positions_everywhere or any(c.endswith("position") for c in joint.channels)
        channels = tuple(f"{a}position" for a in AXES) * has_pos + tuple(f"{a}rotation" for a in rot_order)
        joints.append(BvhJoint(rename, joint.parent, scale * turn @ joint.offset, channels, False))
        if has_pos:
            columns.append(scale * trans[:, j] @ turn.T)
        columns.append(euler(turn @ local[:, j] @ turn.T, rot_order))
    out = BvhClip(tmp_path / name, joints, clip.frame_time * every, np.concatenate(columns, axis=1))
    write_bvh(out, out.path)
    return out.path


def test_a_rewritten_clip_reads_as_the_same_pose(walk, tmp_path):
    """The test's own rewriting is exact: turned back, the poses are the file's."""
    path = rewrite(walk, tmp_path, order="XYZ", positions_everywhere=True)
    again = read_bvh(path)
    assert np.allclose(again.global_transforms()[0], walk.global_transforms()[0], atol=1e-4)


@pytest.mark.parametrize("how", ["names", "metres", "z_up", "channel_order", "positions_everywhere"])
def test_rewritings_give_the_same_motion_within_a_millimetre(walk, reference, character, tmp_path, how):
    unit = reference.facts.unit
    kwargs = {
        "names": {"names": lambda n: "Take 001:" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", n)},
        "metres": {"scale": unit},
        "z_up": {"turn": axis_rotation(0, np.radians(90.0))},
        "channel_order": {"order": "XZY"},
        "positions_everywhere": {"positions_everywhere": True},
    }[how]
    path = rewrite(walk, tmp_path, **kwargs)
    result = import_bvh(path, character)
    assert result.clip.num_frames == reference.clip.num_frames and result.clip.fps == reference.clip.fps
    moved = np.abs(body_positions(character, result.clip.frames)
                   - body_positions(character, reference.clip.frames)).max()
    assert moved < 1e-3, (how, moved, result.facts.summary())


def test_half_the_frame_rate_gives_the_same_motion_at_common_times(walk, reference, character, tmp_path):
    path = rewrite(walk, tmp_path, every=2)
    result = import_bvh(path, character)
    assert result.clip.fps == pytest.approx(reference.clip.fps / 2)
    common = reference.clip.frames[::2][:result.clip.num_frames]
    moved = np.abs(body_positions(character, result.clip.frames) - body_positions(character, common)).max()
    assert moved < 0.01, moved


def test_the_walk_retargets_well(reference):
    q = reference.quality
    assert q["landmark_error_mean"] <= 0.03 and q["landmark_error_max"] <= 0.08, q
    assert q["bone_cosine_mean"] >= 0.95 and q["bone_cosine_min"] >= 0.8, q
    assert q["penetration"] <= 0.005 and q["lowest_point_mean"] <= 0.03, q
    assert q["foot_skate"] <= q["foot_skate_source"] + 0.02, q
    assert q["joint_range_excess"] == 0.0, q
    assert reference.clip.loop == "clamp"  # the Xia clips neither start where they end nor loop
    assert reference.clip.duration == pytest.approx((327 - 1) / 120.0)


def test_options_trim_resample_and_set_the_loop(walk, reference, character):
    result = import_bvh(WALK, character, ImportOptions(start=0.5, end=2.0, fps=30.0, loop="wrap"))
    assert result.clip.fps == 30.0 and result.clip.loop == "wrap"
    assert result.clip.duration == pytest.approx(1.5, abs=1.0 / 30)
    first = body_positions(character, result.clip.frames[:1])
    assert np.abs(first - body_positions(character, reference.clip.frames[60:61])).max() < 1e-6


def test_a_saved_mapping_beside_the_file_is_used(walk, character, tmp_path):
    from amp_studio.motion.retarget.mapping import load_mapping, save_mapping

    path = rewrite(walk, tmp_path)
    first = import_bvh(path, character)
    save_mapping(first.facts, mapping_beside(path))
    mapping = load_mapping(mapping_beside(path))
    assert mapping["landmarks"]["left_hip"] == "LeftUpLeg"
    assert import_bvh(path, character).mapping_file == mapping_beside(path)


def test_bvh_reads_wherever_a_clip_is_read_and_the_second_load_is_cached(walk, character, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = rewrite(walk, tmp_path)
    clip = load_clip(path, character.num_dofs, character)
    assert clip.num_frames == walk.num_frames and clip.retarget["source"] == path.name
    cached = list((tmp_path / "cache" / "amp_studio" / "bvh_imports").glob("*.pkl"))
    assert len(cached) == 1
    again = load_clip(path, character.num_dofs, character)
    assert np.array_equal(again.frames, clip.frames)


@pytest.mark.parametrize("convention", ["cmu", "mixamo", "biped", "smpl", "lafan1", "humanik", "blender", "rokoko",
                                        "bandai", "daz"])
def test_every_convention_and_rest_pose_stands_on_the_floor_with_its_limbs_along_the_source(convention, character,
                                                                                           tmp_path):
    """Skeletons of each naming convention, T-pose in cm with Y up and A-pose (arms 40 degrees down) in metres
    with Z up turned a quarter: the character stands as the source does, limbs along the source's."""
    for pose, up, unit, facing in (("T", "+y", 0.01, 0.0), ("A", "+z", 1.0, 90.0)):
        clip = build_clip(convention, pose, up, unit, facing, num_frames=6)
        path = tmp_path / f"{convention}_{pose}.bvh"
        write_bvh(clip, path)
        result = import_bvh(path, character)
        assert result.facts.up == up and result.facts.unit == pytest.approx(unit), result.facts.summary()
        q = result.quality
        assert q["bone_cosine_min"] > 0.99 and q["penetration"] < 1e-3 and abs(q["lowest_point_mean"]) < 0.01, q
