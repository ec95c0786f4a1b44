"""The query page without JavaScript (snippets, share link, three languages) and the two JSON
endpoints its editor completes from (``/sparql/vocabulary``, ``/sparql/things``)."""

from __future__ import annotations

import ast
import base64
import json
import re
import shlex
import zlib
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from helpers import BASE, BROWSER, PREFLIGHT
from hostile.support import error_problems
from query_page import read_page
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import ontology
from server.publish.labels import LabelIndex
from server.render.languages import LANGUAGES
from server.sparql import page as sparql_page
from server.sparql import page_text as sparql_page_text
from server.sparql import share as sparql_share
from server.sparql import snippets as sparql_snippets
from server.views.completion import MAX_LIMIT, MAX_QUERY, SCAN_CAP, ThingIndex

ENDPOINT = f"{BASE}sparql"
EXAMPLES = {example.name: example.text for example in sparql_page.examples()}
ZH_EXAMPLE = EXAMPLES["disputes-and-parties-zh-hans"]


def page(client, path: str, **headers):
    response = client.get(path, headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True))


def share_path(query: str, fmt: str | None = None, lang: str | None = None) -> str:
    pairs = ([("f", fmt)] if fmt else []) + ([("lang", lang)] if lang else [])
    return "/sparql?" + urlencode(pairs + [("z", sparql_share.encode(query))])


# -- the page without JavaScript ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "csv", "json", "turtle"])
def test_page_shows_snippets_and_share_link_for_the_query_it_ran(client, fmt):
    """A permalink that runs a query: the page has the share link and every snippet for it."""
    path = "/sparql?" + urlencode({"query": ZH_EXAMPLE, "f": fmt, "lang": "en"})
    shown = page(client, path)
    assert shown.results and shown.query == ZH_EXAMPLE
    assert shown.selected == [fmt]
    query = parse_qs(urlsplit(shown.share).query)
    assert shown.share.startswith(ENDPOINT + "?")
    assert sparql_share.decode(query["z"][0], 32768) == ZH_EXAMPLE
    assert query.get("f", ["html"]) == [fmt] and query["lang"] == ["en"]
    assert set(shown.snippets) == {s["id"] for s in sparql_snippets.SNIPPETS}
    assert all(shown.snippets.values()), "every snippet fits a SELECT query"


def _literal_in(code: str, opening: str, closing: str) -> str:
    start = code.index(opening)
    end = code.index(closing, start + len(opening))
    return code[start : end + len(closing)]


def test_each_snippet_carries_the_query_exactly(client):
    """Each snippet's string literal is the shown query, read back as its language reads it
    (Python's parser, POSIX shell words, R's raw-string rule)."""
    query = ZH_EXAMPLE + '# a """quote""", a backslash \\ and )" in a comment\n'
    shown = page(client, "/sparql?" + urlencode({"query": query}))
    python = shown.snippets["python"]
    literal = _literal_in(python, 'sparql.setQuery("""', '""")')[len("sparql.setQuery(") : -1]
    assert ast.literal_eval(literal) == query
    words = shlex.split(shown.snippets["curl"])
    assert words[words.index("--data-urlencode") + 1] == "query=" + query
    assert "-H Accept: application/sparql-results+json" in " ".join(words)
    r_code = shown.snippets["r"]
    match = re.search(r'query <- r"(-*)\((.*)\)\1"\nurl', r_code, re.S)
    assert match and match.group(2) == query
    assert ENDPOINT in shown.snippets["javascript"] and "`" in shown.snippets["javascript"]


def test_snippets_follow_the_chosen_format(client):
    csv = page(client, share_path(ZH_EXAMPLE, "csv"))
    assert "-H 'Accept: text/csv'" in csv.snippets["curl"]
    assert "setReturnFormat(CSV)" in csv.snippets["python"]
    assert 'Accept: "text/csv"' in csv.snippets["javascript"]
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    graph = page(client, share_path(construct, "jsonld"))
    assert "-H 'Accept: application/ld+json'" in graph.snippets["curl"]
    assert "setReturnFormat(JSONLD)" in graph.snippets["python"]
    for table in ("pandas", "r", "r-sparql"):
        assert graph.snippets[table] == "", f"{table} reads tables, not graphs"
        assert "CONSTRUCT" in graph.notes[table]


