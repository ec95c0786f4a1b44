"""Triple and Quad Pattern Fragments at ``/fragments``, checked against the LDF specifications.

The app publishes tests/data/tiny with three quads a page, so paging is exercised on every
pattern. Responses are parsed with rdflib; the expected quads come from pyoxigraph's own
pattern index (``quads_for_pattern``), not from the SPARQL query the fragments are read with.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from helpers import BASE, PREFLIGHT, TINY
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD

from server.app import create_app
from server.publish import fragments

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PAGE_SIZE = 3
MAX_PAGE = 200
DEFAULT_GRAPH = f"{BASE}sparql#default-graph"
DATA_GRAPH = f"{BASE}graph/north-korea-opportunity"
CHINA = f"{BASE}id/actor/china"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
QUAD_TYPES = ("application/trig", "application/n-quads", "application/ld+json")
TRIPLE_TYPES = ("text/turtle", "application/n-triples")
PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "application/ld+json": "json-ld",
}


@pytest.fixture(scope="module")
def fragments_app(tmp_path_factory):
    return create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path_factory.mktemp("dumps")),
            "fragments_page_size": PAGE_SIZE,
            "fragments_max_page": MAX_PAGE,
        }
    )


@pytest.fixture()
def http(fragments_app):
    return fragments_app.test_client()


@pytest.fixture(scope="module")
def store(fragments_app):
    return fragments_app.extensions["policygraph"].store


def url(**params: str) -> str:
    """A fragment's URL as a client fills in the template (RFC 6570 form-style query)."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())
    return f"/fragments?{query}" if query else "/fragments"


def parse(response) -> Dataset:
    media_type = response.headers["Content-Type"].split(";")[0]
    dataset = Dataset()
    dataset.parse(data=response.data, format=PARSERS[media_type], publicID=BASE)
    return dataset


def metadata_graph(dataset: Dataset, page: str) -> Graph:
    """The graph whose ``foaf:primaryTopic`` is the fragment a page belongs to (QPF §Metadata)."""
    for context in dataset.graphs():
        for graph_name, _, topic in context.triples((None, FOAF.primaryTopic, None)):
            if graph_name == context.identifier and (topic, HYDRA.view, URIRef(page)) in context:
                return context
    raise AssertionError(f"no metadata graph names the fragment of {page}")


def crawl(http, start: str, accept: str = "application/n-quads"):
    """Every page from ``start`` by ``hydra:next``: (data quads, totals stated, pages)."""
    quads, totals, page, seen = [], set(), BASE + start.lstrip("/"), set()
    while page:
        assert page not in seen, f"hydra:next loops back to {page}"
        seen.add(page)
        response = http.get(page[len(BASE) - 1 :], headers={"Accept": accept})
        assert response.status_code == 200, response.data
        dataset = parse(response)
        meta = metadata_graph(dataset, page)
        totals.add(int(meta.value(URIRef(page), HYDRA.totalItems)))
        quads += [q for q in _quads(dataset) if q[3] != meta.identifier]
        following = meta.value(URIRef(page), HYDRA.next)
        page = str(following) if following is not None else None
    return quads, totals, len(seen)


def _quads(dataset: Dataset) -> list[tuple]:
    """(subject, predicate, object, graph name or None for the default graph), rdflib terms."""
    out = []
    for context in dataset.graphs():
        name = (
            None if context.identifier == dataset.default_graph.identifier else context.identifier
        )
        out += [(*triple, name) for triple in context]
    return out


def expected(store, s=None, p=None, o=None, graph=None) -> list[tuple]:
    """The matching quads from pyoxigraph's pattern index (graph: None for every named graph,
    ``ox.DefaultGraph()`` for the union of the data graphs), as :func:`_quads` gives them."""
    found = [
        quad
        for quad in store.quads_for_pattern(s, p, o, graph)
        if graph is not None or not isinstance(quad.graph_name, ox.DefaultGraph)
    ]
    dataset = Dataset()
    dataset.parse(data=ox.serialize(found, format=ox.RdfFormat.N_QUADS) or b"", format="nquads")
    return _quads(dataset)


