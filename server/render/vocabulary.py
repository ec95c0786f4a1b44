"""HTML for the vocabulary (Best Practice Recipes for Publishing RDF Vocabularies, Recipe 3), the
shapes and the validation report."""

from __future__ import annotations

import pyoxigraph as ox
from flask import render_template
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ontology import SH, ontology_iri
from server.render.document import Document
from server.render.html import Linker
from server.render.languages import LANGUAGES, normalise_language
from server.render.published import Published

CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}
PROPERTY_TYPES = {
    str(OWL.ObjectProperty),
    str(OWL.DatatypeProperty),
    str(RDF.Property),
    str(OWL.AnnotationProperty),
    str(OWL.FunctionalProperty),
}
TEXT = (str(RDFS.comment), str(SKOS.definition), str(SKOS.scopeNote))
LINKS = {
    "subClassOf": str(RDFS.subClassOf),
    "subPropertyOf": str(RDFS.subPropertyOf),
    "domain": str(RDFS.domain),
    "range": str(RDFS.range),
    "inverseOf": str(OWL.inverseOf),
    "broader": str(SKOS.broader),
    "relatedMatch": str(SKOS.relatedMatch),
    "exactMatch": str(SKOS.exactMatch),
    "closeMatch": str(SKOS.closeMatch),
}


def _by_subject(triples) -> dict[str, list[ox.Triple]]:
    grouped: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            grouped.setdefault(triple.subject.value, []).append(triple)
    return grouped


def _values(triples, predicate: str):
    return [t.object for t in triples if t.predicate.value == predicate]


def _text(triples, lang: str) -> list[dict]:
    """Comments and definitions in the chosen language, else English, else any."""
    found = [
        t.object for t in triples if t.predicate.value in TEXT and isinstance(t.object, ox.Literal)
    ]
    for wanted in (lang, "en", None):
        chosen = [o for o in found if wanted is None or normalise_language(o.language) == wanted]
        if chosen:
            return [{"text": o.value, "lang": normalise_language(o.language)} for o in chosen]
    return []


def _term(linker: Linker, iri: str, triples) -> dict:
    labels = linker.pub.labels.labels.get(iri, {})
    return {
        "iri": iri,
        "anchor": iri.split("#", 1)[1] if "#" in iri else iri,
        "title": linker.label(iri),
        "labels": [{"lang": code, "text": labels[code]} for code in LANGUAGES if code in labels],
        "text": _text(triples, linker.lang),
        "notation": [o.value for o in _values(triples, str(SKOS.notation))],
        "links": [
            {"name": name, "values": [linker.term(o) for o in _values(triples, pred)]}
            for name, pred in LINKS.items()
            if _values(triples, pred)
        ],
    }


def render_ontology(pub: Published, document: Document, lang: str) -> str:
    """Every class, property and concept scheme with labels (three languages), comments,
    domain and range."""
    linker = Linker(pub, lang)
    grouped = _by_subject(document.triples)
    types = {iri: {o.value for o in _values(ts, str(RDF.type))} for iri, ts in grouped.items()}
    order = lambda iri: linker.label(iri).casefold()  # noqa: E731
    classes = sorted((i for i, t in types.items() if t & CLASS_TYPES), key=order)
    properties = sorted((i for i, t in types.items() if t & PROPERTY_TYPES), key=order)
    schemes = []
    for scheme in sorted((i for i, t in types.items() if str(SKOS.ConceptScheme) in t), key=order):
        members = [
            i
            for i, ts in grouped.items()
            if any(o.value == scheme for o in _values(ts, str(SKOS.inScheme)))
        ]
        members.sort(
            key=lambda i: (
                next(iter(_values(grouped[i], str(SKOS.notation))), ox.Literal("")).value,
                order(i),
            )
        )
        schemes.append(
            {
                **_term(linker, scheme, grouped[scheme]),
                "concepts": [_term(linker, i, grouped[i]) for i in members],
            }
        )
    vocabulary = ontology_iri(pub.base)
    header = grouped.get(vocabulary, [])
    return render_template(
        "ontology.html",
        title=linker.label(vocabulary) if header else "policygraph ontology",
        about=_text(header, lang),
        classes=[_term(linker, i, grouped[i]) for i in classes],
        properties=[_term(linker, i, grouped[i]) for i in properties],
        schemes=schemes,
        **linker.common(document.key, document.formats),
    )


def render_shapes(pub: Published, document: Document, lang: str) -> str:
    """Every node shape with its target, severity and property shapes (SHACL §2.1, §2.3)."""
    linker = Linker(pub, lang)
    grouped = _by_subject(document.triples)

    def first(triples, predicate):
        found = _values(triples, predicate)
        return linker.term(found[0]) if found else None

    shapes = []
    for iri in sorted(grouped):
        triples = grouped[iri]
        if not any(o.value == str(SH.NodeShape) for o in _values(triples, str(RDF.type))):
            continue
        properties = []
        for node in _values(triples, str(SH.property)):
            inner = grouped.get(getattr(node, "value", ""), [])
            properties.append(
                {
                    "iri": node.value if isinstance(node, ox.NamedNode) else None,
                    "anchor": node.value.split("#", 1)[-1]
                    if isinstance(node, ox.NamedNode)
                    else None,
                    "path": first(inner, str(SH.path)),
                    "name": first(inner, str(SH.name)),
                    "message": first(inner, str(SH.message)),
                    "severity": first(inner, str(SH.severity)),
                    "min": first(inner, str(SH.minCount)),
                    "max": first(inner, str(SH.maxCount)),
                    "class": first(inner, str(SH["class"])),
                    "datatype": first(inner, str(SH.datatype)),
                }
            )
        shapes.append(
            {
                "iri": iri,
                "anchor": iri.split("#", 1)[-1],
                "target": first(triples, str(SH.targetClass)),
                "severity": first(triples, str(SH.severity)),
                "name": first(triples, str(SH.name)),
                "message": first(triples, str(SH.message)),
                "properties": properties,
            }
        )
    return render_template(
        "shapes.html",
        title="SHACL shapes",
        shapes=shapes,
        **linker.common(document.key, document.formats),
    )


def render_validation(pub: Published, document: Document, lang: str) -> str:
    """The SHACL validation report (SHACL §3.6) of the published data."""
    linker = Linker(pub, lang)
    results = [{**r, "focus_href": linker.href(r["focus"])} for r in pub.validation.results]
    return render_template(
        "validation.html",
        title="Validation report",
        conforms=pub.validation.conforms,
        results=results,
        **linker.common(document.key, document.formats),
    )
