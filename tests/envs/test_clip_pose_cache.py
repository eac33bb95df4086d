"""The clip pose cache: each (env, step) pose is made once while the env keeps asking for it, and what it hands out
is what posing the clip afresh gives, through resets and clip changes."""

from __future__ import annotations

import torch

from amp_studio.character import CharacterState
from amp_studio.envs.clip_pose_cache import ClipPoseCache

from .test_tracking_env import tracking_env


def _numbered_pose(asked: list):
    """A pose whose every value encodes (env, step, version): what came from where can be read back."""
    version = {"v": 0}

    def pose(env_ids, steps):
        asked.append(len(env_ids))
        code = (env_ids * 1000 + steps + version["v"] * 100).double().unsqueeze(-1)
        state = CharacterState(code.expand(-1, 3), code.expand(-1, 4), code.expand(-1, 5), code.expand(-1, 3),
                               code.expand(-1, 3), code.expand(-1, 5))
        return state, code[:, :, None].expand(-1, 2, 3), code[:, :, None, None].expand(-1, 2, 3, 3)
    return pose, version


def test_each_pose_is_made_once_and_read_back_where_asked():
    asked: list = []
    pose, version = _numbered_pose(asked)
    cache = ClipPoseCache(3, 4, pose)
    envs = torch.arange(3)
    for step in range(5):
        steps = torch.tensor([step, step + 1, step + 2, step + 3]).expand(3, 4)
        state, body_pos, joint_mat = cache.get(envs, steps)
        want = (envs.unsqueeze(1) * 1000 + steps).reshape(-1).double()
        assert torch.equal(state.root_pos[:, 0], want) and torch.equal(body_pos[:, 1, 2], want)
        assert torch.equal(joint_mat[:, 1, 2, 0], want)
    assert asked == [12, 3, 3, 3, 3]  # after the first step only the pose furthest ahead is new
    version["v"] = 1  # env 1 restarts on another clip: its poses are made again, the others' are kept
    cache.clear(torch.tensor([1]))
    state, _, _ = cache.get(torch.tensor([0, 1]), torch.tensor([[4], [4]]))
    assert state.root_pos[:, 0].tolist() == [4.0, 1104.0]
    assert asked[-1] == 1


def test_the_tracking_env_sees_what_a_fresh_posing_gives(deepmimic_dir):
    """Observations, discriminator observations, rewards and ends over steps and resets equal those of an env whose
    cache is emptied before every read."""
    cached = tracking_env(deepmimic_dir / "humanoid3d_backflip.txt", 3)
    fresh = tracking_env(deepmimic_dir / "humanoid3d_backflip.txt", 3)
    uncached_get = fresh._clip_cache.get

    def always_fresh(env_ids, steps):
        fresh._clip_cache.clear()
        return uncached_get(env_ids, steps)

    fresh._clip_cache.get = always_fresh
    gen = torch.Generator().manual_seed(0)
    for step in range(6):
        actions = torch.rand(3, cached.action_dim, generator=gen) * 2 - 1
        outs = [env.step(actions) for env in (cached, fresh)]
        # Equal up to float32 rounding: posing 3 rows or 12 at once may round an element differently.
        for got, want in zip((*outs[0][:3], outs[0][3]["disc_obs"]), (*outs[1][:3], outs[1][3]["disc_obs"]),
                             strict=True):
            assert torch.allclose(got.double(), want.double(), rtol=1e-5, atol=1e-5)
        if step == 2:
            for env in (cached, fresh):
                env.reset(torch.tensor([0, 2]))
    cached.close()
    fresh.close()