PATTERNS = [
    pytest.param({"graph": DEFAULT_GRAPH}, {"graph": ox.DefaultGraph()}, id="default-graph"),
    pytest.param(
        {"predicate": str(RDF.type), "graph": DEFAULT_GRAPH},
        {"p": ox.NamedNode(str(RDF.type)), "graph": ox.DefaultGraph()},
        id="predicate",
    ),
    pytest.param({"subject": CHINA}, {"s": ox.NamedNode(CHINA)}, id="subject-any-graph"),
    pytest.param({"graph": DATA_GRAPH}, {"graph": ox.NamedNode(DATA_GRAPH)}, id="named-graph"),
    pytest.param({"object": '"China"@en'}, {"o": ox.Literal("China", language="en")}, id="literal"),
    pytest.param(
        {"object": f'"2013-01-25"^^{XSD.date}', "graph": DEFAULT_GRAPH},
        {
            "o": ox.Literal("2013-01-25", datatype=ox.NamedNode(str(XSD.date))),
            "graph": ox.DefaultGraph(),
        },
        id="typed-literal",
    ),
]


@pytest.mark.parametrize("params, pattern", PATTERNS)
def test_paging_reproduces_exactly_the_matching_quads(http, store, params, pattern):
    """TPF §Paging: following hydra:next from the first page yields every matching quad once,
    and every page states the same total, exactly the number of matches (TPF §Metadata)."""
    quads, totals, pages = crawl(http, url(**params))
    wanted = expected(store, **pattern)
    assert wanted, "the pattern matches nothing: the test would prove nothing"
    assert sorted(quads, key=repr) == sorted(wanted, key=repr)
    assert totals == {len(wanted)}
    assert pages == max(1, -(-len(wanted) // PAGE_SIZE))


def test_a_count_stops_one_past_its_cap(store):
    """Store.pattern_count reads at most cap + 1 matches: more than the cap is "more"."""
    pattern = (None, None, None, ox.DefaultGraph())
    total = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert total > 10
    assert store.pattern_count(pattern, cap=10) == 11
    assert store.pattern_count(pattern, cap=total) == total
    assert len(store.pattern_page(pattern, offset=total - 2, limit=10)) == 2


def test_without_a_graph_a_pattern_matches_in_the_named_graphs(http, fragments_app):
    """QPF §Hypermedia controls: no graph parameter is a wildcard over the named graphs (the
    default graph, their union, is not repeated); every quad is served in its graph."""
    page = BASE + url(subject=CHINA)[1:]
    dataset = parse(http.get(page[len(BASE) - 1 :], headers={"Accept": "application/n-quads"}))
    meta = metadata_graph(dataset, page)
    graphs = {q[3] for q in _quads(dataset) if q[3] != meta.identifier}
    assert URIRef(DATA_GRAPH) in graphs and None not in graphs
    published = fragments_app.extensions["policygraph"].graph_iris
    assert {str(g) for g in graphs} <= set(published)


def test_past_the_count_cap_the_total_is_a_lower_bound_never_zero(http, monkeypatch):
    """TPF §Metadata: an estimate, not zero for a non-empty fragment; here with the cap at 5
    (the pattern is not one the VoID counts give): at least the quads up to the page and one
    more, and exact on the last page."""
    monkeypatch.setattr(fragments, "COUNT_CAP", 5)
    first = BASE + url(subject=CHINA)[1:]
    graph = Graph().parse(
        data=http.get(first[len(BASE) - 1 :], headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    assert int(graph.value(URIRef(first), HYDRA.totalItems)) == 6
    assert "estimate" in str(graph.value(URIRef(first), DCTERMS.description))
    quads, totals, _ = crawl(http, url(subject=CHINA))
    assert len(quads) > 6 and min(totals) == 6 and max(totals) == len(quads)


def test_a_cors_preflight_is_answered(http):
    response = http.options(url(subject=CHINA), headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("accept", QUAD_TYPES)
def test_quad_formats_keep_data_in_the_default_graph_and_metadata_apart(http, accept):
    """TPF §Document type: with named graphs, the data goes in the default graph and the
    metadata and controls in another graph, related to the fragment by foaf:primaryTopic."""
    page = url(predicate=str(RDF.type), graph=DEFAULT_GRAPH)
    response = http.get(page, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    dataset = parse(response)
    meta = metadata_graph(dataset, BASE + page[1:])
    data = dataset.default_graph
    assert len(data) == PAGE_SIZE
    assert all(p == RDF.type for _, p, _ in data)
    assert not list(meta.triples((None, RDF.type, URIRef(f"{BASE}ontology#Actor"))))
    assert (URIRef(BASE + page[1:]), HYDRA.next, None) in meta


@pytest.mark.parametrize("accept", TRIPLE_TYPES)
def test_triple_formats_carry_data_and_metadata_in_one_graph(http, accept):
    page = BASE + url(predicate=str(RDF.type), graph=DEFAULT_GRAPH)[1:]
    response = http.get(page[len(BASE) - 1 :], headers={"Accept": accept})
    graph = Graph().parse(data=response.data, format=PARSERS[accept])
    assert int(graph.value(URIRef(page), VOID.triples)) > PAGE_SIZE
    assert len(list(graph.triples((None, RDF.type, None)))) >= PAGE_SIZE


def test_every_page_holds_the_search_form(http):
    """TPF §Hypermedia controls with QPF's graph mapping: a form on the dataset, a template with
    the four parameters, ExplicitRepresentation, and the dataset's default graph."""
    page = BASE + url(subject=CHINA, page="2")[1:]
    dataset = parse(http.get(page[len(BASE) - 1 :], headers={"Accept": "application/trig"}))
    meta = metadata_graph(dataset, page)
    ds = URIRef(f"{BASE}dataset")
    form = meta.value(ds, HYDRA.search)
    assert form is not None
    assert str(meta.value(form, HYDRA.template)) == (
        f"{BASE}fragments{{?subject,predicate,object,graph}}"
    )
    assert meta.value(form, HYDRA.variableRepresentation) == HYDRA.ExplicitRepresentation
    mappings = {
        str(meta.value(m, HYDRA.variable)): meta.value(m, HYDRA.property)
        for m in meta.objects(form, HYDRA.mapping)
    }
    assert mappings == {
        "subject": RDF.subject,
        "predicate": RDF.predicate,
        "object": RDF.object,
        "graph": SD.graph,
    }
    assert meta.value(ds, SD.defaultGraph) == URIRef(DEFAULT_GRAPH)
    fragment = URIRef(BASE + url(subject=CHINA)[1:])
    assert (ds, VOID.subset, URIRef(page)) in meta
    assert (fragment, VOID.subset, URIRef(page)) in meta
    assert (URIRef(page), HYDRA.previous, fragment) in meta
    assert (URIRef(page), HYDRA.first, fragment) in meta
    assert meta.value(URIRef(page), HYDRA.itemsPerPage) == Literal(PAGE_SIZE, datatype=XSD.integer)
    assert meta.value(fragment, VOID.triples) == meta.value(URIRef(page), HYDRA.totalItems)


def test_the_metadata_names_the_page_as_requested(http):
    """TPF §Paging (and the Server.js reading): the page's IRI is the URL the client asked for,
    parameters in its order; the links it makes are canonical."""
    asked = f"/fragments?page=2&subject={quote(CHINA, safe='')}"
    dataset = parse(http.get(asked, headers={"Accept": "application/trig"}))
    meta = metadata_graph(dataset, BASE + asked[1:])
    assert meta.value(URIRef(BASE + asked[1:]), HYDRA.next) == URIRef(
        BASE + url(subject=CHINA, page="3")[1:]
    )


def test_an_empty_fragment_answers_with_its_controls_and_zero(http):
    """TPF §Metadata: no match, an estimate of zero; the form is still there."""
    page = BASE + url(subject=f"{BASE}id/actor/nobody")[1:]
    response = http.get(page[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert graph.value(URIRef(page), HYDRA.totalItems) == Literal(0, datatype=XSD.integer)
    assert graph.value(URIRef(f"{BASE}dataset"), HYDRA.search) is not None
    assert graph.value(URIRef(page), HYDRA.next) is None


def test_a_graph_outside_the_dataset_is_an_empty_fragment(http):
    page = BASE + url(graph="http://example.org/elsewhere")[1:]
    response = http.get(page[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert graph.value(URIRef(page), HYDRA.totalItems) == Literal(0, datatype=XSD.integer)
    assert not list(graph.triples((URIRef(CHINA), None, None)))


@pytest.mark.parametrize(
    "params, words",
    [
        ({"subject": '"China"'}, "subject must be an IRI"),
        ({"predicate": '"x"@en'}, "predicate must be an IRI"),
        ({"subject": "china"}, "not an absolute IRI"),
        ({"subject": "http://exa mple.org/"}, "not an absolute IRI"),
        ({"object": '"unterminated'}, "not a literal"),
        ({"object": '"x"@not a tag'}, "not a literal"),
        ({"object": '"1"^^integer'}, "not a valid literal"),
        ({"object": "_:b0"}, "blank node"),
        ({"graph": '"g"'}, "graph must be an IRI"),
        ({"page": "0"}, "not a page number"),
        ({"page": "two"}, "not a page number"),
        ({"page": str(MAX_PAGE + 1)}, "deepest page served"),
    ],
)
def test_bad_selectors_are_400_in_the_error_shape(http, params, words):
    response = http.get(url(**params), headers={"Accept": "text/turtle, application/json;q=0.5"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and words in error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_past_the_deepest_page_the_next_link_leads_to_a_refusal(tmp_path):
    """Pages past ``fragments_max_page`` are refused, never silently left out: the last page
    served still links to the next, which answers 400 saying how to reach those triples."""
    shallow = create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path),
            "fragments_page_size": PAGE_SIZE,
            "fragments_max_page": 2,
        }
    ).test_client()
    last = BASE + url(graph=DEFAULT_GRAPH, page="2")[1:]
    graph = Graph().parse(
        data=shallow.get(last[len(BASE) - 1 :], headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    following = graph.value(URIRef(last), HYDRA.next)
    assert following is not None
    refused = shallow.get(str(following)[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert refused.status_code == 400
    assert "narrow the pattern" in refused.get_json()["error"]["message"]


def test_a_repeated_parameter_is_400(http):
    response = http.get(f"/fragments?subject={quote(CHINA)}&subject={quote(CHINA)}")
    assert response.status_code == 400
    assert "given 2 times" in response.get_json()["error"]["message"]


def test_nothing_acceptable_is_406_listing_what_is_offered(http):
    response = http.get(url(subject=CHINA), headers={"Accept": "image/png"})
    assert response.status_code == 406
    offered = response.get_json()["error"]["offered"]
    assert set(offered) >= {"text/turtle", "application/trig", "application/ld+json"}


def test_revalidation_answers_304_and_cors_exposes_the_validators(http):
    page = url(subject=CHINA)
    headers = {"Accept": "text/turtle", "Origin": "https://example.org"}
    first = http.get(page, headers=headers)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    exposed = first.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed
    assert "Accept" in first.headers["Vary"]
    assert "max-age" in first.headers["Cache-Control"]
    again = http.get(page, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    other = http.get(page, headers={"Accept": "application/trig", "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_the_etag_names_the_data_not_the_start(http, tmp_path):
    """An app started later on the same data gives every page the same ETag."""
    later = create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path),
            "fragments_page_size": PAGE_SIZE,
            "fragments_max_page": MAX_PAGE,
        }
    ).test_client()
    for page in (url(subject=CHINA), url(graph=DEFAULT_GRAPH, page="2")):
        one = http.get(page, headers={"Accept": "text/turtle"})
        two = later.get(page, headers={"Accept": "text/turtle"})
        assert one.headers["ETag"] == two.headers["ETag"]


def test_head_answers_the_headers_without_a_body(http):
    response = http.head(url(subject=CHINA), headers={"Accept": "application/trig"})
    assert response.status_code == 200 and not response.data
    assert response.headers["ETag"] and response.headers["Content-Type"] == "application/trig"


def test_the_html_page_is_a_search_form_with_the_matches(http):
    """The page for people: the form filled in with the pattern, the matches escaped."""
    asked = url(subject=CHINA, predicate="http://schema.org/description")
    response = http.get(asked, headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("subject", "predicate", "object", "graph"):
        assert f'name="{name}"' in page
    assert f'value="{CHINA}"' in page
    assert "tests &lt;escaping&gt; &amp; " in page
    assert "<escaping>" not in page
    switch = (BASE + asked[1:]).replace("&", "&amp;") + "&amp;lang=zh-Hans"
    assert f'href="{switch}"' in page


def test_void_and_the_home_page_advertise_the_fragments(http):
    """The dataset's description carries the search form (TPF §Hypermedia controls: the form
    belongs to the dataset); the home page links the interface."""
    response = http.get("/dataset", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    form = graph.value(URIRef(f"{BASE}dataset"), HYDRA.search)
    assert str(graph.value(form, HYDRA.template)).startswith(f"{BASE}fragments{{?")
    home = http.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'href="{BASE}fragments' in home


def test_with_default_graph_all_the_default_graph_is_what_sparql_reads(tmp_path):
    """Setting ``default_graph = all``: the fragments' default graph is /sparql's, the union of
    every graph (the ontology and shapes included), and the total counts it exactly."""
    every = create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path),
            "default_graph": "all",
            "fragments_page_size": 50,
        }
    ).test_client()
    quads, totals, _ = crawl(every, url(graph=DEFAULT_GRAPH))
    answer = every.get(
        "/sparql",
        query_string={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200
    rows = answer.get_json()["results"]["bindings"]
    assert len(rows) > 200, "the union of every graph should hold the ontology too"
    assert totals == {len(rows)} and len(quads) == len(rows)
    iris = {str(q[0]) for q in quads if not str(q[0]).startswith(f"{BASE}.well-known/genid/")}
    assert f"{BASE}ontology#Claim" in iris
    assert iris == {row["s"]["value"] for row in rows if row["s"]["type"] == "uri"}
    blank = [row for row in rows if row["s"]["type"] == "bnode"]
    skolems = sorted({q[0] for q in quads} - {URIRef(iri) for iri in iris})
    assert blank and len(skolems) == len({row["s"]["value"] for row in blank})
    assert not [q for q in quads if any(isinstance(term, BNode) for term in q)]


def test_a_blank_node_is_served_as_a_skolem_iri_that_names_it_again(http, store):
    """TPF §Data: no blank node in the data, skolem IRIs instead (RDF 1.1 Concepts §3.5); a
    pattern naming one finds what the store holds about the blank node (here a node of an RDF
    list in the shapes)."""
    shapes = f"{BASE}graph/shapes"
    quads, _, _ = crawl(http, url(predicate=str(RDF.first), graph=shapes))
    assert quads and not [q for q in quads if any(isinstance(t, BNode) for t in q[:3])]
    node = quads[0][0]
    assert str(node).startswith(f"{BASE}.well-known/genid/")
    described, totals, _ = crawl(http, url(subject=str(node), graph=shapes))
    label = str(node).rsplit("/", 1)[1]
    wanted = list(store.quads_for_pattern(ox.BlankNode(label), None, None, ox.NamedNode(shapes)))
    assert wanted and totals == {len(wanted)} and len(described) == len(wanted)
    assert sorted(str(q[1]) for q in described) == sorted(q.predicate.value for q in wanted)


def test_a_skolem_iri_dereferences_to_the_fragment_of_its_triples(http, store):
    """A crawler following a skolem IRI gets 303 See Other to the fragment whose subject it is,
    which lists what the store holds about the blank node; a malformed one is 404."""
    quads, _, _ = crawl(http, url(predicate=str(RDF.first), graph=f"{BASE}graph/shapes"))
    node = str(quads[0][0])
    response = http.get(node[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == fragments.fragment_iri(
        http.application.extensions["policygraph"],
        (ox.NamedNode(node), None, None, None),
    )
    page = http.get(
        response.headers["Location"][len(BASE) - 1 :], headers={"Accept": "text/turtle"}
    )
    triples = Graph().parse(data=page.get_data(as_text=True), format="turtle")
    label = node.rsplit("/", 1)[1]
    wanted = list(store.quads_for_pattern(ox.BlankNode(label), None, None, None))
    assert wanted and len(set(triples.triples((URIRef(node), None, None)))) == len(wanted)
    assert http.get("/.well-known/genid/not%20a%20label").status_code == 404
