"""The typed core type-checks: mypy, as configured in pyproject.toml ([tool.mypy]: the
publication, rendering, the SPARQL endpoint and the store seam), finds no error.

Run here rather than as a separate CI step so that the one test command keeps it clean; the
command it runs is the one a maintainer types (``.venv/bin/mypy``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_error_in_the_typed_packages(tmp_path):
    pytest.importorskip("mypy", reason="mypy is a test dependency: pip install -e '.[test]'")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
