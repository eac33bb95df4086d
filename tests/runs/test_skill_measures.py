from __future__ import annotations

import math

import pytest
import torch

from amp_studio.envs import make_env_from_files
from amp_studio.rotations import quat_from_axis_angle, quat_mul, tilt_deg
from amp_studio.runs.skill_measures import SkillTracker, clip_reference, summarize, turn_deg

ENV = "data/envs/amp_humanoid_env.yaml"
ENGINE = "data/engines/mujoco_engine.yaml"


def _about(axis: tuple[float, float, float], degrees) -> torch.Tensor:
    angles = torch.deg2rad(torch.as_tensor(degrees, dtype=torch.float32)).reshape(-1)
    return quat_from_axis_angle(torch.tensor(axis).expand(len(angles), 3), angles)


def test_tilt_and_turn():
    assert torch.allclose(tilt_deg(_about((1.0, 0.0, 0.0), [0.0, 30.0, 90.0, 180.0])),
                          torch.tensor([0.0, 30.0, 90.0, 180.0]), atol=1e-2)
    # A turn about the vertical tilts nothing; its sign says which way.
    yaw = _about((0.0, 0.0, 1.0), [40.0, -40.0])
    assert torch.allclose(tilt_deg(yaw), torch.zeros(2), atol=1e-2)
    assert torch.allclose(turn_deg(_about((0.0, 0.0, 1.0), [0.0, 0.0]), yaw), torch.tensor([40.0, -40.0]), atol=1e-3)
    # Measured in the world: a turn made while leaning is still a turn about the vertical.
    lean = _about((1.0, 0.0, 0.0), [20.0])
    assert torch.allclose(turn_deg(lean, quat_mul(yaw[:1], lean)), torch.tensor([40.0]), atol=1e-3)


def _play(tracker: SkillTracker, rotations: torch.Tensor, heights: torch.Tensor, lowest: torch.Tensor) -> None:
    """Env 0 through these root orientations, root heights and lowest body heights (floor at 0)."""
    tracker.restart(torch.tensor([0]), rotations[:1])
    for rot, height, low in zip(rotations, heights, lowest, strict=True):
        body = torch.tensor([[[0.0, 0.0, float(low)], [0.0, 0.0, float(height)]]])
        tracker.add(torch.tensor([[0.0, 0.0, float(height)]]), rot[None], body, 0.0)


def test_tracker_counts_flips_turns_and_flights():
    dt = 1 / 30
    tracker = SkillTracker(1, dt)
    # Two backflips (a full turn about y in 30 steps each), in the air for the middle 12 steps of each.
    pitch = _about((0.0, 1.0, 0.0), torch.arange(1, 61) * 12.0)
    up = torch.tensor([0.0] * 9 + [0.3] * 12 + [0.0] * 9).repeat(2)
    _play(tracker, pitch, 0.9 + up, up)
    raw = tracker.raw(0)
    assert raw["inversion"] == 2 and raw["full_turn"] == 0 and raw["flight"] == 2
    assert raw["tilt_deg"] == pytest.approx(180.0, abs=0.1)
    assert raw["height"] == pytest.approx(1.2) and raw["airborne_s"] == pytest.approx(12 * dt)
    # Two and a half turns about the vertical: two full turns; the peak turn is the whole 900 degrees.
    _play(tracker, _about((0.0, 0.0, 1.0), torch.arange(0, 76) * 12.0), torch.full((76,), 0.9), torch.zeros(76))
    raw = tracker.raw(0)
    assert raw["full_turn"] == 2 and raw["inversion"] == 0 and raw["flight"] == 0
    assert raw["turn_deg"] == pytest.approx(900.0, abs=0.5)
    # Rocking 100 degrees back and forth is no inversion; a turn one way and back peaks at the larger swing.
    rock = _about((0.0, 1.0, 0.0), 100.0 * torch.sin(torch.arange(60) * 0.2))
    _play(tracker, rock, torch.full((60,), 0.9), torch.zeros(60))
    assert tracker.raw(0)["inversion"] == 0


@pytest.fixture(scope="module")
def backflip_env(deepmimic_dir):
    env = make_env_from_files(ENV, ENGINE, 1, seed=0,
                              env_overrides={"motion_file": str(deepmimic_dir / "humanoid3d_backflip.txt")})
    yield env
    env.close()


def test_a_clip_reaches_its_own_skill_and_a_stand_does_not(backflip_env):
    env = backflip_env
    reference = clip_reference(env, 0)
    assert reference.event == "inversion" and reference.events_per_clip == 1
    assert reference.tilt_deg > 149.0 and reference.height > 1.1 and reference.airborne_s > 0.3
    lib, dt = env.motion_lib, env.dt
    times = torch.arange(0.0, 6 * float(lib.clip_lengths[0]), dt, dtype=torch.float64)
    state = lib.get_state(torch.zeros(len(times), dtype=torch.long), times)
    body_pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)

    def measured(frames: torch.Tensor) -> dict[str, float]:
        tracker = SkillTracker(1, dt)
        tracker.restart(torch.tensor([0]), state.root_rot[frames[:1]])
        for t in frames.tolist():
            tracker.add(state.root_pos[t:t + 1], state.root_rot[t:t + 1], body_pos[t:t + 1], reference.floor)
        return tracker.episode(0, reference)

    # The clip played for six loops from mid-flight: every extreme reached, six flips in six loops' time.
    own = measured(torch.arange(len(times)))
    assert own["skill_reached"] == 1.0 and own["skill_extremes"] == pytest.approx(1.0, abs=0.02)
    assert own["skill_events"] >= 5 and own["skill_events_share"] == 1.0
    # Its first frame held for as long: a stand, which DTW would match with the clip's standing frames.
    stand = measured(torch.zeros(len(times), dtype=torch.long))
    assert stand["skill_reached"] == 0.0 and stand["skill_events"] == 0
    assert stand["skill_tilt"] < 0.2 and stand["skill_height"] < 0.8 and stand["skill_airborne"] == 0.0
    summary = summarize([own, stand])
    assert summary["skill_reached"] == 0.5 and math.isclose(summary["skill_tilt"], (own["skill_tilt"] +
                                                                                    stand["skill_tilt"]) / 2)


def test_a_walk_is_judged_on_height_alone(deepmimic_dir):
    env = make_env_from_files(ENV, ENGINE, 1, seed=0,
                              env_overrides={"motion_file": str(deepmimic_dir / "humanoid3d_walk.txt")})
    try:
        reference = clip_reference(env, 0)
    finally:
        env.close()
    assert reference.event is None and reference.expected_events(10.0) == 0.0
    tracker = SkillTracker(1, env.dt)
    upright = _about((0.0, 0.0, 1.0), [0.0] * 30)
    _play(tracker, upright, torch.full((30,), reference.height), torch.full((30,), reference.floor))
    episode = tracker.episode(0, reference)
    assert episode["skill_reached"] == 1.0 and "skill_tilt" not in episode and "skill_turn" not in episode
