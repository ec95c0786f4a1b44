"""``policygraph release VERSION``: freeze the validated data as an immutable release folder.

A release ``{releases}/{version}/`` holds the dumps of :data:`DUMPS` (the canonical form of
:mod:`graph.dump`, byte for byte what ``policygraph dump`` writes for the same data), the
changelog since the previous release (:mod:`graph.release.changelog`) as Turtle and Markdown, the
VoID/DCAT description ``release.ttl`` (``dcat:version``, ``dcterms:issued``,
``prov:wasRevisionOf`` the previous release, ``dcterms:conformsTo`` the shapes, each file a
``dcat:Distribution`` with its ``spdx:checksum``), ``release.json`` (the same facts for the
server) and ``SHA256SUMS`` (``sha256sum -c`` checks every other file). Everything is written in a
hidden temporary folder beside the target and renamed into place at the end (POSIX rename is
atomic), so a release is complete or absent, and an existing version is never overwritten.

Issue times are kept strictly increasing at the precision of HTTP dates (one second, RFC 9110
§5.6.7): a release frozen in the same second as the previous one is issued one second after it,
so datetime negotiation (RFC 7089) can always tell releases apart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, cast

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, VOID, XSD

import graph
import ontology
from graph import dump
from graph.release import changelog, folder
from graph.release.folder import Release, ReleaseFile
from ontology import SPDX


class ReleaseError(ValueError):
    """A release that cannot be made (the version exists, another base, a bad version)."""


@dataclass(frozen=True)
class DumpFile:
    """One dump a release holds: file name, :data:`graph.dump.FORMATS` name, gzipped or not,
    media type (of the uncompressed content) and description. Further exports are rows here."""

    name: str
    format: str
    gzip: bool
    media_type: str
    description: str


#: The dumps of every release, in order; the first is the one releases are compared by.
DUMPS: tuple[DumpFile, ...] = (
    DumpFile(
        "policygraph.nq.gz",
        "nq",
        True,
        "application/n-quads",
        "Every named graph (data, content hashes, ontology, shapes) as N-Quads, gzip-compressed.",
    ),
    DumpFile("policygraph.ttl", "ttl", False, "text/turtle", "The union of the data graphs."),
)
#: What the other files are (media type, description).
OTHER_FILES = {
    folder.CHANGELOG_TURTLE: ("text/turtle", "The changes since the previous release (RDF)."),
    folder.CHANGELOG_MARKDOWN: ("text/markdown", "The changes since the previous release."),
}
GZIP = "application/gzip"
#: DCAT 3 ``dcat:version`` (rdflib's DCAT namespace predates it).
DCAT_VERSION = f"{DCAT}version"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _described(path: Path, media_type: str, description: str) -> ReleaseFile:
    return ReleaseFile(path.name, path.stat().st_size, _sha256(path), media_type, description)


def _graphs(quads: list[ox.Quad], base: str) -> tuple[set[str], set[str]]:
    """(data graphs, vocabulary graphs) among the graphs of ``quads``."""
    vocabulary = set(graph.vocabulary_graph_names(base))
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    data = {n for n in names if n.startswith(f"{base}graph/") and n not in vocabulary}
    return data, vocabulary


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def description(release: Release, documented: list[ReleaseFile]) -> bytes:
    """``release.ttl``: the release as a VoID and DCAT 2 dataset (module docstring)."""
    base, iri = release.base, ox.NamedNode(release.iri())
    stamp = release.issued.isoformat().replace("+00:00", "Z")
    out = [
        (iri, _n(RDF.type), _n(VOID.Dataset)),
        (iri, _n(RDF.type), _n(DCAT.Dataset)),
        (iri, _n(DCTERMS.title), ox.Literal(f"policygraph {release.version}", language="en")),
        (iri, _n(DCAT_VERSION), ox.Literal(release.version)),
        (iri, _n(DCTERMS.issued), ox.Literal(stamp, datatype=_n(XSD.dateTime))),
        (iri, _n(DCTERMS.isVersionOf), ox.NamedNode(f"{base}dataset")),
        (iri, _n(DCTERMS.conformsTo), ox.NamedNode(ontology.shapes_iri(base))),
        (iri, _n(VOID.uriSpace), ox.Literal(f"{base}id/")),
        (iri, _n(VOID.triples), ox.Literal(str(release.triples), datatype=_n(XSD.integer))),
        (iri, _n(RDF.type), _n(PROV.Entity)),
    ]
    if release.previous:
        previous = ox.NamedNode(folder.release_iri(base, release.previous))
        out.append((iri, _n(PROV.wasRevisionOf), previous))
    dumps = {d.name for d in DUMPS}
    for item in documented:
        node = ox.NamedNode(f"{release.iri()}{item.name}")
        checksum = ox.NamedNode(f"{release.iri()}{folder.SUMS_FILE}#{item.name}")
        gzipped = item.name.endswith(".gz")
        out += [
            (iri, _n(DCAT.distribution), node),
            (node, _n(RDF.type), _n(DCAT.Distribution)),
            (node, _n(DCAT.downloadURL), node),
            (node, _n(DCAT.mediaType), ox.Literal(item.media_type)),
            (
                node,
                _n(DCAT.byteSize),
                ox.Literal(str(item.size), datatype=_n(XSD.nonNegativeInteger)),
            ),
            (node, _n(DCTERMS.description), ox.Literal(item.description, language="en")),
            (node, _n(SPDX.checksum), checksum),
            (checksum, _n(RDF.type), _n(SPDX.Checksum)),
            (checksum, _n(SPDX.algorithm), _n(SPDX.checksumAlgorithm_sha256)),
            (checksum, _n(SPDX.checksumValue), ox.Literal(item.sha256, datatype=_n(XSD.hexBinary))),
        ]
        if gzipped:
            out.append((node, _n(DCAT.compressFormat), ox.Literal(GZIP)))
        if item.name in dumps:
            out.append((iri, _n(VOID.dataDump), node))
    prefixes = {
        "dcat": str(DCAT),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "rdf": str(RDF),
        "spdx": str(SPDX),
        "void": str(VOID),
        "xsd": str(XSD),
    }
    triples = sorted((ox.Triple(*t) for t in out), key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


def _write_dumps(dataset: Dataset, base: str, staging: Path) -> None:
    store = dump.dataset_store(dataset, base)
    data = [str(g) for g in graph.data_graph_names(dataset, base)]
    handles, outputs = [], {}
    try:
        for item in DUMPS:
            raw = open(staging / item.name, "wb")  # noqa: SIM115 - closed below
            handles.append(raw)
            if item.gzip:
                zipped = dump.gzip_writer(raw)
                handles.insert(len(handles) - 1, zipped)  # closed before its file
                outputs[item.format] = cast(BinaryIO, zipped)
            else:
                outputs[item.format] = raw
        dump.write(dump.store_graphs(store), data, base, outputs)
    finally:
        for handle in handles:
            handle.close()


def freeze(
    dataset: Dataset, base: str, releases_dir: Path | str, version: str, now: datetime | None = None
) -> Release:
    """Write release ``version`` of the validated ``dataset`` into ``releases_dir`` (module
    docstring) and return it; :class:`ReleaseError` if it cannot be made."""
    folder.check_version(version)
    root = Path(releases_dir)
    root.mkdir(parents=True, exist_ok=True)
    target = root / version
    if target.exists():
        raise ReleaseError(f"release {version} exists already ({target}): releases never change")
    existing = folder.releases(root)
    previous = existing[-1] if existing else None
    if previous is not None and previous.base != base:
        raise ReleaseError(
            f"the releases in {root} are of the base {previous.base}, not {base}: give --base"
        )
    issued = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if previous is not None and issued <= previous.issued:
        issued = previous.issued + timedelta(seconds=1)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=root))
    try:
        _write_dumps(dataset, base, staging)
        first = DUMPS[0].name
        new = changelog.read_quads(staging / first)
        old = changelog.read_quads(previous.path / first) if previous is not None else None
        data, vocabulary = _graphs(new + (old or []), base)
        log = changelog.compare(
            old, new, data, vocabulary, version, previous.version if previous else None
        )
        iri = folder.release_iri(base, version)
        previous_iri = previous.iri() if previous is not None else None
        (staging / folder.CHANGELOG_TURTLE).write_bytes(changelog.turtle(log, iri, previous_iri))
        (staging / folder.CHANGELOG_MARKDOWN).write_text(
            changelog.markdown(log, base), encoding="utf-8"
        )
        documented = [_described(staging / d.name, d.media_type, d.description) for d in DUMPS]
        documented += [
            _described(staging / name, media, text) for name, (media, text) in OTHER_FILES.items()
        ]
        data_triples = {q.triple for q in new if q.graph_name.value in data}
        release = Release(
            version,
            target,
            issued,
            previous.version if previous else None,
            base,
            tuple(documented),
            len(data_triples),
        )
        (staging / folder.DESCRIPTION_FILE).write_bytes(description(release, documented))
        described = _described(
            staging / folder.DESCRIPTION_FILE, "text/turtle", "This release (VoID, DCAT)."
        )
        release = dataclasses.replace(release, files=(*documented, described))
        meta = {
            "version": version,
            "issued": issued.isoformat(),
            "previous": release.previous,
            "base": base,
            "triples": release.triples,
            "files": [asdict(item) for item in release.files],
        }
        (staging / folder.META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        names = sorted(p.name for p in staging.iterdir() if p.name != folder.SUMS_FILE)
        sums = "".join(f"{_sha256(staging / name)}  {name}\n" for name in names)
        (staging / folder.SUMS_FILE).write_text(sums, encoding="ascii")
        for path in staging.iterdir():
            path.chmod(0o444)
        staging.chmod(0o755)
        try:
            os.rename(staging, target)  # fails if the version appeared meanwhile
        except OSError:
            raise ReleaseError(f"release {version} exists already ({target})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder.read(target)
