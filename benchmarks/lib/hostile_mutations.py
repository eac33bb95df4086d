"""Mutations shared by every kind of hostile input: absurd values, structural edits of a parsed document, raw byte
damage, deep nesting, alias and reference bombs, and pickles that try to run code.

Code that runs touches the file named by the environment variable MARKER_VARIABLE: the harness points it into
the case's folder and checks afterwards that nothing was created there.
"""

from __future__ import annotations

import math
import os
import pickle

from hypothesis import strategies as st

MARKER_VARIABLE = "AMP_HOSTILE_MARKER"
TOUCH_MARKER = f'touch "${MARKER_VARIABLE}"'

# Numbers no setting means: signs, zero, the 1e12 of the issue, overflow, denormals, NaN and inf.
ABSURD_NUMBERS = [-1, 0, -1.0, 0.0, 1e12, -1e12, 10**12, -(10**12), 1e300, -1e300, 10**30, 2**63, 2**64,
                  1e-300, math.nan, math.inf, -math.inf]
WRONG_TYPES = [None, True, False, "abc", "1e12", "", [], {}, [1, 2], {"a": 1}, "x" * 5000]
DEEP_DEPTHS = [200, 2000, 100_000]


def absurd_values() -> st.SearchStrategy:
    """One value that is wrong for any setting: absurd numbers, other types, random scalars."""
    return st.one_of(
        st.sampled_from(ABSURD_NUMBERS + WRONG_TYPES),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    )


# ----- parsed documents (YAML mappings, JSON clips, checkpoint dictionaries) -----

def paths_of(doc: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path in nested dicts and lists, parents before children."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths_of(value, prefix + (key,))
    elif isinstance(doc, list) and len(doc) <= 64:  # long lists (clip frames) are mutated by their own rules
        for i, value in enumerate(doc):
            found += paths_of(value, prefix + (i,))
    return found


def get_at(doc: object, path: tuple) -> object:
    for key in path:
        doc = doc[key]
    return doc


def _parent(doc: object, path: tuple) -> tuple[object, object]:
    return get_at(doc, path[:-1]), path[-1]


def set_at(doc: object, path: tuple, value: object) -> None:
    parent, key = _parent(doc, path)
    parent[key] = value


def delete_at(doc: object, path: tuple) -> None:
    parent, key = _parent(doc, path)
    del parent[key]


def rename_at(doc: object, path: tuple, new_key: str) -> None:
    """Rename a mapping key (a typo, another case); list items are left alone."""
    parent, key = _parent(doc, path)
    if isinstance(parent, dict):
        parent[new_key] = parent.pop(key)


def typo_of(key: object, edit: int) -> str:
    """A near-miss spelling of a key: a letter dropped, doubled, or the case changed."""
    text = str(key)
    if not text:
        return "_"
    i = edit % len(text)
    return [text[:i] + text[i + 1:], text[:i] + text[i] * 2 + text[i:], text.upper(), text + "s"][edit % 4] or "_"


@st.composite
def mutated_document(draw, doc: dict, deep_token: str = "__DEEP__") -> tuple[object, str]:
    """The document with one structural edit, and a description of it. A value may be `deep_token`, which the
    caller replaces in the serialized text by deep nesting (serializers themselves recurse on it)."""
    paths = paths_of(doc)
    op = draw(st.sampled_from(["set", "set", "set", "delete", "rename", "add", "wrap", "deep", "root"]))
    if op == "root" or not paths:
        value = draw(st.sampled_from([None, [], "text", 42, [doc], {"unrelated": doc}]))
        return value, f"whole document replaced by {type(value).__name__}"
    path = draw(st.sampled_from(paths))
    where = ".".join(str(p) for p in path)
    if op == "set":
        value = draw(absurd_values())
        set_at(doc, path, value)
        return doc, f"{where} = {value!r:.60}"
    if op == "delete":
        delete_at(doc, path)
        return doc, f"{where} deleted"
    if op == "rename":
        new_key = typo_of(path[-1], draw(st.integers(0, 1000)))
        rename_at(doc, path, new_key)
        return doc, f"{where} renamed {new_key!r}"
    if op == "add":
        parent = get_at(doc, path[:-1])
        target = parent if isinstance(parent, dict) else doc
        key = draw(st.sampled_from(["unknown_key", typo_of(path[-1], draw(st.integers(0, 1000))), "num_envs"]))
        target[key] = draw(absurd_values())
        return doc, f"key {key!r} added beside {where}"
    if op == "wrap":
        set_at(doc, path, [get_at(doc, path)])
        return doc, f"{where} wrapped in a list"
    set_at(doc, path, deep_token)
    return doc, f"{where} deeply nested"


def deep_nesting(depth: int, opener: str = "[", closer: str = "]") -> str:
    """Nested empty lists (JSON and YAML flow style alike) `depth` levels deep."""
    return opener * depth + closer * depth


def yaml_alias_bomb(levels: int = 9) -> str:
    """A YAML flow value that expands to 9**levels strings through aliases ("billion laughs")."""
    parts = ['&l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        parts.append(f"&l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return "[" + ", ".join(parts) + "]"


YAML_CODE = f'!!python/object/apply:os.system ["{TOUCH_MARKER}"]'
YAML_RECURSIVE = "&loop [*loop]"


# ----- raw bytes -----

@st.composite
def damaged_bytes(draw, data: bytes) -> tuple[bytes, str]:
    """The bytes truncated, bit-flipped, overwritten, spliced, emptied or replaced."""
    n = len(data)
    op = draw(st.sampled_from(["truncate", "truncate", "flip", "flip", "overwrite", "insert", "empty", "random",
                               "double", "nul"]))
    if op == "truncate" and n:
        cut = draw(st.integers(0, n - 1))
        return data[:cut], f"truncated at byte {cut} of {n}"
    if op == "flip" and n:
        out = bytearray(data)
        flips = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 7)), min_size=1, max_size=8))
        for i, bit in flips:
            out[i] ^= 1 << bit
        return bytes(out), f"{len(flips)} bits flipped"
    if op == "overwrite" and n:
        start = draw(st.integers(0, n - 1))
        junk = draw(st.binary(min_size=1, max_size=64))
        return data[:start] + junk + data[start + len(junk):], f"{len(junk)} bytes overwritten at {start}"
    if op == "insert":
        at = draw(st.integers(0, n))
        junk = draw(st.binary(min_size=1, max_size=64))
        return data[:at] + junk + data[at:], f"{len(junk)} bytes inserted at {at}"
    if op == "double":
        return data + data, "the file twice"
    if op == "nul" and n:
        at = draw(st.integers(0, n - 1))
        return data[:at] + b"\x00" + data[at:], f"NUL byte at {at}"
    if op == "random":
        junk = draw(st.binary(max_size=512))
        return junk, f"{len(junk)} random bytes"
    return b"", "empty file"


