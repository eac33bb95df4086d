"""Clip checks in MuJoCo: which bodies a clip puts on the ground."""

from __future__ import annotations

import pytest

from amp_studio.motion import load_clip
from amp_studio.motion.motion_checks import body_lowest_points, contact_bodies, motion_info
from tests.motion.helpers import make_clip, standing_frames


def test_standing_touches_with_the_feet_only_and_a_raised_pose_with_nothing(character):
    standing = make_clip(standing_frames(4))
    lowest = body_lowest_points(standing, character)
    assert lowest.shape == (4, character.num_bodies)
    assert contact_bodies(standing, character) == ("right_foot", "left_foot")
    raised = standing_frames(4)
    raised[:, 2] += 0.5
    assert contact_bodies(make_clip(raised), character) == ()


@pytest.mark.deepmimic
@pytest.mark.parametrize(("clip", "expected"), [
    ("walk", {"right_foot", "left_foot"}),
    ("run", {"right_shin", "right_foot", "left_shin", "left_foot"}),
    ("cartwheel", {"right_hand", "left_hand", "right_foot", "left_foot"}),
    ("crawl", {"right_lower_arm", "right_hand", "left_lower_arm", "right_thigh", "right_shin", "right_foot",
               "left_thigh", "left_shin", "left_foot"}),
])
def test_contact_bodies_of_shared_clips(deepmimic_dir, character, clip, expected):
    c = load_clip(deepmimic_dir / f"humanoid3d_{clip}.txt", character.num_dofs)
    assert set(contact_bodies(c, character)) == expected
    assert motion_info(c, character)["contact_bodies"] == list(contact_bodies(c, character))


@pytest.mark.deepmimic
def test_the_roll_touches_with_its_back_and_head(deepmimic_dir, character):
    c = load_clip(deepmimic_dir / "humanoid3d_roll.txt", character.num_dofs)
    assert {"pelvis", "torso", "head", "right_foot", "left_foot"} <= set(contact_bodies(c, character))
