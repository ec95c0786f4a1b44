"""``{base}timeline``: every event and claim in time (HTML table + vis-timeline chart, JSON).

The model is :mod:`graph.research.timeline`. A placement is drawn as the data gives it: a day as
a point, a month or a year as a bar over that period, bounds as a bar between them; a missing
bound is drawn to the edge of the axis and marked open, an inferred placement is marked as such
(the table names its words). ``clock=said`` (default) places claims when they were made,
``clock=about`` when what they are about happened. Filters: :data:`FACETS`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from graph.research.timeline import CLAIM, FACETS, KINDS, Item, When
from server.render.html import Linker
from server.views import research
from server.views.research_text import texts

blueprint = Blueprint("timeline", __name__)
OFFERED = ("text/html", "application/json")
CLOCKS = ("said", "about")
#: Most items the HTML page lists and draws (the JSON has them all): narrow with the filters.
PAGE_CAP = 1000


def vocabularies(found: research.Models) -> dict[str, research.Vocabulary]:
    facets = found.timeline.facets()
    facets["actor"] = sorted(set(facets["actor"]) | found.things("actor"))
    facets["dispute"] = sorted(set(facets["dispute"]) | found.things("dispute"))
    return {name: research.Vocabulary(facets[name]) for name in FACETS}


def anchor(item_iri: str, kind: str) -> str:
    """The id of an item's row (``claim-{slug}``), the target of a resource page's link."""
    return f"{kind}-{research.short(item_iri)}"


def _day(text: str) -> date:
    return date.fromisoformat(text)


def display(when: When | None, span: tuple[str, str]) -> dict | None:
    """Where the chart draws a placement: a point for a day, else a bar (end exclusive, the day
    after the last covered); an open side reaches the axis edge, marked ``open-start|end``."""
    if when is None or not when.placed:
        return None
    floor = _day(span[0]) - timedelta(days=365)
    ceiling = _day(span[1]) + timedelta(days=31)
    start = _day(when.start) if when.start else floor
    end = _day(when.end) if when.end else ceiling
    classes = ["inferred"] if when.inferred else []
    if when.point or (when.start and when.start == when.end):
        return {"type": "point", "start": start.isoformat(), "classes": classes + ["day"]}
    classes.append(f"precision-{when.precision}" if when.exact else "bounds")
    if not when.start:
        classes.append("open-start")
    if not when.end:
        classes.append("open-end")
    return {
        "type": "range",
        "start": start.isoformat(),
        "end": (end + timedelta(days=1)).isoformat(),
        "classes": classes,
    }


def item_json(item: Item, linker: Linker, clock: str, span) -> dict:
    one = research.labelled(linker)
    shown = item.about if (clock == "about" and item.kind == CLAIM) else item.when
    data = item.as_dict()
    data.update(
        id=anchor(item.iri, item.kind),
        label=linker.label(item.iri),
        page=linker.href(item.iri),
        display=display(shown, span),
        claimants=[one(a) for a in item.claimants],
        actors=[one(a) for a in item.actors],
        disputes=[one(d) for d in item.disputes],
        types=[one(t) for t in item.types],
        stances=[one(s) for s in item.stances],
        modality=one(item.modality),
        status=one(item.status),
        aboutEvents=[one(e) for e in item.about_events],
    )
    return data


def _sort_key(entry: dict, clock: str) -> tuple:
    when = entry["about"] if clock == "about" and entry["kind"] == CLAIM else entry["when"]
    if when is None:
        return ("~", "~", entry["iri"])
    start, end = when["start"], when["end"]
    return (start or end or "~", end or start or "~", entry["kind"], entry["iri"])


def build(lang: str) -> dict:
    """The page's data: the filtered items in the chosen clock's order, the facets' values."""
    found = research.models()
    linker = Linker(found.pub, lang)
    vocab = vocabularies(found)
    filters = research.chosen(vocab)
    clock = research.one_of("clock", CLOCKS)
    shown = found.timeline.filter(**filters)
    span = found.timeline.span() or ("2000-01-01", "2000-01-01")
    items = [item_json(i, linker, clock, span) for i in shown.items]
    items.sort(key=lambda e: _sort_key(e, clock))
    facets = {
        name: [
            {"value": vocab[name].name(v), "iri": v, "label": _facet_label(v, linker, lang)}
            for v in vocab[name].values
        ]
        for name in FACETS
    }
    return {
        "clock": clock,
        "filters": filters,
        "span": {"start": span[0], "end": span[1]},
        "count": len(items),
        "total": len(found.timeline),
        "items": items,
        "facets": facets,
        "query": research.query_string(filters, vocab, clock="" if clock == "said" else clock),
        "vocab": vocab,
    }


def _facet_label(value: str, linker: Linker, lang: str) -> str:
    if value in KINDS:
        return texts(lang)[f"kind-{value}"]
    return linker.label(value)


@blueprint.get("/timeline")
@blueprint.get("/timeline.<suffix>")
def timeline(suffix: str | None = None) -> Response:
    """The timeline, negotiated: HTML (table, and the chart with JavaScript) or JSON."""
    return research.serve(OFFERED, suffix, render)


def render(media_type: str, lang: str) -> tuple[str, str]:
    data = build(lang)
    if media_type == "application/json":
        public = {k: v for k, v in data.items() if k not in ("facets", "vocab", "query")}
        public["language"] = lang
        return json.dumps(public, ensure_ascii=False, indent=2) + "\n", ""
    found = research.models()
    linker = Linker(found.pub, lang)
    text = texts(lang)
    items = data["items"][:PAGE_CAP]
    chart = {
        "items": [
            {k: i[k] for k in ("id", "kind", "label", "page", "display")}
            | {"title": _title(i, data["clock"], text)}
            for i in items
            if i["display"]
        ],
        "span": data["span"],
        "text": {
            "event": text["group-event"],
            "claim": text["group-claim"],
            "all": text["zoom-all"],
            "recent": text["zoom-recent"],
        },
    }
    page = render_template(
        "timeline.html",
        title=text["timeline"],
        text=text,
        data=data,
        items=items,
        capped=len(data["items"]) > PAGE_CAP,
        cap=PAGE_CAP,
        chart=chart,
        off_clock=sum(1 for i in data["items"] if not i["display"]),
        chosen={k: {data["vocab"][k].name(v) for v in vs} for k, vs in data["filters"].items()},
        **research.common(linker, "timeline"),
    )
    return page, ""


def _title(item: dict, clock: str, text: dict) -> str:
    """The chart's tooltip: the label and the time as given (plain text, escaped by the script)."""
    when = item["about"] if clock == "about" and item["kind"] == CLAIM else item["when"]
    given = (
        when["exact"] or f"{when['earliest'] or text['open']} – {when['latest'] or text['open']}"
    )
    words = f" ({', '.join(when['words'])})" if when["words"] else ""
    return f"{item['label']} · {given}{words}"
