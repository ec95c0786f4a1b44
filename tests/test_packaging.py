"""Packaging and house rules: the wheel works like the checkout; ruff is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_loads_the_graph(tmp_path):
    """The built wheel carries the data: an installed copy loads and validates the graph."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("policygraph-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies come from the test environment's site-packages, added as a plain path:
    # a path line in a .pth file does not run that directory's own .pth hooks (so the
    # editable install of the checkout stays out of the new venv).
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        "import sys, graph, ontology, shapes, server; from pathlib import Path; "
        "assert Path(graph.__file__).is_relative_to(Path(sys.argv[1])), graph.__file__; "
        "print(len(graph.load('http://localhost/')))"
    )
    result = subprocess.run(
        [str(python), "-c", script, site], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 1000
    assert (venv / "bin" / "policygraph").is_file()


@pytest.mark.skipif(
    shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists(),
    reason="ruff is not installed (pip install -e '.[test]')",
)
def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    check = subprocess.run([ruff, "check", "."], cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([ruff, "format", "--check", "."], cwd=REPO, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout
