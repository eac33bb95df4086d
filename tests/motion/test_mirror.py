"""Left-right mirrors: exact reflections of every body pair, and mirror entries in datasets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml

from amp_studio.errors import MotionError
from amp_studio.motion import MotionLibrary, load_clip, load_dataset, save_clip, write_dataset
from amp_studio.motion.mirror import mirror_clip

from .helpers import make_clip


def _random_clip(character, seed: int = 0):
    """Ten frames of random in-range DoFs, root turning and moving."""
    rng = np.random.default_rng(seed)
    lo, hi = character.dof_lower.double().numpy(), character.dof_upper.double().numpy()
    frames = np.zeros((10, 6 + character.num_dofs))
    frames[:, :6] = rng.normal(size=(10, 6)) * 0.5
    frames[:, 6:] = lo + (hi - lo) * rng.random((10, character.num_dofs))
    return make_clip(frames)


def _partner(name: str) -> str:
    return name.replace("right", "LEFT").replace("left", "right").replace("LEFT", "left")


@pytest.mark.deepmimic
@pytest.mark.parametrize("name", ["walk", "cartwheel", "spinkick"])
def test_mirror_reflects_every_body_onto_its_partner(deepmimic_dir, character, name):
    """Each body of the mirror is where its left-right partner was, reflected across the xz-plane, to 1e-5 m."""
    clip = load_clip(deepmimic_dir / f"humanoid3d_{name}.txt")
    mirrored = mirror_clip(clip, character)
    assert mirrored.mirrored and mirrored.fps == clip.fps and mirrored.loop == clip.loop
    pos, _ = character.forward_kinematics_frames(torch.from_numpy(clip.frames))
    mpos, _ = character.forward_kinematics_frames(torch.from_numpy(mirrored.frames))
    reflect = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)
    for b, body in enumerate(character.body_names):
        partner = character.body_id(_partner(body))
        err = (mpos[:, partner] - pos[:, b] * reflect).norm(dim=-1).max().item()
        assert err < 1e-5, (name, body, err)
    # Twice is the clip again.
    np.testing.assert_allclose(mirror_clip(mirrored, character).frames, clip.frames, atol=1e-12)


def test_mirrored_joints_stay_within_their_partners_ranges(character):
    """The humanoid's ranges are symmetric: an in-range clip mirrors to an in-range clip (elbows change sign)."""
    clip = _random_clip(character, seed=3)
    mirrored = mirror_clip(clip, character)
    lo, hi = character.dof_lower.double().numpy(), character.dof_upper.double().numpy()
    assert ((mirrored.frames[:, 6:] >= lo - 1e-9) & (mirrored.frames[:, 6:] <= hi + 1e-9)).all()
    right, left = (character.joints[[j.name for j in character.joints].index(n)].dof_start
                   for n in ("right_elbow", "left_elbow"))
    np.testing.assert_allclose(mirrored.frames[:, 6 + left], -clip.frames[:, 6 + right])


def test_asymmetric_character_cannot_mirror(lopsided_character):
    lopsided = lopsided_character
    with pytest.raises(MotionError, match="lopsided.xml: cannot mirror: body 'left_upper_arm' does not sit"):
        mirror_clip(_random_clip(lopsided), lopsided)


def test_dataset_mirror_entries(tmp_path, character):
    clip = _random_clip(character, seed=1)
    save_clip(clip, tmp_path / "a.pkl")
    (tmp_path / "set.yaml").write_text(yaml.safe_dump({"motions": [{"file": "a.pkl", "weight": 2.0, "mirror": True}]}))
    entries = load_dataset(tmp_path / "set.yaml", character.num_dofs, character)
    assert [(c.mirrored, w) for c, w in entries] == [(False, 2.0), (True, 2.0)]
    np.testing.assert_allclose(entries[1][0].frames, mirror_clip(clip, character).frames)
    lib = MotionLibrary.from_file(tmp_path / "set.yaml", character)
    assert lib.num_clips == 2

    # A saved library keeps a lone mirror as a mirror.
    write_dataset([(tmp_path / "a.pkl", 1.0, True)], tmp_path / "only.yaml")
    only = load_dataset(tmp_path / "only.yaml", character.num_dofs, character)
    assert [c.mirrored for c, _ in only] == [True]

    with pytest.raises(MotionError, match=r"set.yaml: motions\[0\].mirror: mirroring needs the character"):
        load_dataset(tmp_path / "set.yaml", character.num_dofs)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"motions": [{"file": "a.pkl", "mirror": "yes"}]}))
    with pytest.raises(MotionError, match=r"bad.yaml: motions\[0\].mirror: expected true, false or only"):
        load_dataset(tmp_path / "bad.yaml", character.num_dofs, character)


