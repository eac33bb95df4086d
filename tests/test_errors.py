from __future__ import annotations

import pickle

from amp_studio.errors import AmpStudioError, CheckpointError, MotionError
from amp_studio.learning.divergence import DivergenceError


def test_errors_cross_process_boundaries_whole():
    # A spawned run's error reaches its parent through pickle (process pools, the app's workers); it must arrive
    # as itself, with its file and problem, not as a pool broken by an error that cannot be rebuilt.
    for error in (AmpStudioError(None, "bad\nthing"), MotionError("walk.bvh", "line 3: no MOTION"),
                  CheckpointError("latest.pt", "agent: 'actor' is missing"),
                  DivergenceError(None, "iteration 7: critic_loss diverged: nan")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.path, copy.problem, str(copy)) == (error.path, error.problem, str(error))
