"""Landmarks from the skeleton's shape alone, for joints whose names say nothing (`joint_07`): the joint tree finds
the legs, the arms and the head, bone lengths find the hips, knees and ankles along them, and the direction the
toes point tells left from right."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SUBSTANTIAL = 0.08
"""A branch is a limb, the spine or the head when it reaches at least this share of the skeleton's size (its
longest root-to-leaf path): CMU's head (neck base to head) is 18% of its size, a finger at most 7%."""
COINCIDENT = 1e-3
"""Two joints closer than this share of the skeleton's size are one point (CMU's LHipJoint sits at the pelvis)."""
UPPER_ARM_PER_LEG = 0.34
FOREARM_PER_LEG = 0.30
"""Upper arm and forearm length per leg length (thigh + shin) of typical adults, which tell the shoulder, elbow
and wrist from a clavicle or a hand joint along an arm chain (CMU's clavicle is as long as its forearm)."""


class Tree:
    """A skeleton's joint tree and one pose's joint positions (J, 3), any units and axes."""

    def __init__(self, parents: list[int], positions: np.ndarray, has_channels: list[bool]):
        self.parents = list(parents)
        self.pos = np.asarray(positions, dtype=np.float64)
        self.has_channels = list(has_channels)
        self.children: list[list[int]] = [[] for _ in self.parents]
        for j, p in enumerate(self.parents):
            if p >= 0:
                self.children[p].append(j)
        self.depth = [0] * len(self.parents)
        order = sorted(range(len(self.parents)), key=self._depth_of)
        self.seg = np.array([np.linalg.norm(self.pos[j] - self.pos[p]) if p >= 0 else 0.0
                             for j, p in enumerate(self.parents)])
        self.reach = np.zeros(len(self.parents))  # the longest path down from each joint
        for j in reversed(order):
            if self.parents[j] >= 0:
                p = self.parents[j]
                self.reach[p] = max(self.reach[p], self.seg[j] + self.reach[j])
        roots = [j for j, p in enumerate(self.parents) if p < 0]
        self.size = float(max((self.reach[r] for r in roots), default=0.0))
        self.eps = COINCIDENT * self.size if self.size > 0 else 1e-12

    def _depth_of(self, j: int) -> int:
        d, p = 0, self.parents[j]
        while p >= 0:
            d, p = d + 1, self.parents[p]
        self.depth[j] = d
        return d

    def apart(self, a: int, b: int) -> bool:
        return bool(np.linalg.norm(self.pos[a] - self.pos[b]) > self.eps)

    def is_below(self, a: int, b: int) -> bool:
        """a is b or one of its descendants."""
        while a >= 0 and a != b:
            a = self.parents[a]
        return a == b

    def lca(self, joints: list[int]) -> int:
        """The deepest joint that has all `joints` below it."""
        common = joints[0]
        for j in joints[1:]:
            while not self.is_below(j, common):
                common = self.parents[common]
        return common

    def longest_path(self, j: int) -> list[int]:
        """j, then always the child whose branch reaches farthest."""
        path = [j]
        while self.children[path[-1]]:
            path.append(max(self.children[path[-1]], key=lambda c: self.seg[c] + self.reach[c]))
        return path

    def branches(self, j: int) -> list[int]:
        """The substantial branches of j; a child at j's own position counts as the branches under it, so that
        zero-length joints (CMU's LHipJoint, LowerBack, Neck, LeftShoulder) do not hide where the limbs split."""
        out = []
        for c in self.children[j]:
            if self.seg[c] + self.reach[c] < SUBSTANTIAL * self.size:
                continue
            out += self.branches(c) if not self.apart(c, j) and self.children[c] else [c]
        return out

    def first_apart(self, j: int, path: list[int]) -> int | None:
        """The first joint of path that is not at j's position."""
        return next((k for k in path if self.apart(k, j)), None)


@dataclass
class Shape:
    """What the tree and the pose say: landmark -> joint, the joints of each limb's chain (for filling a limb
    whose names gave only some of its joints), and what could not be found."""

    joints: dict[str, int | None] = field(default_factory=dict)
    chains: dict[str, list[int]] = field(default_factory=dict)  # "left_leg", "right_arm", ... -> joints
    problems: list[str] = field(default_factory=list)


