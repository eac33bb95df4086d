"""Mirrors of policy observations and actions: a mirrored clip state observes as the mirror of the original, and
mirrored actions drive the mirrored character the mirrored way."""

from __future__ import annotations

import pytest
import torch

from amp_studio.character import CharacterModel
from amp_studio.engines import load_engine_config
from amp_studio.envs import make_env, make_env_from_files
from amp_studio.envs.env_config import load_env_config
from amp_studio.envs.policy_mirror import action_mirror, policy_obs_mirror
from amp_studio.errors import CharacterError
from amp_studio.motion import MotionLibrary, load_clip
from amp_studio.motion.mirror import mirror_clip

ENV = "data/envs/amp_humanoid_env.yaml"
LOCATION = "data/envs/amp_location_humanoid_env.yaml"
ENGINE = "data/engines/mujoco_engine.yaml"


def _clip_and_mirror_env(deepmimic_dir, path: str, clip_name: str, n: int = 6):
    clip_file = str(deepmimic_dir / f"humanoid3d_{clip_name}.txt")
    name, config, overrides = load_env_config(path, {"motion_file": clip_file})
    env = make_env(name, config, load_engine_config(ENGINE, overrides), n, seed=0)
    clip = load_clip(clip_file)
    env.motion_lib = MotionLibrary([clip, mirror_clip(clip, env.character)], None, env.character)
    return env


def _mirrored_targets(env) -> None:
    """Even envs get a target 3 m ahead and 2 m to the left in world axes; odd envs (the mirrors) its reflection."""
    root = env.engine.get_state().root_pos[:, :2]
    offset = torch.tensor([[3.0, 2.0], [3.0, -2.0]]).repeat(env.num_envs // 2, 1)
    env.set_target(torch.arange(env.num_envs), root + offset)


@pytest.mark.deepmimic
@pytest.mark.parametrize("path, clip_name", [(ENV, "walk"), (ENV, "cartwheel"), (LOCATION, "run")])
def test_mirrored_clip_states_observe_as_the_mirrored_observation(deepmimic_dir, path, clip_name):
    env = _clip_and_mirror_env(deepmimic_dir, path, clip_name)
    mirror = env.policy_mirror()
    times = torch.tensor([0.1, 0.1, 0.45, 0.45, 0.9, 0.9], dtype=env.motion_lib.dtype)
    obs = env.reset_to(torch.arange(6), torch.tensor([0, 1] * 3), times)
    if env.obs_dim > 128:
        _mirrored_targets(env)
        obs = env._obs
    original, mirrored = obs[0::2], obs[1::2]
    assert (original - mirrored).abs().max() > 0.5  # the two sides do differ
    assert (mirror.obs(original) - mirrored).abs().max() < 1e-4

    # Mirrored actions: the physics stays mirrored, step after step (MuJoCo's arithmetic is exactly symmetric here;
    # the tolerance allows for solvers that are not).
    gen = torch.Generator().manual_seed(0)
    actions = env.clip_mean_action() + 0.2 * torch.randn(3, env.action_dim, generator=gen)
    both = torch.stack((actions, mirror.actions(actions)), dim=1).reshape(6, -1)
    for _ in range(10):
        obs, reward, _, _ = env.step(both)
        assert (mirror.obs(obs[0::2]) - obs[1::2]).abs().max() < 1e-3
        assert torch.allclose(reward[0::2], reward[1::2], atol=1e-4)
    env.close()


def test_mirrors_are_their_own_inverse():
    env = make_env_from_files(LOCATION, ENGINE, 1, seed=0)
    mirror = env.policy_mirror()
    gen = torch.Generator().manual_seed(1)
    obs, actions = torch.randn(5, env.obs_dim, generator=gen), torch.randn(5, env.action_dim, generator=gen)
    assert torch.allclose(mirror.obs(mirror.obs(obs)), obs)
    assert torch.allclose(mirror.actions(mirror.actions(actions)), actions, atol=1e-5)
    assert not torch.allclose(mirror.obs(obs), obs) and not torch.allclose(mirror.actions(actions), actions)
    # The elbows bend the other way: the right elbow's PD target is minus the left's.
    targets = env.action_to_targets(actions)
    mirrored_targets = env.action_to_targets(mirror.actions(actions))
    dof = {j.name: j.dof_start for j in env.character.joints}
    assert torch.allclose(mirrored_targets[:, dof["right_elbow"]], -targets[:, dof["left_elbow"]], atol=1e-5)
    env.close()


def test_asymmetric_characters_and_key_bodies_are_refused(lopsided_character):
    lopsided = lopsided_character
    zeros = torch.zeros(lopsided.num_dofs)
    with pytest.raises(CharacterError, match="lopsided.xml: symmetry augmentation needs a left-right symmetric"):
        action_mirror(lopsided, zeros, zeros + 1)
    one_hand = CharacterModel(key_bodies=("head", "right_hand"))
    with pytest.raises(CharacterError, match="key body 'right_hand' has no partner 'left_hand'"):
        policy_obs_mirror(one_hand, list(one_hand.key_body_ids), root_height_obs=True)
