"""A full checkpoint without its discriminator's replay buffer: small enough to keep in the repository, so that a run
longer than one session can go on in the next one on another machine (`learn_suite.py --resume`).

The replay buffer is most of a humanoid checkpoint (about 62 MB of 69 with the ADD and AMP humanoid configs'
100,000 samples); everything else (networks, optimizers, normalizers, counters, random state) is kept exactly.
Resumed from this file, the discriminator's first update sees the new rollout alone, and the buffer refills from the
rollouts that follow (8,192 samples each with 256 envs, so about a dozen iterations): for those iterations it holds
only the current policy's samples, where a straight run's spans older policies too. That is the whole difference.

    python benchmarks/learning/portable_checkpoint.py RUN/checkpoints/latest.pt OUT.pt
"""

from __future__ import annotations

import argparse
import os

from amp_studio.runs.checkpoints import load_checkpoint, save_checkpoint


def without_replay(state: dict) -> dict:
    """The checkpoint's contents with an empty replay buffer (of the same observation width)."""
    if state.get("policy_only"):
        raise ValueError("a policy-only checkpoint has no replay buffer; give a full one (checkpoints/latest.pt)")
    replay = state["agent"]["replay"]
    agent = dict(state["agent"], replay={"data": replay["data"][:0].clone(), "size": 0})
    return dict(state, agent=agent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a run's full checkpoint (RUN/checkpoints/latest.pt)")
    parser.add_argument("out", help="the small checkpoint to write")
    args = parser.parse_args()
    state = load_checkpoint(args.checkpoint)
    try:
        small = without_replay(state)
    except ValueError as exc:
        parser.error(f"{args.checkpoint}: {exc}")
    save_checkpoint(small, args.out)
    print(f"{args.out}: {int(state.get('samples', 0)):,d} samples, iteration {int(state.get('iteration', 0)):,d}; "
          f"{os.path.getsize(args.checkpoint) / 1e6:.1f} MB -> {os.path.getsize(args.out) / 1e6:.1f} MB "
          f"(the replay buffer's {int(state['agent']['replay']['size']):,d} samples left out)")


if __name__ == "__main__":
    main()
