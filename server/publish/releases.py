"""The releases the server publishes read-only (issue 20 §1, §2), and when the data changed.

The releases are those of the setting ``releases_dir`` (:mod:`graph.release.folder`) made for
this deployment's base; others are logged and left out. Each is known at startup by its
``release.json`` and the things its data names (read from its N-Quads dump), so that a current
document can link to its versions and a TimeMap list them without loading a store. A release's
data is loaded into an in-memory store only when one of its documents is first asked for; at
most :data:`STORES` such stores are kept per worker (least recently used out first), and
rendered representations share a byte-bounded cache.

Every document of release ``v`` has the IRI ``{base}release/{v}/{key}`` (``…/doc/{kind}/{slug}``
for a thing), described from the frozen data exactly as ``{base}{key}`` is from the working
data; it is a Memento (RFC 7089 §2.1) of ``{base}{key}``, whose datetime is the release's issue
time. :meth:`Releases.data_modified` is the time the published data last changed: the latest
release's issue time when the working data is that release's (same dump bytes), else the newest
modification time of the source files; never the start time, so two starts on the same data
publish the same ``dcterms:modified`` and the same ETags.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, XSD

import graph
import ontology
from graph import discovery
from graph.release import folder
from graph.release.folder import Release
from graph.store import EmbeddedStore
from graph.store.embedded import memory_store
from server.publish.cache import ENTRY_OVERHEAD, ByteLRU
from server.publish.describe import describe
from server.publish.documents import thing_key
from server.render import html
from server.render.document import Document, used_prefixes
from server.render.formats import RESOURCE_FORMATS
from server.render.jsonld import context_document
from server.settings import Settings

if TYPE_CHECKING:
    from server.publish.publication import Publication, Representation

log = logging.getLogger(__name__)

#: Release stores kept in memory per worker.
STORES = 4
#: Bytes of rendered release representations kept per worker.
CACHE_BYTES = 64 << 20
#: Incoming links shown in a release document (a release has no paged incoming links).
RELEASE_INCOMING_CAP = 10_000
NQUADS = "policygraph.nq.gz"
LINK_FORMAT = "application/link-format"


def http_date(moment: datetime) -> str:
    """RFC 9110 §5.6.7 IMF-fixdate, as Memento-Datetime and ``datetime`` attributes use it."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass(frozen=True)
class Served:
    """One release as the server knows it: its record and the things its data names."""

    release: Release
    things: frozenset[str]
    data_graphs: tuple[ox.NamedNode, ...]


def _read(release: Release, base: str) -> Served:
    """The things (``{base}id/…`` IRIs, fragment-less, that have a document) and data graphs
    of a release, from its N-Quads dump, whose SHA-256 must be the one the release recorded
    (a release whose data changed is never served)."""
    vocabulary = set(graph.vocabulary_graph_names(base))
    recorded = release.file(NQUADS)
    raw = (release.path / NQUADS).read_bytes()
    if recorded is None or hashlib.sha256(raw).hexdigest() != recorded.sha256:
        raise ValueError(f"{NQUADS} is not the file the release recorded (SHA-256 differs)")
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
        quads = ox.parse(handle.read(), ox.RdfFormat.N_QUADS)
        things, graphs = set(), set()
        for quad in quads:
            name = quad.graph_name
            if not isinstance(name, ox.NamedNode) or name.value in vocabulary:
                continue
            graphs.add(name.value)
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode) and thing_key(base, term.value):
                    things.add(term.value.split("#", 1)[0])
    data_graphs = tuple(ox.NamedNode(g) for g in sorted(graphs))
    return Served(release, frozenset(things), data_graphs)


