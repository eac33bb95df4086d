"""The install: every package is in pyproject's list, and the resources travel inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from amp_studio.desktop_integration import resource_path

REPO = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_for_the_install():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "amp_studio").rglob("__init__.py")}
    assert found | {"amp_studio.resources", "amp_studio.data"} == listed


def test_resources_are_found_through_the_package():
    for parts in (("icons", "amp-studio.svg"), ("icons", "amp-studio-256.png"), ("style.qss",),
                  ("amp-studio.desktop",), ("icons", "actions", "start.svg")):
        assert resource_path(*parts).is_file(), parts


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True)
    return next(out.glob("amp_studio-*.whl"))


@pytest.mark.slow
def test_the_wheel_carries_the_resources_and_the_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("amp_studio/resources/icons/amp-studio.svg", "amp_studio/resources/icons/amp-studio-48.png",
                 "amp_studio/resources/amp-studio.desktop", "amp_studio/resources/style.qss",
                 "amp_studio/resources/icons/actions/open-model.svg", "amp_studio/gui/main_window.py",
                 "amp_studio/data/assets/humanoid/humanoid.xml", "amp_studio/data/motions/walk_keyframed.pkl",
                 "amp_studio/data/envs/amp_humanoid_env.yaml", "amp_studio/data/engines/mujoco_engine.yaml",
                 "amp_studio/data/agents/amp_humanoid_agent.yaml", "amp_studio/data/models/amp_humanoid_walk_model.pt"):
        assert name in names, name


INSTALLED_CHECK = """
import sys
from pathlib import Path
import amp_studio
from amp_studio.config_loading import resolve_path
from amp_studio.envs import make_env_from_files
from amp_studio.envs.env_config import load_env_config
from amp_studio.runs.run_arguments import build_run_parser
target = Path(sys.argv[1]).resolve()
assert Path(amp_studio.__file__).resolve().is_relative_to(target), amp_studio.__file__
args = build_run_parser().parse_args(["--mode", "test"])
_, config, _ = load_env_config(args.env_config)
for name in (args.env_config, args.engine_config, args.agent_config, resolve_path(config.motion_file),
             resolve_path(config.char_file)):
    assert Path(name).resolve().is_relative_to(target / "amp_studio" / "data"), name
env = make_env_from_files(args.env_config, args.engine_config, num_envs=2, seed=0)
assert env.num_envs == 2 and env.motion_lib.clips[0].num_frames > 1
"""


@pytest.mark.slow
def test_the_installed_wheel_loads_the_default_config_and_clip(wheel, tmp_path):
    """Installed apart from this checkout and run from elsewhere, the package finds its own data: the defaults'
    config names files as `data/...`, which resolve inside the installed package."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-c", INSTALLED_CHECK, str(target)], cwd=elsewhere, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(target)})
    assert done.returncode == 0, done.stderr[-3000:]
