"""Chains of single hinges (hinge_chains.py): the angles that turn a chain's last body as the transfer asks, on a
small character written here (a free root; three hinges on three bodies with rest rotations, as a robot's hip or
shoulder; two hinges, as its ankle; a body without a joint at the end, as its hand), checked against MuJoCo's own
forward kinematics."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from amp_studio.character import CharacterModel
from amp_studio.motion.retarget import hinge_chains

CHAIN = """<mujoco model="hinge_chain">
  <compiler angle="radian"/>
  <worldbody>
    <body name="root" pos="0 0 1" quat="0.9659258 0 0 0.2588190">
      <freejoint name="root"/>
      <geom type="sphere" size="0.1"/>
      <body name="first" pos="0 0.1 -0.05" quat="0.9902681 0.1391731 0 0">
        <joint name="first" axis="0 1 0" range="-2.5 1.2"/>
        <geom type="sphere" size="0.03"/>
        <body name="second" pos="0 0.04 -0.03" quat="0.9848078 -0.1736482 0 0.0">
          <joint name="second" axis="1 0 0" range="-0.6 2.2"/>
          <geom type="sphere" size="0.03"/>
          <body name="third" pos="0.02 0 -0.1" quat="0.9961947 0 0.0871557 0">
            <joint name="third" axis="0 0 1" range="-1.4 2.0"/>
            <geom type="capsule" fromto="0 0 0 0 0 -0.2" size="0.03"/>
            <body name="hand" pos="0 0.01 -0.25" quat="0.9238795 0 0 0.3826834">
              <geom type="sphere" size="0.03"/>
              <body name="pitch" pos="0.05 0 0">
                <joint name="pitch" axis="0 1 0" range="-0.9 0.5"/>
                <geom type="sphere" size="0.01"/>
                <body name="roll" pos="0 0 -0.02" quat="0.9961947 0.0871557 0 0">
                  <joint name="roll" axis="1 0 0" range="-0.3 0.3"/>
                  <geom type="box" size="0.08 0.03 0.01"/>
                </body>
              </body>
            </body>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
