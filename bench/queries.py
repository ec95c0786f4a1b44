"""The benchmark's workloads: random dereference URLs and the SPARQL mix, with fresh parameters.

Every request draws its parameters at random (actor, date range, language, resource, words), so
no system can answer from a cache of the benchmark's exact queries. The load generator picks a
request at random from a large pre-drawn pool per workload (``pool`` distinct requests).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from urllib.parse import quote

from bench.generate import TOPIC_WORDS, Manifest, slug
from bench.load import PLACEHOLDER

KINDS = ("actor", "place", "event", "dispute", "claim", "relation", "document")
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

DEREF_FORMATS = {"turtle": "text/turtle", "jsonld": "application/ld+json", "html": "text/html"}


def random_thing(rng: random.Random, manifest: Manifest, kinds=KINDS) -> tuple[str, str]:
    kind = rng.choice(kinds)
    doc = rng.randint(1, manifest.documents)
    count = 1 if kind == "document" else manifest.shape[kind + "s"]
    return kind, slug(kind, doc, rng.randint(1, count))


def thing_iri(manifest: Manifest, kind: str, thing_slug: str) -> str:
    return f"{manifest.base}id/{kind}/{thing_slug}"


def prefixes(base: str) -> str:
    return (
        f"PREFIX pg: <{base}ontology#>\n"
        "PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    )


def _date(rng: random.Random) -> tuple[int, int]:
    return rng.randint(1990, 2025), rng.randint(1, 12)


def q_claims_by_claimant(rng, m: Manifest) -> tuple[str, str]:
    actor = thing_iri(
        m, "actor", slug("actor", rng.randint(1, m.documents), rng.randint(1, m.shape["actors"]))
    )
    return (
        prefixes(m.base) + "SELECT ?claim ?label ?quote WHERE {\n"
        f"  ?claim pg:claimant <{actor}> ; rdfs:label ?label .\n"
        "  OPTIONAL { ?claim pg:quote ?quote }\n"
        '  FILTER(langMatches(lang(?label), "en"))\n}',
        SPARQL_JSON,
    )


def q_events_in_range(rng, m: Manifest) -> tuple[str, str]:
    year, month = _date(rng)
    months = rng.randint(1, 6)
    end_year, end_month = year + (month - 1 + months) // 12, (month - 1 + months) % 12 + 1
    return (
        prefixes(m.base) + "SELECT ?event ?label ?date WHERE {\n"
        "  ?event a pg:Event ; sem:hasTimeStamp ?date ; rdfs:label ?label .\n"
        # Day-precision stamps only: engines differ on comparing gYear(Month) with dates.
        "  FILTER(datatype(?date) = xsd:date)\n"
        f'  FILTER(?date >= "{year}-{month:02d}-01"^^xsd:date && '
        f'?date < "{end_year}-{end_month:02d}-01"^^xsd:date)\n'
        '  FILTER(langMatches(lang(?label), "en"))\n} ORDER BY ?date',
        SPARQL_JSON,
    )


def q_disputes_parties(rng, m: Manifest) -> tuple[str, str]:
    kind = rng.choice(("TerritorialDispute", "TradeDispute", "PolicyDispute"))
    language = rng.choice(LANGUAGES)
    offset = rng.randint(0, max(0, m.documents * m.shape["disputes"] // 3 - 50))
    return (
        prefixes(m.base) + "SELECT ?dispute ?disputeLabel ?party ?partyLabel WHERE {\n"
        f"  ?dispute a pg:{kind} ; rdfs:label ?disputeLabel ; pg:party ?party .\n"
        "  ?party rdfs:label ?partyLabel .\n"
        f'  FILTER(langMatches(lang(?disputeLabel), "{language}") && '
        f'langMatches(lang(?partyLabel), "{language}"))\n'
        f"}} LIMIT 100 OFFSET {offset}",
        SPARQL_JSON,
    )


def q_describe(rng, m: Manifest) -> tuple[str, str]:
    kind, thing_slug = random_thing(rng, m)
    return f"DESCRIBE <{thing_iri(m, kind, thing_slug)}>", TURTLE


def q_count_by_type(rng, m: Manifest) -> tuple[str, str]:
    year = rng.randint(1990, 2024)
    span = rng.randint(1, 10)
    return (
        prefixes(m.base) + "SELECT ?type (COUNT(?event) AS ?events) WHERE {\n"
        "  ?event sem:eventType ?type ; sem:hasTimeStamp ?date .\n"
        "  FILTER(datatype(?date) = xsd:date)\n"
        f'  FILTER(?date >= "{year}-01-01"^^xsd:date && '
        f'?date < "{year + span}-01-01"^^xsd:date)\n'
        "} GROUP BY ?type ORDER BY DESC(?events)",
        SPARQL_JSON,
    )


def q_quote_text(rng, m: Manifest) -> tuple[str, str]:
    first, second = rng.sample(TOPIC_WORDS, 2)
    return (
        prefixes(m.base) + "SELECT ?claim ?quote WHERE {\n"
        "  ?claim pg:quote ?quote .\n"
        f'  FILTER(CONTAINS(LCASE(STR(?quote)), "{first}") && '
        f'CONTAINS(LCASE(STR(?quote)), "{second}"))\n}} LIMIT 100',
        SPARQL_JSON,
    )


def q_resource_construct(rng, m: Manifest) -> tuple[str, str]:
    """What a dereference needs, as one query (for engines that only speak SPARQL)."""
    kind, thing_slug = random_thing(rng, m)
    iri = thing_iri(m, kind, thing_slug)
    return f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}", TURTLE


SPARQL_MIX: dict[str, Callable[[random.Random, Manifest], tuple[str, str]]] = {
    "claims_by_claimant": q_claims_by_claimant,
    "events_in_range": q_events_in_range,
    "disputes_parties_lang": q_disputes_parties,
    "describe": q_describe,
    "count_by_type": q_count_by_type,
    "quote_text": q_quote_text,
    "resource_construct": q_resource_construct,
}


def deref_requests(m: Manifest, accept: str, pool: int, seed: int) -> list[tuple[str, str]]:
    """(path, Accept) pairs of random ``/doc/{kind}/{slug}`` documents."""
    rng = random.Random(f"deref:{seed}:{accept}")
    out = []
    for _ in range(pool):
        kind, thing_slug = random_thing(rng, m)
        out.append((f"/doc/{kind}/{thing_slug}", accept))
    return out


def sparql_requests(
    m: Manifest, name: str, endpoint_path: str, pool: int, seed: int
) -> list[tuple[str, str]]:
    """(path?query=…, Accept) pairs for one query of the mix, parameters drawn at random."""
    rng = random.Random(f"sparql:{seed}:{name}")
    out = []
    for _ in range(pool):
        text, accept = SPARQL_MIX[name](rng, m)
        out.append((f"{endpoint_path}?query={quote(text, safe='')}", accept))
    return out


UNIQUE = "+unique"
_VARIABLE = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)")
_DESCRIBE = re.compile(r"DESCRIBE (<[^>]+>)")


def uniquify(text: str) -> str:
    """The query with :data:`bench.load.PLACEHOLDER` in a variable's name, which the unique
    mode's load generator replaces per request: the same answers (SPARQL 1.1 §4.1.3: renaming a
    variable changes no solution; a renamed projected variable renames the column), another
    query text and algebra for every request. ``DESCRIBE <iri>`` names no variable and becomes
    ``DESCRIBE ?t WHERE { VALUES ?t { <iri> } }`` (§16.4, §10.2)."""
    described = _DESCRIBE.fullmatch(text)
    if described:
        var = f"?t{PLACEHOLDER}"
        return f"DESCRIBE {var} WHERE {{ VALUES {var} {{ {described[1]} }} }}"
    first = _VARIABLE.search(text)
    if first is None:
        raise ValueError(f"no variable to rename in {text[:80]!r}")
    return re.sub(rf"\?{first[1]}\b", f"?{first[1]}{PLACEHOLDER}", text)


def unique_requests(
    m: Manifest, name: str, endpoint_path: str, pool: int, seed: int
) -> list[tuple[str, str]]:
    """:func:`sparql_requests` with each query :func:`uniquify`-ed (the unique mode's pool)."""
    rng = random.Random(f"sparql-unique:{seed}:{name}")
    out = []
    for _ in range(pool):
        text, accept = SPARQL_MIX[name](rng, m)
        out.append((f"{endpoint_path}?query={quote(uniquify(text), safe='')}", accept))
    return out
