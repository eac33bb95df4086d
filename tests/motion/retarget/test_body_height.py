import numpy as np
import pytest

from amp_studio.character import CharacterModel
from amp_studio.motion.retarget.body_height import REACH_SLACK, place_body
from amp_studio.motion.retarget.character_rig import SIDES
from amp_studio.motion.retarget.leg_ik import solve_legs
from amp_studio.motion.retarget.quality import landmark_positions
from tests.motion.retarget.standing import FPS, standing


@pytest.fixture(scope="module")
def character() -> CharacterModel:
    return CharacterModel()


def test_a_standing_actor_keeps_its_height(character):
    s = standing(character)
    assert np.abs(s.ankles.hold["left"]).min() == 1.0  # both feet stand the whole clip
    before = s.moved.root_pos.copy()
    drop = place_body(s.rig, s.moved, s.ankles, FPS)
    assert np.abs(drop).max() <= 0.003
    assert np.allclose(s.moved.root_pos[:, 2], before[:, 2] - drop)


def knee_offsets(s, frames):
    """Per side, each frame's knee distance from the line from hip to ankle (how bent the leg is)."""
    ours = landmark_positions(s.rig, frames)
    out = {}
    for side in SIDES:
        hip, knee, ankle = (ours[f"{side}_{p}"] for p in ("hip", "knee", "ankle"))
        line = (ankle - hip) / np.linalg.norm(ankle - hip, axis=-1, keepdims=True)
        out[side] = np.linalg.norm(np.cross(knee - hip, line), axis=-1)
    return out, ours


def raise_source(s, height):
    """The actor (root and every landmark) `height` higher, its held feet left on the floor."""
    s.moved.root_pos[:, 2] += height
    s.moved.frames[:, 2] += height
    for p in s.moved.positions.values():
        p[:, 2] += height


@pytest.mark.parametrize("height", [0.03, -0.04])
def test_the_body_goes_down_or_up_to_its_held_feet_so_that_the_knees_keep_their_bend(character, height):
    """The actor 3 cm higher (4 cm lower) over feet held on the floor: the body comes down (goes up) to them,
    where a body left there would fold the knees far forward (or leave the feet short)."""
    flat = standing(character)
    place_body(flat.rig, flat.moved, flat.ankles, FPS)
    bend, _ = knee_offsets(flat, solve_legs(flat.rig, flat.moved, flat.ankles.position))
    s = standing(character)
    raise_source(s, height)
    pelvis_before = s.moved.positions["pelvis"][:, 2].copy()
    drop = place_body(s.rig, s.moved, s.ankles, FPS)
    assert drop == pytest.approx(np.full_like(drop, height), abs=0.004)
    assert s.moved.positions["pelvis"][:, 2] == pytest.approx(pelvis_before - drop)
    offsets, ours = knee_offsets(s, solve_legs(s.rig, s.moved, s.ankles.position))
    for side in SIDES:
        assert np.abs(offsets[side] - bend[side]).max() < 0.01
        assert np.linalg.norm(ours[f"{side}_ankle"] - s.ankles.position[side], axis=-1).max() <= REACH_SLACK


def test_the_body_never_stays_too_high_for_a_held_foot(character):
    """One foot held on a 10 cm step, the other on the floor: the body may rise toward the step's leg only as far
    as the floor's leg still reaches its foot (within the slack)."""
    s = standing(character)
    s.ankles.position["right"][:, 2] += 0.10
    s.ankles.sole["right"] += 0.10
    drop = place_body(s.rig, s.moved, s.ankles, FPS)
    assert (drop < 0).all()
    ankle = landmark_positions(s.rig, solve_legs(s.rig, s.moved, s.ankles.position))["left_ankle"]
    assert np.linalg.norm(ankle - s.ankles.position["left"], axis=-1).max() <= REACH_SLACK + 1e-3


def test_free_feet_the_source_puts_into_the_floor_lift_the_body(character):
    s = standing(character)
    raise_source(s, -0.03)  # the whole actor 3 cm lower, its feet in the floor
    for side in SIDES:
        s.ankles.hold[side][:] = 0.0
    drop = place_body(s.rig, s.moved, s.ankles, FPS)
    assert drop == pytest.approx(np.full_like(drop, -0.03), abs=0.004)
    for side in SIDES:  # and the free feet's targets stay on the floor, not below it
        assert (s.ankles.position[side][:, 2] >= s.ankles.sole[side] - 1e-9).all()
