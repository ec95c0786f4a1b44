"""What a resource page says of the model (issue 17): a claim's modality, its proposition's
modality and condition, an event's status, and where either sits in time (exact, or bounds
inferred from the source's words); and which facts are curator context, with their citations.

Labels of properties and concepts come from the ontology and its SKOS schemes (``pub.labels``),
so they follow the page's language; the words below are only the page's own.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from rdflib.namespace import PROV, RDF, RDFS

import ontology
from ontology import OA, SEM, terms

DERIVED, ADDED_BY = str(PROV.wasDerivedFrom), str(PROV.wasAttributedTo)
WORDS = {
    "model": {
        "en": "Modality, status and time",
        "zh-Hans": "情态、状态与时间",
        "zh-Hant": "情態、狀態與時間",
    },
    "time": {"en": "Placed in time", "zh-Hans": "时间定位", "zh-Hant": "時間定位"},
    "exact": {"en": "as the source gives it", "zh-Hans": "依来源所给", "zh-Hant": "依來源所給"},
    "between": {
        "en": "between {0} and {1}",
        "zh-Hans": "介于 {0} 与 {1} 之间",
        "zh-Hant": "介於 {0} 與 {1} 之間",
    },
    "after": {"en": "not before {0}", "zh-Hans": "不早于 {0}", "zh-Hant": "不早於 {0}"},
    "before": {"en": "not after {0}", "zh-Hans": "不晚于 {0}", "zh-Hant": "不晚於 {0}"},
    "inferred": {
        "en": "inferred from the words",
        "zh-Hans": "推断自原文措辞",
        "zh-Hant": "推斷自原文措辭",
    },
    "from": {"en": "and from", "zh-Hans": "依据", "zh-Hant": "依據"},
    "proposition": {"en": "Proposition", "zh-Hans": "命题", "zh-Hant": "命題"},
    "added": {"en": "added context", "zh-Hans": "补充背景", "zh-Hant": "補充背景"},
    "added_title": {
        "en": "Added context (not in the source)",
        "zh-Hans": "补充背景（非来源所述）",
        "zh-Hant": "補充背景（非來源所述）",
    },
    "added_intro": {
        "en": "Facts marked “added context” come from the curator graph, not from the source: "
        "each is cited below.",
        "zh-Hans": "标为“补充背景”的事实来自策展图，而非来源本身；出处列于下方。",
        "zh-Hant": "標為「補充背景」的事實來自策展圖，而非來源本身；出處列於下方。",
    },
    "derived": {"en": "Derived from", "zh-Hans": "来源", "zh-Hant": "來源"},
    "by": {"en": "Added by", "zh-Hans": "添加者", "zh-Hant": "添加者"},
    "uncited": {"en": "no citation found", "zh-Hans": "未找到出处", "zh-Hant": "未找到出處"},
    "reader": {"en": "In the reader", "zh-Hans": "在阅读器中", "zh-Hant": "在閱讀器中"},
}


def words(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in WORDS.items()}


def _objects(triples, subject: str, predicate: str) -> list:
    return [
        t.object
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
        and t.subject.value == subject
        and t.predicate.value == predicate
    ]


def _first(triples, subject: str, predicate: str):
    found = _objects(triples, subject, predicate)
    return found[0] if found else None


def time_placement(linker, triples, subject: str, exact_predicate: str) -> dict | None:
    """Where ``subject`` sits in time: an exact stamp, else its SEM bounds (either may be open),
    with the words and things the placement was inferred from and its note."""
    pg = str(ontology.pg(linker.base))
    lang = linker.lang
    exact = _first(triples, subject, exact_predicate)
    early = _first(triples, subject, str(SEM.hasEarliestBeginTimeStamp))
    late = _first(triples, subject, str(SEM.hasLatestEndTimeStamp))
    if exact is not None:
        text = f"{exact.value} ({WORDS['exact'][lang]})"
    elif early is not None and late is not None:
        text = WORDS["between"][lang].format(early.value, late.value)
    elif early is not None:
        text = WORDS["after"][lang].format(early.value)
    elif late is not None:
        text = WORDS["before"][lang].format(late.value)
    else:
        return None
    notes = _objects(triples, subject, pg + terms.timeNote)
    return {
        "text": text,
        "words": [w.value for w in _objects(triples, subject, pg + terms.timeWords)],
        "from": [linker.term(t) for t in _objects(triples, subject, pg + terms.timeInferredFrom)],
        "notes": [linker.term(n) for n in notes],
    }


def model_rows(linker, topic: str, triples) -> list[dict]:
    """The rows of the page's "Modality, status and time" section (none for other things)."""
    pg = str(ontology.pg(linker.base))
    label = linker.label
    out = []

    def row(name: str, values: list) -> None:
        if values:
            out.append({"name": name, "values": [linker.term(v) for v in values]})

    row(label(pg + terms.modality), _objects(triples, topic, pg + terms.modality))
    for proposition in _objects(triples, topic, pg + terms.proposition):
        if isinstance(proposition, ox.NamedNode):
            name = f"{WORDS['proposition'][linker.lang]} · {label(pg + terms.modality)}"
            row(name, _objects(triples, proposition.value, pg + terms.modality))
    for condition in _objects(triples, topic, pg + terms.condition):
        row(label(pg + terms.condition), [condition])
        if isinstance(condition, ox.NamedNode):
            name = f"{label(pg + terms.condition)} · {label(pg + terms.modality)}"
            row(name, _objects(triples, condition.value, pg + terms.modality))
    row(label(pg + terms.status), _objects(triples, topic, pg + terms.status))
    row(label(pg + terms.stance), _objects(triples, topic, pg + terms.stance))
    return out


