"""Legs made of single hinges (a robot's hip pitch, roll and yaw, knee, ankle pitch and roll) solved so that the
ankle reaches its target and the foot turns as its target says (flat on the floor in stance), within the ranges.

A humanoid's leg (a spherical hip, a hinge knee, a spherical ankle) reaches a point in closed form and keeps the
thigh's twist and the foot's rotation as transferred (leg_ik.py). A six-hinge leg has no DoF to spare: the
ankle's position and the foot's rotation take all six, the foot's heading coming from the hip's yaw, and its
axes do not meet in a point, so there is no closed form. Each frame is solved by damped Gauss-Newton from the
transferred pose (the source's leg on the character, which is near: the steps only bend it to reach), every frame
at once, each step clipped to the joint ranges and kept only where it brings the leg nearer.
"""

from __future__ import annotations

import numpy as np

from amp_studio.motion.retarget.character_rig import CharacterRig
from amp_studio.motion.retarget.hinge_chains import HingeChain, axis_rotations, find_chain, log_rotation

ITERATIONS = 30
STILL = 1e-5
"""Radians: where no frame's angles move more than this in a step, every frame has converged."""
POSITION_SCALE = 0.002
"""Metres of ankle error worth one unit. Where the ranges bind, the foot of a standing leg keeps its rotation (flat
on the floor) rather than its place (body_reach.py then moves the body over the foot), and a swinging foot keeps
its place rather than its rotation."""
STANDING_ROTATION_SCALE = 0.001
"""Radians of a standing foot's rotation worth one unit: 1 cm of miss weighs as 0.3 degrees."""
SWINGING_ROTATION_SCALE = 0.05
"""Radians of a swinging foot's rotation worth one unit: 1 cm of miss weighs as 14 degrees."""
PRIOR_SCALE = 1.0
"""Radians from the transferred angle worth one unit: a faint pull that only decides what the targets leave free
(a straight knee's swing)."""


def hinge_leg(rig: CharacterRig, side: str) -> HingeChain | None:
    """The leg from the pelvis to the foot as one chain of hinges, or None where a joint on it has more DoFs (a
    spherical hip: leg_ik's closed form) or it has fewer than the six a foot's place and rotation take."""
    chain = find_chain(rig.character, rig.rest_rot, rig.bodies["pelvis"], rig.bodies[f"{side}_ankle"])
    return chain if chain is not None and chain.size >= 6 else None


def solve_hinge_leg(rig: CharacterRig, leg: HingeChain, root_pos: np.ndarray, root_rot: np.ndarray,
                    start: np.ndarray, target: np.ndarray, foot_rotation: np.ndarray,
                    hold: np.ndarray) -> np.ndarray:
    """The leg's hinge angles (F, n): the ankle point at `target` (F, 3) and the foot's world rotation as near
    `foot_rotation` (F, 3, 3) as the ranges let it, from `start` (F, n), the pelvis at root_pos (F, 3) turned by
    root_rot (F, 3, 3); hold (F,): how much the foot stands (0 swinging, 1 held)."""
    offsets = _offsets(rig, leg)
    point = leg.end_rest @ rig.points[f"{_side(rig, leg)}_ankle"][1]  # from the foot's origin, pelvis frame, rest
    aim = (np.swapaxes(root_rot, -1, -2) @ (target - root_pos)[..., None])[..., 0]
    turn = np.swapaxes(root_rot, -1, -2) @ foot_rotation @ leg.end_rest.T
    weight = hold / STANDING_ROTATION_SCALE + (1.0 - hold) / SWINGING_ROTATION_SCALE
    lower, upper = knee_bent_bounds(rig, leg)
    q = np.clip(start, lower, upper)
    residual, jac = _residual(leg, offsets, point, aim, turn, weight, q, start)
    cost = (residual ** 2).sum(-1)
    damping = np.full(len(q), 1e-3)
    active = np.arange(len(q))  # the frames still moving: most settle in a few steps, a bound leg takes more
    for _ in range(ITERATIONS):
        a = active
        step = _step(jac[a], residual[a], damping[a])
        # A hinge at a range end that the step pushes further out takes no part: the others make up for it,
        # where a clipped step would leave them short.
        blocked = ((q[a] <= lower) & (step < 0)) | ((q[a] >= upper) & (step > 0))
        if blocked.any():
            step = _step(jac[a] * ~blocked[:, None, :], residual[a], damping[a])
        trial = np.clip(q[a] + step, lower, upper)
        trial_residual, trial_jac = _residual(leg, offsets, point, aim[a], turn[a], weight[a], trial, start[a])
        trial_cost = (trial_residual ** 2).sum(-1)
        better = trial_cost < cost[a]
        # Settled: a kept, nearly undamped step that moved next to nothing (a step against a range end moves
        # nothing), or damping so high that no step is taken any more. (A heavily damped step is small anyway.)
        small = np.abs(trial - q[a]).max(-1) < STILL
        settled = (better & small & (damping[a] < 1e-2)) | (damping[a] > 1e6)
        kept = a[better]
        q[kept], residual[kept], jac[kept], cost[kept] = trial[better], trial_residual[better], \
            trial_jac[better], trial_cost[better]
        damping[a] = np.where(better, damping[a] * 0.3, damping[a] * 10.0)
        active = a[~settled]
        if not len(active):
            break
    return q


