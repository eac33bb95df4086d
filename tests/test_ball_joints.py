"""Hinge triples as ball joints: drives from either kind of file, the cone, and poses to qpos and back."""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest

from amp_studio import DEFAULT_CHARACTER
from amp_studio.ball_joints import ball_joint_character, cone_limit, exp_map_to_quat, quat_to_exp_map

# MimicKit's way of writing a character: PD gains as joint stiffness and damping, torque limits as actuator
# force ranges on the joints or as motor gears.
MIMICKIT_STYLE = """
<mujoco>
  <default><motor ctrlrange="-1 1" ctrllimited="true"/></default>
  <worldbody>
    <body name="pelvis"><freejoint name="root"/><geom type="sphere" size="0.1"/>
      <body name="torso" pos="0 0 0.2">
        <joint name="abdomen_x" type="hinge" axis="1 0 0" range="-1 1" actuatorfrcrange="-200 200"
               stiffness="1000" damping="100" armature=".02"/>
        <joint name="abdomen_y" type="hinge" axis="0 1 0" range="-1 1.5" actuatorfrcrange="-200 200"
               stiffness="1000" damping="100" armature=".02"/>
        <joint name="abdomen_z" type="hinge" axis="0 0 1" range="-1.2 1.2" actuatorfrcrange="-200 200"
               stiffness="1000" damping="100" armature=".02"/>
        <geom type="sphere" size="0.1"/>
        <body name="arm" pos="0 -0.2 0">
          <joint name="elbow" type="hinge" axis="0 0 1" range="0 2.5" stiffness="300" damping="30" armature=".01"/>
          <geom type="capsule" fromto="0 0 0 0 -0.2 0" size="0.04"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="abdomen_x" gear="200" joint="abdomen_x"/>
    <motor name="abdomen_y" gear="200" joint="abdomen_y"/>
    <motor name="abdomen_z" gear="200" joint="abdomen_z"/>
    <motor name="elbow" gear="70" joint="elbow"/>
  </actuator>
</mujoco>
"""


def test_default_humanoid_has_ball_joints_with_its_drives():
    ch = ball_joint_character(DEFAULT_CHARACTER)
    m = ch.model
    assert sum(m.jnt_type == mujoco.mjtJoint.mjJNT_BALL) == 8 and sum(m.jnt_type == mujoco.mjtJoint.mjJNT_HINGE) == 4
    assert ch.spherical_starts == (0, 3, 6, 10, 14, 18, 21, 25)
    assert ch.drives.kp[:3].tolist() == [1000.0] * 3 and ch.drives.kv[:3].tolist() == [100.0] * 3
    # Abdomen: three actuators on one ball joint, one gear axis each, the hinges' ranges and torque limit.
    assert m.actuator_trnid[:3, 0].tolist() == [1, 1, 1]
    np.testing.assert_array_equal(m.actuator_gear[:3, :3], np.eye(3))
    np.testing.assert_allclose(m.actuator_ctrlrange[:3], [[-1.0472, 1.0472], [-1.0472, 1.5708], [-1.2217, 1.2217]])
    assert m.actuator_forcerange[0].tolist() == [-200, 200]
    assert np.all(m.dof_armature[6:] == 0.02) and np.all(m.jnt_stiffness == 0)


def test_mimickit_style_file_drives_come_from_joint_stiffness_and_motors(tmp_path):
    path = tmp_path / "mimickit_style.xml"
    path.write_text(MIMICKIT_STYLE)
    ch = ball_joint_character(path)
    d = ch.drives
    assert d.kp.tolist() == [1000, 1000, 1000, 300] and d.kv.tolist() == [100, 100, 100, 30]
    assert d.force_limit.tolist() == [200, 200, 200, 70]  # joint force ranges, else the motor's gear
    assert d.armature.tolist() == [0.02, 0.02, 0.02, 0.01]
    m = ch.model
    # Stiffness was the PD gain, not a spring; damping went into the drive.
    assert np.all(m.jnt_stiffness == 0) and np.all(m.dof_damping == 0)
    assert m.nu == 4 and np.all(m.actuator_gainprm[:, 0] == d.kp) and np.all(-m.actuator_biasprm[:, 2] == d.kv)
    assert m.jnt_type[1] == mujoco.mjtJoint.mjJNT_BALL and m.joint(1).name == "abdomen"
    # Without <compiler angle="radian"> MuJoCo reads ranges in degrees; the cone is set in the same unit.
    lower, upper = np.radians([-1, -1, -1.2]), np.radians([1, 1.5, 1.2])
    assert m.jnt_range[1, 1] == pytest.approx(cone_limit(lower, upper))


