"""Frames of a viewport being resized: one GL context kept for every size against a mujoco.Renderer made per size.

Each step renders the character at a new size (a window edge being dragged: the size changes every frame), the
two ways alternating so that machine noise hits both: `OffscreenRenderer` (one context at the offscreen buffer's
size, rendering into the view's rectangle) and `mujoco.Renderer` made anew for each size and closed (the viewport
until 2026-12-05). Prints milliseconds per frame for each and their ratio; the last line is JSON.

    python benchmarks/gui/viewport_resize.py [--frames 20] [--characters data/assets/humanoid/humanoid.xml ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402 - after MUJOCO_GL

from amp_studio.rendering.offscreen import OffscreenRenderer  # noqa: E402
from amp_studio.rendering.scene import Scene  # noqa: E402


def sizes(frames: int) -> list[tuple[int, int]]:
    """A window dragged from 640x480 to larger: a new size every frame."""
    return [(640 + 7 * i, 480 + 5 * i) for i in range(frames)]


def frame_per_size(scene: Scene, width: int, height: int) -> float:
    start = time.perf_counter()
    renderer = mujoco.Renderer(scene.model, height, width)
    renderer.update_scene(scene.data, scene.camera, scene.option)
    renderer.render()
    renderer.close()
    return time.perf_counter() - start


def frame_kept(renderer: OffscreenRenderer, scene: Scene, width: int, height: int) -> float:
    start = time.perf_counter()
    renderer.update_scene(scene.data, scene.camera, scene.option)
    renderer.render(width, height)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--characters", nargs="+",
                        default=["data/assets/humanoid/humanoid.xml", "data/assets/g1/g1.xml"])
    args = parser.parse_args()
    results = []
    for char_file in args.characters:
        scene = Scene(char_file)
        kept = OffscreenRenderer(scene.model)
        frame_kept(kept, scene, 640, 480)  # warm both paths once
        frame_per_size(scene, 640, 480)
        per_size, one_context = [], []
        for width, height in sizes(args.frames):
            per_size.append(frame_per_size(scene, width, height))
            one_context.append(frame_kept(kept, scene, width, height))
        kept.close()
        row = {"character": char_file, "frames": args.frames,
               "renderer_per_size_ms": round(1000 * statistics.median(per_size), 1),
               "one_context_ms": round(1000 * statistics.median(one_context), 1)}
        row["speedup"] = round(row["renderer_per_size_ms"] / row["one_context_ms"], 2)
        print(f"{char_file}: {row['renderer_per_size_ms']} ms per resized frame with a renderer per size, "
              f"{row['one_context_ms']} ms with one context ({row['speedup']}x)")
        results.append(row)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
