"""README's test command is what CI runs."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```bash\n")[1:3]]
    assert len(blocks) == 2 and "pytest" in blocks[1]
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert blocks[1] in ci_lines


def test_the_onnxruntime_snippet_runs_without_torch_or_the_project(tmp_path):
    """README's "Running the ONNX policy with onnxruntime alone", run as written next to an exported walk.onnx."""
    import subprocess
    import sys

    from amp_studio import DATA_DIR
    from amp_studio.runs.onnx_export import export_onnx

    readme = (REPO / "README.md").read_text()
    after = readme.split("Running the ONNX policy with onnxruntime alone", 1)[1]
    snippet = after.split("```python\n", 1)[1].split("```", 1)[0]
    export_onnx(DATA_DIR / "models" / "amp_humanoid_walk_model.pt", tmp_path / "walk.onnx")
    check = '\nassert "torch" not in sys.modules and "amp_studio" not in sys.modules, "imported the project"\n'
    done = subprocess.run([sys.executable, "-c", snippet + "import sys" + check], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(1, 28)" in done.stdout