def test_cone_is_the_farthest_corner_of_the_ranges_at_most_pi():
    assert cone_limit(np.array([-0.5, -0.9, -0.6]), np.array([0.5, 0.9, 0.7])) == pytest.approx(
        math.sqrt(0.5**2 + 0.9**2 + 0.7**2))
    assert cone_limit(np.array([-2.0, -2.0, -2.0]), np.array([2.0, 2.0, 2.0])) == pytest.approx(math.pi)


def test_poses_to_qpos_and_back():
    ch = ball_joint_character(DEFAULT_CHARACTER)
    rng = np.random.default_rng(0)
    pose = np.zeros((50, 7 + 28))
    pose[:, :3] = rng.normal(size=(50, 3))
    q = rng.normal(size=(50, 4))
    pose[:, 3:7] = q / np.linalg.norm(q, axis=1, keepdims=True)
    axis = rng.normal(size=(50, 8, 3))
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    angle = rng.uniform(0, math.pi - 1e-6, size=(50, 8, 1))
    pose[:, 7:][:, ch.ball_dofs] = axis * angle
    pose[:, 7 + ch.hinge_dofs] = rng.uniform(-1, 1, size=(50, 4))
    qpos = ch.pose_to_qpos(pose)
    assert qpos.shape == (50, ch.model.nq)
    np.testing.assert_allclose(ch.qpos_to_pose(qpos), pose, atol=1e-9)
    # Each ball joint's quaternion is exp of its map; MuJoCo reads the map back as the actuator lengths.
    np.testing.assert_allclose(qpos[:, ch.ball_qpos], exp_map_to_quat(pose[:, 7:][:, ch.ball_dofs]), atol=1e-12)
    m, d = ch.model, mujoco.MjData(ch.model)
    d.qpos[:] = qpos[0]
    mujoco.mj_forward(m, d)
    np.testing.assert_allclose(d.actuator_length, pose[0, 7:], atol=1e-9)


def test_exp_map_of_a_half_turn_and_of_nothing():
    np.testing.assert_allclose(quat_to_exp_map(np.array([0.0, 0.0, 0.0, 1.0])), [0, 0, math.pi])
    np.testing.assert_allclose(quat_to_exp_map(np.array([-1.0, 0.0, 0.0, 0.0])), [0, 0, 0])
    np.testing.assert_allclose(exp_map_to_quat(np.zeros(3)), [1, 0, 0, 0])


def test_the_older_mjspec_path_builds_the_same_model(monkeypatch):
    """MuJoCo 3.2 (Python 3.8, Isaac Gym's workers) lacks MjsActuator.set_to_position: the hand-made position
    actuators must compile to the same model."""
    import numpy as np

    from amp_studio import DEFAULT_CHARACTER, ball_joints

    native = ball_joints.ball_joint_character(DEFAULT_CHARACTER).model
    monkeypatch.setattr(ball_joints, "_set_to_position", ball_joints._position_by_hand)
    by_hand = ball_joints.ball_joint_character(DEFAULT_CHARACTER).model
    for name in ("actuator_dyntype", "actuator_gaintype", "actuator_biastype", "actuator_gainprm",
                 "actuator_biasprm", "actuator_gear", "actuator_ctrlrange", "actuator_forcerange", "jnt_type",
                 "jnt_range", "dof_armature", "dof_damping"):
        assert np.array_equal(getattr(native, name), getattr(by_hand, name)), name