def shape_landmarks(tree: Tree) -> Shape:
    shape = Shape()
    # The pelvis branches into two legs and the spine; the chest into two arms and the neck. Both are the
    # shallowest joints with three substantial branches, and the spine is the pelvis branch holding the chest.
    forks = sorted((j for j in range(len(tree.parents)) if len(tree.branches(j)) >= 3), key=lambda j: tree.depth[j])
    if not forks:
        shape.problems.append("no joint where two legs and a spine branch: not a humanoid skeleton?")
        return shape
    hips = forks[0]
    spine_branch = next((b for b in tree.branches(hips) if any(f != hips and tree.is_below(f, b) for f in forks)),
                        None)
    if spine_branch is None:
        shape.problems.append("no joint where two arms and the neck branch above the pelvis")
        return shape
    fork = min((f for f in forks if tree.is_below(f, spine_branch)), key=lambda j: tree.depth[j])
    legs = sorted((b for b in tree.branches(hips) if b != spine_branch), key=lambda b: -tree.seg[b] - tree.reach[b])
    legs = legs[:2]
    root = next(j for j, p in enumerate(tree.parents) if p < 0)
    # A root standing on the floor (HumanIK's Reference) is not the pelvis; one at the pelvis is, or rather the last
    # joint at its position on the way to the legs' fork (3ds Max's Bip01 Pelvis under Bip01).
    leg_length = float(np.mean([tree.seg[b] + tree.reach[b] for b in legs])) if legs else tree.size
    pelvis = hips
    if np.linalg.norm(tree.pos[root] - tree.pos[hips]) < 0.25 * leg_length:
        pelvis = [j for j in _path_between(tree, root, hips) if not tree.apart(j, root)][-1]
    arms = _arm_pair(tree, tree.branches(fork))
    _head(tree, fork, [b for b in tree.branches(fork) if b not in arms], shape)
    shape.joints["pelvis"] = pelvis
    shape.joints["spine"] = next((j for j in _path_between(tree, pelvis, shape.joints["chest"])[1:-1]
                                  if tree.apart(j, pelvis)), None)
    leg_joints = [_leg(tree, hips, b) for b in legs]
    thigh_shin = [np.linalg.norm(tree.pos[h] - tree.pos[k]) + np.linalg.norm(tree.pos[k] - tree.pos[a])
                  for h, k, a in leg_joints]
    scale = float(np.mean(thigh_shin)) if thigh_shin else 0.5 * tree.size
    arm_joints = [_arm(tree, fork, b, scale) for b in arms]
    left = _left_direction(tree, shape.joints["head"], [lj[2] for lj in leg_joints], shape.problems)
    for kind, starts, found, names in (("leg", legs, leg_joints, ("hip", "knee", "ankle")),
                                       ("arm", arms, arm_joints, ("shoulder", "elbow", "wrist"))):
        if len(found) < 2:
            shape.problems.append(f"found {len(found)} {kind}s, expected 2")
            continue
        # The limb whose first joint lies farther along the left direction is the left one.
        order = sorted(range(2), key=lambda i: -float(tree.pos[found[i][0]] @ left))
        for side, i in zip(("left", "right"), order):
            shape.chains[f"{side}_{kind}"] = _subtree(tree, starts[i])
            for name, j in zip(names, found[i]):
                shape.joints[f"{side}_{name}"] = j
    return shape


def _path_between(tree: Tree, top: int, bottom: int) -> list[int]:
    path = [bottom]
    while path[-1] != top and path[-1] >= 0:
        path.append(tree.parents[path[-1]])
    return path[::-1]


def _subtree(tree: Tree, j: int) -> list[int]:
    out, todo = [], [j]
    while todo:
        k = todo.pop()
        out.append(k)
        todo += tree.children[k]
    return out


def _points(tree: Tree, start: int, branch: int) -> list[int]:
    """The branch's longest path as distinct points: a joint at the previous point's position is dropped, except
    that the first point is the last joint at start's own position (the one the next bone hangs from), or start."""
    path = _path_between(tree, start, branch)[1:-1] + tree.longest_path(branch)
    first = start
    for j in path:
        if tree.apart(j, start):
            break
        first = j
    points = [first]
    for j in path:
        if tree.apart(j, points[-1]):
            points.append(j)
    return points


def _leg(tree: Tree, hips: int, branch: int) -> tuple[int, int, int]:
    """Hip, knee and ankle: the ends of the two longest adjacent bones, the thigh and the shin."""
    points = _points(tree, hips, branch)
    if len(points) < 3:
        return points[0], points[-1], points[-1]
    lengths = [np.linalg.norm(tree.pos[b] - tree.pos[a]) for a, b in zip(points, points[1:])]
    k = max(range(len(lengths) - 1), key=lambda i: lengths[i] + lengths[i + 1])
    return points[k], points[k + 1], points[k + 2]


def _arm(tree: Tree, chest: int, branch: int, leg_length: float) -> tuple[int, int, int]:
    """Shoulder, elbow and wrist: the three consecutive points whose two bones are most like an upper arm and a
    forearm for this leg length, the arm straight at the elbow (a T or A rest pose bends it at the shoulder)."""
    points = _points(tree, chest, branch)
    if points[0] == chest:
        points = points[1:]  # the shoulder is never the chest itself
    if len(points) < 3:
        return points[0], points[-1], points[-1]

    def misfit(i: int) -> float:
        s, e, w = (tree.pos[points[i + k]] for k in range(3))
        upper, fore = np.linalg.norm(e - s), np.linalg.norm(w - e)
        bend = np.arccos(np.clip((e - s) @ (w - e) / (upper * fore), -1.0, 1.0))
        return (abs(np.log(upper / (UPPER_ARM_PER_LEG * leg_length)))
                + abs(np.log(fore / (FOREARM_PER_LEG * leg_length))) + 0.5 * bend)

    i = min(range(len(points) - 2), key=misfit)
    return points[i], points[i + 1], points[i + 2]


