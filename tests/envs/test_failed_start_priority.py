"""FailedStartPriority: clips whose episodes fall are drawn more often, and forgotten once mastered."""

import torch

from amp_studio.envs.failed_start_priority import FailedStartPriority


def test_weights_stay_the_base_until_an_episode_falls():
    priority = FailedStartPriority(3, weight=1.0)
    base = torch.tensor([1.0, 2.0, 1.0])
    assert torch.equal(priority.clip_weights(base), base)
    priority.record(torch.tensor([0, 1, 2]), torch.tensor([False, False, False]))
    assert torch.equal(priority.clip_weights(base), base)


def test_a_falling_clip_gains_weight_in_proportion_to_its_share_of_falls():
    priority = FailedStartPriority(2, weight=1.0, memory=10**9)
    clips = torch.tensor([0] * 10 + [1] * 10)
    fell = torch.tensor([True] * 3 + [False] * 7 + [True] * 1 + [False] * 9)
    priority.record(clips, fell)
    assert torch.allclose(priority.fall_shares(), torch.tensor([0.3, 0.1], dtype=torch.float64))
    weights = priority.clip_weights(torch.tensor([1.0, 1.0]))
    # Mean share 0.2: clip 0 at 1 + 0.3/0.2, clip 1 at 1 + 0.1/0.2.
    assert torch.allclose(weights, torch.tensor([2.5, 1.5]))


def test_shares_forget_a_clip_mastered_since():
    priority = FailedStartPriority(2, weight=1.0, memory=50)
    priority.record(torch.zeros(20, dtype=torch.long), torch.ones(20, dtype=torch.bool))
    for _ in range(20):
        priority.record(torch.tensor([0, 1]), torch.tensor([False, True]))
    shares = priority.fall_shares()
    assert shares[0] < 0.5 < shares[1]


def test_state_round_trips():
    priority = FailedStartPriority(2, weight=2.0)
    priority.record(torch.tensor([0, 1, 1]), torch.tensor([True, False, True]))
    other = FailedStartPriority(2, weight=2.0)
    other.load_state_dict(priority.state_dict())
    assert torch.equal(other.fall_shares(), priority.fall_shares())
