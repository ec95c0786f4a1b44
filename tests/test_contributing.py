"""CONTRIBUTING.md's module map stays complete: every module of the packages has its line, and
every path the map names exists (so a moved or deleted module fails here by name)."""

from __future__ import annotations

import re

from helpers import ROOT

PACKAGES = ("ontology", "shapes", "graph", "server", "bench")
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
MAP = re.search(r"^## Module map\n(.*?)(?=^## )", TEXT, re.M | re.S).group(1)
#: Repository paths in backquotes (a URL path starts with "/", a file name alone has no "/").
NAMED = {t for t in re.findall(r"`([^`\s]+)`", MAP) if "/" in t and not t.startswith(("/", "{"))}


def test_every_module_has_a_line_in_the_map():
    modules = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    assert len(modules) > 80
    missing = [module for module in modules if module not in NAMED]
    assert not missing, f"modules missing from CONTRIBUTING.md's module map: {missing}"


def test_every_path_in_the_map_exists():
    assert len(NAMED) > 80
    gone = [name for name in sorted(NAMED) if not (ROOT / name).exists()]
    assert not gone, f"CONTRIBUTING.md's module map names paths that do not exist: {gone}"


def test_every_path_the_guide_names_exists():
    """Outside the map too: the data flow and the how-tos name real files."""
    named = {t for t in re.findall(r"`([\w./-]+/[\w.-]+\.(?:py|toml|md|tsv|txt))`", TEXT)}
    named |= set(re.findall(r"\]\(([^)#:]+)\)", TEXT))
    gone = [name for name in sorted(named) if not (ROOT / name).exists()]
    assert not gone, gone
