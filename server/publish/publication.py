"""The publication: the store, its indexes and the documents' representations.

DESIGN.md § Data flow: the server reads only the store plus small precomputed indexes. The
setting ``precompute`` decides when representations are rendered: at startup for a corpus of at
most :data:`AUTO_LIMIT` things (``auto``) or whenever it is ``true``, so that a request costs a
lookup; otherwise on first request, into a least-recently-used cache of at most ``cache_size``
bytes (:class:`server.publish.cache.ByteLRU`). Precomputing a corpus larger than :data:`AUTO_LIMIT`
packs the bodies compressed (:class:`server.publish.cache.Packed`), with the cache in front of them.
Either way a representation's ETag is the digest of its uncompressed body, so it is the same
whether the body was precomputed, unpacked or rendered on demand.
"""

from __future__ import annotations

import gc
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import current_app

import graph
from graph.store import Store
from server.publish import documents, indexes
from server.publish.cache import ENTRY_OVERHEAD, ByteLRU, Packed, train
from server.publish.dates import DateIndex
from server.publish.dumps import Dump
from server.publish.labels import LabelIndex
from server.publish.releases import Releases
from server.publish.store import open_store
from server.render.document import Document
from server.render.formats import BY_NAME, Format
from server.render.languages import LANGUAGES
from server.settings import Settings
from shapes import Validation

EXTENSION = "policygraph"

#: ``precompute = auto`` renders everything at startup up to this many things. A thing's seven
#: representations (five formats, HTML in three languages) cost ~7 ms to render and ~47 KB
#: (synthetic corpus, 100k triples), so 2,000 things take ~15 s and ~95 MB per process; past
#: that, rendering on demand into a bounded cache starts faster and holds only what is used.
AUTO_LIMIT = 2000
#: Things sampled (evenly over the key order) to train the preset dictionaries when packing.
DICTIONARY_SAMPLE = 48


@dataclass(frozen=True)
class Representation:
    """One serialized document in one format (and language, for HTML).

    ``etag`` is the BLAKE2b-128 digest of ``body`` in hex (RFC 9110 §8.8.3: a strong validator
    of the bytes sent). ``answers`` memoizes the WSGI fast path's (headers, body) pairs, by
    whether the response is negotiated, so that they live and die with the representation.
    """

    body: bytes
    content_type: str
    etag: str
    content_location: str
    links: str
    answers: dict = field(default_factory=dict, compare=False, repr=False)


def digest(body: bytes) -> bytes:
    """The ETag of a body, as 16 raw bytes (its hex form is the header value)."""
    return hashlib.blake2b(body, digest_size=16).digest()


@cache
def slots(formats: tuple[str, ...]) -> dict[tuple[str, str | None], int]:
    """(format, language) → position, for every representation of a document in ``formats``."""
    pairs = [
        (name, lang)
        for name in formats
        for lang in (LANGUAGES if BY_NAME[name].per_language else (None,))
    ]
    return {pair: position for position, pair in enumerate(pairs)}


