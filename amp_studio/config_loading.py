"""Typed configs from YAML: unknown keys and wrong types are errors naming the file, the key and the fix."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import difflib
import math
import sys
import typing
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml

from amp_studio.errors import AmpStudioError, describe
from amp_studio.paths import PROJECT_DIR

T = TypeVar("T")
MAX_YAML_VALUES = 100_000
"""Values a settings file may hold, counting each use of an alias: more is an alias bomb, not settings."""
MAX_YAML_DEPTH = 100


def merge_overrides(settings: dict, overrides: dict | None) -> dict:
    """settings with overrides applied; an override that is a mapping updates a mapping section key by key, so
    that {"model": {"action_std": 0.025}} changes one setting of the model, not the whole section."""
    merged = dict(settings)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = value
    return merged


class ConfigError(AmpStudioError):
    """A config file or value that cannot be used."""


class Range(NamedTuple):
    """The values a number setting may take: low <= value <= high, or low < value when low_open."""

    low: float
    high: float
    low_open: bool = False

    def problem(self, value: float) -> str | None:
        """What is wrong with value, or None."""
        if self.low_open and not value > self.low:
            return "must be positive" if self.low == 0 else f"must be more than {self.low:g}"
        if value < self.low:
            return "must not be negative" if self.low == 0 else f"must be at least {self.low:g}"
        if value > self.high:
            return f"must be at most {self.high:g}"
        return None


def is_file(path: Path) -> bool:
    """Path.is_file, False for names no file can have (a NUL byte, too long) instead of an exception."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def load_yaml(path: str | Path, error: type[AmpStudioError] = ConfigError) -> dict:
    """A YAML file's top-level mapping; problems raise `error` naming the file."""
    path = Path(path)
    if not is_file(path):
        raise error(path, "file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(path, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise error(path, "malformed YAML: values nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a number of thousands of digits
        raise error(path, f"malformed YAML: {exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise error(path, f"expected a mapping of keys to values, got {type(doc).__name__}")
    _check_size(doc, path, error)
    return doc


def _check_size(doc: object, path: Path, error: type[AmpStudioError]) -> None:
    """Refuse documents that code reading them could not walk: aliases that expand without bound, a value that
    contains itself, values nested more than MAX_YAML_DEPTH deep."""
    sizes: dict[int, int] = {}

    def size(value: object, depth: int, inside: set[int]) -> int:
        if not isinstance(value, (list, dict)):
            return 1
        if depth > MAX_YAML_DEPTH:
            raise error(path, f"values nested more than {MAX_YAML_DEPTH} levels deep")
        key = id(value)
        if key in inside:
            raise error(path, "a value contains itself (a recursive alias)")
        if key in sizes:  # an alias: counted again, as every reader would walk it again
            return sizes[key]
        inside.add(key)
        total = 1
        for child in value.values() if isinstance(value, dict) else value:
            total += size(child, depth + 1, inside)
            if total > MAX_YAML_VALUES:
                raise error(path, f"more than {MAX_YAML_VALUES:,d} values (aliases that expand without bound?)")
        inside.discard(key)
        sizes[key] = total
        return total

    size(doc, 0, set())


def resolve_path(value: str | Path, source: str | Path | None = None) -> Path:
    """A config's file path: as given if it exists (absolute or from the working directory), else from the project.

    MimicKit configs name files from the repository root (`data/...`); this lets them load from anywhere, and from
    an installed package, whose data sits where a checkout's does relative to PROJECT_DIR.
    """
    path = Path(value)
    if path.is_absolute() or _exists(path):
        return path
    for base in ([Path(source).parent] if source else []) + [PROJECT_DIR]:
        candidate = base / path
        if _exists(candidate):
            return candidate
    return path


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a NUL byte, a name too long
        return False


def find_file(value: str, source: str | Path | None, field: str) -> Path:
    """The file a config's field names, found as resolve_path finds it, or a ConfigError naming the config, the
    field and why the name is unusable."""
    if not value.strip():
        raise ConfigError(source, f"field '{field}': empty file name")
    if "\x00" in value:
        raise ConfigError(source, f"field '{field}': {describe(value)} is not a file name (it holds a NUL character)")
    path = resolve_path(value)
    if is_file(path):
        return path
    if _exists(path):
        raise ConfigError(source, f"field '{field}': {describe(value)} is a folder, not a file")
    raise ConfigError(source, f"field '{field}': file {describe(value)} not found (looked in the working directory "
                              f"and in {PROJECT_DIR})")


_GENERICS = {"list": typing.List, "tuple": typing.Tuple, "dict": typing.Dict}


def _annotation(node: ast.expr, names: dict) -> Any:
    """A type from an annotation's syntax tree: `X | Y` and `list[X]` are read as typing.Union and typing.List, so
    that Python 3.8 (the workers' oldest interpreter, which cannot evaluate them) reads them too."""
    if isinstance(node, ast.Constant):
        return type(None) if node.value is None else node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        return getattr(typing, node.id, None) or getattr(builtins, node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_annotation(node.value, names), node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return typing.Union[_annotation(node.left, names), _annotation(node.right, names)]
    if isinstance(node, ast.Subscript):
        base = node.value.id if isinstance(node.value, ast.Name) else None
        inner = node.slice
        if type(inner).__name__ == "Index":  # Python 3.8 wraps a subscript's contents
            inner = inner.value
        args = tuple(_annotation(e, names) for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner]))
        generic = _GENERICS.get(base) or _annotation(node.value, names)
        return generic[args if len(args) > 1 else args[0]]
    raise TypeError(f"unsupported annotation {ast.dump(node)}")


def field_types(cls: type) -> dict[str, Any]:
    """The declared type of each field of the dataclass cls (annotations are text under postponed evaluation)."""
    names = vars(sys.modules[cls.__module__])
    return {f.name: _annotation(ast.parse(f.type, mode="eval").body, names) if isinstance(f.type, str) else f.type
            for f in dataclasses.fields(cls)}


def _check_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin is typing.Union:
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


def _as_declared(value: Any, hint: Any, name: str, source: str | Path | None) -> Any:
    """The value as its field holds it: ints as floats where a float is declared, lists as tuples; non-finite and
    unrepresentable numbers are refused."""
    if hint is float or (typing.get_origin(hint) is typing.Union and float in typing.get_args(hint)
                         and isinstance(value, int) and not isinstance(value, bool)):
        try:
            value = float(value)
        except OverflowError:
            raise ConfigError(source, f"field '{name}': {describe(value)} is too large") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(source, f"field '{name}': expected a finite number, got {value}")
    if isinstance(value, list):
        value = tuple(value)
    return value


def build_config(cls: type[T], data: dict, source: str | Path | None, section: str = "") -> T:
    """An instance of the dataclass cls from a mapping; every key must be a field of the right type, within the
    class's RANGES (a mapping of field names to Range) where it has them."""
    where = f"{section}." if section else ""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = field_types(cls)
    for key in data:
        if key not in fields:
            name = str(key)[:80]
            close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(fields)}"
            raise ConfigError(source, f"unknown key '{where}{name}'{hint}")
    missing = [name for name, f in fields.items() if name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(source, f"missing key '{where}{missing[0]}'")
    values = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(source, f"key '{where}{key}': expected a mapping of settings, got {describe(value)}")
            values[key] = build_config(hint, value, source, f"{where}{key}")
            continue
        if not _check_type(value, hint):
            declared = fields[key].type
            expected = declared if isinstance(declared, str) else getattr(hint, "__name__", str(hint))
            raise ConfigError(source, f"key '{where}{key}': expected {expected}, got {describe(value)}")
        value = _as_declared(value, hint, f"{where}{key}", source)
        allowed = getattr(cls, "RANGES", {}).get(key)
        problem = allowed.problem(value) if allowed is not None and isinstance(value, (int, float)) else None
        if problem:
            raise ConfigError(source, f"field '{where}{key}': {problem}, got {describe(value)}")
        values[key] = value
    config = cls(**values)
    validate = getattr(config, "validate", None)
    if validate is not None:
        problem = validate()
        if problem:
            raise ConfigError(source, f"{where}{problem}")
    return config
