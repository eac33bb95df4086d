"""Characters written with MuJoCo's own ball joints: the same three-value exponential-map joints as hinge triples,
in the DoFs, the kinematics, the velocities and the errors."""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest
import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.errors import CharacterError
from amp_studio.rotations import exp_map_to_quat, quat_normalize, quat_rotate
from tests.character.synthetic import write_ball_character

# A free root and one body with one joint, to which the refusals below add what they refuse.
TINY = """<mujoco><worldbody><body name="root"><freejoint/><geom size=".1"/>
  <body name="limb" pos="0 0 1">{joint}<geom size=".1"/></body></body></worldbody>{actuators}</mujoco>"""


@pytest.fixture(scope="module")
def ball_character(tmp_path_factory):
    return CharacterModel(write_ball_character(tmp_path_factory.mktemp("ball")))


def test_a_ball_joint_is_one_spherical_joint_of_three_dofs(ball_character):
    c = ball_character
    assert c.num_dofs == 22 and c.source_model.nv == 6 + 22
    assert [(j.name, j.dof_start, j.num_dofs) for j in c.joints] == [
        ("spine", 0, 3), ("neck", 3, 1), ("left_shoulder", 4, 3), ("left_wrist", 7, 1), ("right_shoulder", 8, 3),
        ("right_wrist", 11, 1), ("left_hip", 12, 3), ("left_knee", 15, 1), ("left_ankle", 16, 1),
        ("right_hip", 17, 3), ("right_knee", 20, 1), ("right_ankle", 21, 1)]
    assert c.dof_names[4:8] == ["left_shoulder_x", "left_shoulder_y", "left_shoulder_z", "left_wrist"]
    assert c.spherical_dof_index[:, 0].tolist() == [0, 4, 8, 12, 17]
    assert c.hinge_dof_index.tolist() == [3, 7, 11, 15, 16, 20, 21]
    # A ball joint's one range (its largest angle) bounds each component of its map; unlimited is infinite.
    assert c.dof_lower[12:15].tolist() == pytest.approx([-1.6] * 3) and c.dof_upper[12:15].tolist() == pytest.approx(
        [1.6] * 3)
    assert torch.isinf(c.dof_lower[4:7]).all() and torch.isinf(c.dof_upper[4:7]).all()
    np.testing.assert_array_equal(c.dof_axes[12:15], np.eye(3))


def _random_frames(c: CharacterModel, n: int, seed: int) -> np.ndarray:
    """Root anywhere; spherical joints at random axes and angles up to their range (at most pi); hinges in range."""
    rng = np.random.default_rng(seed)
    lower, upper = c.dof_lower.double().numpy(), c.dof_upper.double().numpy()
    dofs = rng.uniform(np.maximum(lower, -2), np.minimum(upper, 2), (n, c.num_dofs))
    for idx in c.spherical_dof_index.numpy():
        axis = rng.normal(size=(n, 3))
        axis /= np.linalg.norm(axis, axis=1, keepdims=True)
        dofs[:, idx] = axis * rng.uniform(0, min(math.pi, upper[idx[0]]), (n, 1))
    return np.concatenate([rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), dofs], 1)


def test_forward_kinematics_matches_mujoco(ball_character):
    c = ball_character
    frames = _random_frames(c, 200, seed=0)
    m, d = c.mj_model, mujoco.MjData(c.mj_model)
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-5)):
        pos, quat = c.forward_kinematics_frames(torch.from_numpy(frames).to(dtype))
        for i, qpos in enumerate(c.frames_to_qpos(frames)):
            d.qpos[:] = qpos
            mujoco.mj_kinematics(m, d)
            assert np.abs(pos[i].double().numpy() - d.xpos[1:]).max() < tol
            assert np.abs(1 - np.abs((quat[i].double().numpy() * d.xquat[1:]).sum(-1))).max() < tol