def test_share_link_restores_query_format_and_language_without_running(client):
    for lang in LANGUAGES:
        shown = page(client, share_path(ZH_EXAMPLE, "tsv", lang))
        assert shown.query == ZH_EXAMPLE
        assert shown.selected == ["tsv"]
        assert shown.lang == lang
        assert shown.h1 == sparql_page_text.MESSAGES["title"][lang]
        assert not shown.results, "a share link fills the editor; it does not run the query"


def test_share_link_keeps_a_leading_newline_and_crlf(client):
    query = "\n\nSELECT * WHERE {\r\n  ?s ?p ?o\r\n} LIMIT 1\r\n"
    assert page(client, share_path(query)).query == query


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_share_link_is_shorter_than_the_percent_encoded_query(name):
    """The compressed share link beats ``?query=`` for every example (what compressing is for)."""
    query = EXAMPLES[name]
    plain = f"{ENDPOINT}?" + urlencode({"lang": "en", "query": query}, quote_via=quote)
    assert len(sparql_share.link(BASE, query, "html", "en")) < 0.6 * len(plain)


def test_share_link_of_the_longest_query_opens(client, app):
    """A query of exactly ``sparql_max_query_length`` bytes has a link that opens; one byte more
    is refused as a GET of it would be (414)."""
    longest = app.config["POLICYGRAPH"].sparql_max_query_length
    head = "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n# 中文 "
    query = head + "x" * (longest - len(head.encode()))
    assert len(query.encode()) == longest
    shown = page(client, share_path(query))
    assert shown.query == query
    assert len(shown.share) > sparql_share.PORTABLE_LINK or shown.share_warning == ""
    response = client.get(share_path(query + "x"), headers={"Accept": BROWSER})
    assert response.status_code == 414
    assert not error_problems(414, response.content_type, response.data)


def test_long_share_links_are_flagged(client):
    """Past 8,000 characters (RFC 9112 §3) the page warns that the link may be refused."""
    import random

    noise = random.Random(18)
    query = "SELECT * WHERE { ?s ?p ?o }\n# " + "".join(
        noise.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000)
    )
    shown = page(client, share_path(query))
    assert len(shown.share) > sparql_share.PORTABLE_LINK
    assert shown.share_warning == sparql_page_text.MESSAGES["share-long"]["en"]
    assert page(client, share_path(ZH_EXAMPLE)).share_warning == ""


