"""HTML renderings of documents: view models for the Jinja templates (values escaped by Jinja).

Pages work without JavaScript; links between pages carry ``?lang=`` so a chosen language sticks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

import pyoxigraph as ox
from flask import Flask, render_template
from markupsafe import Markup, escape
from rdflib.namespace import RDF, RDFS, SKOS, XSD

import ontology
from ontology import OA
from server.render import context
from server.render.citations import highwire
from server.render.document import Document
from server.render.formats import BY_NAME
from server.render.languages import LANGUAGE_NAMES, LANGUAGES, local_name, normalise_language
from server.render.published import Described, Published

TYPE = RDF.type
NAME_PREDICATES = {str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel)}
XSD_STRING = str(XSD.string)
LANG_STRING = str(RDF.langString)


SAFE_LINK_SCHEMES = ("http://", "https://")


class Linker:
    """Turns IRIs into page URLs and labels for one publication and one language."""

    def __init__(self, pub: Published, lang: str):
        self.pub, self.lang, self.base = pub, lang, pub.base

    def href(self, iri: str) -> str | None:
        """The page of an IRI: things go to their document, terms to their vocabulary page.

        Only http(s) IRIs become links: a ``javascript:`` or ``data:`` IRI in the data is shown
        as text, never as a clickable ``href`` (stored XSS).
        """
        base = self.base
        if not iri.startswith(base):
            return iri if iri.lower().startswith(SAFE_LINK_SCHEMES) else None
        rest = iri[len(base) :]
        path, _, fragment = rest.partition("#")
        if path.startswith("id/"):
            path = "doc/" + path[3:]
        if path.startswith("sparql"):
            return iri
        url = f"{base}{path}?lang={self.lang}"
        return url + (f"#{fragment}" if fragment else "")

    def label(self, iri: str) -> str:
        return self.pub.labels.label(iri, self.lang)

    def curie(self, iri: str) -> str:
        """A standard vocabulary term as a prefixed name (``prov:wasAttributedTo``), or the IRI."""
        for prefix, namespace in ontology.STANDARD_PREFIXES.items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return iri

    def term(self, term) -> dict:
        """A value for a template: ``{"href", "text", "lang", "datatype", "iri"}``."""
        if isinstance(term, ox.NamedNode):
            own = term.value.startswith(self.base)
            text = self.pub.labels.get(term.value, self.lang)
            if text is None:
                text = _short(term.value, self.base) if own else self.curie(term.value)
            return {
                "href": self.href(term.value),
                "text": text,
                "iri": term.value,
                "external": not own,
            }
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            shown = None if datatype in (XSD_STRING, LANG_STRING) else self.label(datatype)
            return {
                "href": None,
                "text": term.value,
                "lang": normalise_language(term.language),
                "datatype": shown,
            }
        return {"href": None, "text": str(term)}

    def page(self, key: str) -> str:
        return f"{self.base}{key}?lang={self.lang}"

    def common(self, key: str | None, formats: Iterable[str] = ()) -> dict:
        """Template values every page needs: base, language switch, alternates."""
        switch = [
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "current": code == self.lang,
                "href": (f"{self.base}{key}?lang={code}" if key is not None else f"?lang={code}"),
            }
            for code in LANGUAGES
        ]
        alternates = [
            {
                "name": BY_NAME[name].suffix,
                "type": BY_NAME[name].media_type,
                "href": f"{self.base}{key}.{BY_NAME[name].suffix}",
            }
            for name in formats
            if name != "html"
        ]
        return {
            "base": self.base,
            "lang": self.lang,
            "languages": switch,
            "alternates": alternates,
            "link": self,
            "key": key,
        }


def value_html(v: dict) -> Markup:
    """One value as HTML: a link to its page, or its text tagged with language and datatype.

    Written in Python rather than as a Jinja macro: a page holds dozens of values, and a macro
    call cost Jinja about ten times the string building. Every part is escaped as Jinja's
    autoescape would (``markupsafe.escape``).
    """
    if v.get("href"):
        external = ' rel="external"' if v.get("external") else ""
        return Markup(
            f'<a href="{escape(v["href"])}"{external} title="{escape(v.get("iri", ""))}">'
            f"{escape(v['text'])}</a>"
        )
    lang, datatype = v.get("lang"), v.get("datatype")
    parts = [f'<span lang="{escape(lang)}">' if lang else "<span>", escape(v["text"]), "</span>"]
    if lang:
        parts.append(f' <small class="tag">@{escape(lang)}</small>')
    if datatype:
        parts.append(f' <small class="tag">{escape(datatype)}</small>')
    return Markup("".join(parts))


def marked_html(v: dict) -> Markup:
    """:func:`value_html`, then the "added context" marks of a curator fact, each linked to its
    citation on the page (:func:`server.render.context.marks`)."""
    out = value_html(v)
    for mark in v.get("marks") or ():
        text = escape(mark["text"]) + (f" [{mark['number']}]" if mark.get("number") else "")
        inner = f'<a href="{escape(mark["href"])}">{text}</a>' if mark.get("href") else text
        out += Markup(f' <small class="added">{inner}</small>')
    return out


def table_html(rows: list[dict]) -> Markup:
    """A property table: one row per predicate, its values one per line (:func:`value_html`)."""
    lines = ['<table class="properties">\n']
    for row in rows:
        cells = "<br>".join(marked_html(v) for v in row["values"])
        lines.append(
            f'<tr><th scope="row">{value_html(row["predicate"])}</th><td>{cells}</td></tr>\n'
        )
    lines.append("</table>")
    return Markup("".join(lines))


def register(app: Flask) -> None:
    """Make :func:`value_html` and :func:`table_html` the templates' ``value`` and ``table``."""
    app.jinja_env.globals.update(value=value_html, table=table_html, marked=marked_html)


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term's value (an RDF-star triple term by its N-Triples form)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def _short(iri: str, base: str) -> str:
    rest = iri[len(base) :]
    return rest.split("#", 1)[1] if "#" in rest else rest


