"""What the query page's editor completes, served from this dataset only (never a third party).

``GET {base}sparql/vocabulary``: one JSON document, made once per publication, of the prefixes
every serialization declares and the terms a query names — the ontology's classes, properties,
concept schemes and concepts, and the classes and properties the data uses — each with its
labels and definitions in English, simplified and traditional Chinese and its number of uses.

``GET {base}sparql/things?q=…&lang=…&limit=…``: the things (``{base}id/{kind}/{slug}``) whose
labels (``skos:prefLabel``, ``rdfs:label``, ``skos:altLabel``, any language) contain ``q``,
best first: exact, prefix, word prefix, substring, shorter labels first.

Both answer JSON with a strong ``ETag`` and ``Last-Modified`` (304 on revalidation, RFC 9110
§13.1), CORS (as every response), and the project's error shape on bad input: a missing, repeated
or over-long ``q``, a ``limit`` out of range or an unknown ``lang`` are 400; a target over 8,190
bytes is 414 before the view runs (:func:`server.views.http.check_request_target`).

Every request does bounded work. The label search scans one string of every folded label with
``str.find`` (a loop in C, where ``/search`` runs the label index's loop in Python), examining
at most :data:`SCAN_CAP` occurrences per rank. Labels are laid out shortest first, so the
occurrences examined are the best of their rank: the cap does not change the first ``limit``
answers unless a thing has more than ``SCAN_CAP / MAX_LIMIT`` (40) labels holding ``q``. The
index is built on first use in each worker process.
"""

from __future__ import annotations

import json
import threading
import weakref
from bisect import bisect_right
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, request
from rdflib.namespace import RDF, SKOS
from werkzeug.wrappers import Response

import ontology
from server.errors import BadRequest, NotAcceptable
from server.publish.labels import fold
from server.publish.publication import digest, publication
from server.render.languages import LANGUAGES, choose_language, normalise_language
from server.render.languages import publication_language as published
from server.render.vocabulary import CLASS_TYPES, PROPERTY_TYPES, TEXT
from server.views.http import not_modified, serve_fixed

blueprint = Blueprint("completion", __name__)

JSON = "application/json"
VOCABULARY = "sparql/vocabulary"
#: Longest ``q``, in characters: longer than any label fragment anyone types.
MAX_QUERY = 100
DEFAULT_LIMIT, MAX_LIMIT = 20, 50
#: Most occurrences of ``q`` examined per rank (prefix, word prefix, substring).
SCAN_CAP = 2000

# -- the vocabulary document ------------------------------------------------------------------


def _kind(types: set[str]) -> str | None:
    if types & CLASS_TYPES:
        return "class"
    if types & PROPERTY_TYPES:
        return "property"
    if str(SKOS.ConceptScheme) in types:
        return "scheme"
    if str(SKOS.Concept) in types:
        return "concept"
    return None


def curie(iri: str, prefixes: dict[str, str]) -> str | None:
    """``prefix:local`` when a prefix's namespace holds ``iri`` and the rest is a plain SPARQL
    local name (SPARQL 1.1 Query §19.8 PN_LOCAL without escapes), else None."""
    for prefix, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if (
            iri.startswith(namespace)
            and local
            and (local[0].isalnum() or local[0] == "_")
            and all(c.isalnum() or c in "_-." for c in local)
            and not local.endswith(".")
        ):
            return f"{prefix}:{local}"
    return None


