from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from amp_studio.runs.steering_judge import SteeringJudge, judge_recording, settled_frames, velocity_errors


def drive(commands: np.ndarray, fps: float, turn: float = 0.0, speed_gain: float = 1.0) -> np.ndarray:
    """Root positions of a character that moves at speed_gain x the commanded speed, turned by `turn` radians
    from the commanded direction. Shapes: (T, 3) -> (T, 2)."""
    c, s = math.cos(turn), math.sin(turn)
    d = commands[:, :2] @ np.array([[c, s], [-s, c]])
    step = d * commands[:, 2:3] * speed_gain / fps
    return np.concatenate((np.zeros((1, 2)), np.cumsum(step[:-1], axis=0)))


def commands_of(*segments: tuple[float, float, float], fps: float = 30.0) -> np.ndarray:
    """(angle, speed, seconds) segments as per-frame commands."""
    rows = [[math.cos(a), math.sin(a), v] for a, v, seconds in segments for _ in range(round(seconds * fps))]
    return np.array(rows)


def test_a_perfect_drive_has_no_error_and_an_off_one_its_offsets():
    commands = commands_of((0.0, 1.0, 4.0), (2.0, 3.0, 5.0))
    perfect = judge_recording(drive(commands, 30.0), commands, 30.0)
    assert perfect["heading_error_deg_median"] == pytest.approx(0, abs=1e-6)
    result = judge_recording(drive(commands, 30.0, turn=math.radians(12), speed_gain=0.9), commands, 30.0)
    assert result["heading_error_deg_median"] == pytest.approx(12.0, abs=1e-6)
    assert result["speed_error_median"] == pytest.approx(0.1, abs=1e-6)
    assert result["judged_seconds"] == pytest.approx(9.0 - 2 * 1.5 - 1 / 30, abs=1e-6)


def test_a_stride_that_sways_about_the_commanded_speed_holds_it_over_a_second():
    # A gait that speeds up and slows down by 30% twice a second (two steps), about the commanded 1.2 m/s: frame by
    # frame it is off by a median of 21-22%, over each second not at all. One 10% too slow is off by 10% both ways.
    fps = 30.0
    commands = commands_of((0.0, 1.2, 6.0))
    sway = 1.0 + 0.3 * np.sin(2 * math.pi * 2.0 * np.arange(len(commands)) / fps)
    moved = commands.copy()
    moved[:, 2] *= sway
    swaying = judge_recording(drive(moved, fps), commands, fps)
    assert 0.2 < swaying["speed_error_median"] < 0.23  # the median of |0.3 sin|: 0.3 sin(45 deg), on 30 fps frames
    assert swaying["speed_error_1s_median"] == pytest.approx(0.0, abs=1e-6)
    slow = judge_recording(drive(commands, fps, speed_gain=0.9), commands, fps)
    assert slow["speed_error_1s_median"] == pytest.approx(0.1, abs=1e-6)


def test_only_frames_well_after_a_change_are_judged():
    commands = commands_of((0.0, 1.0, 2.0), (1.0, 1.0, 2.0), fps=10.0)
    settled = settled_frames(commands, 10.0)
    assert settled.tolist() == [False] * 15 + [True] * 5 + [False] * 15 + [True] * 5
    # A character that keeps going the old way for the first 1.5 s after the change is not blamed for it.
    late = commands.copy()
    late[20:35] = commands[0]
    assert judge_recording(drive(late, 10.0), commands, 10.0)["heading_error_deg_median"] == pytest.approx(0, abs=1e-6)


def test_errors_of_single_velocities():
    heading, speed = velocity_errors(np.array([[0.0, 2.0], [-1.0, 0.0]]), np.array([[1.0, 0.0, 2.0], [1.0, 0.0, 1.0]]))
    assert heading.tolist() == pytest.approx([90.0, 180.0]) and speed.tolist() == pytest.approx([0.0, 0.0])


def test_the_vectorized_judge_agrees_with_the_recording_judge():
    fps = 30.0
    commands = commands_of((0.0, 1.0, 3.0), (1.5, 2.0, 4.0))
    root = drive(commands, fps, turn=0.1, speed_gain=1.2)
    judge = SteeringJudge(2, 1.0 / fps)
    velocity = np.diff(root, axis=0) * fps
    for i in range(len(velocity)):
        cmd = torch.tensor(commands[i]).float().expand(2, 3)
        judge.add(cmd, torch.tensor(velocity[i]).float().expand(2, 2), torch.tensor([True, False]))
    by_steps, by_clip = judge.summary(), judge_recording(root, commands, fps)
    assert by_steps["heading_error_deg_median"] == pytest.approx(by_clip["heading_error_deg_median"], abs=1e-3)
    assert by_steps["speed_error_median"] == pytest.approx(by_clip["speed_error_median"], abs=1e-5)
    assert by_steps["speed_error_1s_median"] == pytest.approx(by_clip["speed_error_1s_median"], abs=1e-5)
    assert by_steps["judged_seconds"] == pytest.approx(by_clip["judged_seconds"], abs=1e-6)
    judge.restart(torch.tensor([0]))
    judge.add(torch.tensor(commands[-1]).float().expand(2, 3), torch.zeros(2, 2), torch.tensor([True, False]))
    assert judge.summary()["judged_seconds"] == pytest.approx(by_clip["judged_seconds"], abs=1e-6)  # env 0 settles anew


def test_the_judge_counts_each_episodes_commands_and_keeps_the_commanded_speeds():
    judge = SteeringJudge(2, dt=0.5, settle=1.0)
    first = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 2.0]])
    second = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 3.0]])  # env 1 is given a new speed
    velocity = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    active = torch.ones(2, dtype=torch.bool)
    for commands in (first, first, first, second):
        judge.add(commands, velocity, active)
    assert judge.commands.tolist() == [1, 2]
    # Judged: both envs once they had held their command 1 s (steps 3), env 0 again at step 4.
    assert np.concatenate(judge.commanded).tolist() == [1.0, 2.0, 1.0]
    judge.restart(torch.tensor([1]))
    assert judge.commands.tolist() == [1, 0]
    judge.add(second, velocity, active)
    assert judge.commands.tolist() == [1, 1]
