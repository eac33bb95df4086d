"""Chains of single hinges that together turn one body: a robot's hip (pitch, roll, yaw links), waist, shoulder,
wrist or ankle. The transfer gives the chain's last body a rotation relative to the body the chain hangs from
(its anchor); the hinge angles that come nearest to it are found here.

Taking each hinge's twist about its own axis on its own is exact for a single hinge but not for a chain: the
first hinge's twist ignores that the later hinges turn too, so a leg swung forward and out comes out swung
forward only. With body rest rotations moved to the front, a chain's rotation is a product of rotations about
fixed axes, T = R(u1, q1) R(u2, q2) ... R(un, qn) C (u_i the hinge axes in the anchor's frame at rest, C the last
body's rest rotation in that frame), so three hinges are a generalised Euler decomposition with a closed form
(Davenport angles), and anything else, or a solution outside the joint ranges, is refined by a few damped
Gauss-Newton steps that keep the angles within their ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ITERATIONS = 20
"""Gauss-Newton steps: a chain that the closed form cannot solve (two hinges, or a range in the way) converges in
a handful; the rest are there for the frames that start far off."""
EXACT = 1e-9
"""Radians of residual below which a closed-form solution needs no refinement."""


@dataclass(frozen=True)
class HingeChain:
    """The hinges between an anchor body and a body below it. bodies: every body from the anchor's child down to
    `end`, in order; hinged: for each, the index of its hinge in `dofs` (-1: a body without a joint); axes: each
    hinge's axis in the anchor's frame at rest (n, 3); rests: each body's rest rotation in the anchor's frame."""

    anchor: int
    end: int
    bodies: tuple[int, ...]
    hinged: tuple[int, ...]
    dofs: tuple[int, ...]
    axes: np.ndarray
    rests: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def size(self) -> int:
        return len(self.dofs)

    @property
    def end_rest(self) -> np.ndarray:
        return self.rests[-1]


def find_chain(character, rest_rot: np.ndarray, anchor: int, end: int) -> HingeChain | None:
    """The chain from `anchor` (an ancestor of `end`) down to `end`, or None where a body between has a joint of
    more than one DoF (a spherical joint turns its body exactly on its own) or `anchor` is not above `end`.
    rest_rot: every body's world rotation at rest (bodies, 3, 3)."""
    path = [end]
    while path[-1] != anchor:
        if path[-1] <= 0:
            return None
        path.append(character.parents[path[-1]])
    path = path[-2::-1]  # the anchor's child first
    joints = {j.body: j for j in character.joints}
    if any(joints[b].num_dofs != 1 for b in path if b in joints):
        return None
    hinged, dofs, axes = [], [], []
    for b in path:
        if b in joints:
            hinged.append(len(dofs))
            dofs.append(joints[b].dof_start)
            axes.append(rest_rot[anchor].T @ rest_rot[b] @ character.dof_axes[joints[b].dof_start])
        else:
            hinged.append(-1)
    rests = np.stack([rest_rot[anchor].T @ rest_rot[b] for b in path])
    lower = character.dof_lower.double().numpy()[dofs]
    upper = character.dof_upper.double().numpy()[dofs]
    return HingeChain(anchor, end, tuple(path), tuple(hinged), tuple(dofs), np.array(axes).reshape(-1, 3), rests,
                      lower, upper)


