"""The line protocol: messages round-trip, and anything else is refused with a clear reason."""

from __future__ import annotations

import json

import pytest

from amp_studio.worker.protocol import COMMANDS, EVENTS, Encoder, ProtocolError, decode, is_known


@pytest.mark.parametrize("kind", sorted(COMMANDS | EVENTS))
def test_every_message_type_round_trips(kind):
    enc = Encoder()
    fields = {"value": 1.5, "text": "héllo", "items": [1, 2, 3], "nested": {"a": None}}
    msg = decode(enc.encode(kind, reply_to=7, **fields))
    assert msg.type == kind
    assert msg.fields == fields
    assert msg.reply_to == 7
    assert msg.seq == enc.last_seq == 1
    assert msg.t > 0


def test_sequence_numbers_increase_and_lines_are_single():
    enc = Encoder()
    lines = [enc.encode("log", line="a\nb") for _ in range(3)]
    assert [decode(line).seq for line in lines] == [1, 2, 3]
    assert all(line.count("\n") == 1 and line.endswith("\n") for line in lines)


def test_nan_metrics_survive():
    msg = decode(Encoder().encode("iteration", metrics={"fall_rate": float("nan")}))
    assert msg.get("metrics")["fall_rate"] != msg.get("metrics")["fall_rate"]


def test_unknown_types_are_not_sent_but_decoded_as_unknown():
    with pytest.raises(ProtocolError, match="unknown message type"):
        Encoder().encode("format_disk")
    msg = decode(json.dumps({"v": 1, "type": "from_the_future", "seq": 3}))
    assert not is_known(msg)


@pytest.mark.parametrize("line, problem", [
    ('{"v": 1, "type": "log", "li', "not JSON"),
    ("[1, 2]", "not a message"),
    ('{"v": 2, "type": "log", "seq": 1}', "protocol version 2"),
    ("plain text from a print()", "not JSON"),
])
def test_bad_lines_are_refused_with_the_reason(line, problem):
    with pytest.raises(ProtocolError, match=problem):
        decode(line)


def test_envelope_fields_cannot_be_overwritten():
    with pytest.raises(ProtocolError, match="reserved"):
        Encoder().encode("log", seq=5)


@pytest.mark.parametrize("line", [
    '{"v": 1, "type": "iteration", "metrics": 7}',
    '{"v": 1, "type": "pose", "qpos": "x"}',
    '{"v": 1, "type": "pose", "qpos": [0.0, "x"]}',
    '{"v": 1, "type": "weights_applied", "iteration": "3"}',
    '{"v": 1, "type": "log", "seq": "a"}',
    '{"v": 1, "type": 5}',
    '{"v": 1, "type": "set_command", "direction": [1.0, "x"], "speed": 1.0}',
    '{"v": 1, "type": "set_command", "direction": [1.0, 0.0], "speed": "fast"}',
    '{"v": 1, "type": "pose", "qpos": [0.0], "time": 0.0, "command": [0.0, 1.0, "x"]}',
    '{"v": 1, "type": "pose", "qpos": [0.0], "time": 0.0, "velocity": "still"}',
])
def test_fields_a_reader_relies_on_must_have_their_types(line):
    with pytest.raises(ProtocolError):
        decode(line)