def test_a_g1_clip_mirrors_exactly():
    """The robot: rest rotations on bodies, single hinges only, marker bodies off the middle. Every body lands on
    its partner's reflection (within the 10 um by which the G1's description is not symmetric), and twice is
    the identity."""
    from amp_studio.character import CharacterModel
    from amp_studio.motion.mirror import partner_name
    from tests.character.synthetic import g1_or_skip

    g1 = CharacterModel(g1_or_skip())
    clip = _random_clip(g1, seed=3)
    mirrored = mirror_clip(clip, g1)
    assert np.array_equal(mirror_clip(mirrored, g1).frames, clip.frames)
    pos, _ = g1.forward_kinematics_frames(torch.from_numpy(clip.frames))
    mpos, _ = g1.forward_kinematics_frames(torch.from_numpy(mirrored.frames))
    names = g1.body_names
    moving = [b for b in range(g1.num_bodies) if g1.source_model.body_mass[b + 1] > 0]
    partner = [names.index(partner_name(names[b])) for b in moving]
    reflected = mpos[:, partner].numpy() * np.array([1.0, -1.0, 1.0])
    assert np.abs(reflected - pos[:, moving].numpy()).max() < 2e-5
    lo, hi = g1.dof_lower.double().numpy(), g1.dof_upper.double().numpy()
    assert ((mirrored.frames[:, 6:] >= lo - 1e-9) & (mirrored.frames[:, 6:] <= hi + 1e-9)).all()


def test_a_character_with_native_ball_joints_mirrors_exactly(tmp_path):
    """Ball joints written as MuJoCo's own (hips, shoulders, with rest rotations) mirror like hinge triples: every
    body lands on its partner's reflection, and twice is the identity."""
    from amp_studio.character import CharacterModel
    from amp_studio.motion.mirror import partner_name
    from tests.character.synthetic import write_ball_character

    c = CharacterModel(write_ball_character(tmp_path))
    rng = np.random.default_rng(4)
    frames = rng.uniform(-1.0, 1.0, size=(10, 6 + c.num_dofs))
    frames[:, 6:] = np.clip(frames[:, 6:], c.dof_lower.double().numpy(), c.dof_upper.double().numpy())
    clip = make_clip(frames)
    mirrored = mirror_clip(clip, c)
    assert np.array_equal(mirror_clip(mirrored, c).frames, clip.frames)
    pos, _ = c.forward_kinematics_frames(torch.from_numpy(clip.frames))
    mpos, _ = c.forward_kinematics_frames(torch.from_numpy(mirrored.frames))
    partner = [c.body_names.index(partner_name(name)) for name in c.body_names]
    reflected = mpos[:, partner].numpy() * np.array([1.0, -1.0, 1.0])
    assert np.abs(reflected - pos.numpy()).max() < 1e-12


def test_a_recorded_drive_mirrors_its_commands(character):
    from .helpers import standing_frames

    clip = make_clip(standing_frames(3), fps=30, loop="clamp", name="drive")
    clip.task_commands = np.array([[0.6, 0.8, 1.5]] * 3)
    mirrored = mirror_clip(clip, character)
    np.testing.assert_array_equal(mirrored.task_commands, [[0.6, -0.8, 1.5]] * 3)
    assert mirror_clip(make_clip(standing_frames(3)), character).task_commands is None
