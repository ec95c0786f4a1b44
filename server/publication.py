"""The publication: the store, indexes and every representation, built once at startup.

DESIGN.md § Data flow: the server reads only the store plus small precomputed indexes; every
document representation is rendered at load (setting ``precompute``), so a request costs a dict
lookup and a cheap ETag comparison.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import current_app

import graph
import graph.store
from server.document import Document
from server.formats import BY_NAME, Format
from server.labels import LANGUAGES, LabelIndex

EXTENSION = "policygraph"
STORE_PREFIX = "oxigraph:"
SPARQL_PREFIX = "sparql:"
REPORT_FILE = ".validation.json"


@dataclass(frozen=True)
class Validation:
    """The SHACL report of the published data, kept for ``{base}validation``."""

    conforms: bool
    turtle: str
    results: list[dict]
    text: str


@dataclass(frozen=True)
class Representation:
    """One serialized document in one format (and language, for HTML)."""

    body: bytes
    content_type: str
    etag: str
    content_location: str
    links: str


@dataclass
class Publication:
    """Everything a request needs, read-only after :func:`build` (the lazy cache aside)."""

    base: str
    store: ox.Store
    data_graphs: tuple[ox.NamedNode, ...]
    ontology_graph: ox.NamedNode
    shapes_graph: ox.NamedNode
    labels: LabelIndex
    validation: Validation
    settings: dict[str, Any]
    things: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    representations: dict[tuple[str, str, str | None], Representation] = field(default_factory=dict)
    dumps: list = field(default_factory=list)
    fixed: dict[str, Representation] = field(default_factory=dict)
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    load_seconds: float = 0.0

    @property
    def label_graphs(self) -> tuple[ox.NamedNode, ...]:
        return self.data_graphs + (self.ontology_graph,)

    def doc_url(self, key: str, suffix: str | None = None) -> str:
        return f"{self.base}{key}" + (f".{suffix}" if suffix else "")

    def representation(self, key: str, fmt: Format, lang: str | None) -> Representation:
        """The precomputed representation (rendered now and cached if precompute is off)."""
        cache_key = (key, fmt.name, lang if fmt.per_language else None)
        found = self.representations.get(cache_key)
        if found is None:
            found = self.render(self.documents[key], fmt, cache_key[2])
            self.representations[cache_key] = found
        return found

    def render(self, document: Document, fmt: Format, lang: str | None) -> Representation:
        body = fmt.serialize(document, lang)
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        return Representation(
            body=body,
            content_type=fmt.content_type,
            etag=digest,
            content_location=self.doc_url(document.key, fmt.suffix),
            links=self.link_header(document),
        )

    def add_fixed(self, name: str, body: bytes, content_type: str) -> None:
        """A resource with one representation (context, sitemap, robots.txt), hashed once."""
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        self.fixed[name] = Representation(body, content_type, digest, f"{self.base}{name}", "")

    def link_header(self, document: Document) -> str:
        """RFC 8288 ``Link`` alternates for every format offered, plus the JSON-LD context."""
        parts = [
            f'<{self.doc_url(document.key, BY_NAME[name].suffix)}>; rel="alternate"; '
            f'type="{BY_NAME[name].media_type}"'
            for name in document.formats
        ]
        if "jsonld" in document.formats:
            parts.append(f'<{self.base}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"')
        return ", ".join(parts)

    def precompute(self) -> int:
        """Render every document in every format (HTML in every language); return how many."""
        for document in self.documents.values():
            for name in document.formats:
                fmt = BY_NAME[name]
                for lang in LANGUAGES if fmt.per_language else (None,):
                    self.representation(document.key, fmt, lang)
        return len(self.representations)


def publication() -> Publication:
    """The publication of the current app (for views)."""
    return current_app.extensions[EXTENSION]


def _store_path(setting: str) -> Path | None:
    if setting == "memory":
        return None
    if setting.startswith(STORE_PREFIX):
        return Path(setting[len(STORE_PREFIX) :])
    raise ValueError(f"unknown store {setting!r}: use 'memory', 'oxigraph:PATH' or 'sparql:URL'")


def _validated_store(base: str, paths, path: Path | None) -> tuple[ox.Store, Validation]:
    """Parse, validate (refusing any Violation) and load the curated data."""
    parsed = graph.parse(base, paths)
    report = graph.validate(parsed, base)
    if not report.conforms:
        raise graph.InvalidData(report)
    validation = Validation(
        True, report.turtle(), [r.as_dict() for r in report.results], report.text
    )
    store = graph.store.build(parsed.dataset, path)
    if path is not None:
        report_file = path.parent / f"{path.name}{REPORT_FILE}"
        staging = report_file.with_name(report_file.name + ".tmp")
        staging.write_text(json.dumps(validation.__dict__, ensure_ascii=False), encoding="utf-8")
        os.replace(staging, report_file)  # never a half-written report after a crash
    return store, validation


def open_store(settings: dict[str, Any], rebuild: bool = False) -> tuple[ox.Store, Validation]:
    """An in-memory store from the sources, or an on-disk one (built if absent, else opened).

    ``rebuild`` (a reload) re-reads the sources even when an on-disk store exists; the new store
    is built offline and swapped in only after the data validated (:mod:`server.reload`).
    """
    if settings["store"].startswith(SPARQL_PREFIX):  # loaded and validated by `policygraph load`
        from server import sparql_remote

        return sparql_remote.open_store(settings)
    base = settings["base"]
    paths = [Path(p) for p in settings.get("data") or []] or None
    path = _store_path(settings["store"])
    if path is not None and path.is_dir() and not rebuild:
        report_file = path.parent / f"{path.name}{REPORT_FILE}"
        if report_file.is_file():
            saved = json.loads(report_file.read_text(encoding="utf-8"))
            store = graph.store.open_read_only(path)
            # A store built for another base holds none of this deployment's IRIs: rebuild it.
            if any(g.value.startswith(f"{base}graph/") for g in store.named_graphs()):
                return store, Validation(**saved)
            del store
    return _validated_store(base, paths, path)


def build(
    settings: dict[str, Any], store: ox.Store | None = None, validation: Validation | None = None
) -> Publication:
    """Load the data and build every index and document (never at import, never per request)."""
    from server import documents  # documents renders pages, which need this module

    started = time.monotonic()
    base = settings["base"]
    if store is None:
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
    pub = Publication(
        base=base,
        store=store,
        data_graphs=data_graphs,
        ontology_graph=ox.NamedNode(str(ontology_graph)),
        shapes_graph=ox.NamedNode(str(shapes_graph)),
        labels=LabelIndex.from_store(store),
        validation=validation,
        settings=dict(settings),
    )
    documents.populate(pub)
    pub.load_seconds = time.monotonic() - started
    gc.collect()
    return pub
