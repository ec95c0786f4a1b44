"""A document: one described thing (or the ontology, shapes, dataset) before serialization."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.research.citation import Citation


def _no_html(lang: str) -> str:
    raise LookupError("this document has no HTML rendering yet")


@dataclass
class Document:
    """What every format serializes: triples (or quads) plus an HTML renderer.

    ``key`` is the document's path under the base without suffix (``doc/actor/china``,
    ``ontology``); ``formats`` lists the format names offered, the first being the default
    for ``Accept: */*``; ``context`` and ``context_url`` are the JSON-LD context it is compacted
    against and where that is published (none for a document offered only as HTML and plain
    JSON). ``render_html(lang)`` is set once the page's renderer,
    which reads the document, exists.
    """

    key: str
    triples: list[ox.Triple]
    formats: tuple[str, ...]
    context: dict | None = None
    context_url: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    quads: list[ox.Quad] | None = None
    topic: str | None = None
    render_html: Callable[[str], str] = _no_html
    #: For a document offered as plain JSON (format ``json``): its content as a JSON value.
    render_json: Callable[[], object] | None = None
    #: ``Link`` header values (RFC 8288) beyond the alternates: a page's neighbours, a graph's
    #: description.
    links: tuple[str, ...] = ()
    #: The citation of a citable thing (claim, event, source document), which the citation
    #: formats and the page's ``citation_*`` meta tags write; None for anything else.
    citation: Citation | None = None

    def dataset_quads(self) -> list[ox.Quad]:
        """Quads for N-Quads/TriG: named graphs if any, else the triples in the default graph."""
        if self.quads is not None:
            return self.quads
        default = ox.DefaultGraph()
        return [ox.Quad(t.subject, t.predicate, t.object, default) for t in self.triples]


LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def used_prefixes(triples: list[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes some IRI in ``triples`` uses, leaving out any whose local names would
    need escaping in Turtle (the slash in ``id:actor/china``)."""
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    kept = {}
    for prefix, namespace in prefixes.items():
        locals_ = [iri[len(namespace) :] for iri in iris if iri.startswith(namespace)]
        locals_ = [name for name in locals_ if name]
        if locals_ and all(LOCAL_NAME.fullmatch(name) for name in locals_):
            kept[prefix] = namespace
    return kept
