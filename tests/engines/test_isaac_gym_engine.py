"""The isaac_gym adapter against an in-repo fake of Isaac Gym (tests/engines/fake_isaacgym, MuJoCo underneath).

The fake keeps Isaac Gym's layouts and conventions and steps each env with MuJoCo using the PD drives the adapter
sets, so the adapter must agree with the MuJoCo backend on the same clip state, before and after steps.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys
from pathlib import Path

import mujoco
import pytest
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines import (
    KNOWN_ENGINES,
    EngineConfig,
    available_engines,
    engine_availability,
    load_engine_config,
    make_engine,
)
from amp_studio.engines.spherical_targets import MAX_SPHERICAL_TARGET_ANGLE, clamp_spherical_targets
from amp_studio.motion import MotionLibrary

FAKE = str(Path(__file__).resolve().parent / "fake_isaacgym")
ISAAC_YAML = "data/engines/isaac_gym_engine.yaml"
MUJOCO_YAML = "data/engines/mujoco_engine.yaml"
FIELDS = ("root_pos", "root_rot", "dof_pos", "root_vel", "root_ang_vel", "dof_vel")


def _forget_isaacgym() -> None:
    # The adapter binds whichever isaacgym it imported; drop both so the next import starts clean.
    for name in [n for n in sys.modules if n == "isaacgym" or n.startswith("isaacgym.")]:
        del sys.modules[name]
    sys.modules.pop("amp_studio.engines.isaac_gym_engine", None)


@pytest.fixture
def fake_gymapi():
    _forget_isaacgym()
    sys.path.insert(0, FAKE)
    try:
        yield importlib.import_module("isaacgym.gymapi")
    finally:
        sys.path.remove(FAKE)
        _forget_isaacgym()


@pytest.fixture
def adapter(fake_gymapi):
    return importlib.import_module("amp_studio.engines.isaac_gym_engine")


def _clip_state(character, n=4, t0=0.1):
    lib = MotionLibrary.from_file(DATA_DIR / "motions" / "walk_keyframed.pkl", character)
    times = torch.linspace(t0, lib.clip_lengths[0].item() - 0.1, n)
    return lib.get_state(torch.zeros(n, dtype=torch.long), times)


def _assert_same_rotations(a, b, atol=1e-5):
    assert torch.minimum((a - b).abs().amax(-1), (a + b).abs().amax(-1)).max() < atol  # q and -q are one rotation


def _assert_engines_agree(mj, ig, atol=1e-5):
    got, want = ig.get_state(), mj.get_state()
    for field in FIELDS:
        assert torch.allclose(getattr(got, field), getattr(want, field), atol=atol), field
    assert torch.allclose(ig.body_pos, mj.body_pos, atol=atol)
    _assert_same_rotations(ig.body_rot, mj.body_rot, atol)
    for a, b in zip(ig.body_velocities(), mj.body_velocities(), strict=True):
        assert torch.allclose(a, b, atol=atol)


# ----- pure conversions -----

def test_quaternion_conversion_both_ways(adapter):
    wxyz = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.6, 0.0, 0.0, 0.8], [0.1, 0.2, 0.3, 0.4]])
    xyzw = torch.tensor([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.8, 0.6], [0.2, 0.3, 0.4, 0.1]])
    assert torch.equal(adapter.quat_wxyz_to_xyzw(wxyz), xyzw)
    assert torch.equal(adapter.quat_xyzw_to_wxyz(xyzw), wxyz)
    q = torch.randn(5, 3, 4)
    assert torch.equal(adapter.quat_xyzw_to_wxyz(adapter.quat_wxyz_to_xyzw(q)), q)


def test_state_rows_are_isaac_gyms_13_wide_layout(adapter):
    pos, rot = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[0.5, 0.25, -0.5, 0.75]])  # w, x, y, z
    vel, ang_vel = torch.tensor([[4.0, 5.0, 6.0]]), torch.tensor([[7.0, 8.0, 9.0]])
    origin = torch.tensor([[10.0, 0.0, 0.0]])
    rows = adapter.pack_state_rows(pos, rot, vel, ang_vel, origin)
    assert rows.tolist() == [[11.0, 2.0, 3.0, 0.25, -0.5, 0.75, 0.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]]
    for a, b in zip(adapter.unpack_state_rows(rows, origin), (pos, rot, vel, ang_vel), strict=True):
        assert torch.equal(a, b)


def test_name_maps_and_orders(adapter, character):
    names = character.body_names
    isaac = {name: i for i, name in enumerate(reversed(names))}
    index = adapter.name_index(names, isaac, "body", "x.xml")
    assert index.tolist() == list(range(len(names)))[::-1]
    ours = torch.arange(2 * len(names), dtype=torch.float32).reshape(2, -1)
    theirs = adapter.to_isaac_order(ours, index, dim=1)
    assert theirs[0, isaac["head"]] == ours[0, names.index("head")]
    assert torch.equal(adapter.from_isaac_order(theirs, index, dim=1), ours)
    with pytest.raises(ConfigError, match=r"x.xml: Isaac Gym's body names do not match.*\['head'\].*\['skull'\]"):
        adapter.name_index(names, {("skull" if n == "head" else n): i for n, i in isaac.items()}, "body", "x.xml")


def test_ground_contact_needs_force_and_a_low_body(adapter):
    forces = torch.tensor([[[0.0, 0.0, 50.0], [0.0, 0.0, 50.0], [0.0, 0.05, 0.0]]])
    heights = torch.tensor([[0.05, 0.9, 0.05]])  # pressed foot; hand pressed on a thigh, high up; a graze
    assert adapter.ground_contact_from_forces(forces, heights, 0.1, 0.3).tolist() == [[True, False, False]]


def test_spherical_targets_are_held_short_of_a_half_turn():
    ball_dofs = torch.tensor([[0, 1, 2], [4, 5, 6]])
    targets = torch.tensor([[3.0, 4.0, 0.0, 7.0, 0.1, 0.2, 0.3], [0.0, 0.0, -1.0, -7.0, 0.0, 0.0, 0.0]])
    before = targets.clone()
    held = clamp_spherical_targets(targets, ball_dofs)
    assert torch.equal(targets, before)  # a new tensor
    assert torch.allclose(held[0, :3], torch.tensor([0.6, 0.8, 0.0]) * MAX_SPHERICAL_TARGET_ANGLE)  # same axis
    assert torch.equal(held[0, 4:], targets[0, 4:]) and torch.equal(held[1, :3], targets[1, :3])  # short: as is
    assert torch.equal(held[:, 3], targets[:, 3])  # hinges untouched


# ----- configs, selection and the missing package -----

def test_config_files(tmp_path):
    cfg = load_engine_config(ISAAC_YAML)
    assert (cfg.engine_name, cfg.control_mode, cfg.control_freq, cfg.sim_freq, cfg.substeps) == (
        "isaac_gym", "pos", 30, 120, 4)
    assert (cfg.env_spacing, cfg.ground_contact_height) == (5.0, 0.3)
    assert load_engine_config(MUJOCO_YAML) == EngineConfig(engine_name="mujoco")
    bad = tmp_path / "e.yaml"
    bad.write_text("engine_name: isaac_gym\nground_contact_height: -1\n")
    with pytest.raises(ConfigError, match="e.yaml: ground_contact_height must be positive"):
        load_engine_config(bad)


def test_missing_isaacgym_is_one_clear_sentence(character):
    _forget_isaacgym()
    assert FAKE not in sys.path
    with pytest.raises(ConfigError) as err:
        make_engine(load_engine_config(ISAAC_YAML), character, 1)
    message = str(err.value)
    for part in ("isaacgym", "Python 3.6-3.8", "NVIDIA GPU", "Isaac Lab", "data/engines/mujoco_engine.yaml",
                 "--worker_python"):
        assert part in message, part
    assert message.count(". ") == 0 and "\n" not in message
    assert engine_availability("isaac_gym") == message
    assert engine_availability("mujoco") is None
    assert available_engines() == {"mujoco": None, "mujoco_warp": None, "isaac_gym": message}
    assert tuple(available_engines()) == KNOWN_ENGINES
    assert "isaacgym" not in sys.modules


def test_availability_checks_the_python_version_without_importing(fake_gymapi):
    _forget_isaacgym()  # found on sys.path, not imported
    reason = engine_availability("isaac_gym")
    assert (reason is None) == ((3, 6) <= sys.version_info[:2] <= (3, 8))
    assert "isaacgym" not in sys.modules


def test_an_isaacgym_that_fails_to_import_is_a_config_error(tmp_path, character, monkeypatch):
    package = tmp_path / "isaacgym"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('PyTorch was imported before isaacgym modules.')\n")
    _forget_isaacgym()
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(ConfigError, match="installed but failed to import.*imported before torch"):
            make_engine(load_engine_config(ISAAC_YAML), character, 1)
    finally:
        _forget_isaacgym()


# ----- the adapter over the fake -----

def _engines(character, n=4, config=None):
    mj = make_engine(load_engine_config(MUJOCO_YAML), character, n)
    ig = make_engine(config or load_engine_config(ISAAC_YAML), character, n)
    return mj, ig


@pytest.mark.parametrize("order", ["isaac_default", "permuted"])
def test_round_trips_with_the_mujoco_engine(fake_gymapi, adapter, character, order):
    if order == "permuted":  # the fake lays bodies and DoFs out differently: only the name maps can fix it
        fake_gymapi.BODY_ORDER = list(reversed(character.body_names))
        perm = torch.randperm(character.num_dofs, generator=torch.Generator().manual_seed(3)).tolist()
        fake_gymapi.DOF_ORDER = [character.dof_names[i] for i in perm]
    state = _clip_state(character)
    mj, ig = _engines(character)
    assert isinstance(ig, adapter.IsaacGymEngine) and ig.device.type == "cpu"
    for e in (mj, ig):
        e.reset(torch.arange(4), state)
    _assert_engines_agree(mj, ig)
    # Isaac Gym's own layout underneath: xyzw rows at each env's grid origin.
    assert ig._origins.tolist() == [[0, 0, 0], [5, 0, 0], [0, 5, 0], [5, 5, 0]]
    root = ig._root
    assert torch.allclose(root[:, :3], state.root_pos + ig._origins, atol=1e-6)
    assert torch.allclose(root[:, 3:7], adapter.quat_wxyz_to_xyzw(state.root_rot), atol=1e-6)
    # Stepping runs the fake's MuJoCo with the drives the adapter set: same gains, same order, same motion.
    touched = torch.zeros(4, character.num_bodies, dtype=torch.bool)
    for _ in range(3):
        for e in (mj, ig):
            e.set_targets(state.dof_pos)
            e.step()
        _assert_engines_agree(mj, ig)
        assert torch.equal(ig.ground_contact, mj.ground_contact)
        touched |= ig.ground_contact
    assert touched.any()
    calls = ig.sim.calls
    assert [calls[f"acquire_{k}"] for k in ("root", "dof", "body", "force")] == [1, 1, 1, 1]
    assert calls["simulate"] == calls["fetch_results"] == 3 * ig.substeps
    mj.close()
    ig.close()
    assert ig.sim.destroyed


def test_indexed_reset_changes_only_those_envs(fake_gymapi, character):
    a, b = _clip_state(character), _clip_state(character, t0=0.5)
    mj, ig = _engines(character)
    for e in (mj, ig):
        e.reset(torch.arange(4), a)
        e.set_targets(a.dof_pos)
        e.step()
    before, raw_root, raw_dofs, body_before = ig.get_state(), ig._root.clone(), ig._dofs.clone(), ig.body_pos.clone()
    ids = torch.tensor([1, 3])
    for e in (mj, ig):  # two resets before one step: both must reach PhysX
        e.reset(ids[:1], b.index(ids[:1]))
        e.reset(ids[1:], b.index(ids[1:]))
    after = ig.get_state()
    for field in FIELDS:
        assert torch.equal(getattr(after, field)[[0, 2]], getattr(before, field)[[0, 2]]), field
        assert torch.allclose(getattr(after, field)[ids], getattr(b, field)[ids], atol=1e-6), field
    assert torch.equal(ig._root[[0, 2]], raw_root[[0, 2]]) and not torch.equal(ig._root[ids], raw_root[ids])
    d = character.num_dofs
    for env in (0, 2):
        assert torch.equal(ig._dofs[env * d:(env + 1) * d], raw_dofs[env * d:(env + 1) * d])
    # Until the next step, the reset envs' bodies come from kinematics and they touch nothing.
    assert torch.equal(ig.body_pos[[0, 2]], body_before[[0, 2]])
    fk_pos, _ = character.forward_kinematics(after.root_pos[ids], after.root_rot[ids], after.dof_pos[ids])
    assert torch.allclose(ig.body_pos[ids], fk_pos, atol=1e-6)
    assert not ig.ground_contact[ids].any()
    # Sent as one indexed set of each kind (int32 actor indices [1, 3]) with the step; envs 0 and 2 carry on.
    calls = dict(ig.sim.calls)
    targets = torch.where(torch.isin(torch.arange(4), ids)[:, None], b.dof_pos, a.dof_pos)
    for e in (mj, ig):
        e.set_targets(targets)
        e.step()
    assert ig.sim.calls["set_root_indexed"] == calls["set_root_indexed"] + 1
    assert ig.sim.calls["set_dof_indexed"] == calls["set_dof_indexed"] + 1
    _assert_engines_agree(mj, ig)
    assert torch.equal(ig.ground_contact, mj.ground_contact)
    mj.close()
    ig.close()


def test_a_body_above_ground_contact_height_is_not_in_contact(adapter, character):
    state = _clip_state(character)
    low = dataclasses.replace(load_engine_config(ISAAC_YAML), ground_contact_height=0.02)
    _, ig = _engines(character, config=low)
    ig.reset(torch.arange(4), state)
    ig.set_targets(state.dof_pos)
    ig.step()
    forces = adapter.from_isaac_order(ig._force_view, ig._body_index, dim=1).norm(dim=-1)
    pressed = forces > adapter.CONTACT_FORCE_THRESHOLD
    assert pressed.any() and (ig.body_pos[pressed][:, 2] > 0.02).all()  # feet pressing, origins above 2 cm
    assert not ig.ground_contact.any()
    ig.close()


def test_non_finite_state_fails_that_env(adapter, character, monkeypatch):
    state = _clip_state(character)
    _, ig = _engines(character)
    ig.reset(torch.arange(4), state)
    world = ig.sim.world
    real_step = world.step

    def poisoned_step():
        real_step()
        world.state["dof"][2 * character.num_dofs, 1] = float("nan")  # env 2's first DoF velocity

    monkeypatch.setattr(world, "step", poisoned_step)
    ig.set_targets(state.dof_pos)
    ig.step()
    assert ig.failed.tolist() == [False, False, True, False]
    assert torch.isfinite(ig.get_state().dof_vel).all()
    ig.reset(torch.tensor([2]), state.index(torch.tensor([2])))
    assert not ig.failed.any()
    ig.close()


def test_state_dict_restores_the_envs(adapter, character):
    state = _clip_state(character)
    _, ig = _engines(character)
    ig.reset(torch.arange(4), state)
    ig.set_targets(state.dof_pos)
    ig.step()
    saved = ig.state_dict()
    ig.step()
    continued = ig.get_state()  # the step that follows the saved moment, under the saved targets
    ig.set_targets(state.dof_pos + 0.1)
    ig.step()
    ig.load_state_dict(saved)
    restored = ig.get_state()
    for field in FIELDS:
        assert torch.allclose(getattr(restored, field), saved["state"][field], atol=1e-6), field
    assert torch.equal(ig.ground_contact, saved["contact"]) and torch.equal(ig.failed, saved["failed"])
    assert torch.allclose(ig.state_dict()["targets"], state.dof_pos)
    assert isinstance(CharacterState(**saved["state"]), CharacterState)
    ig.step()  # the restored simulation goes on as the saved one did
    for field in FIELDS:
        assert torch.allclose(getattr(ig.get_state(), field), getattr(continued, field), atol=1e-5), field
    ig.close()


def _shoulder_dofs(character, side="right"):
    joint = next(j for j in character.joints if j.name == f"{side}_shoulder")
    return slice(joint.dof_start, joint.dof_start + 3)


def _hinge_chain_body_pos(character, state):
    """Body positions if the three values were hinge angles applied in turn (the file's own hinge model)."""
    m, d = character.source_model, mujoco.MjData(character.source_model)
    out = []
    for i in range(len(state.root_pos)):
        d.qpos[:] = torch.cat((state.root_pos[i], state.root_rot[i], state.dof_pos[i])).double().numpy()
        mujoco.mj_kinematics(m, d)
        out.append(torch.from_numpy(d.xpos[1:].copy()).float())
    return torch.stack(out)


def test_a_spherical_joint_near_a_half_turn_round_trips(adapter, character):
    # One physics step of a microsecond: the fake (PhysX) computes the bodies from the DoF states the adapter
    # sent, with no time to move them measurably.
    config = dataclasses.replace(load_engine_config(ISAAC_YAML), control_freq=1_000_000, sim_freq=1_000_000)
    state = _clip_state(character, n=2)
    for v in (state.root_vel, state.root_ang_vel, state.dof_vel):
        v.zero_()
    axis = torch.nn.functional.normalize(torch.randn(2, 3, generator=torch.Generator().manual_seed(5)), dim=-1)
    state.dof_pos[:, _shoulder_dofs(character)] = axis * (math.pi - 0.005)
    ig = make_engine(config, character, 2)
    ig.reset(torch.arange(2), state)
    ig.set_targets(state.dof_pos)
    ig.step()
    assert not ig._bodies_from_fk.any()  # the bodies are the fake's, not the adapter's kinematics
    assert torch.allclose(ig.get_state().dof_pos, state.dof_pos, atol=1e-5)
    fk_pos, fk_rot = character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    assert (ig.body_pos - fk_pos).abs().max() < 1e-5
    _assert_same_rotations(ig.body_rot, fk_rot)
    # Read as three hinges in turn, the same values would put the arm elsewhere.
    hand = character.body_id("right_hand")
    assert (_hinge_chain_body_pos(character, state)[:, hand] - fk_pos[:, hand]).norm(dim=-1).min() > 0.05
    ig.close()


def test_the_adapter_holds_spherical_targets_short_of_a_half_turn(adapter, character):
    state = _clip_state(character)
    _, ig = _engines(character)
    ig.reset(torch.arange(4), state)
    targets = state.dof_pos.clone()
    dofs = _shoulder_dofs(character, "left")
    targets[:, dofs] = torch.tensor([0.0, 0.6, 0.8]) * 4.0  # beyond pi
    ig.set_targets(targets)
    held = ig.state_dict()["targets"]
    assert torch.allclose(held[:, dofs], torch.tensor([0.0, 0.6, 0.8]).expand(4, 3) * MAX_SPHERICAL_TARGET_ANGLE)
    others = torch.ones(character.num_dofs, dtype=torch.bool)
    others[dofs] = False
    assert torch.equal(held[:, others], targets[:, others])
    ig.step()
    assert not ig.failed.any()
    ig.close()
