from __future__ import annotations

import math

import pytest
import torch

from amp_studio.learning.divergence import (
    DivergenceError,
    check_metrics,
    check_modules,
    check_state,
    check_tensors,
    first_non_finite,
)


def test_first_non_finite_says_where():
    t = torch.zeros(4, 3, 5)
    assert first_non_finite(t, ("step", "env")) is None
    t[2, 1, 4] = math.inf
    t[3, 0, 0] = math.nan
    assert first_non_finite(t, ("step", "env")) == "step 2, env 1, entry 4 is inf (2 non-finite of 60)"
    assert first_non_finite(torch.tensor([1, 2])) is None  # integers cannot diverge


def test_checks_name_the_quantity_and_iteration():
    bad = torch.ones(2, 2)
    bad[1, 0] = math.nan
    with pytest.raises(DivergenceError, match=r"iteration 7: task rewards diverged: step 1, env 0 is nan"):
        check_tensors([("observations", torch.ones(2, 2), ("step", "env")), ("task rewards", bad, ("step", "env"))],
                      7)
    with pytest.raises(DivergenceError, match="iteration 3: critic_loss diverged: inf"):
        check_metrics({"actor_loss": 0.5, "fall_rate": math.nan, "critic_loss": math.inf}, 3)
    check_metrics({"episode_length_mean": math.nan, "fall_rate": math.nan}, 1)  # no episode ended yet
    net = torch.nn.Linear(2, 2)
    check_modules({"critic": net}, 1)
    with torch.no_grad():
        net.bias[1] = math.nan
    with pytest.raises(DivergenceError, match="iteration 2: critic bias diverged: entry 1 is nan"):
        check_modules({"critic": net}, 2)


def test_check_state_finds_nan_anywhere_in_a_checkpoint():
    state = {"agent": {"actor": {"w": torch.ones(3)}, "lists": [torch.ones(1), 2.0]}, "wall_time": 1.0,
             "rng": torch.zeros(4, dtype=torch.uint8)}
    check_state(state, "ckpt.pt")
    state["agent"]["lists"][0][0] = math.inf
    with pytest.raises(DivergenceError, match=r"ckpt.pt: not written: agent.lists\[0\] holds entry 0 is inf"):
        check_state(state, "ckpt.pt")
    with pytest.raises(DivergenceError, match="wall_time is nan"):
        check_state({"wall_time": math.nan}, "ckpt.pt")
