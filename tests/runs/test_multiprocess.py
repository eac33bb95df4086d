"""Two training processes (gloo on CPU): gradients averaged, parameters identical on both ranks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from amp_studio.errors import AmpStudioError
from amp_studio.runs.multiprocess import check_devices

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_cpu_processes_end_with_identical_parameters(tmp_path):
    out = tmp_path / "run"
    # 4 envs x 32 steps (the default horizon) x 2 processes = 256 samples per iteration: two iterations
    done = subprocess.run([sys.executable, "main.py", "--mode", "train", "--devices", "cpu", "cpu",
                           "--num_envs", "4", "--max_samples", "512", "--out_dir", str(out), "--logger", "txt"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 processes on cpu cpu" in done.stdout
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["iteration"] for m in metrics] == [1, 2]
    assert [m["samples"] for m in metrics] == [256, 512]  # both processes' samples count
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    sync = [e for e in events if e["event"] == "ranks_in_sync"]
    assert len(sync) == 1 and sync[0]["iteration"] == 2
    prints = sync[0]["fingerprints"]
    assert len(prints) == 2 and prints[0] == prints[1] and sync[0]["in_sync"] is True
    assert (out / "checkpoints" / "latest.pt").is_file()
    assert done.stdout.count("iter ") == 2  # only rank 0 reports


def test_devices_this_machine_does_not_have_are_refused():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(AmpStudioError, match="cuda:0 is not available here"):
        check_devices(["cuda:0", "cuda:1"])
    with pytest.raises(AmpStudioError, match="not a device"):
        check_devices(["tpu"])
    assert check_devices(["cpu", "cpu"]) == ["cpu", "cpu"]
