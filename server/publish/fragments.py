"""Triple and Quad Pattern Fragments of the dataset at ``{base}fragments``.

Linked Data Fragments, Triple Pattern Fragments (Hydra CG, TPF) and its Quad Pattern Fragments
extension (QPF). A fragment is every quad of the dataset matching a pattern: subject, predicate,
object and graph, each a constant or a variable (TPF §Document type, QPF §Definition). Its pages
hold :attr:`Settings.fragments_page_size` quads each, in the store's index order; each page
carries the fragment's estimated size (``void:triples``, ``hydra:totalItems``, TPF §Metadata),
the search form that makes the IRI of any other fragment (TPF §Hypermedia controls, with the
graph mapping of QPF §Hypermedia controls) and links to its neighbours (TPF §Paging).

The dataset is the one ``/sparql`` queries: its default graph (``sd:defaultGraph``, the IRI the
SPARQL Service Description gives it, ``{base}sparql#default-graph``) is the union of the data
graphs (setting ``default_graph``), its named graphs the data graphs, the ontology and the shapes.
Without a graph, a pattern matches in every named graph (QPF §Hypermedia controls: an omitted
parameter is a wildcard); ``graph={base}sparql#default-graph`` selects the default graph. The
ontology and shapes hold blank nodes (RDF lists); they are served as skolem IRIs under
``{base}.well-known/genid/`` (RDF 1.1 Concepts §3.5, TPF §Data), which a pattern may name again.

Cost (TPF §Data: pages in a consistent order): a page is one SPARQL query with ``OFFSET`` and
``LIMIT`` (:meth:`graph.store.base.Store.pattern_page`), whose cost grows with the offset, so
pages past :attr:`Settings.fragments_max_page` are refused. The estimate is exact where the
page shows the fragment's end or the dataset's VoID counts give it (the whole default graph, a
predicate, a class, a named graph); otherwise the quads are counted up to :data:`COUNT_CAP`, and
a larger fragment is estimated at its lower bound (TPF §Metadata asks a non-zero estimate for a
non-empty fragment, and the exact count below one page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD

import ontology
from graph.store.base import QuadPattern
from ontology import HYDRA, SD
from server.errors import BadRequest
from server.render.document import Document, used_prefixes

if TYPE_CHECKING:
    from server.publish.publication import Publication

PATH = "fragments"
#: The form's parameters, in the order of the IRI template and of a canonical fragment IRI.
PARAMETERS = ("subject", "predicate", "object", "graph")
PROPERTIES = (RDF.subject, RDF.predicate, RDF.object, SD.graph)
#: Quads counted at most for an estimate (more costs more than any page up to page 100).
COUNT_CAP = 10_000
#: TPF §Controls: a variable is the empty string or ``?`` and one or more word characters.
VARIABLE = re.compile(r"\?\w+")
#: Hydra ExplicitRepresentation: ``"lexical form"``, then ``@language`` or ``^^datatype IRI``.
LITERAL = re.compile(r'"(.*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(.+))?', re.DOTALL)
PAGE = re.compile(r"[1-9][0-9]{0,8}")
#: RDF 1.1 Concepts §3.5: blank nodes are served as skolem IRIs under this path of the base.
GENID = ".well-known/genid/"
#: Characters kept as they are when a request's query string becomes the page's IRI.
URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def _n(node) -> ox.NamedNode:
    return ox.NamedNode(str(node))


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD.integer))


def default_graph_iri(pub: Publication) -> str:
    """The default graph's IRI, as ``{base}sparql``'s Service Description names it."""
    return f"{pub.base}sparql#default-graph"


def dataset_iri(pub: Publication) -> str:
    """The dataset the fragments select from: the VoID dataset at ``{base}dataset``."""
    return f"{pub.base}dataset"


def explicit(term: ox.NamedNode | ox.Literal) -> str:
    """A term in Hydra's ExplicitRepresentation: an IRI as it is, a literal quoted with its
    language or datatype (``"x"@en``, ``"1"^^http://www.w3.org/2001/XMLSchema#integer``)."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if term.language:
        return f'"{term.value}"@{term.language}'
    if term.datatype.value == str(XSD.string):
        return f'"{term.value}"'
    return f'"{term.value}"^^{term.datatype.value}'


def parse_term(text: str, name: str) -> ox.NamedNode | ox.Literal | None:
    """One parameter in ExplicitRepresentation (TPF §Hypermedia controls): None for a variable.

    Raises :class:`BadRequest` for a blank node, a literal anywhere but the object, a literal
    that does not parse (language tag, datatype IRI) and anything that is not an absolute IRI.
    """
    if text == "" or VARIABLE.fullmatch(text):
        return None
    if text.startswith("_:"):
        raise BadRequest(f"The {name} {text!r} is a blank node; a pattern names IRIs and literals.")
    if text.startswith('"'):
        if name != "object":
            raise BadRequest(f"The {name} must be an IRI or a variable, not the literal {text!r}.")
        match = LITERAL.fullmatch(text)
        if match is None:
            raise BadRequest(
                f'The object {text!r} is not a literal: write "text", "text"@lang or '
                f'"text"^^datatype-IRI (Hydra ExplicitRepresentation).'
            )
        value, language, datatype = match.groups()
        try:
            if language:
                return ox.Literal(value, language=language)
            if datatype:
                return ox.Literal(value, datatype=ox.NamedNode(datatype))
            return ox.Literal(value)
        except ValueError as error:
            raise BadRequest(f"The object {text!r} is not a valid literal: {error}.") from None
    try:
        return ox.NamedNode(text)
    except ValueError as error:
        raise BadRequest(f"The {name} {text!r} is not an absolute IRI: {error}.") from None


def skolem(pub: Publication, term):
    """A blank node as its skolem IRI (TPF §Data: data triples hold no blank nodes, since a
    client must name a node again in the next request); any other term as it is."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(f"{pub.base}{GENID}{term.value}")
    return term


def unskolem(pub: Publication, term):
    """A skolem IRI of this dataset as the blank node it stands for; any other term as it is."""
    prefix = f"{pub.base}{GENID}"
    if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
        try:
            return ox.BlankNode(term.value[len(prefix) :])
        except ValueError:
            raise BadRequest(f"{term.value} names no blank node of this dataset.") from None
    return term


@dataclass(frozen=True)
class Selector:
    """A fragment page's request: the quad pattern (graph ``None``: any named graph) and page."""

    pattern: QuadPattern
    page: int


def parse_selector(pub: Publication, args: Mapping[str, list[str]]) -> Selector:
    """The pattern and page a request names (each parameter at most once), or 400."""
    values = {}
    for name in (*PARAMETERS, "page"):
        given = args.get(name, [])
        if len(given) > 1:
            raise BadRequest(f"The parameter {name!r} is given {len(given)} times; give it once.")
        values[name] = given[0] if given else ""
    subject, predicate, object_ = (parse_term(values[name], name) for name in PARAMETERS[:3])
    subject, object_ = unskolem(pub, subject), unskolem(pub, object_)
    named = parse_term(values["graph"], "graph")
    if isinstance(named, ox.Literal):
        raise BadRequest(f"The graph must be an IRI or a variable, not {values['graph']!r}.")
    graph: ox.NamedNode | ox.DefaultGraph | None = named
    if named is not None and named.value == default_graph_iri(pub):
        graph = ox.DefaultGraph()
    page_text = values["page"] or "1"
    if not PAGE.fullmatch(page_text):
        raise BadRequest(f"The page {page_text!r} is not a page number (1, 2, …).")
    page = int(page_text)
    deepest = pub.settings.fragments_max_page
    if page > deepest:
        raise BadRequest(
            f"Page {page} is past the deepest page served ({deepest}): narrow the pattern "
            "(name a subject, predicate, object or graph) to reach these triples."
        )
    # parse_term refuses a literal but in the object; the cast says so to the type checker.
    return Selector(cast(QuadPattern, (subject, predicate, object_, graph)), page)


def fragment_iri(pub: Publication, pattern: QuadPattern, page: int = 1) -> str:
    """The canonical IRI of a fragment (or of one of its pages): the template's expansion."""
    pairs = []
    for name, term in zip(PARAMETERS, pattern, strict=True):
        if isinstance(term, ox.DefaultGraph):
            pairs.append((name, default_graph_iri(pub)))
        elif term is not None:
            pairs.append((name, explicit(skolem(pub, term))))
    if page > 1:
        pairs.append(("page", str(page)))
    query = "&".join(f"{name}={quote(text, safe='')}" for name, text in pairs)
    return f"{pub.base}{PATH}" + (f"?{query}" if query else "")


def page_iri(pub: Publication, query_string: str) -> str:
    """The IRI the client asked for (the metadata's subject, TPF §Paging), its query string as
    sent, with any character an IRI may not hold percent-encoded."""
    query = quote(query_string, safe=URL_SAFE)
    return f"{pub.base}{PATH}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Fragment:
    """One page of a fragment: its data, the fragment's estimated size, and its IRIs."""

    pattern: QuadPattern
    page: int
    quads: list[ox.Quad]
    total: int
    exact: bool
    has_next: bool
    iri: str
    page_iri: str


def select(pub: Publication, selector: Selector, requested: str) -> Fragment:
    """The page ``selector`` names, read with one bounded query (plus a bounded count when
    neither the page nor the dataset's counts tell the fragment's size)."""
    pattern, page = selector.pattern, selector.page
    size = pub.settings.fragments_page_size
    offset = (page - 1) * size
    graph = pattern[3]
    # The store's named graphs are the dataset's (a remote store's scope): no list to send,
    # which pyoxigraph would evaluate graph by graph (5x slower at page 1000, 300 graphs).
    store = (pub.union_store or pub.store) if isinstance(graph, ox.DefaultGraph) else pub.store
    quads: list[ox.Quad] = []
    if graph is None or isinstance(graph, ox.DefaultGraph) or graph.value in pub.graph_iri_set:
        quads = store.pattern_page(pattern, offset=offset, limit=size + 1)
    has_next = len(quads) > size
    quads = [ox.Quad(*(skolem(pub, t) for t in q)) for q in quads[:size]]
    total, exact = _estimate(pub, pattern, store, offset, len(quads), has_next)
    return Fragment(
        pattern=pattern,
        page=page,
        quads=quads,
        total=total,
        exact=exact,
        has_next=has_next,
        iri=fragment_iri(pub, pattern),
        page_iri=requested,
    )


def _estimate(pub, pattern, store, offset, count, has_next) -> tuple[int, bool]:
    """(estimate, exact) of the fragment's size (TPF §Metadata)."""
    if not has_next and (count or offset == 0):
        return offset + count, True
    known = counted(pub, pattern)
    if known is not None:
        return known, True
    graph = pattern[3]
    if isinstance(graph, ox.NamedNode) and graph.value not in pub.graph_iri_set:
        return 0, True
    found = store.pattern_count(pattern, cap=COUNT_CAP)
    if found <= COUNT_CAP:
        return found, True
    return max(found, offset + count + (1 if has_next else 0)), False


def counted(pub: Publication, pattern: QuadPattern) -> int | None:
    """The exact size of a fragment the dataset's VoID counts give (VoID §4.5–§4.6), else None:
    the default graph (when it is the union of the data graphs), one predicate or one class in
    it, or a whole data graph."""
    subject, predicate, object_, graph = pattern
    counts = pub.counts
    if subject is not None or not counts:
        return None
    if isinstance(graph, ox.DefaultGraph) and pub.store.default_graph == "data":
        if predicate is None and object_ is None:
            return counts.get("triples")
        if predicate is not None and object_ is None:
            return counts.get("properties", {}).get(predicate.value, 0)
        if predicate == _n(RDF.type) and isinstance(object_, ox.NamedNode):
            return counts.get("classes", {}).get(object_.value, 0)
    if isinstance(graph, ox.NamedNode) and predicate is None and object_ is None:
        return counts.get("graphs", {}).get(graph.value)
    return None


def pattern_text(pattern: QuadPattern) -> str:
    """The pattern in SPARQL-like syntax, for titles (``?s <…#claimant> ?o``)."""
    parts = [
        f"?{name}" if term is None else str(term)
        for name, term in zip("spo", pattern[:3], strict=True)
    ]
    graph = pattern[3]
    text = " ".join(parts)
    if graph is None:
        return f"GRAPH ?g {{ {text} }}"
    if isinstance(graph, ox.NamedNode):
        return f"GRAPH {graph} {{ {text} }}"
    return f"{{ {text} }}"


def controls(pub: Publication) -> list[ox.Triple]:
    """The dataset's search form (TPF §Hypermedia controls, QPF §Hypermedia controls) and its
    default graph (QPF §Metadata), as VoID and every fragment state them."""
    base = pub.base
    dataset = _n(dataset_iri(pub))
    form = ox.NamedNode(f"{base}{PATH}#search")
    template = f"{base}{PATH}{{?{','.join(PARAMETERS)}}}"
    out = [
        ox.Triple(dataset, _n(RDF.type), _n(VOID.Dataset)),
        ox.Triple(dataset, _n(RDF.type), _n(HYDRA.Collection)),
        ox.Triple(dataset, _n(HYDRA.search), form),
        ox.Triple(form, _n(RDF.type), _n(HYDRA.IriTemplate)),
        ox.Triple(form, _n(HYDRA.template), ox.Literal(template)),
        ox.Triple(form, _n(HYDRA.variableRepresentation), _n(HYDRA.ExplicitRepresentation)),
    ]
    for name, prop in zip(PARAMETERS, PROPERTIES, strict=True):
        mapping = ox.NamedNode(f"{base}{PATH}#{name}")
        out += [
            ox.Triple(form, _n(HYDRA.mapping), mapping),
            ox.Triple(mapping, _n(RDF.type), _n(HYDRA.IriTemplateMapping)),
            ox.Triple(mapping, _n(HYDRA.variable), ox.Literal(name)),
            ox.Triple(mapping, _n(HYDRA.property), _n(prop)),
        ]
    out.append(ox.Triple(dataset, _n(SD.defaultGraph), ox.NamedNode(default_graph_iri(pub))))
    return out


def metadata(pub: Publication, fragment: Fragment) -> list[ox.Triple]:
    """The page's metadata and controls (TPF §Metadata, §Hypermedia controls, §Paging).

    Order matters to streaming clients, so it is fixed: first the subsets (the dataset lists
    the page and the fragment, the fragment the page, last: a client takes the last subject
    naming the page as a subset for the resource the metadata graph is about, and reads the
    dataset's description only after learning that the page is its subset), then the page's
    metadata, then the controls, the default graph last.
    """
    dataset = _n(dataset_iri(pub))
    fragment_node = ox.NamedNode(fragment.iri)
    page = ox.NamedNode(fragment.page_iri)
    size = pub.settings.fragments_page_size
    total = _int(fragment.total)
    described = f"{{ {pattern_text(fragment.pattern)} }}"
    out = [ox.Triple(dataset, _n(VOID.subset), page)]
    if page != fragment_node:
        out.append(ox.Triple(dataset, _n(VOID.subset), fragment_node))
    out += [
        ox.Triple(fragment_node, _n(VOID.subset), page),
        ox.Triple(fragment_node, _n(HYDRA.view), page),
        ox.Triple(fragment_node, _n(RDF.type), _n(HYDRA.Collection)),
        ox.Triple(fragment_node, _n(VOID.triples), total),
        ox.Triple(fragment_node, _n(HYDRA.totalItems), total),
        ox.Triple(page, _n(RDF.type), _n(HYDRA.PartialCollectionView)),
        ox.Triple(
            page,
            _n(DCTERMS.title),
            ox.Literal(f"Fragment {described}, page {fragment.page}", language="en"),
        ),
        ox.Triple(
            page,
            _n(DCTERMS.description),
            ox.Literal(
                f"The quads of the policygraph dataset matching {described}, "
                f"{size} a page" + ("." if fragment.exact else "; the total is an estimate."),
                language="en",
            ),
        ),
        ox.Triple(page, _n(DCTERMS.source), dataset),
        ox.Triple(page, _n(VOID.triples), total),
        ox.Triple(page, _n(HYDRA.totalItems), total),
        ox.Triple(page, _n(HYDRA.itemsPerPage), _int(size)),
        ox.Triple(page, _n(HYDRA.first), ox.NamedNode(fragment.iri)),
    ]
    if fragment.page > 1:
        previous = fragment_iri(pub, fragment.pattern, fragment.page - 1)
        out.append(ox.Triple(page, _n(HYDRA.previous), ox.NamedNode(previous)))
    if fragment.has_next:  # past the deepest page served, the link leads to a 400 that says so
        following = fragment_iri(pub, fragment.pattern, fragment.page + 1)
        out.append(ox.Triple(page, _n(HYDRA.next), ox.NamedNode(following)))
    return out + controls(pub)


PREFIXES = {
    "hydra": str(HYDRA),
    "void": str(VOID),
    "rdf": str(RDF),
    "xsd": str(XSD),
    "foaf": str(FOAF),
    "dcterms": str(DCTERMS),
    "sd": str(SD),
}


def document(pub: Publication, fragment: Fragment) -> Document:
    """The page as a document: for Turtle and N-Triples its data and metadata in one graph,
    for TriG, N-Quads and JSON-LD the data in its graphs (the default graph's in the default
    graph) and the metadata in a graph of its own, ``{page}#metadata``, which states its topic
    (TPF §Document type, QPF §Metadata: ``foaf:primaryTopic``)."""
    meta = metadata(pub, fragment)
    graph = ox.NamedNode(f"{fragment.page_iri}#metadata")
    topic = ox.Quad(graph, _n(FOAF.primaryTopic), ox.NamedNode(fragment.iri), graph)
    data = list(fragment.quads)
    quads = data + [topic] + [ox.Quad(t.subject, t.predicate, t.object, graph) for t in meta]
    triples = [q.triple for q in data] + meta
    prefixes = used_prefixes(triples, {**ontology.prefixes(pub.base), **PREFIXES})
    return Document(
        key=PATH,
        triples=triples,
        formats=(),
        prefixes=prefixes,
        quads=quads,
        topic=fragment.page_iri,
    )
