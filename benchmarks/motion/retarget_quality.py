"""Retargeting quality on real motion capture: each BVH clip in a folder (default: the shared Xia walks) imported
onto the humanoid (or, with --char_file, another character such as the G1 robot), with the figures of
docs/design.md section 12 and the goals they are held to.

    python benchmarks/motion/retarget_quality.py [--folder ../shared/motions/bvh/xia] [--char_file X.xml]
        [--json out.json]

Per clip: limb landmark error against the source's pose on the character's bones (mean, max), bone-direction
agreement (cosine, mean and worst segment), foot skate in contact against the source's own, penetration, the
lowest point on average (floating), joint-range excess, jerk, milliseconds per frame (retarget alone) and the
seconds of the whole conversion (reading, retargeting, figures, writing). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from amp_studio import DEFAULT_CHARACTER
from amp_studio.character import CharacterModel
from amp_studio.motion.pkl_format import write_pkl
from amp_studio.motion.retarget.bvh_import import import_bvh
from amp_studio.paths import SHARED_DIR

GOALS = {  # figure: (limit, "max" or "min"), from the issue that asked for the importer
    "landmark_error_mean": (0.03, "max"),
    "landmark_error_max": (0.08, "max"),
    "bone_cosine_mean": (0.85, "min"),  # these two from the issue that asked for the G1
    "bone_cosine_min": (0.7, "min"),
    "penetration": (0.005, "max"),
    "joint_range_excess": (0.0, "max"),
    "ms_per_frame": (5.0, "max"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=str(SHARED_DIR / "motions" / "bvh" / "xia"))
    parser.add_argument("--char_file", default=str(DEFAULT_CHARACTER))
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    files = sorted(Path(args.folder).glob("*.bvh"))
    if not files:
        raise SystemExit(f"error: {args.folder}: no .bvh files")
    character = CharacterModel(args.char_file)
    import_bvh(files[0], character)  # the first import loads libraries: not a figure of any clip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            start = time.perf_counter()
            result = import_bvh(path, character)
            write_pkl(result.clip, Path(tmp) / f"{path.stem}.pkl")
            seconds = time.perf_counter() - start
            q = result.quality
            rows.append({"clip": path.name, **{k: v for k, v in q.items() if k != "bone_cosine_by_segment"},
                         "seconds_end_to_end": seconds, "loop": result.clip.loop,
                         "worst_segment": min(q["bone_cosine_by_segment"], key=q["bone_cosine_by_segment"].get),
                         "skate_vs_source": q["foot_skate"] - q["foot_skate_source"]})
    print(f"{'clip':<20} {'frames':>6} {'lm mean':>8} {'lm max':>7} {'cos mean':>8} {'cos min':>7} "
          f"{'skate':>6} {'src':>6} {'pen':>6} {'low':>6} {'range':>6} {'jerk':>7} {'ms/fr':>6} {'s':>5}")
    for r in rows:
        print(f"{r['clip']:<20} {r['frames']:>6} {100 * r['landmark_error_mean']:>7.1f}c "
              f"{100 * r['landmark_error_max']:>6.1f}c {r['bone_cosine_mean']:>8.3f} {r['bone_cosine_min']:>7.3f} "
              f"{100 * r['foot_skate']:>6.1f} {100 * r['foot_skate_source']:>6.1f} {100 * r['penetration']:>6.2f} "
              f"{100 * r['lowest_point_mean']:>6.2f} {r['joint_range_excess']:>6.3f} {r['jerk_mean']:>7.1f} "
              f"{r['ms_per_frame']:>6.2f} {r['seconds_end_to_end']:>5.2f}")
    print("(lm: landmark error, cm; cos: bone-direction cosine; skate and src: foot skate in contact, the result's "
          "and the source's own, cm/s; pen: penetration, cm; low: lowest point on average, cm; range: joint-range "
          "excess, rad; jerk: m/s^3 on average over the landmarks)")
    misses = [f"{r['clip']}: {k} {r[k]:.4g} (goal {'<=' if how == 'max' else '>='} {limit:g})"
              for r in rows for k, (limit, how) in GOALS.items()
              if (r[k] > limit if how == "max" else r[k] < limit)]
    misses += [f"{r['clip']}: foot skate {100 * r['foot_skate']:.1f} cm/s above the source's "
               f"{100 * r['foot_skate_source']:.1f}" for r in rows if r["skate_vs_source"] > 0]
    print("goals met" if not misses else "goals missed:\n  " + "\n  ".join(misses))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(json.dumps({"clips": len(rows), "goals_missed": len(misses),
                      "landmark_error_mean": max(r["landmark_error_mean"] for r in rows),
                      "landmark_error_max": max(r["landmark_error_max"] for r in rows),
                      "bone_cosine_min": min(r["bone_cosine_min"] for r in rows),
                      "ms_per_frame": max(r["ms_per_frame"] for r in rows),
                      "seconds_end_to_end": max(r["seconds_end_to_end"] for r in rows)}))


if __name__ == "__main__":
    main()
