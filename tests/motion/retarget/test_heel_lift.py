import numpy as np
import pytest

from amp_studio.character import CharacterModel
from amp_studio.motion.retarget.character_rig import SIDES
from amp_studio.motion.retarget.heel_lift import lift_heels
from amp_studio.motion.retarget.leg_ik import foot_geometry, leg_reach
from amp_studio.motion.retarget.transfer import body_frames, body_positions
from tests.motion.retarget.standing import FPS, standing


@pytest.fixture(scope="module")
def character() -> CharacterModel:
    return CharacterModel()


def test_feet_within_reach_stay_flat(character):
    s = standing(character)
    before = {side: s.ankles.position[side].copy() for side in SIDES}
    rotations = {b: r.copy() for b, r in s.moved.rotations.items()}
    lifts = lift_heels(s.rig, s.moved, s.ankles, FPS)
    for side in SIDES:
        assert not lifts[side].any()
        assert np.array_equal(s.ankles.position[side], before[side])
    assert all(np.array_equal(s.moved.rotations[b], r) for b, r in rotations.items())


def test_a_heel_held_behind_the_hip_lifts_about_the_front_of_the_sole(character):
    """The body walks 20 cm on over feet held where they stood: the straight legs cannot reach the heels, so the
    feet pitch heel-up about the front edge of their soles, which stays where it stood, until the legs reach."""
    s = standing(character)
    rig = s.rig
    foot = rig.bodies["left_ankle"]
    world = body_frames(rig, s.moved)
    forward = world[0, foot] @ rig.points["left_toe"][1]
    forward[2] = 0.0
    forward /= np.linalg.norm(forward)
    s.moved.root_pos += 0.20 * forward
    corners = foot_geometry(rig).corners["left"]
    sole_before = s.ankles.position["left"][:, None] + corners @ np.swapaxes(world[:, foot], -1, -2)
    hip = body_positions(rig, s.moved.root_pos, world)[:, rig.bodies["left_hip"]]
    reach_before = np.linalg.norm(s.ankles.position["left"] - hip, axis=-1)
    assert (reach_before > leg_reach(rig, "left") + 0.02).all()
    lifts = lift_heels(rig, s.moved, s.ankles, FPS)
    assert (lifts["left"] > np.radians(5)).all() and (lifts["left"] < np.radians(60)).all()
    world = body_frames(rig, s.moved)
    reach = np.linalg.norm(s.ankles.position["left"] - hip, axis=-1)
    # Nearer by the most of it (this actor's feet point a little up, so the turned foot is then set down on the
    # floor, which gives back a few millimetres).
    assert (reach < reach_before - 0.01).all() and (reach < leg_reach(rig, "left") + 0.015).all()
    sole_after = s.ankles.position["left"][:, None] + corners @ np.swapaxes(world[:, foot], -1, -2)
    moved = np.linalg.norm((sole_after - sole_before)[..., :2], axis=-1)  # (frames, corners)
    pivot = np.argmin(moved, axis=-1)
    pick = np.arange(len(pivot))
    ahead = (sole_before - s.ankles.position["left"][:, None]) @ forward
    assert moved[pick, pivot].max() < 1e-6  # one corner stays where it stood (set down at most)...
    assert (ahead[pick, pivot] > 0).all()  # ...at the front of the foot
    assert np.abs(sole_after[..., 2].min(-1)).max() < 1e-6  # and the sole on the floor
    heel = np.argmin(ahead, axis=-1)
    assert (sole_after[pick, heel, 2] > sole_before[pick, heel, 2] + 0.01).all()