def vocabulary_document(pub) -> dict:
    """Prefixes and terms (ontology graph, then the classes and properties the data uses)."""
    prefixes = ontology.prefixes(pub.base)
    types: dict[str, set[str]] = {}
    texts: dict[str, dict[str, str]] = {}
    notations: dict[str, str] = {}
    rdf_type, notation = str(RDF.type), str(SKOS.notation)
    for quad in pub.store.quads_for_pattern(None, None, None, pub.ontology_graph):
        subject, predicate, value = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == rdf_type:
            types.setdefault(subject.value, set()).add(value.value)
        elif predicate in TEXT and isinstance(value, ox.Literal):
            lang = normalise_language(value.language) or "en"
            texts.setdefault(subject.value, {}).setdefault(lang, value.value)
        elif predicate == notation and isinstance(value, ox.Literal):
            notations[subject.value] = value.value
    kinds = {iri: kind for iri, found in types.items() if (kind := _kind(found))}
    uses = {**pub.counts.get("properties", {}), **pub.counts.get("classes", {})}
    for iri in pub.counts.get("classes", {}):
        kinds.setdefault(iri, "class")
    for iri in pub.counts.get("properties", {}):
        kinds.setdefault(iri, "property")
    terms = []
    for iri, kind in kinds.items():
        labels = pub.labels.labels.get(iri, {})
        term = {
            "iri": iri,
            "curie": curie(iri, prefixes),
            "kind": kind,
            "label": {code: labels[code] for code in LANGUAGES if code in labels},
            "definition": {c: texts[iri][c] for c in LANGUAGES if c in texts.get(iri, {})},
            "uses": uses.get(iri, 0),
        }
        if iri in notations:
            term["notation"] = notations[iri]
        terms.append(term)
    terms.sort(key=lambda term: (term["curie"] is None, term["curie"] or term["iri"]))
    return {
        "base": pub.base,
        "prefixes": [{"prefix": p, "namespace": n} for p, n in prefixes.items()],
        "terms": terms,
    }


def _acceptable() -> None:
    """406 unless the request accepts JSON (RFC 9110 §12.5.1)."""
    if request.headers.get("Accept") and request.accept_mimetypes.best_match([JSON]) is None:
        raise NotAcceptable([JSON])


@blueprint.get("/sparql/vocabulary")
def vocabulary() -> Response:
    """The prefixes and terms the editor completes (one document per publication)."""
    _acceptable()
    pub = publication()
    if VOCABULARY not in pub.fixed:
        body = json.dumps(vocabulary_document(pub), ensure_ascii=False, separators=(",", ":"))
        pub.add_fixed(VOCABULARY, body.encode("utf-8"), JSON)
    response = serve_fixed(VOCABULARY)
    response.headers["Vary"] = "Accept"
    return response


# -- things by label -------------------------------------------------------------------------


@dataclass
class ThingIndex:
    """Every label of every thing, folded (:func:`server.publish.labels.fold`), shortest first,
    in one string ``"\\n" + "\\n".join(folded) + "\\n"``; ``starts[i]`` is where entry ``i``
    begins."""

    text: str
    starts: list[int]
    entries: list[tuple[str, str, str]]  # (IRI, language, label as written)

    @classmethod
    def build(cls, pub) -> ThingIndex:
        """From ``pub.things`` and ``pub.labels`` (preferred and alternative labels, every
        language), one entry per thing and distinct folded label."""
        found: dict[tuple[str, str], tuple[str, str]] = {}
        labels = pub.labels
        for iri in pub.things:
            pairs = list(labels.labels.get(iri, {}).items()) + labels.alt.get(iri, [])
            for lang, text in pairs:
                key = fold(text)
                if key and (iri, key) not in found:
                    found[(iri, key)] = (lang, text)
        ordered = sorted(found.items(), key=lambda item: (len(item[0][1]), item[0][1], item[0][0]))
        starts, position = [], 1
        for (_iri, key), _value in ordered:
            starts.append(position)
            position += len(key) + 1
        text = "\n" + "\n".join(key for (_iri, key), _value in ordered) + "\n"
        entries = [(iri, value[0], value[1]) for (iri, _key), value in ordered]
        return cls(text, starts, entries)

    def search(self, query: str, limit: int) -> tuple[list[tuple[str, str, str, int]], bool]:
        """(IRI, matched label, its language, rank) best first, and whether more may match (the
        answer stopped at ``limit``, or a scan at :data:`SCAN_CAP`).

        Rank 0 exact, 1 prefix, 2 word prefix, 3 substring (as :meth:`LabelIndex.search`)."""
        needle = fold(query)
        best: dict[str, tuple[int, int, int]] = {}
        more = False
        for rank, pattern in ((1, "\n" + needle), (2, " " + needle), (3, needle)):
            if len(best) >= limit:
                more = True
                break
            shift = 0 if rank == 3 else 1
            position, examined = 0, 0
            while examined < SCAN_CAP:
                position = self.text.find(pattern, position)
                if position < 0:
                    break
                examined += 1
                start = position + shift
                index = bisect_right(self.starts, start) - 1
                length = len(self.text) if index + 1 == len(self.starts) else self.starts[index + 1]
                length -= self.starts[index] + 1
                score = 0 if rank == 1 and len(needle) == length else rank
                iri = self.entries[index][0]
                key = (score, length, index)
                if iri not in best or key < best[iri]:
                    best[iri] = key
                position += 1
            else:
                more = True
        ordered = sorted(best.items(), key=lambda item: (item[1][0], item[1][1], item[0]))
        more = more or len(ordered) > limit
        results = []
        for iri, (score, _length, index) in ordered[:limit]:
            _iri, lang, text = self.entries[index]
            results.append((iri, text, lang, score))
        return results, more