def test_damaged_share_links_are_refused_in_the_error_shape(client, app):
    longest = app.config["POLICYGRAPH"].sparql_max_query_length
    token = sparql_share.encode(ZH_EXAMPLE)
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb_token = base64.urlsafe_b64encode(bomb.compress(b"#" * (longest + 10)) + bomb.flush())
    cases = [
        ("z=" + token[: len(token) // 8 * 4], 400, "cut short"),
        ("z=" + token + "AAAA", 400, "bytes follow"),
        ("z=%E4%B8%AD" + token, 400, "base64url"),
        ("z=A", 400, "base64url"),
        ("z=" + base64.urlsafe_b64encode(b"\xff\xff\xff").decode(), 400, "decompress"),
        ("z=" + bomb_token.decode().rstrip("="), 414, str(longest)),
        ("f=pdf&z=" + token, 400, "pdf"),
        ("query=ASK%7B%7D&z=" + token, 400, "not both"),
    ]
    for query_string, status, words in cases:
        response = client.get("/sparql?" + query_string, headers={"Accept": BROWSER})
        assert response.status_code == status, (query_string, response.get_data(as_text=True))
        assert not error_problems(status, response.content_type, response.data)
        assert words in response.get_data(as_text=True), (query_string, words)
        assert len(response.data) < 20_000


def test_page_interface_in_three_languages(client):
    for lang in LANGUAGES:
        shown = page(client, f"/sparql?lang={lang}")
        text = sparql_page_text.texts(lang)
        assert shown.lang == lang and shown.h1 == text["title"]
        assert shown.code_summary == text["code"]
        assert shown.labels["r-sparql"] == text["snippet-r-sparql"]
        assert shown.notes["javascript"] == text["code-javascript"]
        assert set(shown.language_links) == set(LANGUAGES)
    assert page(client, "/sparql", **{"Accept-Language": "zh-TW"}).lang == "zh-Hant"


def test_every_message_exists_in_three_languages_and_every_key_used_exists(pub):
    assert sparql_page_text.check() == []
    root = str(Path(sparql_page.__file__).parents[1])
    used = set()
    with open(f"{root}/templates/sparql.html", encoding="utf-8") as handle:
        template = handle.read()
    used |= set(re.findall(r"\bt\['([a-z-]+)'\]", template))
    used |= set(re.findall(r"\bt\.([a-z]+)", template))
    used |= {"row", "rows", "triple", "triples"}  # t[unit] and t[unit + 's']
    with open(f"{root}/static/sparql/editor.js", encoding="utf-8") as handle:
        used |= set(re.findall(r'say\("([a-z-]+)"[,)]', handle.read()))
    used |= {s["note"] for s in sparql_snippets.SNIPPETS if s["note"]}
    used |= {f"snippet-{s['id']}" for s in sparql_snippets.SNIPPETS}
    kinds = {"class", "property", "concept", "scheme"} | {
        key.split("/")[1] for key in pub.things.values()
    }
    used |= {f"kind-{kind}" for kind in kinds}  # say("kind-" + ...)
    assert len(used) > 20
    assert used <= set(sparql_page_text.MESSAGES), used - set(sparql_page_text.MESSAGES)


# -- /sparql/vocabulary ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocabulary(client_module):
    response = client_module.get("/sparql/vocabulary")
    assert response.status_code == 200
    return response


@pytest.fixture(scope="module")
def client_module(app):
    return app.test_client()


def test_vocabulary_is_json_with_validators_and_cors(client, vocabulary):
    assert vocabulary.mimetype == "application/json"
    assert vocabulary.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in vocabulary.headers["Vary"]
    etag = vocabulary.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.get("/sparql/vocabulary", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert client.head("/sparql/vocabulary").headers["ETag"] == etag
    preflight = client.options("/sparql/vocabulary", headers=PREFLIGHT)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    refused = client.get("/sparql/vocabulary", headers={"Accept": "text/turtle"})
    assert refused.status_code == 406
    assert not error_problems(406, refused.content_type, refused.data)


def test_vocabulary_offers_every_term_of_the_ontology(vocabulary):
    """Checked against the ontology itself (parsed by rdflib): every class, property and
    concept, with its labels in three languages; the prefixes every serialization declares."""
    doc = json.loads(vocabulary.data)
    assert doc["prefixes"] == [
        {"prefix": p, "namespace": n} for p, n in ontology.prefixes(BASE).items()
    ]
    terms = {term["iri"]: term for term in doc["terms"]}
    graph: Graph = ontology.load(BASE)
    expected = {
        "class": set(graph.subjects(RDF.type, OWL.Class)),
        "property": set(graph.subjects(RDF.type, OWL.ObjectProperty))
        | set(graph.subjects(RDF.type, OWL.DatatypeProperty)),
        "concept": set(graph.subjects(RDF.type, SKOS.Concept)),
    }
    assert all(expected.values()) and len(expected["class"]) >= 10
    for kind, iris in expected.items():
        for iri in iris:
            term = terms.get(str(iri))
            assert term is not None, f"{iri} is not offered"
            assert term["kind"] == kind, (iri, term["kind"])
            labels = {lit.language: str(lit) for lit in graph.objects(iri, RDFS.label)}
            labels |= {lit.language: str(lit) for lit in graph.objects(iri, SKOS.prefLabel)}
            for code in LANGUAGES:
                if code in labels:
                    assert term["label"][code] == labels[code], (iri, code)
    claim = terms[f"{BASE}ontology#Claim"]
    assert claim["curie"] == "pg:Claim" and claim["uses"] > 0
    assert claim["label"] == {"en": "Claim", "zh-Hans": "主张", "zh-Hant": "主張"}
    assert set(claim["definition"]) == set(LANGUAGES)
    assert terms["http://www.w3.org/2004/02/skos/core#prefLabel"]["curie"] == "skos:prefLabel"


# -- /sparql/things ----------------------------------------------------------------------------


def things(client, **params):
    response = client.get("/sparql/things?" + urlencode(params))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response


@pytest.mark.parametrize(
    "q, lang, label",
    [("chin", "en", "China"), ("中国", "zh-Hans", "中国"), ("中國", "zh-Hant", "中國")],
)
def test_things_by_label_fragment_in_each_language(client, q, lang, label):
    body = things(client, q=q, lang=lang).get_json()
    first = body["results"][0]
    assert first["iri"] == f"{BASE}id/actor/china" and first["kind"] == "actor"
    assert first["label"] == label and body["language"] == lang


def test_things_answers_match_the_label_index(client, pub):
    """The same answers, in the same order, as the label index's own search (the reference),
    kept to things; fragments of real labels in each language, and one letter (many matches)."""
    index = ThingIndex.build(pub)
    fragments = ["e", "a", "中", "國", "korea", "north k", "sanctions", "美国", "尖閣", "pivot"]
    for iri in list(pub.things)[::5]:
        for text in pub.labels.labels.get(iri, {}).values():
            fragments.append(text[len(text) // 3 : len(text) // 3 + 4])
    assert len(fragments) > 30
    for fragment in fragments:
        if not fragment.strip():
            continue
        everything = [hit[0] for hit in pub.labels.search(fragment, 10_000) if hit[0] in pub.things]
        found, more = index.search(fragment, MAX_LIMIT)
        assert [hit[0] for hit in found] == everything[:MAX_LIMIT], fragment
        assert more or len(everything) <= MAX_LIMIT, fragment


class CountingText(str):
    """A string that counts the searches run over it."""

    finds = 0

    def find(self, *args):
        CountingText.finds += 1
        return super().find(*args)


def test_things_scan_is_capped():
    """A fragment in every label of 20,000 things: at most SCAN_CAP occurrences are examined per
    rank (three ranks), and the best answers still come first (labels are laid out shortest
    first), as the label index's full search orders them."""
    words = ["entente", "reserve", "embassy", "e", "treaty", "league", "be", "sea"]
    labels, things = {}, {}
    for number in range(20_000):
        iri = f"{BASE}id/event/e{number}"
        things[iri] = f"doc/event/e{number}"
        text = " ".join(words[(number * 7 + k) % len(words)] for k in range(1 + number % 5))
        labels[iri] = {"en": f"{text} {number}", "zh-Hans": f"事件{number}e"}
    corpus = SimpleNamespace(things=things, labels=LabelIndex(labels, {}))
    index = ThingIndex.build(corpus)
    assert index.text.count("e") > 10 * SCAN_CAP
    counted = ThingIndex(CountingText(index.text), index.starts, index.entries)
    for fragment in ("e", "be", "sea 1", "事件1"):
        CountingText.finds = 0
        found, more = counted.search(fragment, MAX_LIMIT)
        assert CountingText.finds <= 3 * (SCAN_CAP + 1), fragment
        assert len(found) == MAX_LIMIT and more
        everything = [hit[0] for hit in corpus.labels.search(fragment, 100_000)]
        assert [hit[0] for hit in found] == everything[:MAX_LIMIT], fragment


def test_things_validators_cors_and_language_from_the_header(client):
    first = things(client, q="japan", lang="en")
    etag = first.headers["ETag"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept-Language" in first.headers["Vary"]
    assert (
        client.get("/sparql/things?q=japan&lang=en", headers={"If-None-Match": etag}).status_code
        == 304
    )
    other = client.get("/sparql/things?q=japan", headers={"Accept-Language": "zh-CN"})
    assert other.get_json()["language"] == "zh-Hans" and other.headers["ETag"] != etag
    assert other.get_json()["results"][0]["label"] == "日本"


@pytest.mark.parametrize(
    "query_string, status",
    [
        ("", 400),
        ("q=", 400),
        ("q=%20%20", 400),
        ("q=a&q=b", 400),
        ("q=" + "x" * (MAX_QUERY + 1), 400),
        ("q=china&limit=0", 400),
        (f"q=china&limit={MAX_LIMIT + 1}", 400),
        ("q=china&limit=ten", 400),
        ("q=china&limit=-1", 400),
        ("q=china&lang=fr", 400),
        ("q=china&lang=en&lang=zh-Hans", 400),
        ("q=%FF%FE", 400),
        ("q=" + "x" * 9000, 414),
    ],
)
def test_things_refuses_bad_requests_in_the_error_shape(client, query_string, status):
    response = client.get("/sparql/things?" + query_string, headers={"Accept": "application/json"})
    assert response.status_code == status, response.get_data(as_text=True)
    assert not error_problems(status, response.content_type, response.data)


def test_things_limit_and_more(client):
    body = things(client, q="china", limit="3").get_json()
    assert len(body["results"]) == 3 and body["more"] is True
    only = things(client, q="尖閣諸島").get_json()
    assert only["results"] and only["more"] is False
    assert any(hit["matched"] == "尖閣諸島" and hit["language"] == "ja" for hit in only["results"])
