"""The Unitree G1 in data/assets/g1/ (made by scripts/build_g1_asset.py): a character with a PD drive on every
DoF, collision by primitives only, exactly the shared file's kinematics, on its feet, and small with its
licences."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mujoco
import numpy as np
import pytest

from amp_studio.character import CharacterModel
from amp_studio.paths import DATA_DIR, SHARED_DIR

REPO = Path(__file__).resolve().parents[2]
G1_DIR = DATA_DIR / "assets" / "g1"
G1 = G1_DIR / "g1.xml"
SHARED_G1 = SHARED_DIR / "characters" / "unitree_g1" / "g1_29dof.xml"
SIDES = ("left", "right")
# BeyondMimic's standing pose for the G1 (knees bent); the rest pose has the legs straight and the arms down.
STANDING = {"hip_pitch": -0.312, "knee": 0.669, "ankle_pitch": -0.363, "elbow": 0.6, "shoulder_pitch": 0.2,
            "left_shoulder_roll": 0.2, "right_shoulder_roll": -0.2}


def shared_g1_or_skip() -> Path:
    if SHARED_G1.is_file():
        return SHARED_G1
    reason = f"the shared G1 ({SHARED_G1}), which data/assets/g1/ is made from, is not beside this checkout"
    if os.environ.get("CI") == "true":  # CI has the shared folder: its absence there is a broken setup, not a skip
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def g1() -> CharacterModel:
    # key_bodies=(): the test is about the file, not the bodies observations track.
    return CharacterModel(G1, key_bodies=())


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_path(str(G1))


def test_it_is_a_character_of_29_hinge_dofs_each_with_a_pd_drive(g1, model):
    assert g1.num_dofs == 29 and g1.num_bodies == 38
    drives = g1.ball.drives
    assert (drives.kp > 0).all() and (drives.kv > 0).all()
    assert np.isfinite(drives.force_limit).all() and (drives.force_limit > 0).all()
    # One position actuator per joint, in joint order, named after it; the torque limit is the joint's own.
    joints = [model.joint(j).name for j in range(1, model.njnt)]
    assert [model.actuator(a).name for a in range(model.nu)] == joints == g1.dof_names
    assert model.actuator_trnid[:, 0].tolist() == list(range(1, model.njnt))
    assert (model.actuator_biastype == mujoco.mjtBias.mjBIAS_AFFINE).all()
    np.testing.assert_allclose(drives.force_limit, np.abs(model.jnt_actfrcrange[1:]).max(axis=1))
    # MimicKit's gains: kp = armature * w^2 with w = 2 pi 10 rad/s; the knee's motor is the 7520-22.
    knee = joints.index("left_knee_joint")
    assert drives.kp[knee] == pytest.approx(99.0984, abs=1e-4) and drives.kv[knee] == pytest.approx(6.3088, abs=1e-4)
    np.testing.assert_allclose(drives.kp, drives.armature * (2 * np.pi * 10) ** 2, rtol=1e-5)
    assert model.opt.timestep == pytest.approx(1 / 120)
    assert model.opt.integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST


def test_meshes_are_only_seen_and_primitives_only_collide(model):
    mesh = model.geom_type == mujoco.mjtGeom.mjGEOM_MESH
    collides = (model.geom_contype != 0) | (model.geom_conaffinity != 0)
    assert mesh.any() and not (mesh & collides).any()
    assert (model.geom_group[mesh] == 1).all()
    # Group 3 is hidden in the viewport (MuJoCo's default option draws groups 0-2, and the scene keeps it).
    assert (model.geom_group[collides] == 3).all() and (model.geom_friction[collides, 0] == 1.0).all()
    assert (model.geom_condim[collides] == 3).all()


def test_kinematics_are_the_shared_files_exactly(model):
    shared = mujoco.MjModel.from_xml_path(str(shared_g1_or_skip()))
    names = [[m.body(b).name for b in range(m.nbody)] for m in (model, shared)]
    assert names[0] == names[1] and "head_mocap" in names[0] and "left_toe_link" in names[0]
    assert [model.joint(j).name for j in range(model.njnt)] == [shared.joint(j).name for j in range(shared.njnt)]
    for field in ("body_parentid", "body_pos", "body_quat", "body_mass", "body_inertia", "body_ipos", "body_iquat",
                  "jnt_type", "jnt_pos", "jnt_axis", "jnt_range", "qpos0"):
        np.testing.assert_array_equal(getattr(model, field), getattr(shared, field), err_msg=field)
    rng = np.random.default_rng(1)
    low, high = model.jnt_range[1:, 0], model.jnt_range[1:, 1]
    ours, theirs = mujoco.MjData(model), mujoco.MjData(shared)
    for _ in range(50):
        qpos = np.concatenate((rng.normal(size=3), rng.normal(size=4), rng.uniform(low, high)))
        qpos[3:7] /= np.linalg.norm(qpos[3:7])
        for m, d in ((model, ours), (shared, theirs)):
            d.qpos[:] = qpos
            mujoco.mj_kinematics(m, d)
        for field in ("xpos", "xquat", "xipos"):
            np.testing.assert_allclose(getattr(ours, field), getattr(theirs, field), atol=1e-9, err_msg=field)


def pose_on_ground(model: mujoco.MjModel, pose: dict) -> np.ndarray:
    """qpos of a pose (keys: joint names without "_joint", with or without the side) whose feet touch z = 0."""
    data = mujoco.MjData(model)
    for j in range(1, model.njnt):
        name = model.joint(j).name.removesuffix("_joint")
        plain = name.split("_", 1)[1] if name.startswith(SIDES) else name
        data.qpos[model.jnt_qposadr[j]] = pose.get(name, pose.get(plain, 0.0))
    mujoco.mj_kinematics(model, data)
    corners = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).T.reshape(-1, 3)
    feet = [model.geom(f"{side}_foot_collision").id for side in SIDES]
    lowest = min((data.geom_xpos[g] + corners * model.geom_size[g] @ data.geom_xmat[g].reshape(3, 3).T)[:, 2].min()
                 for g in feet)
    data.qpos[2] -= lowest + 0.0005  # half a millimetre in: the contacts are there from the start
    return data.qpos.copy()


@pytest.fixture(scope="module")
def sim(g1):
    from amp_studio.engines.mujoco_engine import build_sim_model

    return build_sim_model(g1, 120)  # the engine's model: ground plane, contact sensors


def test_only_the_feet_touch_anything_at_rest_and_standing(sim):
    data = mujoco.MjData(sim)
    floor = sim.geom("floor").id
    for pose in ({}, STANDING):
        data.qpos[:] = pose_on_ground(sim, pose)
        mujoco.mj_forward(sim, data)
        pairs = {(c.geom1, c.geom2) for c in data.contact[:data.ncon]}
        touching = {sim.body(sim.geom_bodyid[b if a == floor else a]).name for a, b in pairs if floor in (a, b)}
        assert all(floor in pair for pair in pairs), [(sim.geom(a).name, sim.geom(b).name) for a, b in pairs]
        assert touching == {"left_ankle_roll_link", "right_ankle_roll_link"}, pose


def test_it_stands_on_its_feet_under_pd(sim):
    """From the rest pose on the ground, PD on the rest pose for 2 s keeps the pelvis up and upright. The gains
    (ankle kp 2 x 28.5 N m/rad against m g h = 236 N m/rad) cannot hold it without balance: alone it tips over
    within 1.3 s. So the ankle pitch targets follow the centre of mass's lead over the ankles, as little active
    balance as there is; the feet must be flat and the other joints hold."""
    data = mujoco.MjData(sim)
    data.qpos[:] = pose_on_ground(sim, {})
    rest = data.qpos[7:].copy()
    ankles = [sim.joint(f"{side}_ankle_pitch_joint").id for side in SIDES]
    dofs, bodies = sim.jnt_dofadr[ankles] - 6, sim.jnt_bodyid[ankles]
    warnings = []
    mujoco.set_mju_user_warning(warnings.append)
    try:
        for step in range(240):
            if step % 4 == 0:  # the env's 30 Hz
                mujoco.mj_forward(sim, data)
                mujoco.mj_subtreeVel(sim, data)
                lead = data.subtree_com[1, 0] - data.xpos[bodies, 0].mean()
                data.ctrl[:] = rest
                data.ctrl[dofs] += 12.0 * lead + 3.0 * data.subtree_linvel[1, 0]
            mujoco.mj_step(sim, data)
            assert data.qpos[2] > 0.6 and data.xmat[1, 8] > 0.9, f"fell at {data.time:.2f} s"
    finally:
        mujoco.set_mju_user_warning(None)
    assert not warnings
    assert np.abs(data.qvel).max() < 1.0  # it has come to rest, not a slow fall


def test_the_folder_is_small_and_carries_both_licences(model):
    files = [p for p in G1_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 20e6
    unitree, gmr = (G1_DIR / "LICENSE").read_text(), (G1_DIR / "LICENSE-GMR").read_text()
    assert "BSD 3-Clause" in unitree and "Unitree Robotics" in unitree  # the robot's description
    assert "Permission is hereby granted, free of charge" in gmr and "Yanjieze" in gmr  # GMR's MIT notice
    assert model.nmesh == len(list((G1_DIR / "meshes").iterdir()))  # only the meshes the model uses


@pytest.mark.slow  # rebuilds the folder in a subprocess: about 3 s
def test_the_script_makes_exactly_this_folder(tmp_path):
    shared_g1_or_skip()
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_g1_asset.py"), "--target", str(tmp_path)],
                   check=True, capture_output=True, cwd=REPO)
    for name in ("g1.xml", "README.md", "LICENSE", "LICENSE-GMR"):
        assert (tmp_path / name).read_bytes() == (G1_DIR / name).read_bytes(), name
    made, shipped = (sorted(p.name for p in (folder / "meshes").iterdir()) for folder in (tmp_path, G1_DIR))
    assert made == shipped
