"""Dereferencing and content negotiation: the table of (path, Accept) → status, type, Location."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
B = "http://localhost/"

TABLE = [
    # things: 303 to the generic document, whatever the Accept (Cool URIs §4.3)
    ("/id/actor/china", "text/turtle", 303, None, f"{B}doc/actor/china"),
    ("/id/actor/china", BROWSER, 303, None, f"{B}doc/actor/china"),
    ("/id/actor/china", None, 303, None, f"{B}doc/actor/china"),
    ("/id/actor/no-such-thing", "text/turtle", 404, "application/json", None),
    ("/id/actor/no-such-thing", BROWSER, 404, "text/html", None),
    # documents, negotiated
    ("/doc/actor/china", "text/turtle", 200, "text/turtle", None),
    ("/doc/actor/china", "application/n-triples", 200, "application/n-triples", None),
    ("/doc/actor/china", "application/rdf+xml", 200, "application/rdf+xml", None),
    ("/doc/actor/china", "application/ld+json", 200, "application/ld+json", None),
    ("/doc/actor/china", "application/json", 200, "application/ld+json", None),
    ("/doc/actor/china", "text/html", 200, "text/html", None),
    ("/doc/actor/china", BROWSER, 200, "text/html", None),
    ("/doc/actor/china", "*/*", 200, "text/turtle", None),
    ("/doc/actor/china", None, 200, "text/turtle", None),
    (
        "/doc/actor/china",
        "text/turtle;q=0.5, application/ld+json;q=0.9",
        200,
        "application/ld+json",
        None,
    ),
    ("/doc/actor/china", "application/n-triples;q=0.1, text/html;q=0.2", 200, "text/html", None),
    # documents, suffixes override Accept
    ("/doc/actor/china.ttl", "application/ld+json", 200, "text/turtle", None),
    ("/doc/actor/china.nt", None, 200, "application/n-triples", None),
    ("/doc/actor/china.rdf", None, 200, "application/rdf+xml", None),
    ("/doc/actor/china.jsonld", None, 200, "application/ld+json", None),
    ("/doc/actor/china.html", "text/turtle", 200, "text/html", None),
    ("/doc/actor/china.nq", None, 200, "application/n-quads", None),
    ("/doc/actor/china.trig", "text/turtle", 200, "application/trig", None),
    ("/doc/actor/china.n3", None, 404, "application/json", None),
    ("/doc/actor/china.xyz", None, 404, "application/json", None),
    ("/doc/actor/no-such-thing", BROWSER, 404, "text/html", None),
    ("/doc/actor/no-such-thing.ttl", None, 404, "application/json", None),
    # bad Accept headers → 406 listing what is offered
    ("/doc/actor/china", "image/png", 406, "application/json", None),
    ("/doc/actor/china", "*/*;q=0", 406, "application/json", None),
    ("/doc/actor/china", "application/n-quads", 200, "application/n-quads", None),
    ("/doc/actor/china", "application/trig", 200, "application/trig", None),
    ("/doc/actor/china", "text/n3", 406, "application/json", None),
    ("/doc/actor/china", "garbage", 406, "application/json", None),
    # the vocabulary and the shapes (Recipe 3)
    ("/ontology", "text/turtle", 200, "text/turtle", None),
    ("/ontology", BROWSER, 200, "text/html", None),
    ("/ontology", "application/ld+json", 200, "application/ld+json", None),
    ("/ontology", "application/rdf+xml", 200, "application/rdf+xml", None),
    ("/ontology.ttl", None, 200, "text/turtle", None),
    ("/shapes", "text/turtle", 200, "text/turtle", None),
    ("/shapes", BROWSER, 200, "text/html", None),
    ("/shapes.jsonld", None, 200, "application/ld+json", None),
    ("/context.jsonld", None, 200, "application/ld+json", None),
    # dataset description (VoID, DCAT)
    ("/.well-known/void", "text/turtle", 303, None, f"{B}dataset"),
    ("/dataset", "text/turtle", 200, "text/turtle", None),
    ("/dataset", "application/n-quads", 200, "application/n-quads", None),
    ("/dataset", "application/trig", 200, "application/trig", None),
    ("/dataset", BROWSER, 200, "text/html", None),
    ("/dataset.nq", None, 200, "application/n-quads", None),
    ("/dataset.trig", None, 200, "application/trig", None),
    ("/graph/north-korea-opportunity", "text/turtle", 200, "text/turtle", None),
    ("/graph/no-such-graph", "text/turtle", 404, "application/json", None),
    # dumps and crawler support
    ("/dumps/policygraph.nq.gz", None, 200, "application/gzip", None),
    ("/dumps/policygraph.ttl", None, 200, "text/turtle", None),
    ("/dumps/policygraph.ttl.sha256", None, 200, "text/plain", None),
    ("/dumps/nothing.zip", None, 404, "application/json", None),
    ("/sitemap.xml", None, 200, "application/xml", None),
    ("/robots.txt", None, 200, "text/plain", None),
    ("/validation", BROWSER, 200, "text/html", None),
    ("/validation.ttl", None, 200, "text/turtle", None),
    # pages
    ("/", BROWSER, 200, "text/html", None),
    ("/", None, 200, "text/html", None),
    ("/", "text/turtle", 303, None, f"{B}dataset"),
    ("/", "image/png", 406, "application/json", None),
    ("/search?q=china", BROWSER, 200, "text/html", None),
    ("/search?q=china", "application/json", 200, "application/json", None),
    ("/search?q=china&format=json", BROWSER, 200, "application/json", None),
    ("/no/such/page", BROWSER, 404, "text/html", None),
    ("/no/such/page", "text/plain", 404, "text/plain", None),
]


@pytest.mark.parametrize(("path", "accept", "status", "content_type", "location"), TABLE)
def test_negotiation_table(client, path, accept, status, content_type, location):
    """Each (path, Accept) answers with the status, media type and Location of the table."""
    with client.get(path, headers={"Accept": accept} if accept else {}) as response:
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        if content_type:
            assert response.mimetype == content_type
        if location:
            assert response.headers["Location"] == location


@pytest.mark.parametrize("suffix", ["ttl", "nt", "rdf", "jsonld", "html", "nq", "trig"])
def test_negotiated_response_names_suffix_url(client, suffix):
    """Content-Location names the suffix URL served; Vary: Accept; Link lists every alternate."""
    types = {
        "ttl": "text/turtle",
        "nt": "application/n-triples",
        "rdf": "application/rdf+xml",
        "jsonld": "application/ld+json",
        "html": "text/html",
        "nq": "application/n-quads",
        "trig": "application/trig",
    }
    response = client.get("/doc/actor/china", headers={"Accept": types[suffix]})
    assert response.headers["Content-Location"] == f"{B}doc/actor/china.{suffix}"
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for other in types:
        assert f'<{B}doc/actor/china.{other}>; rel="alternate"' in link
    assert f'<{B}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"' in link


def test_not_acceptable_lists_offered_types(client):
    """406 names every media type the document is offered in (RFC 9110 §15.5.7)."""
    response = client.get("/doc/actor/china", headers={"Accept": "image/png"})
    offered = response.get_json()["error"]["offered"]
    assert offered[0] == "text/turtle"
    assert set(offered) >= {
        "text/html",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "application/n-quads",
        "application/trig",
    }


def test_unknown_thing_page_links_to_search_and_home(client):
    response = client.get("/id/actor/no-such-thing", headers={"Accept": BROWSER})
    text = response.get_data(as_text=True)
    assert f'href="{B}search"' in text and f'href="{B}"' in text


def test_redirect_keeps_query_string(client):
    response = client.get("/id/actor/china?lang=zh-Hans")
    assert response.headers["Location"] == f"{B}doc/actor/china?lang=zh-Hans"


def test_every_thing_dereferences(client, pub):
    """Every thing in the data answers 303 to a document that exists."""
    for iri, key in pub.things.items():
        response = client.get(iri[len(B) - 1 :])
        assert response.status_code == 303, iri
        assert response.headers["Location"] == f"{B}{key}"


MEDIA = st.sampled_from(
    [
        "text/turtle",
        "application/ld+json",
        "text/html",
        "application/json",
        "application/rdf+xml",
        "application/n-triples",
        "image/png",
        "*/*",
        "text/*",
        "application/*",
        "application/n-quads",
        "text/plain",
    ]
)


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    st.lists(
        st.tuples(MEDIA, st.sampled_from(["", ";q=0", ";q=0.3", ";q=0.7", ";q=1"])),
        min_size=1,
        max_size=4,
    )
)
def test_any_accept_header_gets_an_offered_type_or_406(client, parts):
    """Whatever the Accept header, the answer is an offered format the client accepts, or 406."""
    header = ", ".join(media + q for media, q in parts)
    response = client.get("/doc/actor/china", headers={"Accept": header})
    assert response.status_code in (200, 406)
    if response.status_code == 200:
        accepted = {m for m, q in parts if q != ";q=0"}
        served = response.mimetype
        aliases = {"application/ld+json": {"application/json"}}
        assert any(
            pattern in ("*/*", served, f"{served.split('/')[0]}/*")
            or pattern in aliases.get(served, set())
            for pattern in accepted
        ), (header, served)
