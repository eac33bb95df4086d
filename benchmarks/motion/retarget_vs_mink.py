"""The project's closed-form retarget against mink (MuJoCo differential IK) solving each frame toward the same
targets: the project uses its own solver only if it is measurably better than the well-kept library.

    pip install mink   # not a project dependency: only this benchmark uses it (it pulls qpsolvers and daqp)
    OMP_NUM_THREADS=1 python benchmarks/motion/retarget_vs_mink.py [--folder ../shared/motions/bvh/xia]
        [--iterations 10] [--foot_cost 10] [--orientation_cost 0.2] [--posture_cost 0.02] [--solver daqp]
        [--json out.json]

Per clip, the inputs are made once as bvh_import makes them (read, analyse, source motion, transfer, contacts,
settle, ankle targets, lower to reach). Ours: `import_bvh` (its frames checked equal to `solve_legs` on these
inputs, which is what is timed). Mink: per frame, from the previous frame's solution, `solve_ik` +
`integrate_inplace` until the weighted task error stops improving (by 1%) or `--iterations`, with
  - a FrameTask per landmark body: position at the held ankle target for the feet (cost `--foot_cost`), at the
    transferred landmark elsewhere (cost 1; every landmark away from a body origin, the ball of the foot and the
    head point, is on a body that also has one at its origin, so the origins carry them). Ours holds the feet
    exactly; at foot cost 1 mink trades the held feet for the other landmarks (feet centimetres into the floor
    and skating), so the default weighs them 10 times. Orientation (`--orientation_cost`) at the
    transferred rotation for each follower body, and orientation-only tasks for followers without a landmark
    (the chest);
  - a PostureTask (`--posture_cost`) toward the transferred pose, and mink's ConfigurationLimit: hinges boxed to
    their ranges, each ball joint kept within a cone of its total rotation angle (MuJoCo's ball-joint range, which
    the character's ball model sets to the corner of the per-axis box), not the per-axis ranges themselves.
Both are scored by `quality.quality` with the same targets, source landmarks, contacts and frame rate; ms per
frame is the solve alone, after a warm-up, the best of 3 whole-clip solves of each, taken in turn so that machine
noise hits both. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from amp_studio import DEFAULT_CHARACTER
from amp_studio.ball_joints import quat_to_exp_map
from amp_studio.character import CharacterModel
from amp_studio.motion.bvh_reader import read_bvh
from amp_studio.motion.motion_clip import MotionClip
from amp_studio.motion.retarget.bvh_import import file_fps, import_bvh, mapping_beside, retarget_targets
from amp_studio.motion.retarget.character_rig import SIDES, CharacterRig
from amp_studio.motion.retarget.foot_contacts import FootContacts
from amp_studio.motion.retarget.leg_ik import solve_legs
from amp_studio.motion.retarget.mapping import load_mapping
from amp_studio.motion.retarget.quality import quality
from amp_studio.motion.retarget.skeleton import analyse
from amp_studio.motion.retarget.source_motion import SourceMotion
from amp_studio.motion.retarget.transfer import Transfer, body_frames, body_positions
from amp_studio.paths import SHARED_DIR

IMPROVEMENT = 0.01
"""Mink stops iterating a frame when a step lowers the weighted task error by less than this fraction."""
WARM_UP_FRAMES = 5


def _mink():
    try:
        import mink
    except ImportError:
        raise SystemExit("error: this benchmark needs mink, which the project does not depend on: pip install mink"
                         ) from None
    # A pose a step left just past a cone limit is not an error here: mink logs a warning per solve otherwise.
    logging.getLogger("mink").setLevel(logging.ERROR)
    return mink


@dataclass
class Inputs:
    """What both solvers start from, made as bvh_import makes it."""

    fps: float
    source: SourceMotion
    moved: Transfer
    contacts: FootContacts
    targets: dict[str, np.ndarray]  # landmark targets before lowering, what quality() scores against
    ankles: dict[str, np.ndarray]   # side -> held ankle targets


def prepare(path: Path, rig: CharacterRig) -> Inputs:
    clip = read_bvh(path)
    mapping_file = mapping_beside(path)
    facts = analyse(clip, mapping=load_mapping(mapping_file) if mapping_file.is_file() else None)
    aims = retarget_targets(clip, facts, rig)  # the import's own targets
    return Inputs(file_fps(clip.frame_time), aims.source, aims.moved, aims.contacts, aims.targets, aims.ankles.position)


class MinkRetarget:
    """Per-frame differential IK toward the transfer's targets (see the module docstring)."""

    def __init__(self, mink, rig: CharacterRig, iterations: int, foot_cost: float, orientation_cost: float,
                 posture_cost: float, solver: str, damping: float):
        self.mink, self.rig = mink, rig
        character = rig.character
        self.iterations, self.solver, self.damping = iterations, solver, damping
        self.configuration = mink.Configuration(character.mj_model)
        followers = {f.body for f in rig.followers}
        # Per body, the landmark at its origin (all of this rig's position targets), else one away from it.
        self.landmark: dict[int, str] = {}
        for name, (body, _) in sorted(rig.points.items(), key=lambda item: bool(item[1][1].any())):
            self.landmark.setdefault(body, name)
        self.bodies = sorted(set(self.landmark) | followers)
        feet = {rig.bodies[f"{s}_ankle"] for s in SIDES}
        self.frame_tasks = [mink.FrameTask(character.body_names[b], "body",
                                           position_cost=(foot_cost if b in feet else 1.0) if b in self.landmark
                                           else 0.0,
                                           orientation_cost=orientation_cost if b in followers else 0.0)
                            for b in self.bodies]
        self.posture = mink.PostureTask(character.mj_model, cost=posture_cost)
        self.tasks = [*self.frame_tasks, self.posture]
        self.limits = [mink.ConfigurationLimit(character.mj_model)]

    def targets(self, inputs: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per frame and task body: target rotation (F, B, 3, 3) and origin position (F, B, 3); the transferred
        pose's qpos (F, nq), the posture target and the first frame's start."""
        rig, moved = self.rig, inputs.moved
        world = body_frames(rig, moved)
        positions = body_positions(rig, moved.root_pos, world)  # bodies without a landmark: position cost 0
        for b, name in self.landmark.items():
            side = next((s for s in SIDES if name == f"{s}_ankle"), None)
            point = inputs.ankles[side] if side else moved.positions[name]
            positions[:, b] = point - world[:, b] @ rig.points[name][1]  # the body origin under a point on it
        return world[:, self.bodies], positions[:, self.bodies], rig.character.frames_to_qpos(moved.frames)

    def solve(self, rotations: np.ndarray, positions: np.ndarray, posture: np.ndarray,
              frames: range) -> tuple[np.ndarray, list[int]]:
        """qpos per frame (warm-started from the previous frame's) and the iterations each took."""
        mink, configuration = self.mink, self.configuration
        q = posture[frames[0]].copy()
        out, used = [], []
        for f in frames:
            configuration.update(q)
            self.posture.set_target(posture[f])
            for task, rot, pos in zip(self.frame_tasks, rotations[f], positions[f], strict=True):
                task.set_target(mink.SE3.from_rotation_and_translation(mink.SO3.from_matrix(rot), pos))
            best, best_q, n = self._error(), configuration.q.copy(), 0
            while n < self.iterations:
                v = mink.solve_ik(configuration, self.tasks, 1.0, self.solver, damping=self.damping,
                                  limits=self.limits)
                configuration.integrate_inplace(v, 1.0)
                n += 1
                error = self._error()
                improved = error < best
                if improved:
                    best_q = configuration.q.copy()
                if not improved or error > (1.0 - IMPROVEMENT) * best:
                    break
                best = error
            q = best_q
            out.append(q)
            used.append(n)
        return np.array(out), used

    def _error(self) -> float:
        return float(sum(np.sum((task.cost * task.compute_error(self.configuration)) ** 2) for task in self.tasks))


def qpos_to_frames(character: CharacterModel, qpos: np.ndarray) -> np.ndarray:
    """Clip frames [root pos, root exp map, DoFs] of ball-model qpos: the inverse of frames_to_qpos."""
    pose = character.ball.qpos_to_pose(qpos)
    return np.concatenate((pose[:, :3], quat_to_exp_map(pose[:, 3:7]), pose[:, 7:]), axis=1)


def score(frames: np.ndarray, inputs: Inputs, rig: CharacterRig, seconds: float) -> dict:
    clip = MotionClip(inputs.fps, "clamp", frames)
    figures = quality(clip, rig, inputs.targets, inputs.source.positions, inputs.contacts, seconds)
    lower, upper = rig.character.dof_lower.double().numpy(), rig.character.dof_upper.double().numpy()
    dofs = frames[:, 6:]
    figures["frames_out_of_range"] = float(np.mean(((dofs < lower - 1e-6) | (dofs > upper + 1e-6)).any(axis=1)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=str(SHARED_DIR / "motions" / "bvh" / "xia"))
    parser.add_argument("--char_file", default=str(DEFAULT_CHARACTER))
    parser.add_argument("--iterations", type=int, default=10, help="mink's most IK steps per frame")
    parser.add_argument("--foot_cost", type=float, default=10.0, help="mink's position cost of the held feet")
    parser.add_argument("--orientation_cost", type=float, default=0.2)
    parser.add_argument("--posture_cost", type=float, default=0.02)
    parser.add_argument("--damping", type=float, default=1e-3, help="mink's Levenberg-Marquardt damping")
    parser.add_argument("--solver", default="daqp", help="a qpsolvers backend")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    mink = _mink()
    import qpsolvers
    if args.solver not in qpsolvers.available_solvers:
        raise SystemExit(f"error: QP solver {args.solver!r} is not installed; installed: "
                         f"{', '.join(qpsolvers.available_solvers)}")
    files = sorted(Path(args.folder).glob("*.bvh"))
    if not files:
        raise SystemExit(f"error: {args.folder}: no .bvh files")
    torch.set_num_threads(1)  # a shared 2-core machine: both solvers single-threaded, as timed
    character = CharacterModel(args.char_file)
    rig = CharacterRig(character)
    solver = MinkRetarget(mink, rig, args.iterations, args.foot_cost, args.orientation_cost, args.posture_cost,
                          args.solver, args.damping)
    rows = []
    for path in files:
        inputs = prepare(path, rig)
        num = len(inputs.moved.frames)

        ours_frames = solve_legs(rig, inputs.moved, inputs.ankles)  # also the warm-up
        imported = import_bvh(path, character)
        if not np.allclose(imported.clip.frames, ours_frames, atol=1e-9):
            raise SystemExit(f"error: {path.name}: import_bvh's frames differ from solve_legs on the same inputs")
        rotations, positions, posture = solver.targets(inputs)
        solver.solve(rotations, positions, posture, range(min(WARM_UP_FRAMES, num)))
        ours_seconds, mink_seconds = [], []
        for _ in range(3):
            start = time.perf_counter()
            solve_legs(rig, inputs.moved, inputs.ankles)
            ours_seconds.append(time.perf_counter() - start)
            start = time.perf_counter()
            qpos, used = solver.solve(rotations, positions, posture, range(num))  # the same every time
            mink_seconds.append(time.perf_counter() - start)
        ours = score(ours_frames, inputs, rig, min(ours_seconds))
        rows.append({"clip": path.name, "method": "ours", **ours, "iterations": 0.0,
                     "import_ms_per_frame": imported.quality["ms_per_frame"]})
        theirs = score(qpos_to_frames(character, qpos), inputs, rig, min(mink_seconds))
        rows.append({"clip": path.name, "method": "mink", **theirs, "iterations": float(np.mean(used)),
                     "hit_iteration_cap": float(np.mean(np.array(used) >= args.iterations))})

    print(f"{'clip':<20} {'method':<6} {'frames':>6} {'lm mean':>8} {'lm max':>7} {'cos mean':>8} {'cos min':>7} "
          f"{'skate':>6} {'src':>6} {'pen':>6} {'low':>6} {'range':>6} {'out%':>5} {'jerk':>7} {'ms/fr':>7} "
          f"{'iters':>5}")
    for r in rows:
        print(f"{r['clip']:<20} {r['method']:<6} {r['frames']:>6} {100 * r['landmark_error_mean']:>7.1f}c "
              f"{100 * r['landmark_error_max']:>6.1f}c {r['bone_cosine_mean']:>8.3f} {r['bone_cosine_min']:>7.3f} "
              f"{100 * r['foot_skate']:>6.1f} {100 * r['foot_skate_source']:>6.1f} {100 * r['penetration']:>6.2f} "
              f"{100 * r['lowest_point_mean']:>6.2f} {r['joint_range_excess']:>6.3f} "
              f"{100 * r['frames_out_of_range']:>5.1f} {r['jerk_mean']:>7.1f} {r['ms_per_frame']:>7.3f} "
              f"{r['iterations']:>5.1f}")
    print("(lm: landmark error, cm; cos: bone-direction cosine; skate and src: foot skate in contact, the result's "
          "and the source's own, cm/s; pen: penetration, cm; low: lowest point on average, cm; range: joint-range "
          "excess, rad; out%: frames with a DoF outside its per-axis range; jerk: m/s^3 on average over the "
          "landmarks; ms/fr: the solve alone; iters: mink's IK steps per frame on average)")
    print(f"mink settings: solver {args.solver}, at most {args.iterations} steps per frame (stop below "
          f"{IMPROVEMENT:.0%} improvement), foot cost {args.foot_cost}, orientation cost {args.orientation_cost}, "
          f"posture cost {args.posture_cost}, damping {args.damping}, ConfigurationLimit")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    keys = ("landmark_error_mean", "landmark_error_max", "bone_cosine_mean", "bone_cosine_min", "foot_skate",
            "foot_skate_source", "penetration", "lowest_point_mean", "joint_range_excess", "frames_out_of_range",
            "jerk_mean", "ms_per_frame", "iterations")
    means = {m: {k: float(np.mean([r[k] for r in rows if r["method"] == m])) for k in keys} for m in ("ours", "mink")}
    print(json.dumps({"clips": len(files), **means, "settings": {k: getattr(args, k) for k in (
        "solver", "iterations", "foot_cost", "orientation_cost", "posture_cost", "damping")},
        "ms_per_frame_ratio_mink_over_ours": means["mink"]["ms_per_frame"] / means["ours"]["ms_per_frame"]}))


if __name__ == "__main__":
    main()