</mujoco>
"""
NAMES = ("first", "second", "third", "pitch", "roll")


@pytest.fixture(scope="module")
def character(tmp_path_factory) -> CharacterModel:
    path = tmp_path_factory.mktemp("chain") / "chain.xml"
    path.write_text(CHAIN)
    return CharacterModel(path, key_bodies=())


def posed(character: CharacterModel, angles: np.ndarray) -> np.ndarray:
    """World rotations of every body for these joint angles (F, 5), by MuJoCo. Shape: (F, bodies, 3, 3)."""
    model = character.source_model
    data = mujoco.MjData(model)
    out = []
    for row in angles:
        data.qpos[:] = 0.0
        data.qpos[:7] = [0, 0, 1, 0.9659258, 0, 0, 0.2588190]
        for name, value in zip(NAMES, row, strict=True):
            data.qpos[model.jnt_qposadr[model.joint(name).id]] = value
        mujoco.mj_kinematics(model, data)
        out.append(data.xmat[1:].reshape(-1, 3, 3).copy())
    return np.array(out)


def chain(character: CharacterModel, anchor: str, end: str) -> hinge_chains.HingeChain:
    rest = posed(character, np.zeros((1, 5)))[0]
    found = hinge_chains.find_chain(character, rest, character.body_id(anchor), character.body_id(end))
    assert found is not None
    return found


def relative(character: CharacterModel, world: np.ndarray, anchor: str, end: str) -> np.ndarray:
    a, e = character.body_id(anchor), character.body_id(end)
    return np.swapaxes(world[:, a], -1, -2) @ world[:, e]


def motion(num_frames: int = 240) -> np.ndarray:
    """Smooth angles within every range, through the whole of each (from the rest pose)."""
    t = np.linspace(0.0, 4.0 * np.pi, num_frames)[:, None]
    low = np.array([-2.4, -0.55, -1.35, -0.85, -0.28])
    high = np.array([1.1, 2.1, 1.9, 0.45, 0.28])
    phase = np.array([0.0, 1.0, 2.0, 0.5, 1.5])
    wave = np.sin(np.array([1.0, 1.3, 0.7, 1.7, 2.1]) * t + phase) * np.minimum(1.0, t / 2.0)
    return np.where(wave > 0, wave * high, -wave * low)


def test_three_hinges_with_rest_rotations_give_back_their_angles(character):
    """A hand welded below the third hinge: the chain turns it, and the known angles come back to 1e-6."""
    angles = motion()
    world = posed(character, angles)
    found = chain(character, "root", "hand")
    assert found.bodies == tuple(character.body_id(n) for n in ("first", "second", "third", "hand"))
    solved = hinge_chains.solve(found, relative(character, world, "root", "hand"))
    assert np.abs(solved - angles[:, :3]).max() < 1e-6


def test_two_hinges_give_back_their_angles(character):
    angles = motion()
    world = posed(character, angles)
    found = chain(character, "hand", "roll")
    solved = hinge_chains.solve(found, relative(character, world, "hand", "roll"))
    assert np.abs(solved - angles[:, 3:]).max() < 1e-6


def test_the_chain_rotation_is_mujocos(character):
    angles = motion(50)
    world = posed(character, angles)
    found = chain(character, "root", "hand")
    turned = hinge_chains.body_rotations(found, angles[:, :3])
    expected = np.stack([relative(character, world, "root", n) for n in ("first", "second", "third", "hand")], 1)
    assert np.abs(turned - expected).max() < 1e-12
    assert np.abs(hinge_chains.chain_rotation(found, angles[:, :3]) - expected[:, -1]).max() < 1e-12


def test_taking_each_hinges_own_twist_is_lossy_and_the_chain_is_not(character):
    """Each hinge taking the twist of the whole turn about its own axis, as if the others did not turn: a leg
    swung forward and out comes out far from where it was sent."""
    angles = motion()
    world = posed(character, angles)
    found = chain(character, "root", "hand")
    local = relative(character, world, "root", "hand")
    solved = hinge_chains.chain_rotation(found, hinge_chains.solve(found, local))
    naive = np.stack([hinge_chains.twist_angle(local @ found.end_rest.T, u) for u in found.axes], axis=-1)
    lossy = hinge_chains.chain_rotation(found, naive)
    error = np.linalg.norm(hinge_chains.log_rotation(lossy @ np.swapaxes(local, -1, -2)), axis=-1)
    assert np.abs(solved - local).max() < 1e-9 and error.max() > 0.3


def test_beyond_a_range_the_chain_stays_within_it_and_comes_nearer_than_clipping(character):
    angles = motion()
    angles[:, 1] += 0.8  # the second hinge past its range (2.2) for part of the motion
    world = posed(character, angles)
    found = chain(character, "root", "hand")
    local = relative(character, world, "root", "hand")
    solved = hinge_chains.solve(found, local)
    assert (solved >= found.lower - 1e-12).all() and (solved <= found.upper + 1e-12).all()

    def miss(q):
        turned = hinge_chains.chain_rotation(found, q)
        return np.linalg.norm(hinge_chains.log_rotation(turned @ np.swapaxes(local, -1, -2)), axis=-1)

    clipped = np.clip(angles[:, :3], found.lower, found.upper)
    assert (miss(solved) <= miss(clipped) + 1e-9).all() and (miss(solved) < miss(clipped) - 0.01).any()


def test_a_spherical_joint_is_no_hinge_chain(character):
    humanoid = CharacterModel()
    rest = np.broadcast_to(np.eye(3), (humanoid.num_bodies, 3, 3))
    assert hinge_chains.find_chain(humanoid, rest, 0, humanoid.body_id("left_thigh")) is None


def test_log_rotation_is_exact_near_nothing_and_near_half_a_turn():
    rng = np.random.default_rng(3)
    axes = rng.normal(size=(300, 3))
    axes /= np.linalg.norm(axes, axis=-1, keepdims=True)
    angles = np.concatenate((np.full(100, 1e-9), rng.uniform(0, np.pi, 100), np.full(100, np.pi - 1e-7)))
    rotations = hinge_chains.axis_rotations(axes, angles[:, None] * np.ones((1, 300)))
    own = rotations[np.arange(300), np.arange(300)]
    assert np.abs(hinge_chains.log_rotation(own) - axes * angles[:, None]).max() < 1e-9
