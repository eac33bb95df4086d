from __future__ import annotations

import torch

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning.rollout_storage import ReplayBuffer, td_lambda_advantages


def test_td_lambda_by_hand():
    """Two envs, three steps: env 0 falls at step 1, env 1 times out at step 2 (bootstrapped from 5.0)."""
    g, lam = 0.9, 0.5
    rewards = torch.tensor([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    values = torch.tensor([[0.5, 2.0], [0.5, 2.0], [1.0, 2.0]])
    dones = torch.tensor([[DoneFlag.NULL, DoneFlag.NULL], [DoneFlag.FAIL, DoneFlag.NULL],
                          [DoneFlag.NULL, DoneFlag.TIME]])
    timeout_values = torch.tensor([[0.0, 0.0], [0.0, 0.0], [0.0, 5.0]])
    last = torch.tensor([4.0, 9.0])
    adv, ret = td_lambda_advantages(rewards, values, dones, timeout_values, last, g, lam)
    # env 0: step 2 starts a new episode and bootstraps from the last value
    d2 = 3.0 + g * 4.0 - 1.0
    d1 = 2.0 + 0.0 - 0.5  # failure: no future
    d0 = 1.0 + g * 0.5 - 0.5
    a2, a1 = d2, d1
    a0 = d0 + g * lam * a1
    # env 1: step 2 times out, bootstrapping from the state where time ran out, not the next episode
    e2 = 1.0 + g * 5.0 - 2.0
    e1 = 1.0 + g * 2.0 - 2.0
    e0 = 1.0 + g * 2.0 - 2.0
    b2 = e2
    b1 = e1 + g * lam * b2
    b0 = e0 + g * lam * b1
    expected = torch.tensor([[a0, b0], [a1, b1], [a2, b2]])
    assert torch.allclose(adv, expected)
    assert torch.allclose(ret, expected + values)


def test_replay_buffer_fills_then_replaces_a_few():
    gen = torch.Generator().manual_seed(0)
    buf = ReplayBuffer(10, 2)
    buf.add(torch.ones(6, 2), replace=3, generator=gen)
    assert buf.size == 6
    buf.add(2 * torch.ones(6, 2), replace=3, generator=gen)
    assert buf.size == 10 and (buf.data[6:] == 2).all()
    buf.add(3 * torch.ones(50, 2), replace=3, generator=gen)
    assert 1 <= int((buf.data[:, 0] == 3).sum()) <= 3
    state = buf.state_dict()
    other = ReplayBuffer(10, 2)
    other.load_state_dict(state)
    assert torch.equal(other.data, buf.data) and other.size == 10
    assert buf.sample(4, gen).shape == (4, 2)
