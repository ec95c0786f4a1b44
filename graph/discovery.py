"""Finding the sources a path means, and the fingerprint of what a store is built from.

A path names sources the way a user expects (issue 15 §2): a *folder of sources* (its
subfolders holding Turtle files are the sources: ``graph/sources``), one *source folder* (it
holds Turtle files itself: ``graph/sources/north-korea-opportunity``), or one Turtle file (a
source of its own, named after its folder). Each source becomes the named graph
``{base}graph/{name}``. A path that names no source is an error saying what was looked for,
never an empty publication; so is a folder holding both Turtle files and source folders (which
did the user mean?), and two different folders of one name (they would merge into one graph).

:func:`fingerprint` is a digest of everything an on-disk store is built from (every file of
every source, the ontology and shapes files, the settings that shape the store), kept beside the
store so that a restart knows when the sources changed (:mod:`server.publish.store`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TURTLE = "*.ttl"
#: Folders that are never sources (caches, version control, hidden folders).
IGNORED = ("__pycache__",)


class SourceError(Exception):
    """A path that names no source, or names them ambiguously (the message says what was looked
    for, and what may have been meant)."""


@dataclass(frozen=True)
class Source:
    """One source: its name (its graph's slug), the folder it lives in, its Turtle files, and
    whether it is that whole folder (else: Turtle files given one by one)."""

    name: str
    folder: Path
    files: tuple[Path, ...]
    whole: bool = True


def _turtle(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob(TURTLE) if path.is_file())


def _subfolders(folder: Path) -> list[Path]:
    return sorted(
        child
        for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith(".") and child.name not in IGNORED
    )


def _sources_in(folder: Path) -> list[Source]:
    """The sources a folder means: itself, or its subfolders (see the module docstring)."""
    own = _turtle(folder)
    inner = [child for child in _subfolders(folder) if _turtle(child)]
    if own and inner:
        names = ", ".join(child.name for child in inner)
        raise SourceError(
            f"{folder} holds Turtle files and source folders ({names}): give the source folders "
            "one by one, or move the Turtle files into a source folder of their own"
        )
    if own:
        return [Source(folder.name, folder, tuple(own))]
    if inner:
        return [Source(child.name, child, tuple(_turtle(child))) for child in inner]
    raise SourceError(_nothing_in(folder))


def _nothing_in(folder: Path) -> str:
    """What was looked for in a folder naming no source, and the folders of sources below it."""
    message = (
        f"no sources in {folder}: looked for Turtle files in it ({folder / TURTLE}: a source "
        f"folder) and in its subfolders ({folder / '*' / TURTLE}: a folder of sources)"
    )
    deeper = sorted(
        {
            turtle.parent.parent
            for child in _subfolders(folder)
            for turtle in child.glob(f"*/{TURTLE}")
        }
    )
    if deeper:
        message += "; folders of sources further down: " + ", ".join(str(d) for d in deeper)
    return message


def find_sources(paths: list[Path]) -> list[Source]:
    """The sources ``paths`` name, in order; raises :class:`SourceError` (see the module
    docstring) and ``FileNotFoundError`` for a path that does not exist."""
    found: dict[str, Source] = {}
    for path in paths:
        if path.is_dir():
            sources = _sources_in(path)
        elif path.is_file():
            sources = [Source(path.parent.name, path.parent, (path,), whole=False)]
        else:
            raise FileNotFoundError(str(path))
        for source in sources:
            known = found.get(source.name)
            if known is None:
                found[source.name] = source
            elif known.folder.resolve() != source.folder.resolve():
                raise SourceError(
                    f"two sources are named {source.name} ({known.folder} and {source.folder}): "
                    "each would be the graph graph/" + source.name
                )
            else:
                files = known.files + tuple(f for f in source.files if f not in known.files)
                whole = known.whole or source.whole
                found[source.name] = Source(known.name, known.folder, files, whole)
    return list(found.values())


def _vocabulary_files() -> list[tuple[str, bytes]]:
    """(name, bytes) of the ontology and shapes files that ship with the packages."""
    out = []
    for package in ("ontology", "shapes"):
        for item in sorted(resources.files(package).iterdir(), key=lambda item: item.name):
            if item.name.endswith((".ttl", ".jsonld")):
                out.append((f"{package}/{item.name}", item.read_bytes()))
    return out


def fingerprint(sources: list[Source], settings: dict[str, str]) -> str:
    """A digest of every file of every source (a source folder's other files too: its text,
    which the anchors are checked against), the ontology and shapes files, and ``settings``
    (those that shape a store: its base, its default graph)."""
    digest = hashlib.blake2b(digest_size=20)

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    for name, value in sorted(settings.items()):
        add(f"setting {name}", value.encode())
    for source in sources:
        files = (
            sorted(p for p in source.folder.iterdir() if p.is_file() and not p.name.startswith("."))
            if source.whole
            else list(source.files)
        )
        for path in files:
            add(f"source {source.name}/{path.name}", path.read_bytes())
    for name, data in _vocabulary_files():
        add(name, data)
    return digest.hexdigest()