class Releases:
    """The releases of this deployment, oldest first (module docstring)."""

    def __init__(self, base: str, served: list[Served]):
        self.base = base
        self.served = served
        self._by_version = {item.release.version: item for item in served}
        self._stores: OrderedDict[str, EmbeddedStore] = OrderedDict()
        self._lock = threading.Lock()
        self.representations = ByteLRU(CACHE_BYTES)

    @classmethod
    def load(cls, settings: Settings) -> Releases:
        """The releases in ``settings.releases_dir`` made for ``settings.base``."""
        served = []
        for release in folder.releases(settings.releases_dir):
            if release.base != settings.base:
                log.warning(
                    "release %s in %s is of the base %s, not %s: not served",
                    release.version,
                    release.path,
                    release.base,
                    settings.base,
                )
                continue
            try:
                served.append(_read(release, settings.base))
            except (OSError, EOFError, ValueError, SyntaxError) as error:
                log.error(
                    "release %s in %s is not served: %s", release.version, release.path, error
                )
        return cls(settings.base, served)

    def __bool__(self) -> bool:
        return bool(self.served)

    @property
    def latest(self) -> Release | None:
        return self.served[-1].release if self.served else None

    def get(self, version: str) -> Served | None:
        return self._by_version.get(version)

    def mementos(self, key: str) -> list[Release]:
        """The releases holding the document ``key`` (``doc/{kind}/{slug}``), oldest first."""
        if not key.startswith("doc/"):
            return []
        iri = f"{self.base}id/{key[4:]}"
        return [item.release for item in self.served if iri in item.things]

    def store(self, version: str) -> EmbeddedStore:
        """Release ``version``'s data in an in-memory store, loaded on first use."""
        with self._lock:
            found = self._stores.get(version)
            if found is not None:
                self._stores.move_to_end(version)
                return found
        served = self._by_version[version]
        with gzip.open(served.release.path / NQUADS, "rb") as handle:
            nquads = handle.read()
        vocabulary = graph.vocabulary_graph_names(self.base)
        store = EmbeddedStore(memory_store(nquads, vocabulary, union=True), union=True)
        with self._lock:
            self._stores[version] = store
            while len(self._stores) > STORES:
                self._stores.popitem(last=False)
        return store

    def current(self, pub: Publication) -> Release | None:
        """The latest release when the published data is exactly it (its N-Quads dump has the
        same SHA-256 as the release's), else None: the working data is no release."""
        latest = self.latest
        dump = next((d for d in pub.dumps if d.name == NQUADS), None)
        if latest is not None and dump is not None:
            frozen = latest.file(NQUADS)
            if frozen is not None and frozen.sha256 == dump.sha256:
                return latest
        return None

    def data_modified(self, pub: Publication) -> datetime:
        """When the published data last changed (module docstring); the start time only for an
        external store with no release of its data."""
        current = self.current(pub)
        if current is not None:
            return current.issued
        if pub.settings.store.startswith("sparql:"):  # no sources here to look at
            return pub.loaded_at
        return sources_modified(pub.settings) or pub.loaded_at

    # -- links between the current documents and their versions (RFC 7089 §2.2) ---------------

    def timemap_url(self, key: str) -> str:
        return f"{self.base}timemap/{key}"

    def memento_url(self, release: Release, key: str) -> str:
        return f"{release.iri()}{key}"

    def original_links(self, key: str) -> tuple[str, ...]:
        """``Link`` values of the current document ``key`` (RFC 7089 §2.2.1, Pattern 1.1: it is
        its own TimeGate): original and timegate, its TimeMap, its first and last mementos.
        None when no release holds it."""
        found = self.mementos(key)
        if not found:
            return ()
        links = [
            f'<{self.base}{key}>; rel="original timegate"',
            f'<{self.timemap_url(key)}>; rel="timemap"; type="{LINK_FORMAT}"',
        ]
        ends = [(found[0], "first memento"), (found[-1], "last memento")]
        if len(found) == 1:
            ends = [(found[0], "first last memento")]
        for release, rel in ends:
            links.append(
                f'<{self.memento_url(release, key)}>; rel="{rel}"; '
                f'datetime="{http_date(release.issued)}"'
            )
        return tuple(links)

    def memento_links(self, release: Release, key: str) -> tuple[str, ...]:
        """``Link`` values of a memento (RFC 7089 §2.2.1): its original (which is also its
        TimeGate) and the TimeMap."""
        return (
            f'<{self.base}{key}>; rel="original timegate"',
            f'<{self.timemap_url(key)}>; rel="timemap"; type="{LINK_FORMAT}"',
        )

    def version_triples(self, key: str) -> list[ox.Triple]:
        """``<{base}{key}> dcterms:hasVersion <{release}{key}>`` for each release holding it."""
        document = ox.NamedNode(f"{self.base}{key}")
        return [
            ox.Triple(document, ox.NamedNode(str(DCTERMS.hasVersion)), ox.NamedNode(url))
            for url in (self.memento_url(r, key) for r in self.mementos(key))
        ]

    def select(self, key: str, moment: datetime) -> Release | None:
        """The memento of ``key`` in force at ``moment``: the latest release issued at or before
        it; before the first release, the first (RFC 7089 §4.1.1: the TimeGate redirects to
        the Memento that best meets the requested datetime); None when no release holds it."""
        found = self.mementos(key)
        if not found:
            return None
        chosen = found[0]
        for release in found:
            if release.issued <= moment:
                chosen = release
        return chosen

    def timemap(self, key: str) -> bytes:
        """The TimeMap of ``key`` in ``application/link-format`` (RFC 7089 §5.1.1, RFC 6690)."""
        found = self.mementos(key)
        original = f"{self.base}{key}"
        entries = [
            f'<{original}>;rel="original"',
            f'<{self.timemap_url(key)}>;rel="self";type="{LINK_FORMAT}"'
            f';from="{http_date(found[0].issued)}";until="{http_date(found[-1].issued)}"',
            f'<{original}>;rel="timegate"',
        ]
        for index, release in enumerate(found):
            rel = ["memento"]
            if index == 0:
                rel.insert(0, "first")
            if index == len(found) - 1:
                rel.insert(-1, "last")
            entries.append(
                f'<{self.memento_url(release, key)}>;rel="{" ".join(rel)}"'
                f';datetime="{http_date(release.issued)}"'
            )
        return (",\n".join(entries) + "\n").encode("utf-8")

    # -- the documents of a release ------------------------------------------------------------

    def document(self, pub: Publication, version: str, key: str) -> Document | None:
        """Release ``version``'s document ``key``: a thing's (``doc/…``), a named graph's
        (``graph/…``), the vocabulary's (``ontology``, ``shapes``), the release's own
        description (``""``), or None."""
        served = self.get(version)
        if served is None:
            return None
        if key == "":
            return self._description(pub, served)
        if key.startswith("graph/") or key in ("ontology", "shapes"):
            return self._graph(pub, served, key)
        iri = f"{self.base}id/{key[4:]}" if key.startswith("doc/") else None
        if iri is None or iri not in served.things or thing_key(self.base, iri) != key:
            return None
        store = self.store(version)
        doc_key = f"release/{version}/{key}"
        label_graphs = served.data_graphs + (pub.ontology_graph,)
        description = describe(
            store, served.data_graphs, label_graphs, iri, RELEASE_INCOMING_CAP, pub.doc_url(doc_key)
        )
        document = _document(pub, doc_key, description.triples, iri)
        document.quads = description.quads
        document.links = self.memento_links(served.release, key)
        document.render_html = partial(html.render_resource, pub, document, description)
        return document

    def _graph(self, pub: Publication, served: Served, key: str) -> Document | None:
        """A named graph of the release (``graph/{slug}``), or its vocabulary (``ontology``,
        ``shapes``): every triple of it, the N-Quads and TriG naming the graph."""
        name = f"{self.base}{key}" if key.startswith("graph/") else f"{self.base}graph/{key}"
        wanted = ox.NamedNode(name)
        if key.startswith("graph/") and wanted not in served.data_graphs:
            return None
        store = self.store(served.release.version)
        quads = sorted(store.quads_for_pattern(None, None, None, wanted), key=str)
        triples = sorted({q.triple for q in quads}, key=str)
        doc_key = f"release/{served.release.version}/{key}"
        document = _document(pub, doc_key, triples, name)
        document.quads = quads
        document.links = (f'<{self.base}{key}>; rel="original"',)
        title = f"{key} in release {served.release.version}"
        document.render_html = lambda lang: html.render_generic(pub, document, title, lang)
        return document

    def _description(self, pub: Publication, served: Served) -> Document:
        """The release's VoID/DCAT description, its changelog (RDF) and links to its files."""
        release = served.release
        triples = []
        for name in (folder.DESCRIPTION_FILE, folder.CHANGELOG_TURTLE):
            triples += [
                t for t in ox.parse((release.path / name).read_bytes(), ox.RdfFormat.TURTLE)
            ]
        iri = ox.NamedNode(release.iri())
        for name in (folder.CHANGELOG_MARKDOWN, folder.SUMS_FILE):
            triples.append(ox.Triple(iri, _n(RDFS.seeAlso), ox.NamedNode(release.iri() + name)))
        triples = sorted(set(triples), key=str)
        key = f"release/{release.version}/"
        document = _document(pub, key, triples, release.iri())
        title = f"Release {release.version}"
        document.render_html = lambda lang: html.render_generic(pub, document, title, lang)
        return document

    def catalog(self, pub: Publication) -> Document:
        """``{base}release/``: a DCAT catalog of the releases, newest first."""
        catalog = ox.NamedNode(f"{self.base}release/")
        triples = [
            ox.Triple(catalog, _n(RDF.type), _n(DCAT.Catalog)),
            ox.Triple(
                catalog, _n(DCTERMS.title), ox.Literal("policygraph releases", language="en")
            ),
            ox.Triple(catalog, _n(DCTERMS.isVersionOf), ox.NamedNode(f"{self.base}dataset")),
        ]
        for item in reversed(self.served):
            release = item.release
            node = ox.NamedNode(release.iri())
            stamp = release.issued.isoformat().replace("+00:00", "Z")
            triples += [
                ox.Triple(catalog, _n(DCAT.dataset), node),
                ox.Triple(node, _n(RDF.type), _n(DCAT.Dataset)),
                ox.Triple(node, ox.NamedNode(f"{DCAT}version"), ox.Literal(release.version)),
                ox.Triple(node, _n(DCTERMS.issued), ox.Literal(stamp, datatype=_n(XSD.dateTime))),
            ]
            if release.previous:
                previous = ox.NamedNode(folder.release_iri(self.base, release.previous))
                triples.append(ox.Triple(node, _n(PROV.wasRevisionOf), previous))
        document = _document(pub, "release/", sorted(triples, key=str), f"{self.base}release/")
        document.render_html = lambda lang: html.render_generic(pub, document, "Releases", lang)
        return document

    def representation(self, pub: Publication, document: Document, fmt, lang) -> Representation:
        """A release document rendered, from the cache when it was before (a release never
        changes, so neither do its renderings)."""
        cache_key = (document.key, fmt.name, lang if fmt.per_language else None)
        found = self.representations.get(cache_key)
        if found is None:
            found = pub.render(document, fmt, cache_key[2])
            self.representations.put(cache_key, found, len(found.body) + ENTRY_OVERHEAD)
        return found


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _document(pub: Publication, key: str, triples: list[ox.Triple], topic: str) -> Document:
    return Document(
        key=key,
        triples=triples,
        formats=RESOURCE_FORMATS,
        prefixes=used_prefixes(triples, ontology.prefixes(pub.base)),
        topic=topic,
        context=context_document(pub.base),
        context_url=f"{pub.base}context.jsonld",
    )


def sources_modified(settings: Settings) -> datetime | None:
    """The newest modification time of the files of the sources ``settings`` name (their
    Turtle and text), or None when they cannot be found."""
    paths = [Path(p) for p in settings.data] or graph.bundled_sources()
    try:
        sources = discovery.find_sources(paths)
        times = [
            path.stat().st_mtime
            for source in sources
            for path in (sorted(source.folder.iterdir()) if source.whole else list(source.files))
            if path.is_file() and not path.name.startswith(".")
        ]
    except (discovery.SourceError, OSError):
        return None
    if not times:
        return None
    return datetime.fromtimestamp(int(max(times)), UTC)