def model_section(linker, topic: str, triples) -> dict | None:
    """Rows and time placement of a claim or an event (None for a thing with neither)."""
    pg = str(ontology.pg(linker.base))
    types = {o.value for o in _objects(triples, topic, str(RDF.type))}
    if pg + terms.Claim in types:
        exact = pg + terms.claimDate
    elif pg + terms.Event in types:
        exact = str(SEM.hasTimeStamp)
    else:
        return None
    return {
        "rows": model_rows(linker, topic, triples),
        "time": time_placement(linker, triples, topic, exact),
    }


def citation_numbers(added: Mapping[ox.Triple, list[str]]) -> dict[str, int]:
    """Each citation covering an added fact, numbered from 1 in order of first use."""
    numbers: dict[str, int] = {}
    for triple in sorted(added, key=str):
        for citation in added[triple]:
            numbers.setdefault(citation, len(numbers) + 1)
    return numbers


def marks(added, numbers: dict[str, int], lang: str) -> dict[ox.Triple, list[dict]]:
    """For each added fact, the marks its value shows: "added context" linked to each citation
    (``#cite-N`` on the page), or unlinked when no citation covers it."""
    out = {}
    for triple, citations in added.items():
        out[triple] = [
            {"text": WORDS["added"][lang], "href": f"#cite-{numbers[c]}", "number": numbers[c]}
            for c in citations
        ] or [{"text": f"{WORDS['added'][lang]} ({WORDS['uncited'][lang]})", "href": None}]
    return out


def citation_list(linker, citations: Mapping[str, list[ox.Triple]], numbers) -> list[dict]:
    """The citations of the page, in number order: where the facts come from, who added them,
    the curator's comment (in the page's language when there is one)."""
    out = []
    for iri, number in sorted(numbers.items(), key=lambda item: item[1]):
        triples = citations.get(iri, [])
        comments = _objects(triples, iri, str(RDFS.comment))
        chosen = [c for c in comments if (c.language or "").lower() == linker.lang.lower()]
        out.append(
            {
                "number": number,
                "iri": iri,
                "derived": [
                    linker.term(v) for v in _objects(triples, iri, str(PROV.wasDerivedFrom))
                ],
                "by": [linker.term(v) for v in _objects(triples, iri, str(PROV.wasAttributedTo))],
                "comment": (chosen or comments or [None])[0],
            }
        )
    return out


def reader_link(linker, document: str | None, position: dict) -> str | None:
    """The annotated reader at this anchor (``{base}reader/{slug}#a-{start}-{end}``), for an
    anchor in one of this deployment's source documents (its top for a start of None)."""
    prefix = f"{linker.base}id/document/"
    if not document or not document.startswith(prefix) or str(OA.start) not in position:
        return None
    slug = document[len(prefix) :]
    start, end = position[str(OA.start)], position.get(str(OA.end))
    url = f"{linker.base}reader/{slug}?lang={linker.lang}"
    return url if start is None else f"{url}#a-{start}-{end}"