def rows(
    linker: Linker,
    triples: Iterable[ox.Triple],
    skip: AbstractSet[str] = frozenset(),
    marks: Mapping[ox.Triple, list[dict]] | None = None,
) -> list[dict]:
    """Property rows (predicate label → values), sorted by label, skipping ``skip`` predicates;
    a value whose triple has ``marks`` (curator context) carries them."""
    grouped: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        if triple.predicate.value in skip:
            continue
        grouped.setdefault(triple.predicate.value, []).append(triple)
    marks = marks or {}
    out = []
    for predicate, held in grouped.items():
        held = sorted(
            held, key=lambda t: (str(getattr(t.object, "language", "") or ""), str(t.object))
        )
        values = []
        for triple in held:
            value = linker.term(triple.object)
            if triple in marks:
                value["marks"] = marks[triple]
            values.append(value)
        out.append({"predicate": linker.term(ox.NamedNode(predicate)), "values": values})
    return sorted(out, key=lambda row: row["predicate"]["text"].casefold())


def names(
    pub: Published,
    iri: str,
    triples: Iterable[ox.Triple],
    marks: Mapping[ox.Triple, list[dict]] | None = None,
) -> list[dict]:
    """The thing's labels in each language, then its other names (a name only a curator graph
    gives carries its "added context" ``marks``)."""
    found = []
    for triple in triples:
        if _value(triple.subject) == iri and triple.predicate.value in NAME_PREDICATES:
            kind = "alt" if triple.predicate.value == str(SKOS.altLabel) else "pref"
            entry = {
                "kind": kind,
                "text": _value(triple.object),
                "lang": normalise_language(getattr(triple.object, "language", None)),
                "marks": (marks or {}).get(triple),
            }
            if entry not in found:
                found.append(entry)
    order = {code: i for i, code in enumerate(LANGUAGES)}
    return sorted(found, key=lambda e: (e["kind"] != "pref", order.get(e["lang"], 9), e["text"]))


def sections(
    linker: Linker,
    subjects: list[str],
    triples: list[ox.Triple],
    skip: AbstractSet[str] = frozenset(),
    marks: Mapping[ox.Triple, list[dict]] | None = None,
) -> list[dict]:
    """One section per subject (the thing, then each hash sub-node, anchored by fragment)."""
    by_subject: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        by_subject.setdefault(_value(triple.subject), []).append(triple)
    out = []
    for subject in subjects:
        own = by_subject.get(subject, [])
        types = [linker.term(t.object) for t in own if t.predicate.value == str(TYPE)]
        out.append(
            {
                "iri": subject,
                "anchor": subject.split("#", 1)[1] if "#" in subject else None,
                "title": linker.pub.labels.get(subject, linker.lang) or local_name(subject),
                "types": types,
                "rows": rows(linker, own, skip | {str(TYPE)}, marks),
            }
        )
    return out


