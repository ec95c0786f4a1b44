"""Every incoming link of a thing, page by page: ``{base}doc/{kind}/{slug}/incoming/{n}``.

A description holds at most ``incoming_cap`` incoming links (triples naming the thing as object)
and, when there are more, an ``rdfs:seeAlso`` to page 1 of this list (:mod:`server.publish.
describe`). Each page is a document like the others (negotiated RDF and HTML): ``incoming_cap``
links in the description's order (so page 1 repeats the description's), each in the named graph
holding it for N-Quads and TriG, the labels of the things they come from, and Hydra Core paging
(Hydra Core Vocabulary §5.3 "Collections", ``hydra:PartialCollectionView`` with ``hydra:first``,
``hydra:previous``, ``hydra:next``, ``hydra:last``) of the collection ``{doc}/incoming``, whose
``hydra:totalItems`` counts the links. The ``Link`` header carries the same as the RFC 8288
relations ``first``, ``prev``, ``next`` and ``last``. A crawler follows ``hydra:next`` (or
``rel="next"``) from page 1 until a page has none.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Namespace
from rdflib.namespace import RDF, XSD

from graph.store import Store
from server.publish.describe import incoming_links, incoming_page_iri, label_quads

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
#: The key of a page: ``doc/{kind}/{slug}/incoming/{n}``, n from 1, written without leading zeros.
PAGE_KEY = re.compile(r"(doc/[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*)/incoming/([1-9][0-9]{0,8})")


def page_key(thing_key: str, number: int) -> str:
    return f"{thing_key}/incoming/{number}"


def page_count(total: int, size: int) -> int:
    """Pages of ``size`` links for ``total`` links; one (empty) page when there are none."""
    return max(1, math.ceil(total / max(1, size)))


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@dataclass
class IncomingPage:
    """Page ``number`` of ``pages`` of the incoming links of ``topic``."""

    topic: str
    document_iri: str
    number: int
    pages: int
    total: int
    incoming: list[ox.Triple] = field(default_factory=list)
    labels: list[ox.Triple] = field(default_factory=list)
    meta: list[ox.Triple] = field(default_factory=list)
    quads: list[ox.Quad] = field(default_factory=list)

    @property
    def triples(self) -> list[ox.Triple]:
        return self.incoming + self.labels + self.meta

    @property
    def collection(self) -> str:
        return f"{self.document_iri}/incoming"

    def page(self, number: int) -> str:
        return incoming_page_iri(self.document_iri, number)

    def neighbours(self) -> dict[str, int]:
        """The RFC 8288 relation → page number of the pages this one links to."""
        found = {"first": 1, "last": self.pages}
        if self.number > 1:
            found["prev"] = self.number - 1
        if self.number < self.pages:
            found["next"] = self.number + 1
        return found

    def link_values(self) -> tuple[str, ...]:
        """``Link`` header values for the neighbouring pages and the thing's description."""
        links = [f'<{self.page(n)}>; rel="{rel}"' for rel, n in self.neighbours().items()]
        links.append(f'<{self.document_iri}>; rel="up"')
        return tuple(links)


def _paging(page: IncomingPage) -> list[ox.Triple]:
    """The Hydra description of the collection and of this page (a partial view of it)."""
    collection, here = ox.NamedNode(page.collection), ox.NamedNode(page.page(page.number))
    total = ox.Literal(str(page.total), datatype=_n(XSD.nonNegativeInteger))
    out = [
        ox.Triple(collection, _n(RDF.type), _n(HYDRA.Collection)),
        ox.Triple(collection, _n(HYDRA.totalItems), total),
        ox.Triple(collection, _n(HYDRA.view), here),
        ox.Triple(here, _n(RDF.type), _n(HYDRA.PartialCollectionView)),
    ]
    names = {"first": HYDRA.first, "last": HYDRA.last, "prev": HYDRA.previous, "next": HYDRA.next}
    for rel, number in page.neighbours().items():
        out.append(ox.Triple(here, _n(names[rel]), ox.NamedNode(page.page(number))))
    return out


def incoming_page(
    store: Store,
    data_graphs,
    label_graphs,
    topic: str,
    document_iri: str,
    number: int,
    size: int,
) -> IncomingPage | None:
    """Page ``number`` of the incoming links of ``topic`` (``size`` a page), or None past the
    last page."""
    data_graphs, label_graphs = frozenset(data_graphs), frozenset(label_graphs)
    ordered, quads = incoming_links(store, data_graphs, topic)
    size = max(1, size)
    pages = page_count(len(ordered), size)
    if not 1 <= number <= pages:
        return None
    page = IncomingPage(topic, document_iri, number, pages, len(ordered))
    page.incoming = ordered[(number - 1) * size : number * size]
    kept = set(page.incoming)
    chosen = {quad for quad in quads if quad.triple in kept}
    for subject in sorted(
        {t.subject.value for t in page.incoming if isinstance(t.subject, ox.NamedNode)}
    ):
        found = label_quads(store, label_graphs, ox.NamedNode(subject))
        page.labels += sorted({q.triple for q in found} - kept, key=str)
        chosen.update(found)
    page.meta = _paging(page)
    default = ox.DefaultGraph()
    chosen.update(ox.Quad(t.subject, t.predicate, t.object, default) for t in page.meta)
    page.quads = sorted(chosen, key=lambda q: (str(q.graph_name), str(q.triple)))
    return page


def total(store: Store, data_graphs, topic: str) -> int:
    """How many incoming links ``topic`` has."""
    return len(incoming_links(store, frozenset(data_graphs), topic)[0])