def _arm_pair(tree: Tree, branches: list[int]) -> list[int]:
    """The two branches most alike in reach: the arms (the neck and head reach far less)."""
    pairs = [(a, b) for i, a in enumerate(branches) for b in branches[i + 1:]]
    if not pairs:
        return branches
    reach = tree.reach + tree.seg
    return list(max(pairs, key=lambda ab: min(reach[ab[0]], reach[ab[1]]) / max(reach[ab[0]], reach[ab[1]])))


def _head(tree: Tree, fork: int, rest: list[int], shape: Shape) -> None:
    """Neck, head and chest from the fork of the arms: the head branch is the one the arm pair leaves out. Its last
    joint with channels is the head, its first the neck base; when the branch is the head alone (3ds Max hangs the
    clavicles from the neck), the fork is the neck and its parent the chest."""
    if not rest:
        shape.problems.append("no head branch where the arms branch")
        shape.joints.update(chest=fork, neck=None, head=None)
        return
    branch = max(rest, key=lambda b: tree.seg[b] + tree.reach[b])
    path = _path_between(tree, fork, branch)[1:] + tree.longest_path(branch)[1:]
    moving = [j for j in path if tree.has_channels[j]] or path
    neck = moving[0] if len(moving) > 1 else fork
    chest = fork if neck != fork else max(tree.parents[fork], 0)
    shape.joints.update(chest=chest, neck=neck, head=head_point(tree, moving[-1]))


def head_point(tree: Tree, head: int) -> int:
    """The head joint, or the first point beyond it when it sits where its parent does (a head joint at the neck)."""
    parent = tree.parents[head]
    if parent < 0 or tree.apart(head, parent):
        return head
    beyond = tree.first_apart(head, tree.longest_path(head)[1:])
    return head if beyond is None else beyond


def toe_point(tree: Tree, ankle: int) -> int | None:
    """The first point beyond the ankle along its longest branch: the toe base joint, or the end site when the toe
    joint sits at the ankle or there is none."""
    return tree.first_apart(ankle, tree.longest_path(ankle)[1:])


def hand_point(tree: Tree, wrist: int, elbow: int | None) -> int | None:
    """A point beyond the wrist along the hand: of the first points apart from the wrist down each of its branches
    (finger bases, an end site), the one most in line with the forearm; None when none points away from the elbow."""
    firsts = [tree.first_apart(wrist, tree.longest_path(c)) for c in tree.children[wrist]]
    firsts = [j for j in firsts if j is not None]
    if not firsts:
        return None
    if elbow is None or not tree.apart(wrist, elbow):
        return firsts[0]
    forearm = tree.pos[wrist] - tree.pos[elbow]

    def along(j: int) -> float:
        d = tree.pos[j] - tree.pos[wrist]
        return float(d @ forearm / (np.linalg.norm(d) * np.linalg.norm(forearm)))

    best = max(firsts, key=along)
    return best if along(best) > 0 else None


def _left_direction(tree: Tree, head: int | None, ankles: list[int], problems: list[str]) -> np.ndarray:
    """up x forward (right-handed), up from the ankles to the head and forward where the toes point from the
    ankles; a zero vector (left and right undecided) when the skeleton shows neither."""
    if head is None or len(ankles) < 2:
        return np.zeros(3)
    facing = facing_directions(tree, head, ankles)
    if facing is None:
        problems.append("cannot tell which way the skeleton faces (no toes pointing forward): left and right are "
                        "guessed")
        return np.zeros(3)
    up, forward = facing
    return np.cross(up, forward)


def facing_directions(tree: Tree, head: int, ankles: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    """(up, forward) unit vectors: up from the ankles' midpoint to the head, forward the toes' mean direction from
    the ankles without its up component; None if either is zero."""
    up = tree.pos[head] - np.mean(tree.pos[ankles], axis=0)
    if np.linalg.norm(up) <= tree.eps:
        return None
    up = up / np.linalg.norm(up)
    toes = [(a, toe_point(tree, a)) for a in ankles]
    forward = sum((tree.pos[t] - tree.pos[a] for a, t in toes if t is not None), np.zeros(3))
    forward = forward - (forward @ up) * up
    if np.linalg.norm(forward) <= tree.eps:
        return None
    return up, forward / np.linalg.norm(forward)