def evidence(linker: Linker, description) -> list[dict]:
    """The quoted spans (Web Annotation §4.2.4) anchoring the thing, with their positions."""
    values: dict[str, dict[str, str]] = {}
    for triple in description.own:
        values.setdefault(triple.subject.value, {})[triple.predicate.value] = triple.object.value
    sources = {p[str(OA.hasSource)] for p in values.values() if str(OA.hasSource) in p}
    quotes = []
    for subject, props in sorted(values.items()):
        if str(OA.exact) in props:
            position = values.get(subject.replace("#quote", "#position"), {})
            head, _, tail = subject.rpartition("quote")
            source = values.get(f"{head}evidence{tail}", {}).get(str(OA.hasSource))
            source = source or (next(iter(sources)) if len(sources) == 1 else None)
            quotes.append(
                {
                    "anchor": subject.split("#", 1)[-1],
                    "exact": props[str(OA.exact)],
                    "prefix": props.get(str(OA.prefix), ""),
                    "suffix": props.get(str(OA.suffix), ""),
                    "start": position.get(str(OA.start)),
                    "end": position.get(str(OA.end)),
                    "reader": context.reader_link(linker, source, position),
                }
            )
    return quotes


def render_resource(pub: Published, document: Document, description: Described, lang: str) -> str:
    """The page of one thing: labels, types, properties, sub-nodes, evidence, incoming links."""
    linker = Linker(pub, lang)
    topic = description.topic
    numbers = context.citation_numbers(description.added)
    marks = context.marks(description.added, numbers, lang)
    incoming = [
        {
            "subject": linker.term(t.subject),
            "predicate": linker.term(t.predicate),
            "marks": marks.get(t),
        }
        for t in description.incoming
    ]
    source = pub.labels.get(topic, lang) or local_name(topic)
    return render_template(
        "resource.html",
        title=source,
        iri=topic,
        names=names(pub, topic, description.own, marks),
        sections=sections(linker, description.subjects, description.own, NAME_PREDICATES, marks),
        model=context.model_section(linker, topic, description.own),
        citations=context.citation_list(linker, description.citations, numbers),
        only_added=bool(description.own) and all(t in marks for t in description.own),
        words=context.words(lang),
        reader=context.reader_link(linker, topic, {str(OA.start): None}),
        evidence=evidence(linker, description),
        incoming=incoming,
        incoming_total=description.incoming_total,
        rest=description.rest,
        citation_meta=highwire(document.citation) if document.citation else (),
        **linker.common(document.key, document.formats),
    )


def render_generic(
    pub: Published,
    document: Document,
    title: str,
    lang: str,
    intro: str | None = None,
    template: str = "generic.html",
    **extra,
) -> str:
    """A page listing every subject of a document with its properties (VoID, graphs, reports)."""
    linker = Linker(pub, lang)
    subjects = sorted(
        {t.subject.value for t in document.triples if isinstance(t.subject, ox.NamedNode)},
        key=lambda s: (s != document.topic, s),
    )
    return render_template(
        template,
        title=title,
        intro=intro,
        sections=sections(linker, subjects, document.triples),
        **extra,
        **linker.common(document.key, document.formats),
    )


#: Most things a named graph's page lists (the rest are in its data, one link away).
GRAPH_THINGS = 200


def render_graph(pub, document, summary: list[ox.Triple], things: list[str], lang: str) -> str:
    """A named graph's page: its VoID description (VoID §5, a subset of the dataset), links to
    its triples in every RDF format, and the things it describes (the first
    :data:`GRAPH_THINGS`, by IRI)."""
    linker = Linker(pub, lang)
    common = linker.common(document.key, document.formats)
    return render_template(
        "graph.html",
        title=f"Named graph {document.topic}",
        iri=document.topic,
        triples=len(document.triples),
        sections=sections(linker, [document.topic], summary),
        things=[linker.term(ox.NamedNode(iri)) for iri in things[:GRAPH_THINGS]],
        things_count=len(things),
        **common,
    )


def render_dumps(pub, document, listing: dict, lang: str) -> str:
    """The dumps' index (what ``{base}dataset`` says of each ``void:dataDump``) as a page."""
    linker = Linker(pub, lang)
    return render_template(
        "dumps.html",
        title={"en": "Dumps", "zh-Hans": "数据转储", "zh-Hant": "資料傾印"}[lang],
        listing=listing,
        **linker.common(document.key, document.formats),
    )


def render_incoming(pub, document, page, lang: str) -> str:
    """One page of a thing's incoming links, with links to the other pages."""
    linker = Linker(pub, lang)
    title = pub.labels.get(page.topic, lang) or local_name(page.topic)
    return render_template(
        "incoming.html",
        title=title,
        topic=linker.term(ox.NamedNode(page.topic)),
        page=page,
        links=[
            {"subject": linker.term(t.subject), "predicate": linker.term(t.predicate)}
            for t in page.incoming
        ],
        pager={rel: linker.href(page.page(n)) for rel, n in page.neighbours().items()},
        **linker.common(document.key, document.formats),
    )