_indexes: dict[int, tuple[weakref.ref, ThingIndex]] = {}
_indexes_lock = threading.Lock()


def thing_index(pub) -> ThingIndex:
    """The publication's :class:`ThingIndex`, built on first use in each process."""
    found = _indexes.get(id(pub))
    if found is not None and found[0]() is pub:
        return found[1]
    with _indexes_lock:
        found = _indexes.get(id(pub))
        if found is None or found[0]() is not pub:
            for key in [key for key, (ref, _index) in _indexes.items() if ref() is None]:
                del _indexes[key]
            found = (weakref.ref(pub), ThingIndex.build(pub))
            _indexes[id(pub)] = found
    return found[1]


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"give '{name}' at most once (got {len(values)})")
    return values[0] if values else None


def _parameters() -> tuple[str, str, int]:
    """``q``, the language and the limit of a things request, checked."""
    query = (_one("q") or "").strip()
    if not fold(query):
        raise BadRequest("give the label fragment to look for in 'q', e.g. ?q=china")
    if len(query) > MAX_QUERY:
        raise BadRequest(f"'q' is longer than {MAX_QUERY} characters")
    wanted = _one("lang")
    if wanted is None:
        lang = choose_language(None, request.accept_languages)
    else:
        lang = published(wanted)
        if lang is None:
            raise BadRequest(f"unknown language '{wanted}'; use one of: " + ", ".join(LANGUAGES))
    raw = _one("limit")
    limit = DEFAULT_LIMIT
    if raw is not None:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise BadRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
        limit = int(raw)
    return query, lang, limit


@blueprint.get("/sparql/things")
def things() -> Response:
    """Things whose labels contain ``q``, best first, labelled in ``lang``."""
    _acceptable()
    query, lang, limit = _parameters()
    pub = publication()
    found, more = thing_index(pub).search(query, limit)
    results = []
    for iri, matched, matched_lang, rank in found:
        key = pub.things.get(iri, "")
        results.append(
            {
                "iri": iri,
                "label": pub.labels.label(iri, lang),
                "matched": matched,
                "language": matched_lang or None,
                "kind": key.split("/")[1] if key.count("/") == 2 else None,
                "rank": rank,
            }
        )
    payload = {"query": query, "language": lang, "results": results, "more": more}
    body = (json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    etag = digest(body).hex()
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": pub.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept, Accept-Language",
    }
    if not_modified(etag, pub.modified):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers, content_type=JSON)
