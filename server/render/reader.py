"""The annotated reader's page and the span list's page (issue 18 §1): their view models.

The text is one run of HTML: plain text, an empty ``<span id="a-{start}-{end}">`` where anchors
start (the fragments other pages link to), and one ``<a class="seg">`` per segment an anchor
covers (:func:`graph.research.reader.segments`), listing the anchors covering it in
``data-spans``: overlapping and nested anchors never need one element inside another. Interface
words are in three languages; kinds, modalities and statuses are labelled from the ontology and
its SKOS schemes; the text itself is the source's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import render_template
from markupsafe import Markup, escape

import ontology
from graph.research import reader as model
from ontology import terms
from server.render.html import Linker
from server.render.published import Published

#: The interface's words; the text itself is the source's.
WORDS = {
    "reader": {"en": "Reader", "zh-Hans": "阅读器", "zh-Hant": "閱讀器"},
    "intro": {
        "en": "The source's text with every anchored span marked: each links to the claim, "
        "event, relation or dispute it supports. Colour shows the kind, the underline the "
        "modality or status. Select words to list what is anchored there.",
        "zh-Hans": "原文全文，标出每个锚定片段：每个片段链接到它所支持的主张、事件、关系或争端。"
        "颜色表示类别，下划线表示情态或状态。选中文字可列出其中锚定的内容。",
        "zh-Hant": "原文全文，標出每個錨定片段：每個片段連結到它所支持的主張、事件、關係或爭端。"
        "顏色表示類別，底線表示情態或狀態。選取文字可列出其中錨定的內容。",
    },
    "quotes_only": {
        "en": "This deployment does not serve the full text of this source: the anchored quotes "
        "only.",
        "zh-Hans": "本站不提供此来源的全文，仅列出锚定的引文。",
        "zh-Hant": "本站不提供此來源的全文，僅列出錨定的引文。",
    },
    "text_unverified": {
        "en": "The source text found here is not the one the anchors were checked against: the "
        "anchored quotes only.",
        "zh-Hans": "此处的原文与核对锚点时所用的不一致，仅列出锚定的引文。",
        "zh-Hant": "此處的原文與核對錨點時所用的不一致，僅列出錨定的引文。",
    },
    "legend": {"en": "Legend", "zh-Hans": "图例", "zh-Hant": "圖例"},
    "kinds": {"en": "Kinds", "zh-Hans": "类别", "zh-Hant": "類別"},
    "other": {
        "en": "other things (actors, places, the document)",
        "zh-Hans": "其他（行为体、地点、文献）",
        "zh-Hant": "其他（行為體、地點、文獻）",
    },
    "lines": {"en": "Modality and status", "zh-Hans": "情态与状态", "zh-Hant": "情態與狀態"},
    "depth": {
        "en": "Darker: more anchors overlap there.",
        "zh-Hans": "颜色越深：重叠的锚点越多。",
        "zh-Hant": "顏色越深：重疊的錨點越多。",
    },
    "anchors": {"en": "Anchors", "zh-Hans": "锚点", "zh-Hant": "錨點"},
    "position": {"en": "Code points", "zh-Hans": "码位", "zh-Hant": "碼位"},
    "kind": {"en": "Kind", "zh-Hans": "类别", "zh-Hant": "類別"},
    "supports": {"en": "Supports", "zh-Hans": "支持", "zh-Hant": "支持"},
    "quote": {"en": "Quote", "zh-Hans": "引文", "zh-Hant": "引文"},
    "claimant": {"en": "Claimant", "zh-Hans": "主张方", "zh-Hant": "主張方"},
    "stance": {"en": "Stance", "zh-Hans": "立场", "zh-Hant": "立場"},
    "modality": {"en": "Modality", "zh-Hans": "情态", "zh-Hant": "情態"},
    "status": {"en": "Status", "zh-Hans": "状态", "zh-Hant": "狀態"},
    "selection": {
        "en": "What is anchored in the selection",
        "zh-Hans": "选中范围内锚定的内容",
        "zh-Hant": "選取範圍內錨定的內容",
    },
    "document": {"en": "The document", "zh-Hans": "文献", "zh-Hant": "文獻"},
    "sparql": {
        "en": "The same in SPARQL",
        "zh-Hans": "以 SPARQL 查询同样内容",
        "zh-Hant": "以 SPARQL 查詢同樣內容",
    },
    "spans": {"en": "Anchored in a range", "zh-Hans": "范围内的锚点", "zh-Hant": "範圍內的錨點"},
    "range": {"en": "Range", "zh-Hans": "范围", "zh-Hant": "範圍"},
    "none": {
        "en": "Nothing is anchored in this range.",
        "zh-Hans": "此范围内没有锚定内容。",
        "zh-Hant": "此範圍內沒有錨定內容。",
    },
    "in_reader": {"en": "In the reader", "zh-Hans": "在阅读器中", "zh-Hant": "在閱讀器中"},
    "several": {
        "en": "anchors cover this passage",
        "zh-Hans": "个锚点覆盖此段",
        "zh-Hant": "個錨點覆蓋此段",
    },
}
#: Classes of the kinds (``id/{kind}/…``), as the ontology names them, for their labels.
KIND_CLASSES = {
    "claim": terms.Claim,
    "event": terms.Event,
    "relation": terms.Relation,
    "dispute": terms.Dispute,
}
MODALITIES = ("asserted", "hedged", "reported", "hoped", "conditional", "denied")
STATUSES = ("occurred", "reported", "prospective", "ongoing")


@dataclass
class Source:
    """One source document as the reader sees it: its anchors, and its text when it may be
    shown and verifies (else ``note`` says why it is not shown)."""

    slug: str
    document: str
    spans: list[model.Span]
    length: int
    text: str | None = None
    note: str | None = None
    pages: dict = field(default_factory=dict)


def words(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in WORDS.items()}


def reader_url(base: str, slug: str, lang: str, span: model.Span | None = None) -> str:
    """The reader of ``slug``, at ``span`` if given (its fragment ``#a-{start}-{end}``)."""
    url = f"{base}reader/{slug}?lang={lang}"
    return url + (f"#{span.fragment}" if span is not None else "")


def spans_url(base: str, slug: str, start: int, end: int, lang: str) -> str:
    return f"{base}spans?" + urlencode({"source": slug, "start": start, "end": end, "lang": lang})


def sparql_url(base: str, query: str) -> str:
    return f"{base}sparql?query={quote(query, safe='')}"


def describe_span(linker: Linker, source: Source, span: model.Span) -> dict:
    """One anchor as the pages and the JSON show it."""
    label = linker.label

    def concept(iri: str | None) -> dict | None:
        return None if iri is None else {"iri": iri, "label": label(iri)}

    pg = str(ontology.pg(linker.base))
    return {
        "kind": span.kind,
        "kind_label": label(pg + KIND_CLASSES[span.kind]) if span.kind in KIND_CLASSES else "",
        "iri": span.thing,
        "owner": span.owner,
        "evidence": span.evidence,
        "label": label(span.owner) if span.owner != span.thing else label(span.thing),
        "href": linker.href(span.thing),
        "exact": span.exact,
        "start": span.start,
        "end": span.end,
        "modality": concept(span.modality),
        "stance": concept(span.stance),
        "status": concept(span.status),
        "claimants": [
            {"iri": c, "label": label(c), "href": linker.href(c)} for c in span.claimants
        ],
        "reader": reader_url(linker.base, source.slug, linker.lang, span),
    }


def _local(iri: str | None, prefix: str) -> str | None:
    return iri.rsplit("#", 1)[-1].removeprefix(prefix) if iri else None


def segment_classes(span: model.Span) -> str:
    """CSS classes of a segment from the innermost anchor covering it: kind, then modality
    (claims) or status (events)."""
    classes = [f"k-{span.kind if span.kind in KIND_CLASSES else 'thing'}"]
    modality = _local(span.modality, "modality-")
    status = _local(span.status, "status-")
    if modality:
        classes.append(f"m-{modality}")
    if status:
        classes.append(f"st-{status}")
    return " ".join(classes)


def text_html(source: Source, linker: Linker) -> Markup:
    """The text as one run of HTML: plain text, an empty ``<span id="a-S-E">`` where anchors
    start (the fragments pages link to), and one ``<a class="seg">`` per covered segment."""
    spans = source.spans
    assert source.text is not None
    parts = []
    for segment in model.segments(source.text, spans):
        for fragment in segment.opens:
            parts.append(f'<span class="anchor-start" id="{fragment}"></span>')
        text = escape(segment.text)
        if not segment.covers:
            parts.append(str(text))
            continue
        inner = spans[segment.covers[-1]]
        if len(segment.covers) == 1:
            href = linker.href(inner.thing) or ""
            title = linker.label(inner.owner)
        else:
            href = spans_url(linker.base, source.slug, segment.start, segment.end, linker.lang)
            title = f"{len(segment.covers)} {WORDS['several'][linker.lang]}"
        depth = min(len(segment.covers), 4)
        parts.append(
            f'<a class="seg {segment_classes(inner)} d{depth}" href="{escape(href)}" '
            f'title="{escape(title)}" data-spans="{" ".join(map(str, segment.covers))}" '
            f'data-start="{segment.start}" data-end="{segment.end}">{text}</a>'
        )
    return Markup("".join(parts))


def legend(linker: Linker) -> dict:
    """Kinds (with their ontology labels) and the modality and status concepts (with their
    SKOS prefLabels) the reader's classes stand for."""
    pg = str(ontology.pg(linker.base))
    return {
        "kinds": [(kind, linker.label(pg + cls)) for kind, cls in KIND_CLASSES.items()],
        "modalities": [(m, linker.label(f"{pg}modality-{m}")) for m in MODALITIES],
        "statuses": [(s, linker.label(f"{pg}status-{s}")) for s in STATUSES],
    }


def script_json(value) -> Markup:
    """JSON for a ``<script type="application/json">`` element: ``<`` escaped so that no
    ``</script>`` in the data ends the element (HTML §4.12.1.3)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _card(span: dict) -> dict:
    """What the hover card of ``reader.js`` shows of one anchor (the page carries no more)."""
    concept = {key: span[key]["label"] for key in ("modality", "stance", "status") if span[key]}
    return {
        "kind": span["kind_label"] or span["kind"],
        "label": span["label"],
        "href": span["href"],
        "claimants": [c["label"] for c in span["claimants"]],
        **concept,
    }


def render_reader(pub: Published, source: Source, lang: str) -> str:
    linker = Linker(pub, lang)
    described = [describe_span(linker, source, span) for span in source.spans]
    pg = str(ontology.pg(pub.base))
    client = {
        "base": pub.base,
        "source": source.slug,
        "lang": lang,
        "spans": [_card(span) for span in described],
        "words": {key: WORDS[key][lang] for key in ("claimant", "stance", "modality", "status")}
        | {"selection": WORDS["selection"][lang]},
    }
    return render_template(
        "reader.html",
        title=f"{WORDS['reader'][lang]}: {linker.label(source.document)}",
        source=source,
        words=words(lang),
        note=source.note,
        text=text_html(source, linker) if source.text is not None else None,
        anchors=described,
        legend=legend(linker),
        document=linker.term(ox.NamedNode(source.document)),
        sparql=sparql_url(pub.base, model.spans_query(pg, source.document)),
        client=script_json(client),
        **linker.common(f"reader/{source.slug}", ()),
    )


def common(linker: Linker, href) -> dict:
    """The template values of every page, the language switch keeping the query's parameters."""
    common = linker.common(None, ())
    for item in common["languages"]:
        item["href"] = href(item["code"])
    return common


def render_spans(pub: Published, answer: dict, lang: str) -> str:
    """The page of ``{base}spans``: the range, its text (when it may be shown), what is
    anchored there, the reader at the range and the SPARQL query."""
    linker = Linker(pub, lang)
    slug, start, end = answer["source"], answer["start"], answer["end"]
    return render_template(
        "spans.html",
        title=f"{WORDS['spans'][lang]}: {linker.label(answer['document'])} [{start}, {end})",
        answer=answer,
        words=words(lang),
        **common(linker, lambda code: spans_url(pub.base, slug, start, end, code)),
    )