@st.composite
def damaged_text(draw, text: str) -> tuple[bytes, str]:
    """Text-level damage on top of byte damage: other encodings, a BOM, invalid UTF-8, tabs, very long lines."""
    op = draw(st.sampled_from(["bytes", "bytes", "utf16", "bom", "latin", "tab", "long_line", "control"]))
    data = text.encode("utf-8")
    if op == "utf16":
        return text.encode("utf-16"), "UTF-16 encoded"
    if op == "bom":
        return b"\xef\xbb\xbf" + data, "UTF-8 byte order mark"
    if op == "latin":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\xe9\xff" + data[at:], "invalid UTF-8 bytes"
    if op == "tab":
        return data.replace(b"  ", b"\t", 1), "a tab for indentation"
    if op == "long_line":
        return data + b"\n# " + b"x" * 1_000_000 + b"\n", "a 1 MB line"
    if op == "control":
        return data.replace(b"\n", b"\n\x07\x1b[2J", 1), "control characters"
    return draw(damaged_bytes(data))


# ----- pickles -----

class RunsCode:
    """Pickles to a call of `function(*args)`: what an unsafe pickle does on load."""

    def __init__(self, function: object, args: tuple):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def code_pickles() -> list[tuple[bytes, str]]:
    """Pickles that would touch the marker file if loaded without restriction."""
    import builtins
    import subprocess

    touch = f"__import__('os').system('{TOUCH_MARKER}')"
    calls = [
        (RunsCode(os.system, (TOUCH_MARKER,)), "os.system"),
        (RunsCode(builtins.eval, (touch,)), "builtins.eval"),
        (RunsCode(builtins.exec, (touch,)), "builtins.exec"),
        (RunsCode(subprocess.call, (["sh", "-c", TOUCH_MARKER],)), "subprocess.call"),
    ]
    out = []
    for obj, name in calls:
        for protocol in (0, 2, 4):
            out.append((pickle.dumps(obj, protocol=protocol), f"unsafe pickle ({name}, protocol {protocol})"))
            payload = {"loop_mode": 1, "fps": 30.0, "frames": obj}
            out.append((pickle.dumps(payload, protocol=protocol), f"unsafe pickle inside a clip ({name})"))
    return out


def nested_list_pickle(depth: int) -> bytes:
    """A clip pickle whose frames are lists nested `depth` deep, written as opcodes (pickle.dumps recurses)."""
    nested = b"(" * depth + b"l" * depth
    return b"(dVloop_mode\nI1\nsVfps\nF30.0\nsVframes\n" + nested + b"s."


def reference_bomb_pickle(levels: int, width: int = 10) -> bytes:
    """A clip pickle whose frames are `levels` nested lists of `width` references each: width**levels numbers
    from a few hundred bytes, through the pickle memo."""
    ops = [b"(" + b"F0.5\n" * width + b"lp0\n0"]  # build, memoize, pop: only the memo keeps each level
    for level in range(1, levels):
        ops.append(b"(" + f"g{level - 1}\n".encode() * width + f"lp{level}\n0".encode())
    ops.append(f"g{levels - 1}\n".encode())
    return b"(dVloop_mode\nI1\nsVfps\nF30.0\nsVframes\n" + b"".join(ops) + b"s."