# A file's own ball joint, MimicKit's way: PD gains as the joint's stiffness and damping, torque limits as motor gears
# (one per axis of the exponential map); no <compiler angle="radian">, so its range is in degrees.
BALL_MIMICKIT_STYLE = """
<mujoco>
  <default><motor ctrlrange="-1 1" ctrllimited="true"/></default>
  <worldbody>
    <body name="pelvis"><freejoint name="root"/><geom type="sphere" size="0.1"/>
      <body name="torso" pos="0 0 0.2">
        <joint name="abdomen" type="ball" range="0 90" stiffness="1000" damping="100" armature=".02"/>
        <geom type="sphere" size="0.1"/>
        <body name="arm" pos="0 -0.2 0">
          <joint name="elbow" type="hinge" axis="0 0 1" range="0 120" stiffness="300" damping="30" armature=".01"/>
          <geom type="capsule" fromto="0 0 0 0 -0.2 0" size="0.04"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor gear="0 0 150" joint="abdomen"/>
    <motor gear="200 0 0" joint="abdomen"/>
    <motor gear="70" joint="elbow"/>
  </actuator>
</mujoco>
"""


def test_a_files_own_ball_joints_are_kept_with_a_pd_drive_per_axis(tmp_path):
    from tests.character.synthetic import write_ball_character

    ch = ball_joint_character(write_ball_character(tmp_path))
    m = ch.model
    # Hips and shoulders as written, the spine's hinge triple made one: five ball joints, seven hinges.
    assert sum(m.jnt_type == mujoco.mjtJoint.mjJNT_BALL) == 5 and sum(m.jnt_type == mujoco.mjtJoint.mjJNT_HINGE) == 7
    assert ch.spherical_starts == (0, 4, 8, 12, 17)
    assert ch.cone_limits == (pytest.approx(math.sqrt(3)), math.inf, math.inf, 1.6, 1.6)
    hip = m.joint("left_hip").id
    assert m.jnt_range[hip, 1] == pytest.approx(1.6)
    # The left hip's three actuators: one axis each, in the file's kp per axis, clipped to the range per axis.
    acts = np.flatnonzero(m.actuator_trnid[:, 0] == hip)
    assert acts.tolist() == [12, 13, 14]
    np.testing.assert_array_equal(m.actuator_gear[acts, :3], np.eye(3))
    assert m.actuator_gainprm[acts, 0].tolist() == [400, 420, 440]
    assert (-m.actuator_biasprm[acts, 2]).tolist() == [40, 42, 44]
    np.testing.assert_allclose(m.actuator_ctrlrange[acts], [[-1.6, 1.6]] * 3)
    shoulder = np.flatnonzero(m.actuator_trnid[:, 0] == m.joint("left_shoulder").id)
    assert not m.actuator_ctrllimited[shoulder].any()

    rng = np.random.default_rng(0)
    pose = np.zeros((20, 7 + 22))
    pose[:, 3] = 1.0
    pose[:, 7:] = rng.uniform(-0.5, 0.5, size=(20, 22))
    qpos = ch.pose_to_qpos(pose)
    np.testing.assert_allclose(ch.qpos_to_pose(qpos), pose, atol=1e-12)
    d = mujoco.MjData(m)
    d.qpos[:] = qpos[0]
    mujoco.mj_forward(m, d)
    np.testing.assert_allclose(d.actuator_length, pose[0, 7:], atol=1e-9)


def test_a_ball_joint_without_position_actuators_takes_its_stiffness_and_motors(tmp_path):
    path = tmp_path / "ball_mimickit_style.xml"
    path.write_text(BALL_MIMICKIT_STYLE)
    ch = ball_joint_character(path)
    d = ch.drives
    assert d.kp.tolist() == [1000, 1000, 1000, 300] and d.kv.tolist() == [100, 100, 100, 30]
    assert d.force_limit.tolist() == [200, math.inf, 150, 70]  # each motor's gear names its axis
    assert d.armature.tolist() == [0.02, 0.02, 0.02, 0.01]
    m = ch.model
    assert np.all(m.jnt_stiffness == 0) and np.all(m.dof_damping == 0)
    assert m.jnt_range[1, 1] == pytest.approx(math.pi / 2) and ch.cone_limits == (pytest.approx(math.pi / 2),)
    np.testing.assert_allclose(m.actuator_ctrlrange[:3], [[-math.pi / 2, math.pi / 2]] * 3)
