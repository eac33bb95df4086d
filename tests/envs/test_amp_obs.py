from __future__ import annotations

import math

import pytest
import torch

from amp_studio.envs.amp_obs import (
    HEADINGS,
    heading_angle,
    heading_frame_offset,
    heading_inverse,
    quat_from_heading,
    tan_norm,
)
from amp_studio.rotations import quat_from_axis_angle, quat_mul


def test_heading_ignores_pitch_and_roll():
    yaw = quat_from_heading(torch.tensor([0.7]))
    pitch = quat_from_axis_angle(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([0.4]))
    assert torch.allclose(heading_angle(quat_mul(yaw, pitch)), torch.tensor([0.7]), atol=1e-6)
    assert torch.allclose(heading_angle(quat_mul(heading_inverse(yaw), yaw)), torch.zeros(1), atol=1e-6)


def test_heading_is_the_twist_about_world_z():
    q = torch.nn.functional.normalize(torch.randn(1000, 4, generator=torch.Generator().manual_seed(0)), dim=-1)
    q = q[q[:, 0] ** 2 + q[:, 3] ** 2 > 0.01]  # not within ~10 degrees of upside down, where it is undefined
    twist = 2 * torch.atan2(q[:, 3], q[:, 0])
    diff = torch.remainder(heading_angle(q) - twist + math.pi, 2 * math.pi) - math.pi
    assert diff.abs().max() < 1e-4


def test_heading_steady_where_the_x_axis_is_vertical():
    # A crawl's pelvis: pitched nose-down by about 90 degrees, so its x axis points at the ground; the heading
    # is still the yaw it was turned by, through the vertical and past it.
    yaw = quat_from_heading(torch.tensor([0.7]))
    for pitch_angle in (1.45, 1.5707963, 1.7):
        pitch = quat_from_axis_angle(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([pitch_angle]))
        assert torch.allclose(heading_angle(quat_mul(yaw, pitch)), torch.tensor([0.7]), atol=1e-5)
    # MimicKit's x-axis yaw is lost there: past the vertical it flips to face backwards.
    assert abs(heading_angle(quat_mul(yaw, pitch), "x_axis") - 0.7).item() > 3.0


def test_tan_norm_of_identity_and_quarter_turn():
    ident = torch.tensor([[1.0, 0, 0, 0]])
    assert torch.allclose(tan_norm(ident), torch.tensor([[1.0, 0, 0, 0, 0, 1]]))
    turn = quat_from_heading(torch.tensor([math.pi / 2]))
    assert torch.allclose(tan_norm(turn), torch.tensor([[0.0, 1, 0, 0, 0, 1]]), atol=1e-6)


@pytest.mark.parametrize("heading", HEADINGS)
def test_target_offset_in_heading_frame(heading):
    facing_y = quat_from_heading(torch.tensor([math.pi / 2]))
    # A target 2 m along +y is straight ahead (+x) of a character facing +y.
    assert torch.allclose(heading_frame_offset(facing_y, torch.tensor([[0.0, 2.0]]), heading),
                          torch.tensor([[2.0, 0.0]]), atol=1e-6)


