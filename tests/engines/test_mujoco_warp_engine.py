"""The MuJoCo Warp backend on Warp's CPU device against the C MuJoCo backend: same model, same states, same targets.

MJWarp computes in float32 and the C backend in float64, and a walking character's contacts amplify differences,
so the two agree to 1e-5 for the first control steps and within a stated tolerance after thirty (one second of a
walk tracked by PD targets). Warp compiles its kernels on first use (about a minute and a half here; scripts/setup.sh
compiles them once, into Warp's kernel cache), then a step takes tens of milliseconds on the CPU.
"""

from __future__ import annotations

import pytest
import torch

from amp_studio.character import CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines import engine_availability, load_engine_config, make_engine
from amp_studio.motion import MotionLibrary, load_clip

pytest.importorskip("mujoco_warp", reason="the mujoco_warp engine needs the mujoco-warp package")

WARP_YAML = "data/engines/mujoco_warp_engine.yaml"
C_YAML = "data/engines/mujoco_engine.yaml"
N = 4
# Measured on this machine, a walk tracked open-loop from four phases of its cycle (it falls within the second;
# max over envs): after 1 and 5 control
# steps every difference is below 3e-5; from the first foot strikes (step 8-10) they grow, to 0.020 m root
# position, 0.047 rad joint angle, 0.24 m/s root and 1.4 rad/s joint velocity after 30 steps. The C backend
# started 1e-6 away from itself stays within 6e-5 over the same 30 steps: the difference is the engines' (float32,
# MJWarp's own collision routines and solver tolerance), not chaos amplifying rounding. The bounds leave room.
ONE_STEP = {"root_pos": 1e-4, "dof_pos": 1e-3, "root_vel": 1e-3, "dof_vel": 1e-2}
THIRTY_STEPS = {"root_pos": 0.05, "dof_pos": 0.15, "root_vel": 0.6, "dof_vel": 4.0}


@pytest.fixture(scope="module")
def engines(character):
    warp = make_engine(load_engine_config(WARP_YAML, {"device": "cpu"}), character, N)
    c = make_engine(load_engine_config(C_YAML), character, N)
    yield warp, c
    c.close()


def _walk(character, deepmimic_dir):
    lib = MotionLibrary([load_clip(deepmimic_dir / "humanoid3d_walk.txt")], None, character)
    clip = torch.zeros(N, dtype=torch.long)
    times = torch.linspace(0.1, lib.clip_lengths[0].item() - 1.2, N)
    return lib, clip, times


def _differences(a: CharacterState, b: CharacterState) -> dict[str, float]:
    return {k: float((getattr(a, k) - getattr(b, k)).abs().max()) for k in ONE_STEP}


def test_states_agree_with_the_c_backend(engines, character, deepmimic_dir):
    warp, c = engines
    lib, clip, times = _walk(character, deepmimic_dir)
    start = lib.get_state(clip, times)
    for e in (warp, c):
        e.reset(torch.arange(N), start)
    assert max(_differences(warp.get_state(), c.get_state()).values()) < 1e-5
    assert torch.equal(warp.ground_contact, c.ground_contact)
    for step in range(1, 31):
        targets = lib.get_state(clip, times + step * c.control_dt).dof_pos
        for e in (warp, c):
            e.set_targets(targets)
            e.step()
        diff = _differences(warp.get_state(), c.get_state())
        bounds = ONE_STEP if step == 1 else THIRTY_STEPS if step == 30 else None
        if bounds:
            assert all(diff[k] < bounds[k] for k in bounds), (step, diff)
    assert not warp.failed.any() and not c.failed.any()
    # Open-loop PD tracking without balance falls within the second: both engines put the bodies on the floor alike.
    assert (warp.ground_contact == c.ground_contact).float().mean() > 0.9


def test_blow_up_is_detected_and_reset(engines):
    warp, _ = engines
    state = warp.get_state()
    wild = CharacterState(*(t.clone() for t in (state.root_pos, state.root_rot, state.dof_pos, state.root_vel,
                                               state.root_ang_vel, state.dof_vel)))
    wild.dof_vel[2] = 1e12  # env 2 only
    warp.reset(torch.arange(N), wild)
    warp.set_targets(wild.dof_pos)
    warp.step()
    assert warp.failed.tolist() == [False, False, True, False]
    assert torch.isfinite(warp.get_state().dof_pos).all()
    warp.reset(torch.tensor([2]), state.index(torch.tensor([2])))
    assert not warp.failed.any()


def test_state_dict_resumes_exactly(engines, character, deepmimic_dir):
    warp, _ = engines
    lib, clip, times = _walk(character, deepmimic_dir)
    warp.reset(torch.arange(N), lib.get_state(clip, times))
    targets = lib.get_state(clip, times + 0.1).dof_pos
    warp.set_targets(targets)
    warp.step()
    saved = warp.state_dict()
    runs = []
    for _ in range(2):
        warp.load_state_dict(saved)
        for _ in range(3):
            warp.set_targets(targets)
            warp.step()
        runs.append(warp.get_state().dof_pos.clone())
    assert torch.equal(runs[0], runs[1])


def test_config_and_availability(tmp_path, monkeypatch):
    cfg = load_engine_config(WARP_YAML)
    assert (cfg.engine_name, cfg.device, cfg.substeps) == ("mujoco_warp", "auto", 4)
    bad = tmp_path / "e.yaml"
    bad.write_text("engine_name: mujoco_warp\ndevice: gpu\n")
    with pytest.raises(ConfigError, match="device: expected auto, cpu, cuda or cuda:N"):
        load_engine_config(bad)
    assert engine_availability("mujoco_warp") is None
    import amp_studio.engine_availability as availability

    monkeypatch.setattr(availability, "is_installed", lambda name: name != "mujoco_warp")
    assert "pip install mujoco-warp" in availability.engine_availability("mujoco_warp")


def test_training_runs_a_few_iterations(tmp_path):
    from amp_studio.runs.training import make_training

    runner = make_training("data/envs/amp_humanoid_env.yaml", WARP_YAML, "data/agents/amp_humanoid_agent.yaml", 4,
                           0, str(tmp_path / "run"), None, {"steps_per_iter": 8}, logger="txt", log=lambda _: None)
    assert type(runner.env.engine).__name__ == "MujocoWarpEngine"
    metrics = [runner.train_iteration() for _ in range(2)]
    assert runner.samples == 2 * 4 * 8
    assert all(torch.isfinite(torch.tensor(m["disc_reward_mean"])) for m in metrics)
    runner.save_checkpoint()
    assert (tmp_path / "run" / "checkpoints" / "latest.pt").is_file()
