"""Landmark mapping files: which BVH joint is each landmark, the up axis and the unit, written once a skeleton's
facts are known and edited by hand where detection was wrong, so that every clip of that skeleton is read alike.

    version: 1
    up: "+y"            # or null: detect
    unit: 0.05644       # metres per file unit, or null: detect
    landmarks:
      pelvis: Hips
      left_shoulder: LeftArm
      left_hand: null   # optional landmarks may be null; required ones may not
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path

import yaml

from amp_studio.config_loading import ConfigError, load_yaml
from amp_studio.errors import describe
from amp_studio.motion.retarget.landmark_names import LANDMARKS, REQUIRED_LANDMARKS, Landmarks

MAPPING_VERSION = 1
UP_AXES = ("+x", "-x", "+y", "-y", "+z", "-z")
_KEYS = ("version", "up", "unit", "landmarks")


def mapping_of(facts) -> dict:
    """The mapping document of a SkeletonFacts (skeleton.analyse): joint names, not indices."""
    names = facts.landmarks.names
    return {"version": MAPPING_VERSION, "up": facts.up, "unit": float(facts.unit),
            "landmarks": {key: names.get(key) for key in LANDMARKS}}


def save_mapping(facts, path: str | Path) -> None:
    """Write facts' mapping (a SkeletonFacts) as YAML, atomically."""
    path = Path(path)
    text = ("# AMP Studio landmark mapping: the BVH joint at each landmark, the file's up axis and metres per unit.\n"
            + yaml.safe_dump(mapping_of(facts), sort_keys=False, allow_unicode=True))
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(path, f"cannot write: {exc.strerror}") from None


def load_mapping(path: str | Path) -> dict:
    """A mapping file, checked: {"version", "up" (None or one of UP_AXES), "unit" (None or metres per file unit),
    "landmarks" (every landmark -> joint name or None), "source" (the file)}. Unknown keys and landmarks, wrong
    types and missing required landmarks raise ConfigError naming the file and the field."""
    doc = load_yaml(path)
    for key in doc:
        if key not in _KEYS:
            raise ConfigError(path, f"unknown key {_unknown(key, _KEYS)}")
    if "version" not in doc:
        raise ConfigError(path, f"missing key 'version' (this format is version {MAPPING_VERSION})")
    if doc["version"] != MAPPING_VERSION or isinstance(doc["version"], bool):
        raise ConfigError(path, f"field 'version': {describe(doc['version'])} is not a version this program reads "
                                f"(it reads {MAPPING_VERSION})")
    up = doc.get("up")
    if up is not None and up not in UP_AXES:
        raise ConfigError(path, f"field 'up': expected one of {', '.join(UP_AXES)} or null, got {describe(up)}")
    unit = doc.get("unit")
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, (int, float))
                             or not 0 < unit < math.inf):
        raise ConfigError(path, f"field 'unit': expected metres per file unit (a positive number) or null, got "
                                f"{describe(unit)}")
    if "landmarks" not in doc:
        raise ConfigError(path, "missing key 'landmarks' (landmark: joint name)")
    given = doc["landmarks"]
    if not isinstance(given, dict):
        raise ConfigError(path, f"field 'landmarks': expected a mapping of landmark to joint name, got "
                                f"{describe(given)}")
    for key, name in given.items():
        if key not in LANDMARKS:
            raise ConfigError(path, f"field 'landmarks': unknown landmark {_unknown(key, LANDMARKS)}")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ConfigError(path, f"field 'landmarks.{key}': expected a joint name or null, got {describe(name)}")
    missing = [key for key in REQUIRED_LANDMARKS if given.get(key) is None]
    if missing:
        raise ConfigError(path, f"field 'landmarks.{missing[0]}': required, but "
                                f"{'null' if missing[0] in given else 'missing'} (required landmarks: "
                                f"{', '.join(REQUIRED_LANDMARKS)})")
    return {"version": MAPPING_VERSION, "up": up, "unit": None if unit is None else float(unit),
            "landmarks": {key: given.get(key) for key in LANDMARKS}, "source": str(path)}


def _unknown(key: object, valid: tuple[str, ...]) -> str:
    text = describe(key) if not isinstance(key, str) else repr(key[:80])
    close = difflib.get_close_matches(str(key)[:80], valid, n=1, cutoff=0.6)
    return text + (f"; did you mean '{close[0]}'?" if close else f"; valid: {', '.join(valid)}")


def apply_mapping(clip, mapping: dict) -> Landmarks:
    """The landmarks of clip (a BvhClip) as mapping (load_mapping) names them; a joint the clip does not have raises
    ConfigError naming the mapping file, the field and the clip's closest joint names."""
    names = [joint.name for joint in clip.joints]
    index = {name: i for i, name in enumerate(names)}
    joints: dict[str, int | None] = {}
    for key in LANDMARKS:
        name = mapping["landmarks"].get(key)
        if name is not None and name not in index:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            hint = f"; close: {', '.join(close)}" if close else f"; its joints: {', '.join(names[:12])}" + (
                ", ..." if len(names) > 12 else "")
            raise ConfigError(mapping.get("source"), f"field 'landmarks.{key}': no joint {describe(name)} in "
                                                     f"{Path(clip.path).name}{hint}")
        joints[key] = None if name is None else index[name]
    return Landmarks(joints=joints, how={k: "mapping" for k, j in joints.items() if j is not None},
                     names={k: mapping["landmarks"].get(k) for k in LANDMARKS})
