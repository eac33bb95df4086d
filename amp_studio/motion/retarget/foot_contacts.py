"""When each foot of the source stands on the ground, from its own motion: a foot point (ankle, ball of the foot)
is in contact while it is near its standing height and nearly still. Stance spans then hold the character's foot
where it stands (no skating) and on the floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amp_studio.motion.retarget.character_rig import SIDES

FOOT_POINTS = ("ankle", "toe")
HEIGHT_MARGIN = 0.04
"""Metres (at the character's size) above a point's standing height that still count as standing: mocap feet
roll and markers wobble by a few centimetres."""
STILL_SPEED = 0.35
"""Horizontal speed (m/s, at the character's size) below which a low foot point stands; a walk's swing foot moves
at 2-5 m/s and a planted heel or toe at under 0.2."""
SHORTEST = 0.05
"""Contacts and gaps shorter than this (seconds) are noise: a stance lasts a tenth of a second at the least."""


@dataclass
class FootContacts:
    """contact[name]: (F,) bool for "left_ankle", "left_toe", ...; foot[side]: either point of the foot."""

    contact: dict[str, np.ndarray]
    foot: dict[str, np.ndarray]

    def cut(self, first: int, last: int) -> FootContacts:
        """The contacts of frames first..last - 1 (a trimmed clip's)."""
        return FootContacts({k: v[first:last] for k, v in self.contact.items()},
                            {k: v[first:last] for k, v in self.foot.items()})

    def spans(self, name: str) -> list[tuple[int, int]]:
        """(first, last + 1) frame ranges of a point's contacts."""
        return _spans(self.contact[name])


def detect_contacts(positions: dict[str, np.ndarray], fps: float) -> FootContacts:
    """positions: landmark name -> (F, 3) at the character's size, z up."""
    contact = {}
    for side in SIDES:
        for part in FOOT_POINTS:
            name = f"{side}_{part}"
            if name in positions:
                contact[name] = _contact(positions[name], fps)
    foot = {side: np.any([contact[f"{side}_{p}"] for p in FOOT_POINTS if f"{side}_{p}" in contact], axis=0)
            for side in SIDES}
    return FootContacts(contact, foot)


def _contact(p: np.ndarray, fps: float) -> np.ndarray:
    height = p[:, 2]
    standing = np.percentile(height, 10)
    # Speed over SHORTEST seconds, not one frame: mocap noise at 120 fps would otherwise decide a contact's first
    # frame differently from the same motion at 60 fps.
    window = max(1, int(round(SHORTEST * fps)) | 1)
    speed = np.convolve(np.pad(horizontal_speed(p, fps), window // 2, mode="edge"), np.ones(window) / window, "valid")
    on = (height < standing + HEIGHT_MARGIN) & (speed < STILL_SPEED)
    shortest = max(1, int(round(SHORTEST * fps)))
    return _drop_short(~_drop_short(~on, shortest), shortest)


def horizontal_speed(p: np.ndarray, fps: float) -> np.ndarray:
    """Per frame, the horizontal speed (central differences; one-sided at the ends). Shape: (F, 3) -> (F,)."""
    if len(p) < 2:
        return np.zeros(len(p))
    return np.linalg.norm(np.gradient(p[:, :2], axis=0), axis=1) * fps


def _drop_short(on: np.ndarray, shortest: int) -> np.ndarray:
    out = on.copy()
    for first, end in _spans(on):
        if end - first < shortest and first > 0 and end < len(on):  # the clip's ends may cut a span short
            out[first:end] = False
    return out


def _spans(on: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def skate(p: np.ndarray, contact: np.ndarray, fps: float) -> float:
    """Mean horizontal speed (m/s) of a foot point over its contact frames: 0 for a foot that stays put."""
    return float(horizontal_speed(p, fps)[contact].mean()) if contact.any() else 0.0
