"""The install: every package is in pyproject's list, and the resources travel inside the wheel."""

from __future__ import annotations

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
    assert found | {"amp_studio.resources"} == listed


def test_resources_are_found_through_the_package():
    for parts in (("icons", "amp-studio.svg"), ("icons", "amp-studio-256.png"), ("style.qss",),
                  ("amp-studio.desktop",), ("icons", "actions", "start.svg")):
        assert resource_path(*parts).is_file(), parts


@pytest.mark.slow
def test_the_wheel_carries_the_resources(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(REPO)], check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob("amp_studio-*.whl"))).namelist()
    for name in ("amp_studio/resources/icons/amp-studio.svg", "amp_studio/resources/icons/amp-studio-48.png",
                 "amp_studio/resources/amp-studio.desktop", "amp_studio/resources/style.qss",
                 "amp_studio/resources/icons/actions/open-model.svg", "amp_studio/gui/main_window.py"):
        assert name in names, name