def _step(jac: np.ndarray, residual: np.ndarray, damping: np.ndarray) -> np.ndarray:
    """The damped Gauss-Newton step of each frame. Shapes: (F, m, n), (F, m), (F,) -> (F, n)."""
    jt = np.swapaxes(jac, -1, -2)
    normal = jt @ jac + damping[:, None, None] * np.eye(jac.shape[-1])
    return np.linalg.solve(normal, jt @ residual[..., None])[..., 0]


def knee_bent_bounds(rig: CharacterRig, leg: HingeChain) -> tuple[np.ndarray, np.ndarray]:
    """The leg's ranges with the knee kept on its bending side of straight. A robot's knee may bend a little the
    wrong way (the G1's to -5 degrees); a solver reaching for a far foot finds a straight leg either side, and
    one that settles against that end snaps to a bent knee later (0.38 rad in a frame on the Xia walk)."""
    side = _side(rig, leg)
    knee = leg.bodies.index(rig.bodies[f"{side}_knee"]) if rig.bodies[f"{side}_knee"] in leg.bodies else -1
    lower, upper = leg.lower.copy(), leg.upper.copy()
    k = leg.hinged[knee] if knee >= 0 else -1
    if k < 0:
        return lower, upper
    # Straight: the knee angle (the others at zero) that puts the ankle farthest from the hip.
    offsets = _offsets(rig, leg)
    hip = leg_rest_point(rig, leg, f"{side}_hip")
    angles = np.linspace(lower[k], upper[k], 2001)
    q = np.zeros((len(angles), leg.size))
    q[:, k] = angles
    point = leg.end_rest @ rig.points[f"{side}_ankle"][1]
    reached = _reach(leg, offsets, point, q)
    straight = angles[np.argmax(np.linalg.norm(reached - hip, axis=-1))]
    if upper[k] - straight >= straight - lower[k]:
        lower[k] = max(lower[k], straight)
    else:
        upper[k] = min(upper[k], straight)
    return lower, upper


def ankle_positions(rig: CharacterRig, leg: HingeChain, root_pos: np.ndarray, root_rot: np.ndarray,
                    q: np.ndarray) -> np.ndarray:
    """Where the leg puts its ankle point in the world for these angles (F, n), the pelvis at root_pos (F, 3)
    turned by root_rot (F, 3, 3). Shape: (F, 3)."""
    point = leg.end_rest @ rig.points[f"{_side(rig, leg)}_ankle"][1]
    return root_pos + (root_rot @ _reach(leg, _offsets(rig, leg), point, q)[..., None])[..., 0]


def leg_rest_point(rig: CharacterRig, leg: HingeChain, name: str) -> np.ndarray:
    """A landmark's rest position in the pelvis frame."""
    return rig.rest_rot[leg.anchor].T @ (rig.rest_point(name) - rig.rest_pos[leg.anchor])


def _reach(leg: HingeChain, offsets: np.ndarray, point: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The ankle point in the pelvis frame for these angles (F, n). Shape: (F, 3)."""
    return _pose(leg, offsets, point, q)[0]


def _pose(leg: HingeChain, offsets: np.ndarray, point: np.ndarray, q: np.ndarray):
    """For these angles (F, n), in the pelvis frame: the ankle point (F, 3), the foot's rotation (F, 3, 3) (before
    its rest rotation), and each hinge's axis and a point on it (F, 3, n) each. At rest, a hinge chain is
    rotations about fixed axes; each body's origin is its parent's turned by the hinges above it."""
    rotations = axis_rotations(leg.axes, q)
    turned = np.broadcast_to(np.eye(3), q.shape[:1] + (3, 3))
    origin = np.zeros(q.shape[:1] + (3,))
    axes, pivots = [], []
    for i, h in enumerate(leg.hinged):
        origin = origin + turned @ offsets[i]
        if h >= 0:
            axes.append(turned @ leg.axes[h])
            pivots.append(origin)
            turned = turned @ rotations[:, h]
    return origin + turned @ point, turned, np.stack(axes, axis=-1), np.stack(pivots, axis=-1)


def _side(rig: CharacterRig, leg: HingeChain) -> str:
    return next(s for s in ("left", "right") if rig.bodies[f"{s}_ankle"] == leg.end)


def _offsets(rig: CharacterRig, leg: HingeChain) -> np.ndarray:
    """Each chain body's origin from its parent's, in the pelvis frame at rest. Shape: (bodies, 3)."""
    anchor = rig.rest_rot[leg.anchor].T
    parents = (leg.anchor,) + leg.bodies[:-1]
    return np.stack([anchor @ (rig.rest_pos[b] - rig.rest_pos[p]) for b, p in zip(leg.bodies, parents)])


def _residual(leg: HingeChain, offsets: np.ndarray, point: np.ndarray, aim: np.ndarray, turn: np.ndarray,
              weight: np.ndarray, q: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What is left to go (ankle, foot rotation, distance from the transferred angles), scaled, and its
    derivative by each angle."""
    reached, turned, axes, pivots = _pose(leg, offsets, point, q)
    position_jac = np.cross(axes, (reached[..., None] - pivots), axis=-2)
    residual = np.concatenate(((aim - reached) / POSITION_SCALE,
                               log_rotation(turn @ np.swapaxes(turned, -1, -2)) * weight[:, None],
                               (prior - q) / PRIOR_SCALE), axis=-1)
    jac = np.concatenate((position_jac / POSITION_SCALE, axes * weight[:, None, None],
                          np.broadcast_to(np.eye(leg.size) / PRIOR_SCALE, q.shape[:1] + (leg.size,) * 2)), axis=-2)
    return residual, jac
