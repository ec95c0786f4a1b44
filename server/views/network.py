"""``{base}network``: the actor network, who says what about whom and who does what to whom
(HTML edge table + Cytoscape.js chart, JSON).

The model is :mod:`graph.research.network` (one edge per claim or event and pair of actors).
The page joins the edges that share their ends, kind and stance (a claim's) or type (an
event's) into one, weighted by how many claims or events it stands for, each listed as its
evidence. Colour is the stance (:data:`STANCE_COLOURS`); events are grey. Filters: ``actor``
(either end), ``dispute``, ``kind``, ``stance``, ``modality`` (a claim's).
"""

from __future__ import annotations

import json

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from graph.research.network import Edge, Network
from ontology import terms
from server.render.html import Linker
from server.views import research
from server.views.research_text import texts

blueprint = Blueprint("network", __name__)
OFFERED = ("text/html", "application/json")
FACETS = ("actor", "dispute", "kind", "stance", "modality")
#: Edge colours by stance (local name), told apart in print and by colour-blind readers by the
#: table's words; events, which have no stance, are grey.
STANCE_COLOURS = {
    "asserts": "#4e79a7",
    "argues": "#76b7b2",
    "believes": "#59a14f",
    "reports": "#9c755f",
    "predicts": "#edc948",
    "recommends": "#b07aa1",
    "proposes": "#ff9da7",
    "warns": "#f28e2b",
    "accuses": "#e15759",
    "condemns": "#a0282c",
    "denies": "#3a3a3a",
}
EVENT_COLOUR = "#aaaaaa"
#: Most joined edges the HTML page lists and draws (the JSON has them all).
PAGE_CAP = 1500


def _concept(base: str, prefix: str, local: str) -> str:
    return terms.iri(base, f"{prefix}{local}") if local else ""


def facet_values(model: Network, base: str) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {name: set() for name in FACETS}
    for e in model.edges:
        values["actor"] |= {e.source, e.target}
        values["dispute"] |= set(e.disputes)
        values["kind"].add(e.kind)
        if e.stance:
            values["stance"].add(_concept(base, "stance-", e.stance))
        if e.modality:
            values["modality"].add(_concept(base, "modality-", e.modality))
    return values


def keep(edge: Edge, filters: dict[str, list[str]], base: str) -> bool:
    tests = {
        "actor": {edge.source, edge.target},
        "dispute": set(edge.disputes),
        "kind": {edge.kind},
        "stance": {_concept(base, "stance-", edge.stance)},
        "modality": {_concept(base, "modality-", edge.modality)},
    }
    return all(tests[name] & set(values) for name, values in filters.items())


def joined(edges: list[Edge], base: str, linker: Linker) -> list[dict]:
    """Edges sharing ends, kind and stance or type, as one weighted edge with its evidence."""
    groups: dict[tuple, list[Edge]] = {}
    for e in edges:
        groups.setdefault((e.source, e.target, e.kind, e.stance or e.event_type), []).append(e)
    one = research.labelled(linker)
    out = []
    for (source, target, kind, what), found in groups.items():
        concept = _concept(base, "stance-" if kind == "claim" else "event-", what)
        evidence: dict[str, Edge] = {}
        for e in found:
            evidence.setdefault(e.iri, e)
        out.append(
            {
                "source": source,
                "target": target,
                "kind": kind,
                "stance": one(concept) if kind == "claim" else None,
                "type": one(concept) if kind == "event" else None,
                "colour": STANCE_COLOURS.get(what, "#555555") if kind == "claim" else EVENT_COLOUR,
                "weight": len(evidence),
                "evidence": [_evidence(e, base, linker) for e in evidence.values()],
            }
        )
    out.sort(key=lambda e: (-e["weight"], linker.label(e["source"]), linker.label(e["target"])))
    for number, edge in enumerate(out):
        edge["id"] = f"edge-{number}"
    return out