def axis_rotations(axes: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rotations about each axis (n, 3) by each frame's angles (F, n). Shape: (F, n, 3, 3)."""
    k = _skew(axes)
    s, c = np.sin(angles)[..., None, None], np.cos(angles)[..., None, None]
    return np.eye(3) + s * k + (1.0 - c) * (k @ k)


def chain_rotation(chain: HingeChain, angles: np.ndarray) -> np.ndarray:
    """The end body's rotation in the anchor's frame for these angles (F, n). Shape: (F, 3, 3)."""
    return _prefixes(axis_rotations(chain.axes, angles))[:, -1] @ chain.end_rest


def body_rotations(chain: HingeChain, angles: np.ndarray) -> np.ndarray:
    """Every chain body's rotation in the anchor's frame for these angles. Shape: (F, len(bodies), 3, 3)."""
    prefixes = _prefixes(axis_rotations(chain.axes, angles))  # (F, n + 1, 3, 3), prefixes[:, 0] = I
    turned, out = 0, []
    for i, h in enumerate(chain.hinged):
        turned = turned if h < 0 else h + 1
        out.append(prefixes[:, turned] @ chain.rests[i])
    return np.stack(out, axis=1)


def solve(chain: HingeChain, local: np.ndarray, bounded: bool = True) -> np.ndarray:
    """Hinge angles (F, n) whose chain turns the end body as near as it can to `local` (its rotation in the
    anchor's frame, (F, 3, 3)); within the joint ranges when bounded (unbounded, the ranges still choose between
    solutions that turn the end alike, so that the links between are placed as the bounded solution places them)."""
    target = local @ chain.end_rest.T
    lower, upper = (chain.lower, chain.upper) if bounded else (np.full(chain.size, -np.inf),
                                                               np.full(chain.size, np.inf))
    if chain.size == 1:
        return np.clip(twist_angle(target, chain.axes[0]), lower, upper)[:, None]
    if chain.size == 3:
        start = _davenport(chain.axes, target, chain.lower, chain.upper)
    elif chain.size == 2:
        start = _aimed(chain.axes, target)
    else:
        start = None
    # Two hinges' closed form is their best where the target is out of their reach too (a foot's yaw); three
    # hinges' is exact wherever it has a solution.
    final = start is not None and chain.size == 2
    if start is None:
        start = _sequential_twists(chain.axes, target)
    start = _into_range(start, chain.lower, chain.upper)
    clipped = np.clip(start, lower, upper)
    # Refined: a solution the ranges cut (the other hinges make up what they can), or one no closed form gave.
    todo = (clipped != start).any(-1)
    if not final:
        todo |= np.linalg.norm(_error(chain.axes, target, clipped), axis=-1) > EXACT
    if todo.any():
        clipped[todo] = _refine(chain.axes, target[todo], clipped[todo], lower, upper)
    return clipped


def _aimed(axes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Two hinges, R(u1, a) R(u2, b): a turns the second axis where the target sends it (R(u2, b) leaves u2 where
    it is), then b is the twist left over; exact wherever the two can reach the target, and near it elsewhere (a
    robot's ankle, pitch then roll, cannot follow a foot's yaw)."""
    u1, u2 = axes
    first = _turn_about(u1, np.broadcast_to(u2, target.shape[:1] + (3,)), target @ u2)
    back = np.swapaxes(axis_rotations(u1[None], first[:, None])[:, 0], -1, -2)
    return np.stack((first, twist_angle(back @ target, u2)), axis=-1)


def twist_angle(rotation: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The angle about axis nearest each rotation (F, 3, 3) (most trace in common, which is the twist of a
    swing-twist split): atan2(u . vee(M - M^T), trace M - u^T M u)."""
    vee = np.stack((rotation[..., 2, 1] - rotation[..., 1, 2], rotation[..., 0, 2] - rotation[..., 2, 0],
                    rotation[..., 1, 0] - rotation[..., 0, 1]), axis=-1)
    cos = np.trace(rotation, axis1=-2, axis2=-1) - np.einsum("i,...ij,j->...", axis, rotation, axis)
    return np.arctan2(vee @ axis, cos)


def _davenport(axes: np.ndarray, target: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
    """Closed-form angles of T = R(u1, a) R(u2, b) R(u3, c) (Davenport's generalised Euler angles): u1^T T u3
    depends on b alone, then a and c each turn one known vector onto another. Of the two solutions, the one
    within the ranges (else nearer them), then nearer the rest pose. None where the axes make it degenerate."""
    u1, u2, u3 = axes
    a = u1 @ u3 - (u1 @ u2) * (u2 @ u3)
    b = u1 @ np.cross(u2, u3)
    c = (u1 @ u2) * (u2 @ u3)
    radius = np.hypot(a, b)
    if radius < 1e-6:
        return None
    phase = np.arctan2(b, a)
    d = np.einsum("i,fij,j->f", u1, target, u3)
    spread = np.arccos(np.clip((d - c) / radius, -1.0, 1.0))
    candidates = []
    for second in (phase + spread, phase - spread):
        v = (axis_rotations(u2[None], second[:, None])[:, 0] @ u3)  # R(u2, b) u3
        first = _turn_about(u1, v, target @ u3)
        rest = np.swapaxes(axis_rotations(np.stack((u1, u2)), np.stack((first, second), -1)), -1, -2)
        third = twist_angle(rest[:, 1] @ rest[:, 0] @ target, u3)
        candidates.append(_into_range(np.stack((first, second, third), axis=-1), lower, upper))
    candidates = np.stack(candidates, axis=1)  # (F, 2, 3)
    excess = np.round(np.maximum(np.maximum(lower - candidates, candidates - upper), 0.0).sum(-1), 9)
    # Within range first, then the smaller turn; where both are within range, the one nearer the frame before
    # (frames are in time order), so that a wide range (a shoulder's) does not flip between them mid-motion.
    pick = np.argmin(excess * 1e3 + np.abs(candidates).sum(-1), axis=1)
    for f in np.flatnonzero((excess[1:] == 0).all(-1)) + 1:
        pick[f] = np.argmin(np.abs(candidates[f] - candidates[f - 1, pick[f - 1]]).sum(-1))
    return np.take_along_axis(candidates, pick[:, None, None], axis=1)[:, 0]


def _turn_about(axis: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The angle about axis that turns v (F, 3) onto w (F, 3), both seen across the axis."""
    v = v - (v @ axis)[:, None] * axis
    w = w - (w @ axis)[:, None] * axis
    return np.arctan2(np.cross(v, w) @ axis, (v * w).sum(-1))


def _sequential_twists(axes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A first guess: each hinge the twist of what the hinges before it left over."""
    left, out = target, []
    for u in axes:
        angle = twist_angle(left, u)
        out.append(angle)
        left = np.swapaxes(axis_rotations(u[None], angle[:, None])[:, 0], -1, -2) @ left
    return np.stack(out, axis=-1)


def _into_range(angles: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Each angle within (-pi, pi], or a whole turn away where that puts it within its range (a range such as
    the G1's shoulder pitch, -3.09..1.15, reaches past -pi)."""
    angles = np.angle(np.exp(1j * angles))
    for shift in (2 * np.pi, -2 * np.pi):
        moved = angles + shift
        inside = (moved >= lower) & (moved <= upper) & ~((angles >= lower) & (angles <= upper))
        angles = np.where(inside, moved, angles)
    return angles


def _refine(axes: np.ndarray, target: np.ndarray, angles: np.ndarray, lower: np.ndarray,
            upper: np.ndarray) -> np.ndarray:
    """Damped Gauss-Newton on the rotation error, each step clipped to the ranges and kept only where it lowers
    the error (the damping grows where it does not)."""
    q = angles.copy()
    err = _error(axes, target, q)
    cost = (err ** 2).sum(-1)
    damping = np.full(len(q), 1e-6)
    n = len(axes)
    for _ in range(ITERATIONS):
        prefixes = _prefixes(axis_rotations(axes, q))
        jac = np.einsum("fkij,kj->fik", prefixes[:, :-1], axes)  # column k: hinge k's axis, turned by those above
        normal = np.swapaxes(jac, -1, -2) @ jac + damping[:, None, None] * np.eye(n)
        step = np.linalg.solve(normal, (np.swapaxes(jac, -1, -2) @ err[..., None]))[..., 0]
        trial = np.clip(q + step, lower, upper)
        trial_err = _error(axes, target, trial)
        trial_cost = (trial_err ** 2).sum(-1)
        better = trial_cost < cost
        q = np.where(better[:, None], trial, q)
        err = np.where(better[:, None], trial_err, err)
        cost = np.where(better, trial_cost, cost)
        damping = np.where(better, damping * 0.3, damping * 10.0)
        if cost.max() < EXACT ** 2:
            break
    return q


def _error(axes: np.ndarray, target: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """The rotation still to go, target T(q)^T seen from the anchor, as axis times angle. Shape: (F, 3)."""
    reached = _prefixes(axis_rotations(axes, angles))[:, -1]
    return log_rotation(target @ np.swapaxes(reached, -1, -2))


def log_rotation(rotation: np.ndarray) -> np.ndarray:
    """Axis times angle (within [0, pi]) of rotation matrices, by way of the quaternion (Shepperd's method: its
    largest component from the diagonal, the others from sums and differences across it, so that none loses
    precision). Shape: (..., 3, 3) -> (..., 3)."""
    m = rotation
    d0, d1, d2 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    big = np.stack((1.0 + d0 + d1 + d2, 1.0 + d0 - d1 - d2, 1.0 - d0 + d1 - d2, 1.0 - d0 - d1 + d2), -1)
    a = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    b = m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1]
    # Row k: 4 q_k times the quaternion (w, x, y, z), for k the component taken from the diagonal.
    rows = np.stack((np.stack((big[..., 0], a[0], a[1], a[2]), -1),
                     np.stack((a[0], big[..., 1], b[0], b[1]), -1),
                     np.stack((a[1], b[0], big[..., 2], b[2]), -1),
                     np.stack((a[2], b[1], b[2], big[..., 3]), -1)), -2)
    pick = np.argmax(big, axis=-1)
    q = np.take_along_axis(rows, pick[..., None, None], -2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    q = np.where(q[..., :1] < 0, -q, q)
    norm = np.linalg.norm(q[..., 1:], axis=-1)
    angle = 2.0 * np.arctan2(norm, q[..., 0])
    scale = np.where(norm > 1e-12, angle / np.maximum(norm, 1e-300), 2.0)
    return q[..., 1:] * scale[..., None]


def _prefixes(rotations: np.ndarray) -> np.ndarray:
    """I, R1, R1 R2, ..., R1 ... Rn. Shape: (F, n, 3, 3) -> (F, n + 1, 3, 3)."""
    out = [np.broadcast_to(np.eye(3), rotations.shape[:1] + (3, 3))]
    for k in range(rotations.shape[1]):
        out.append(out[-1] @ rotations[:, k])
    return np.stack(out, axis=1)


def _skew(v: np.ndarray) -> np.ndarray:
    x, y, z = np.moveaxis(v, -1, 0)
    zero = np.zeros_like(x)
    return np.stack((zero, -z, y, z, zero, -x, -y, x, zero), axis=-1).reshape(v.shape[:-1] + (3, 3))
