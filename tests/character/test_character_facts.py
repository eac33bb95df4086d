"""The key bodies and the facing found from a character's file: the humanoid's names, the G1's links, and a
synthetic character without telling names."""

from __future__ import annotations

import pytest

from amp_studio.character import CharacterModel
from amp_studio.errors import CharacterError
from tests.character.synthetic import G1_FILE, g1_or_skip, write_character


def test_the_humanoid_keeps_its_key_bodies(character):
    assert character.key_bodies == ("head", "right_hand", "left_hand", "right_foot", "left_foot")


def test_the_g1s_key_bodies_are_its_head_wrists_and_ankles():
    g1 = CharacterModel(g1_or_skip())
    # MimicKit's amp_g1_env.yaml names the same five (in another order).
    assert g1.key_bodies == ("head_link", "right_wrist_yaw_link", "left_wrist_yaw_link", "right_ankle_roll_link",
                             "left_ankle_roll_link")


def test_without_telling_names_the_limbs_are_found_by_geometry(tmp_path):
    character = CharacterModel(write_character(tmp_path, names="anonymous"))
    # The synthetic character's feet are b_foot_a (+y, its left) and b_foot_b; its hands b_hand_a/b; head b_top.
    assert character.key_bodies == ("b_top", "b_hand_b", "b_hand_a", "b_foot_b", "b_foot_a")


def test_named_key_bodies_are_taken_as_given(tmp_path):
    path = write_character(tmp_path)
    character = CharacterModel(path, key_bodies=("torso", "left_foot"))
    assert character.key_bodies == ("torso", "left_foot")


def test_a_character_facing_sideways_is_refused_with_its_file_named(tmp_path):
    path = write_character(tmp_path, facing="+y")
    with pytest.raises(CharacterError, match=r"synthetic\.xml.*feet point 90 degrees from \+x"):
        CharacterModel(path)


def test_a_character_without_five_limb_ends_is_told_to_name_them(tmp_path):
    path = write_character(tmp_path, arms=False)
    with pytest.raises(CharacterError, match=r"synthetic\.xml.*3 limb ends.*key_bodies"):
        CharacterModel(path)


def test_g1_file_is_the_project_copy_when_there_is_one():
    assert G1_FILE.name in ("g1.xml", "g1_29dof.xml")


@pytest.mark.parametrize("which", ["synthetic", "g1"])
def test_kinematics_agree_with_mujocos_own(which, tmp_path):
    """Rest rotations on bodies, hinge chains and a hinge triple: batched FK against mj_kinematics to 1e-6."""
    import mujoco
    import numpy as np
    import torch

    path = write_character(tmp_path) if which == "synthetic" else g1_or_skip()
    character = CharacterModel(path)
    rng = np.random.default_rng(0)
    n = 64
    lower, upper = character.dof_lower.double().numpy(), character.dof_upper.double().numpy()
    frames = np.concatenate([rng.normal(size=(n, 3)), rng.normal(size=(n, 3)),
                             rng.uniform(np.maximum(lower, -2), np.minimum(upper, 2), (n, character.num_dofs))], 1)
    pos, quat = character.forward_kinematics_frames(torch.from_numpy(frames))
    m, d = character.mj_model, mujoco.MjData(character.mj_model)
    for i, qpos in enumerate(character.frames_to_qpos(frames)):
        d.qpos[:] = qpos
        mujoco.mj_kinematics(m, d)
        assert np.abs(pos[i].numpy() - d.xpos[1:]).max() < 1e-6
        assert np.abs(1 - np.abs((quat[i].numpy() * d.xquat[1:]).sum(-1))).max() < 1e-6