def _evidence(edge: Edge, base: str, linker: Linker) -> dict:
    one = research.labelled(linker)
    qualifier = (
        _concept(base, "modality-", edge.modality)
        if edge.kind == "claim"
        else _concept(base, "status-", edge.status)
    )
    return {
        "iri": edge.iri,
        "label": linker.label(edge.iri),
        "page": linker.href(edge.iri),
        "qualifier": one(qualifier),
        "date": edge.date,
        "earliest": edge.earliest,
        "latest": edge.latest,
        "disputes": [one(d) for d in edge.disputes],
        "quotes": [_quote(q) for q in edge.quotes],
    }


def _quote(anchor) -> dict:
    fields = getattr(anchor, "__dataclass_fields__", {})
    return {name: getattr(anchor, name) for name in fields}


def build(lang: str) -> dict:
    found = research.models()
    base = found.pub.base
    linker = Linker(found.pub, lang)
    values = facet_values(found.network, base)
    values["actor"] |= found.things("actor")
    values["dispute"] |= found.things("dispute")
    vocab = {name: research.Vocabulary(values[name]) for name in FACETS}
    filters = research.chosen(vocab)
    edges = [e for e in found.network.edges if keep(e, filters, base)]
    shown = joined(edges, base, linker)
    ends = {e["source"] for e in shown} | {e["target"] for e in shown}
    degree: dict[str, int] = {}
    for e in shown:
        for end in {e["source"], e["target"]}:
            degree[end] = degree.get(end, 0) + e["weight"]
    nodes = [
        {
            "iri": a.iri,
            "label": linker.label(a.iri),
            "page": linker.href(a.iri),
            "type": a.type,
            "group": a.group,
            "qid": a.qid,
            "degree": degree.get(a.iri, 0),
        }
        for a in found.network.actors
        if a.iri in ends
    ]
    facets = {
        name: [
            {
                "value": vocab[name].name(v),
                "label": texts(lang)[f"kind-{v}"] if name == "kind" else linker.label(v),
            }
            for v in vocab[name].values
        ]
        for name in FACETS
    }
    return {
        "filters": filters,
        "nodes": nodes,
        "edges": shown,
        "claims": len({e.iri for e in edges}),
        "facets": facets,
        "chosen": {k: {vocab[k].name(v) for v in vs} for k, vs in filters.items()},
        "query": research.query_string(filters, vocab),
        "legend": [
            {"stance": one, "colour": STANCE_COLOURS[local]}
            for local in STANCE_COLOURS
            if (one := research.labelled(linker)(_concept(base, "stance-", local)))
        ],
        "event_colour": EVENT_COLOUR,
    }


@blueprint.get("/network")
@blueprint.get("/network.<suffix>")
def network(suffix: str | None = None) -> Response:
    """The actor network, negotiated: HTML (edge table, and the chart with JavaScript) or JSON."""
    return research.serve(OFFERED, suffix, render)


def render(media_type: str, lang: str) -> tuple[str, str]:
    data = build(lang)
    if media_type == "application/json":
        public = {k: data[k] for k in ("filters", "nodes", "edges", "claims")}
        public["language"] = lang
        return json.dumps(public, ensure_ascii=False, indent=2) + "\n", ""
    found = research.models()
    linker = Linker(found.pub, lang)
    text = texts(lang)
    edges = data["edges"][:PAGE_CAP]
    ends = {e["source"] for e in edges} | {e["target"] for e in edges}
    labels = {n["iri"]: n for n in data["nodes"]}
    chart = {
        "nodes": [
            {k: n[k] for k in ("iri", "label", "page", "degree")}
            for n in data["nodes"]
            if n["iri"] in ends
        ],
        "edges": [
            {
                "id": e["id"],
                "source": e["source"],
                "target": e["target"],
                "colour": e["colour"],
                "weight": e["weight"],
                "kind": e["kind"],
                "page": e["evidence"][0]["page"] if e["weight"] == 1 else f"#{e['id']}",
                "label": (e["stance"] or e["type"] or {}).get("label", ""),
            }
            for e in edges
        ],
    }
    page = render_template(
        "network.html",
        title=text["network"],
        text=text,
        data=data,
        edges=edges,
        nodes=labels,
        capped=len(data["edges"]) > PAGE_CAP,
        cap=PAGE_CAP,
        chart=chart,
        **research.common(linker, "network"),
    )
    return page, ""
