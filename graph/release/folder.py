"""The releases a folder holds: one sub-folder per version, each with its ``release.json``.

A release folder is complete or absent: :mod:`graph.release.freeze` writes it under a hidden
temporary name and renames it into place, so a folder whose name starts with a dot, or that has
no ``release.json``, is not a release (a crash mid-write leaves only such a folder). Releases are
ordered by their issue time (``dcterms:issued``), which :mod:`graph.release.freeze` keeps
strictly increasing, to the second.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

#: A version: a letter or digit, then letters, digits, ``.``, ``_`` or ``-`` (at most 64): safe
#: as a folder name and as an IRI path segment, never ``.`` or ``..``.
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
#: The file that makes a folder a release (written last, before the rename).
META_FILE = "release.json"
#: The checksums of every other file, in ``sha256sum`` format.
SUMS_FILE = "SHA256SUMS"
#: The VoID/DCAT description, the changelog as Turtle and as Markdown.
DESCRIPTION_FILE = "release.ttl"
CHANGELOG_TURTLE = "changelog.ttl"
CHANGELOG_MARKDOWN = "changelog.md"


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release: its name, size, SHA-256, media type and description."""

    name: str
    size: int
    sha256: str
    media_type: str
    description: str


@dataclass(frozen=True)
class Release:
    """One release as its ``release.json`` records it."""

    version: str
    path: Path
    issued: datetime
    previous: str | None
    base: str
    files: tuple[ReleaseFile, ...]
    triples: int

    def iri(self) -> str:
        """``{base}release/{version}/``: the release, and the root of its documents' IRIs."""
        return release_iri(self.base, self.version)

    def file(self, name: str) -> ReleaseFile | None:
        return next((f for f in self.files if f.name == name), None)


def release_iri(base: str, version: str) -> str:
    return f"{base}release/{version}/"


def check_version(version: str) -> str:
    if not VERSION.fullmatch(version) or version in (".", ".."):
        raise ValueError(
            f"not a release version: {version!r} (a letter or digit, then letters, digits, "
            "'.', '_' or '-', at most 64 characters)"
        )
    return version


def read(path: Path) -> Release:
    """The release in folder ``path``; ``ValueError`` if its ``release.json`` is unreadable."""
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        return Release(
            version=meta["version"],
            path=path,
            issued=datetime.fromisoformat(meta["issued"]),
            previous=meta.get("previous"),
            base=meta["base"],
            files=tuple(ReleaseFile(**item) for item in meta["files"]),
            triples=int(meta["triples"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path / META_FILE}: not a release description ({error})") from None


def releases(folder: Path | str | None) -> list[Release]:
    """Every complete release in ``folder`` (none when it does not exist), oldest first; a
    folder whose ``release.json`` cannot be read is logged and left out."""
    if folder is None:
        return []
    root = Path(folder)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        if child.name.startswith(".") or not (child / META_FILE).is_file():
            continue
        if not VERSION.fullmatch(child.name):
            continue
        try:
            release = read(child)
        except ValueError as error:
            log.error("not a release, left out: %s", error)
            continue
        if release.version == child.name:
            found.append(release)
    return sorted(found, key=lambda r: (r.issued, r.version))
