"""The documents the code points at exist: every `docs/design.md section N` named in the code is a section there."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("amp_studio", "scripts", "tests", "benchmarks") for p in (REPO / folder).rglob("*.py")
           if p.name != "test_docs.py"]


def test_design_sections_named_in_the_code_exist():
    design = (REPO / "docs" / "design.md").read_text()
    sections = set(re.findall(r"^## (\d+)\. ", design, flags=re.MULTILINE))
    named = {(p.relative_to(REPO), n) for p in SOURCES
             for n in re.findall(r"docs/design\.md,?\s+section\s+(\d+)", p.read_text(), flags=re.MULTILINE)}
    assert named, "no code points at docs/design.md"
    assert not [(path, n) for path, n in named if n not in sections], sections


def test_no_code_points_at_a_design_outside_the_repository():
    assert not [p.relative_to(REPO) for p in SOURCES if "DESIGN section" in p.read_text()]
