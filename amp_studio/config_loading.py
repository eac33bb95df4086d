"""Typed configs from YAML: unknown keys and wrong types are errors naming the file, the key and the fix."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from amp_studio import DATA_DIR
from amp_studio.errors import AmpStudioError

T = TypeVar("T")
REPO_DIR = DATA_DIR.parent


class ConfigError(AmpStudioError):
    """A config file or value that cannot be used."""


def load_yaml(path: str | Path, error: type[AmpStudioError] = ConfigError) -> dict:
    """A YAML file's top-level mapping; problems raise `error` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise error(path, "file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(path, f"malformed YAML: {exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise error(path, f"expected a mapping of keys to values, got {type(doc).__name__}")
    return doc


def resolve_path(value: str | Path, source: str | Path | None = None) -> Path:
    """A config's file path: as given if it exists (absolute or from the working directory), else from the repo.

    MimicKit configs name files from the repository root (`data/...`); this lets them load from anywhere.
    """
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    for base in ([Path(source).parent] if source else []) + [REPO_DIR]:
        candidate = base / path
        if candidate.exists():
            return candidate
    return path


def _check_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_check_type(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple):
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return isinstance(value, (list, tuple)) and all(_check_type(v, inner) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    return True


def build_config(cls: type[T], data: dict, source: str | Path | None, section: str = "") -> T:
    """An instance of the dataclass cls from a mapping; every key must be a field of the right type."""
    where = f"{section}." if section else ""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(fields)}"
            raise ConfigError(source, f"unknown key '{where}{key}'{hint}")
    missing = [name for name, f in fields.items() if name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(source, f"missing key '{where}{missing[0]}'")
    values = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(source, f"key '{where}{key}': expected a mapping of settings, got {value!r}")
            values[key] = build_config(hint, value, source, f"{where}{key}")
            continue
        if not _check_type(value, hint):
            expected = getattr(hint, "__name__", str(hint))
            raise ConfigError(source, f"key '{where}{key}': expected {expected}, got {value!r}")
        if hint is float or (typing.get_origin(hint) in (typing.Union, types.UnionType) and float in typing.get_args(
                hint) and isinstance(value, int) and not isinstance(value, bool)):
            value = float(value)
        if isinstance(value, list):
            value = tuple(value)
        values[key] = value
    config = cls(**values)
    validate = getattr(config, "validate", None)
    if validate is not None:
        problem = validate()
        if problem:
            raise ConfigError(source, f"{where}{problem}")
    return config
