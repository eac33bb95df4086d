"""Compile MuJoCo Warp's kernels for this machine's CPU once, into Warp's kernel cache (~/.cache/warp).

Warp compiles a kernel the first time it runs; for MJWarp's step that is about a minute and a half on a CPU.
scripts/setup.sh runs this, so that the first mujoco_warp run (and the tests) start at once.
"""

from __future__ import annotations

import time

import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterModel
from amp_studio.engines import engine_availability, load_engine_config, make_engine


def main() -> None:
    reason = engine_availability("mujoco_warp")
    if reason:
        print(f"compile_warp_kernels: skipped: {reason}")
        return
    start = time.perf_counter()
    character = CharacterModel()
    engine = make_engine(load_engine_config(DATA_DIR / "engines" / "mujoco_warp_engine.yaml", {"device": "cpu"}),
                         character, 1)
    engine.reset(torch.arange(1), engine.get_state())
    engine.ground_contact  # noqa: B018 - forward(): its kernels too
    engine.set_targets(engine.get_state().dof_pos)
    engine.step()
    print(f"compile_warp_kernels: MuJoCo Warp's CPU kernels ready in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
