"""Average a run's last policy snapshots into one policy, to see whether the final policy's wander is noise an
average removes (docs/results/location_model.md, against an ideal walker).

The actor's weights are the plain mean over the given checkpoints; the observation normalizer, discriminator and
counters come from the first, which should be the newest. The result is a policy-only checkpoint that
evaluate_checkpoints.py, the app's replay and `main.py --mode test` read like any other.

    python benchmarks/learning/average_snapshots.py OUT.pt RUN/checkpoints/latest.pt RUN/checkpoints/iter_004350.pt ...
    python benchmarks/learning/evaluate_checkpoints.py OUT.pt --eval_episodes 128
"""

from __future__ import annotations

import argparse

import torch

from amp_studio.runs.checkpoints import load_checkpoint, policy_state, save_checkpoint


def average_actor(states: list[dict]) -> dict[str, torch.Tensor]:
    """The entry-wise mean of the checkpoints' actor weights (all must have the same networks)."""
    actors = [s["agent"]["actor"] for s in states]
    return {name: torch.stack([a[name] for a in actors]).mean(0) for name in actors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="policy-only checkpoint to write")
    parser.add_argument("checkpoints", nargs="+", help="the newest first: its normalizer and discriminator are kept")
    args = parser.parse_args()
    states = [load_checkpoint(p) for p in args.checkpoints]
    shapes = {name: t.shape for name, t in states[0]["agent"]["actor"].items()}
    for path, state in zip(args.checkpoints[1:], states[1:], strict=True):
        if {name: t.shape for name, t in state["agent"]["actor"].items()} != shapes:
            parser.error(f"{path}: its actor's layers differ from {args.checkpoints[0]}'s; only one run's "
                         "snapshots can be averaged")
    out = policy_state(states[0])  # a full checkpoint or a snapshot alike
    out["agent"] = dict(out["agent"], actor=average_actor(states))
    save_checkpoint(out, args.out)
    print(f"{args.out}: the actor averaged over {len(states)} checkpoints, "
          f"{min(int(s.get('samples', 0)) for s in states):,d}-{int(states[0].get('samples', 0)):,d} samples")


if __name__ == "__main__":
    main()
