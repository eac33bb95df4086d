"""A worker that misbehaves, for benchmarks/gui/gui_chaos.py: the real worker with one fault added.

    python benchmarks/gui/chaos_worker.py flood|deaf|garbage train|replay [worker arguments]

flood    a thread writes protocol lines (valid logs and junk) as fast as the pipe takes them while it trains
deaf     it never reads its stdin: commands, the stop at closing too, pile up in the pipe
garbage  malformed protocol lines first (not JSON, wrong field types, unknown kinds, a 1 MB line), then it trains
"""

from __future__ import annotations

import json
import sys
import threading
import time

from amp_studio.worker import worker_main

JUNK = [b"not json at all\n", b"{\"type\": 42}\n", b"[1, 2, 3]\n", b"{\"type\": \"iteration\", \"metrics\": 7}\n",
        b"{\"type\": \"pose\", \"qpos\": \"x\"}\n", b"{\"type\": \"no_such_kind\"}\n", b"\xff\xfe\x00 binary\n",
        b"{\"type\": \"log\", \"line\": \"" + b"x" * 1_000_000 + b"\"}\n", b"{\"unterminated\": \n"]


SHORT_JUNK = [junk for junk in JUNK if len(junk) < 1000]


def _write(channel: worker_main.Channel, data: bytes) -> None:
    """Raw bytes on the protocol stream, between the worker's own lines."""
    with channel._lock:
        channel._out.flush()
        channel._out.buffer.write(data)
        channel._out.buffer.flush()


def _flood(channel: worker_main.Channel) -> None:
    n = 0
    while True:
        n += 1
        _write(channel, SHORT_JUNK[n // 50 % len(SHORT_JUNK)] if n % 50 == 0 else
               (json.dumps({"type": "log", "line": f"flood line {n}"}) + "\n").encode())


def main() -> int:
    fault, argv = sys.argv[1], sys.argv[2:]
    init = worker_main.Channel.__init__
    if fault == "deaf":
        worker_main.Channel._read = lambda self, stream: time.sleep(10**6)
    elif fault in ("flood", "garbage"):
        def faulty_init(self, out, inp):
            init(self, out, inp)
            if fault == "garbage":
                for junk in JUNK:
                    _write(self, junk)
            else:
                threading.Thread(target=_flood, args=(self,), daemon=True).start()

        worker_main.Channel.__init__ = faulty_init
    else:
        raise SystemExit(f"unknown fault '{fault}'")
    return worker_main.main(argv)


if __name__ == "__main__":
    sys.exit(main())