def test_the_file_itself_poses_alike(ball_character):
    """The file as MuJoCo reads it (its own ball joints, the spine as hinges) puts the bodies where the simulated
    model does: a ball joint's three values are the exponential map MuJoCo's ball joint turns by."""
    c = ball_character
    frames = _random_frames(c, 20, seed=1)
    frames[:, 6:9] = 0.0  # the spine: three hinge angles in the file, an exp map in the model; alike only at rest
    src, sim = c.source_model, c.mj_model
    ds, dm = mujoco.MjData(src), mujoco.MjData(sim)
    for qpos in c.frames_to_qpos(frames):
        dm.qpos[:] = qpos
        ds.qpos[:7], ds.qpos[7:10], ds.qpos[10:] = qpos[:7], 0.0, qpos[11:]  # a ball's 4 numbers, 3 hinges'
        mujoco.mj_kinematics(sim, dm)
        mujoco.mj_kinematics(src, ds)
        np.testing.assert_allclose(ds.xpos, dm.xpos, atol=1e-12)
        np.testing.assert_allclose(ds.xquat, dm.xquat, atol=1e-12)


def test_body_velocities_match_mujoco(ball_character):
    c = ball_character
    gen = torch.Generator().manual_seed(1)
    n = 100
    frames = torch.from_numpy(_random_frames(c, n, seed=2))
    state = CharacterState(frames[:, :3], exp_map_to_quat(frames[:, 3:6]), frames[:, 6:],
                           torch.randn(n, 3, generator=gen, dtype=torch.float64),
                           torch.randn(n, 3, generator=gen, dtype=torch.float64),
                           torch.randn(n, c.num_dofs, generator=gen, dtype=torch.float64) * 3)
    vel, ang = c.body_velocities(state)
    m, d = c.mj_model, mujoco.MjData(c.mj_model)
    res = np.zeros(6)
    qpos = c.frames_to_qpos(frames.numpy())
    for i in range(n):
        d.qpos[:] = qpos[i]
        # MuJoCo's free joint takes its angular velocity in the body frame; a ball joint's DoF velocities are
        # its local angular velocity, as the character's.
        local = quat_rotate(quat_normalize(state.root_rot[i]) * torch.tensor([1, -1, -1, -1]), state.root_ang_vel[i])
        d.qvel[:3], d.qvel[3:6], d.qvel[6:] = state.root_vel[i], local, state.dof_vel[i]
        mujoco.mj_forward(m, d)
        for b in range(c.num_bodies):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b + 1, res, 0)  # at the body origin
            np.testing.assert_allclose(ang[i, b].numpy(), res[:3], atol=1e-9)
            np.testing.assert_allclose(vel[i, b].numpy(), res[3:], atol=1e-9)


@pytest.mark.parametrize(("joint", "actuators", "message"), [
    ('<joint name="slider" type="slide"/>', "",
     r"^[^\n]*tiny\.xml: joint 'slider' is a slide joint; after the free root only hinge and ball joints"),
    ('<joint name="b" type="ball" pos="0.1 0 0"/>', "",
     r"tiny\.xml: the ball joint 'b' must sit at the body origin"),
    ('<joint name="h" axis="1 0 0"/><joint name="b" type="ball"/>', "",
     r"tiny\.xml: body 'limb' has the ball joint 'b' and other joints"),
    ('<joint type="ball"/>', "", r"tiny\.xml: joint 1 \(on body 'limb'\) has no name"),
    ('<joint name="b" type="ball"/>', '<actuator><position joint="b" gear="1 1 0" kp="10"/></actuator>',
     r"tiny\.xml: the actuator '0' on ball joint 'b' must drive one axis"),
    ('<joint name="b" type="ball"/>', '<actuator><position joint="b" gear="0 2 0" kp="10"/></actuator>',
     r"tiny\.xml: the position actuator '0' on a ball joint must have gear \(1 0 0\)"),
])
def test_joints_a_character_cannot_have_are_refused_in_one_line(tmp_path, joint, actuators, message):
    path = tmp_path / "tiny.xml"
    path.write_text(TINY.format(joint=joint, actuators=actuators))
    with pytest.raises(CharacterError, match=message) as caught:
        CharacterModel(path, key_bodies=("limb",))
    assert "\n" not in str(caught.value)