@dataclass
class Publication:
    """Everything a request needs, read-only after :func:`build` (the caches aside).

    ``documents`` (:class:`server.publish.documents.Documents`, empty until the publication is
    built): a thing's document is described on first access. ``representations`` holds rendered
    representations: all of them when precomputed (no eviction), else at most the setting
    ``cache_size`` bytes of them.
    """

    base: str
    store: Store
    data_graphs: tuple[ox.NamedNode, ...]
    ontology_graph: ox.NamedNode
    shapes_graph: ox.NamedNode
    labels: LabelIndex
    validation: Validation
    settings: Settings
    things: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    documents: documents.Documents = field(init=False)
    representations: ByteLRU = field(init=False)
    packed: Packed | None = field(default=None, init=False)
    dumps: list[Dump] = field(default_factory=list)
    fixed: dict[str, Representation] = field(default_factory=dict)
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    #: When the data last changed (:meth:`server.publish.releases.Releases.data_modified`): the
    #: ``dcterms:modified`` and ``Last-Modified`` of everything served; set with the dataset's
    #: documents, the start time until then.
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    #: The releases served under ``{base}release/`` (setting ``releases_dir``).
    releases: Releases = field(default_factory=lambda: Releases("", []))
    date_index: DateIndex | None = None  # of the embedded store
    #: The data union alone, for queries that read only the default graph (setting
    #: ``sparql_union_store``); None: they read ``store``'s default graph.
    union_store: Store | None = None
    #: The key of the indexes saved beside an on-disk store (:mod:`server.publish.indexes`), else
    #: None.
    indexes_key: bytes | None = None
    indexes_restored: bool = False

    def __post_init__(self) -> None:
        self.representations = ByteLRU(self.settings.cache_size)
        self.documents = documents.Documents(self)

    @cached_property
    def graph_iris(self) -> tuple[str, ...]:
        """Every graph a query may name, in order: the data graphs, the ontology, the shapes."""
        vocabulary = (self.ontology_graph.value, self.shapes_graph.value)
        return tuple(g.value for g in self.data_graphs) + vocabulary

    @cached_property
    def graph_iri_set(self) -> frozenset[str]:
        """:attr:`graph_iris` as a set, made once (thousands of graphs at scale)."""
        return frozenset(self.graph_iris)

    @property
    def label_graphs(self) -> tuple[ox.NamedNode, ...]:
        return self.data_graphs + (self.ontology_graph,)

    @property
    def precomputes(self) -> bool:
        """Whether every representation is rendered at startup (setting ``precompute``)."""
        setting = self.settings.precompute
        if setting == "auto":
            return len(self.things) <= AUTO_LIMIT
        return bool(setting)

    def rendering(self) -> str:
        """How documents are served, for the startup log."""
        if not self.precomputes:
            return (
                f"documents rendered on first request, cached up to "
                f"{self.settings.cache_size or 0:,} bytes per worker"
            )
        if self.packed is not None:
            return "every representation precomputed, packed with zlib"
        return f"{len(self.representations):,} representations precomputed"

    def doc_url(self, key: str, suffix: str | None = None) -> str:
        return f"{self.base}{key}" + (f".{suffix}" if suffix else "")

    def cached(self, key: str, fmt: Format, lang: str | None) -> Representation | None:
        """The representation if it is at hand (cached or precomputed raw), else None."""
        return self.representations.get((key, fmt.name, lang if fmt.per_language else None))

    def representation(self, key: str, fmt: Format, lang: str | None) -> Representation:
        """From the cache; else unpacked from the precomputed store; else rendered now.

        Not precomputed, a thing is described (:mod:`server.publish.describe`) only here, on a miss.
        """
        cache_key = (key, fmt.name, lang if fmt.per_language else None)
        found = self.representations.get(cache_key)
        if found is None:
            if self.packed is not None:
                found = self._unpack(key, fmt, cache_key[2])
            if found is None:
                found = self.render(self.documents[key], fmt, cache_key[2])
            self.representations.put(cache_key, found, len(found.body) + ENTRY_OVERHEAD)
        return found

    def render(self, document: Document, fmt: Format, lang: str | None) -> Representation:
        body = fmt.serialize(document, lang)
        return self._representation(
            document.key, document.formats, fmt, body, digest(body), document.links
        )

    def _representation(self, key, formats, fmt: Format, body: bytes, etag: bytes, links=()):
        return Representation(
            body=body,
            content_type=fmt.content_type,
            etag=etag.hex(),
            content_location=self.doc_url(key, fmt.suffix),
            links=self.link_header(key, formats, links),
        )

    def _unpack(self, key: str, fmt: Format, lang: str | None) -> Representation | None:
        formats = self.documents.formats(key)
        if self.packed is None or not formats:
            return None
        slot = slots(tuple(formats)).get((fmt.name, lang))
        found = None if slot is None else self.packed.unpack(key, slot, fmt.name)
        return None if found is None else self._representation(key, formats, fmt, *found)

    def add_fixed(self, name: str, body: bytes, content_type: str) -> None:
        """A resource with one representation (context, sitemap, robots.txt), hashed once."""
        etag = digest(body).hex()
        self.fixed[name] = Representation(body, content_type, etag, f"{self.base}{name}", "")

    def link_header(self, key: str, formats: tuple[str, ...], extra=()) -> str:
        """RFC 8288 ``Link`` alternates for every format offered, plus the JSON-LD context and
        the document's ``extra`` links."""
        parts = [
            f'<{self.doc_url(key, BY_NAME[name].suffix)}>; rel="alternate"; '
            f'type="{BY_NAME[name].media_type}"'
            for name in formats
        ]
        if "jsonld" in formats:
            parts.append(f'<{self.base}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"')
        return ", ".join(parts + list(extra))

    def precompute(self, pack: bool | None = None) -> int:
        """Render every document in every format (HTML in every language); return how many.

        Up to :data:`AUTO_LIMIT` things (or with ``pack=False``) the representations are kept
        as rendered. Past it (or with ``pack=True``) they are packed: compressed with a preset
        dictionary per format trained on a sample of the things
        (:func:`server.publish.cache.train`), and no description is kept once its
        representations are packed (but the documents' few recent ones); the named graphs'
        documents are left to be rendered on demand.
        """
        keys = list(self.documents)
        if not (len(self.things) > AUTO_LIMIT if pack is None else pack):
            self.representations = ByteLRU(None)
            for key in keys:
                for name, lang in slots(tuple(self.documents.formats(key) or ())):
                    self.representation(key, BY_NAME[name], lang)
            return len(self.representations)
        things = list(self.things.values())
        sample = things[:: max(1, len(things) // DICTIONARY_SAMPLE)][:DICTIONARY_SAMPLE]
        rendered = {key: self._render_all(key) for key in sample}
        by_format: dict[str, list[bytes]] = {}
        for parts in rendered.values():
            for name, body, _ in parts:
                by_format.setdefault(name, []).append(body)
        self.packed = Packed({name: train(bodies) for name, bodies in by_format.items()})
        count = 0
        # A named graph's document is the graph itself, as large as the data over all graphs:
        # rendered on demand into the cache, not packed.
        for key in (key for key in keys if not self.documents.is_graph(key)):
            parts = rendered.pop(key) if key in rendered else self._render_all(key)
            self.packed.pack(key, parts)
            count += len(parts)
        return count

    def _render_all(self, key: str) -> list[tuple[str, bytes, bytes]]:
        """(format name, body, digest) of every representation of ``key``, in slot order."""
        document = self.documents[key]
        parts = []
        for name, lang in slots(tuple(document.formats)):
            body = BY_NAME[name].serialize(document, lang)
            parts.append((name, body, digest(body)))
        return parts


def publication() -> Publication:
    """The publication of the current app (for views)."""
    return current_app.extensions[EXTENSION]


def build(
    settings: Settings, store: Store | None = None, validation: Validation | None = None
) -> Publication:
    """Load the data and build every index and document (never at import, never per request).

    ``store`` and ``validation``: a store opened already (:func:`server.publish.store.open_store`)
    and its report, else the setting ``store`` says which to open. On an on-disk store, the
    indexes saved beside it (:mod:`server.publish.indexes`) are read instead of computed when
    they are still those of this store, these settings and this code.
    """
    base = settings.base
    if store is None or validation is None:
        store, validation = open_store(settings)
    ontology_graph = graph.graph_name(base, graph.ONTOLOGY_GRAPH)
    shapes_graph = graph.graph_name(base, graph.SHAPES_GRAPH)
    reserved = {str(ontology_graph), str(shapes_graph)}
    data_graphs = tuple(
        sorted(
            (
                g
                for g in store.named_graphs()
                if isinstance(g, ox.NamedNode)
                and g.value.startswith(f"{base}graph/")
                and g.value not in reserved
            ),
            key=lambda g: g.value,
        )
    )
    path = store.folder
    indexes_key = indexes.key(path, settings) if path is not None and path.is_dir() else None
    saved = indexes.read(path, indexes_key) if path is not None and indexes_key else None
    pub = Publication(
        base=base,
        store=store,
        data_graphs=data_graphs,
        ontology_graph=ox.NamedNode(str(ontology_graph)),
        shapes_graph=ox.NamedNode(str(shapes_graph)),
        labels=LabelIndex({}, {}),
        validation=validation,
        settings=settings,
        indexes_key=indexes_key,
        releases=Releases.load(settings),
    )
    if saved is not None:
        _restore(pub, saved)
        documents.add_dataset_documents(pub)
    else:
        _compute_indexes(pub)
    if settings.sparql_union_store:
        pub.union_store = store.union_alone()
    gc.collect()
    return pub


def _compute_indexes(pub: Publication) -> None:
    """Labels, things, counts, dumps, the date index and the dataset-level documents."""
    store = pub.store
    # Work done in the engine (the date index, the dumps) overlaps with work done in Python
    # (labels, documents) on a second core; every thread is joined before workers fork.
    with ThreadPoolExecutor(2, thread_name_prefix="policygraph-build") as pool:
        # An engine without an index on literal values gets one for date ranges.
        dates = None if store.indexes_values else pool.submit(DateIndex.from_store, store)
        # The union once (not each data graph's copy again), plus the vocabulary's labels.
        graphs = (
            [ox.DefaultGraph(), pub.ontology_graph, pub.shapes_graph]
            if store.default_graph == "data"
            else None
        )
        pub.labels = LabelIndex.from_store(store, graphs)
        documents.populate(pub, pool)
        pub.date_index = dates.result() if dates is not None else None


#: The fixed resources saved with the indexes: the home page in each language.
SAVED_FIXED = "home:"


def save_indexes(pub: Publication) -> bool:
    """Keep what :func:`build` computed beside the on-disk store (:mod:`server.publish.indexes`),
    once the fixed resources are rendered; True if written."""
    if pub.indexes_key is None or pub.indexes_restored:
        return False
    content = {
        "loaded_at": pub.loaded_at.isoformat(),
        "labels": pub.labels.labels,
        "alt": pub.labels.alt,
        "things": pub.things,
        "counts": pub.counts,
        "dates": None if pub.date_index is None else (pub.date_index.plain, pub.date_index.odd),
        "dumps": [
            (d.name, str(d.path), d.media_type, d.size, d.sha256, d.description, _mtime(d.path))
            for d in pub.dumps
        ],
        "fixed": {
            name: (rep.body, rep.content_type)
            for name, rep in pub.fixed.items()
            if name.startswith(SAVED_FIXED)
        },
    }
    path = pub.store.folder
    if path is None:
        return False
    return indexes.write(path, pub.settings, pub.indexes_key, content)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def _unchanged(dump: Dump, mtime: int) -> bool:
    """Whether a dump file and its ``.sha256`` are still there, as they were written."""
    try:
        stat = dump.path.stat()
    except OSError:
        return False
    checksum = dump.path.with_name(dump.checksum_name)
    return (stat.st_size, stat.st_mtime_ns) == (dump.size, mtime) and checksum.is_file()


def _restore(pub: Publication, saved: dict) -> None:
    """Fill ``pub`` from saved indexes; dumps that were moved or changed are written again."""
    pub.indexes_restored = True
    pub.loaded_at = datetime.fromisoformat(saved["loaded_at"])
    pub.labels = LabelIndex(saved["labels"], saved["alt"])
    pub.things = saved["things"]
    pub.counts = saved["counts"]
    if saved["dates"] is not None:
        pub.date_index = DateIndex(*saved["dates"])
    written = [
        (Dump(name, Path(path), media_type, size, sha256, description), mtime)
        for name, path, media_type, size, sha256, description, mtime in saved["dumps"]
    ]
    pub.dumps = [dump for dump, _ in written]
    if not all(_unchanged(dump, mtime) for dump, mtime in written):
        pub.dumps = documents.write_dumps(pub)
    for name, (body, content_type) in saved["fixed"].items():
        pub.add_fixed(name, body, content_type)
