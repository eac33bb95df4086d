"""Messages between the GUI and a worker process: one JSON object per line, after Jupyter's envelope.

Every message is `{"v": 1, "type": ..., "seq": n, "t": unix time, ...fields}`; a reply to a command carries
`reply_to` = the command's seq. Commands go GUI -> worker on stdin, events worker -> GUI on stdout. Neither
side imports Qt or torch here, so the GUI can use this module without loading the trainer.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field

VERSION = 1

# GUI -> worker
COMMANDS = frozenset({
    "set_reward_weights",  # disc_reward_weight, task_reward_weight (either may be absent)
    "pause",
    "resume",
    "stop",                # checkpoint, then exit
    "save_checkpoint",
    "stream_env",          # env_id: which env's poses to stream
    "set_target",          # xy: a location target (replay of a location policy)
    "set_command",         # direction: [x, y] on the ground (world), speed: m/s (replay of a steering policy; held)
})

# worker -> GUI
EVENTS = frozenset({
    "started",          # run_dir, command (the equivalent command line), num_envs, env_name, mode; a steering
                        # replay's also speed_range: [min, max] m/s, the speeds its env commands
    "status",           # state: running | paused | stopping (also the heartbeat)
    "iteration",        # metrics: one iteration's metrics
    "pose",             # qpos, time, [done], [ref_qpos], [target], [command], [velocity]; a "qpos" is a pose: root
                        # position, root quaternion w x y z, DoFs (a spherical joint's three are its exp map;
                        # amp_studio.ball_joints); done: the env's done flag after that step (a replay's episodes are
                        # counted from it); command: a steering env's [direction x, y (world), speed m/s];
                        # velocity: its root's planar velocity [vx, vy] m/s over the step
    "checkpoint",       # path, iteration
    "weights_applied",  # iteration (the first using them), disc_reward_weight, task_reward_weight
    "log",              # line
    "error",            # message, traceback
    "finished",         # reason
})


class ProtocolError(ValueError):
    """A line that is not a message of this protocol."""


# The fields a receiver reads without checking, by message type, and what each must be: a misbehaving peer's
# line with another type there is refused at decoding rather than breaking its reader.
_NUMBER = (int, float)
FIELD_TYPES = {
    "iteration": {"metrics": dict},
    "pose": {"qpos": list, "time": _NUMBER, "ref_qpos": (list, type(None)), "target": (list, type(None)),
             "command": (list, type(None)), "velocity": (list, type(None))},
    "status": {"state": str},
    "log": {"line": str},
    "error": {"message": str, "traceback": (str, type(None))},
    "weights_applied": {"iteration": int, "disc_reward_weight": _NUMBER, "task_reward_weight": _NUMBER},
    "checkpoint": {"path": str, "iteration": int},
    "set_reward_weights": {"disc_reward_weight": (*_NUMBER, type(None)), "task_reward_weight": (*_NUMBER, type(None))},
    "stream_env": {"env_id": int},
    "set_target": {"xy": list},
    "set_command": {"direction": list, "speed": _NUMBER},
}
# Only checked for the message types whose FIELD_TYPES name them ("command" is a string in "started").
_LISTS_OF_NUMBERS = ("qpos", "ref_qpos", "target", "xy", "direction", "command", "velocity")


@dataclass(frozen=True)
class Message:
    """One protocol message: its type, its fields, and the envelope."""

    type: str
    fields: dict = field(default_factory=dict)
    seq: int = 0
    reply_to: int | None = None
    t: float = 0.0

    def get(self, key: str, default=None):
        """A field's value."""
        return self.fields.get(key, default)


class Encoder:
    """Numbers messages from one sender and turns them into lines."""

    def __init__(self):
        self._seq = itertools.count(1)
        self.last_seq = 0

    def encode(self, kind: str, reply_to: int | None = None, **fields) -> str:
        """A message as one line of JSON (with its newline)."""
        if kind not in COMMANDS and kind not in EVENTS:
            raise ProtocolError(f"unknown message type '{kind}'")
        self.last_seq = next(self._seq)
        envelope = {"v": VERSION, "type": kind, "seq": self.last_seq, "t": time.time()}
        if reply_to is not None:
            envelope["reply_to"] = reply_to
        reserved = envelope.keys() & fields.keys()
        if reserved:
            raise ProtocolError(f"fields {sorted(reserved)} are reserved for the envelope")
        return json.dumps({**envelope, **fields}, allow_nan=True) + "\n"


def decode(line: str | bytes) -> Message:
    """A message from one line. Raises ProtocolError for anything that is not a message of this version."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON ({exc.msg}): {line[:80]!r}") from None
    if not isinstance(data, dict) or "type" not in data:
        raise ProtocolError(f"not a message: {line[:80]!r}")
    if data.get("v") != VERSION:
        raise ProtocolError(f"protocol version {repr(data.get('v'))[:20]}, expected {VERSION}")
    kind = data.pop("type")
    data.pop("v")
    if not isinstance(kind, str):
        raise ProtocolError(f"message type {str(kind)[:20]!r} is not a name")
    seq, reply_to, t = data.pop("seq", 0), data.pop("reply_to", None), data.pop("t", 0.0)
    if not isinstance(seq, int) or not isinstance(reply_to, (int, type(None))) or not isinstance(t, (int, float)):
        raise ProtocolError(f"'{kind[:40]}': envelope fields seq, reply_to and t must be numbers")
    for name, expected in FIELD_TYPES.get(kind, {}).items():
        value = data.get(name)
        if name in data and not isinstance(value, expected) or (
                name in _LISTS_OF_NUMBERS and isinstance(value, list)
                and not all(isinstance(v, (int, float)) for v in value)):
            raise ProtocolError(f"'{kind}': field '{name}' has the wrong type ({type(value).__name__})")
    return Message(kind, data, seq, reply_to, float(t))


def is_known(message: Message) -> bool:
    """Whether this side of the protocol knows the message's type (unknown ones are logged and skipped)."""
    return message.type in COMMANDS or message.type in EVENTS
