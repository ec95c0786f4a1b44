"""``{base}stances``: the stance matrices, actor × dispute and actor × proposition (HTML, JSON,
CSV).

The model is :mod:`graph.research.stances`; ``matrix=dispute`` (default) or ``proposition``.
Filters: ``actor``, ``dispute``, ``stance``, ``modality`` (the claim's). The CSV (RFC 4180, UTF-8,
a header row) comes in two layouts: ``layout=wide``, the matrix as shown (one row per actor, one
column per dispute or statement, a cell's stances joined by ``; ``), and ``layout=long``, one row
per claim in a cell with every IRI and label (what pandas and R pivot, filter and count).
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from graph.research.stances import DISPUTE, MATRICES, PROPOSITION, Entry, Matrix, Statement
from server.errors import BadRequest
from server.render.html import Linker
from server.views import research
from server.views.research_text import texts

blueprint = Blueprint("stances", __name__)
OFFERED = ("text/html", "application/json", "text/csv")
LAYOUTS = ("wide", "long")
FACETS = ("actor", "dispute", "stance", "modality")
MODALITY_ASSERTED = "modality-asserted"
#: Most actors and disputes (or statements) the HTML table shows, those with the most claims:
#: a matrix of a large corpus is for the CSV; the page stays readable.
TABLE_ACTORS, TABLE_COLUMNS = 150, 60


def vocabularies(found: research.Models) -> dict[str, research.Vocabulary]:
    facets = found.timeline.filter(kind=["claim"]).facets()
    claimants = {a for i in found.timeline.items for a in i.claimants}
    return {
        "actor": research.Vocabulary(claimants | found.things("actor")),
        "dispute": research.Vocabulary(set(facets["dispute"]) | found.things("dispute")),
        "stance": research.Vocabulary(facets["stance"]),
        "modality": research.Vocabulary(facets["modality"]),
    }


def statement_label(statement: Statement, linker: Linker) -> str:
    """subject – predicate – object, in the page's language (a literal object as written)."""
    obj = linker.label(statement.object) if statement.object_is_iri else statement.object
    return f"{linker.label(statement.subject)} – {linker.label(statement.predicate)} – {obj}"


def columns_json(matrix: Matrix, linker: Linker) -> list[dict | None]:
    one = research.labelled(linker)
    if matrix.kind == DISPUTE:
        return [one(c) for c in matrix.columns]
    out: list[dict | None] = []
    for key in matrix.columns:
        statement = matrix.statements[key]
        out.append(
            statement.as_dict()
            | {
                "iri": key,
                "label": statement_label(statement, linker),
                "page": linker.href(key),
                "subject": one(statement.subject),
                "predicate": one(statement.predicate),
                "object": one(statement.object)
                if statement.object_is_iri
                else {"value": statement.object, "language": statement.object_language},
            }
        )
    return out


def entry_json(entry: Entry, linker: Linker) -> dict:
    """One claim of a cell; ``qualified``: the source does not plainly assert it (its modality
    is hedged, reported, hoped, conditional or denied), so the page names the modality."""
    one = research.labelled(linker)
    return {
        "claim": one(entry.claim),
        "stance": one(entry.stance),
        "modality": one(entry.modality),
        "propositionModality": one(entry.proposition_modality),
        "qualified": bool(entry.modality and not entry.modality.endswith(MODALITY_ASSERTED)),
    }


def build(lang: str) -> tuple[dict, Matrix, Linker]:
    found = research.models()
    linker = Linker(found.pub, lang)
    vocab = vocabularies(found)
    filters = research.chosen(vocab)
    kind = research.one_of("matrix", MATRICES)
    if kind == PROPOSITION and filters.get("dispute"):
        raise BadRequest("the dispute filter applies to the actor × dispute matrix only")
    matrix = found.stances.matrix(
        kind,
        actors=set(filters.get("actor", ())),
        columns=set(filters.get("dispute", ())) if kind == DISPUTE else frozenset(),
        stances=set(filters.get("stance", ())),
        modalities=set(filters.get("modality", ())),
    )
    one = research.labelled(linker)
    data = {
        "matrix": kind,
        "filters": filters,
        "rows": [one(r) for r in matrix.rows],
        "columns": columns_json(matrix, linker),
        "cells": [
            {"row": r, "column": c, "entries": [entry_json(e, linker) for e in entries]}
            for (r, c), entries in sorted(matrix.cells.items())
        ],
        "claims": len(matrix.claims()),
    }
    data["query"] = research.query_string(filters, vocab, matrix="" if kind == DISPUTE else kind)
    data["facets"] = {
        name: [{"value": vocab[name].name(v), "label": linker.label(v)} for v in vocab[name].values]
        for name in FACETS
    }
    data["chosen"] = {k: {vocab[k].name(v) for v in vs} for k, vs in filters.items()}
    return data, matrix, linker


def csv_body(data: dict, matrix: Matrix, layout: str) -> str:
    """The matrix as CSV: ``wide`` (as shown) or ``long`` (one row per claim in a cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = {c["iri"]: c for c in data["columns"]}
    rows = {r["iri"]: r for r in data["rows"]}
    column_name = "dispute" if matrix.kind == DISPUTE else "proposition"
    if layout == "wide":
        writer.writerow(["actor", "actor_label", *(c["label"] for c in data["columns"])])
        cells = {(c["row"], c["column"]): c["entries"] for c in data["cells"]}
        for row in data["rows"]:
            writer.writerow(
                [row["iri"], row["label"]]
                + [
                    "; ".join(_stance_text(e) for e in cells.get((row["iri"], c["iri"]), []))
                    for c in data["columns"]
                ]
            )
        return out.getvalue()
    writer.writerow(
        [
            "actor",
            "actor_label",
            column_name,
            f"{column_name}_label",
            "claim",
            "claim_label",
            "stance",
            "stance_label",
            "modality",
            "modality_label",
            "proposition_modality",
        ]
    )
    for cell in data["cells"]:
        row, column = rows[cell["row"]], columns[cell["column"]]
        for e in cell["entries"]:
            writer.writerow(
                [
                    row["iri"],
                    row["label"],
                    column["iri"],
                    column["label"],
                    e["claim"]["iri"],
                    e["claim"]["label"],
                    e["stance"]["iri"],
                    e["stance"]["label"],
                    e["modality"]["iri"] if e["modality"] else "",
                    e["modality"]["label"] if e["modality"] else "",
                    e["propositionModality"]["iri"] if e["propositionModality"] else "",
                ]
            )
    return out.getvalue()


def _stance_text(entry: dict) -> str:
    text = entry["stance"]["label"]
    return f"{text} ({entry['modality']['label']})" if entry["qualified"] else text


@blueprint.get("/stances")
@blueprint.get("/stances.<suffix>")
def stances(suffix: str | None = None) -> Response:
    """The stance matrix, negotiated: HTML, JSON or CSV."""
    return research.serve(OFFERED, suffix, render)


def render(media_type: str, lang: str) -> tuple[str, str]:
    layout = research.one_of("layout", LAYOUTS)
    data, matrix, linker = build(lang)
    if media_type == "text/csv":
        return csv_body(data, matrix, layout), f"stances-{matrix.kind}-{layout}.csv"
    if media_type == "application/json":
        public = {k: v for k, v in data.items() if k not in ("facets", "chosen", "query")}
        public["language"] = lang
        return json.dumps(public, ensure_ascii=False, indent=2) + "\n", ""
    cells = {(c["row"], c["column"]): c["entries"] for c in data["cells"]}
    text = texts(lang)
    rows, columns = (
        _busiest(data, "rows", "row", TABLE_ACTORS),
        _busiest(data, "columns", "column", TABLE_COLUMNS),
    )
    capped = len(rows) < len(data["rows"]) or len(columns) < len(data["columns"])
    page = render_template(
        "stances.html",
        title=text["stances"],
        text=text,
        data=data | {"rows": rows, "columns": columns},
        cells=cells,
        capped=text["matrix-capped"]
        .replace("{rows}", str(len(rows if data["matrix"] == DISPUTE else columns)))
        .replace("{columns}", str(len(columns if data["matrix"] == DISPUTE else rows)))
        if capped
        else "",
        **research.common(linker, "stances"),
    )
    return page, ""


def _busiest(data: dict, axis: str, side: str, most: int) -> list:
    """The ``most`` rows (or columns) with the most claims, in their order."""
    if len(data[axis]) <= most:
        return data[axis]
    counts: dict[str, int] = {}
    for cell in data["cells"]:
        counts[cell[side]] = counts.get(cell[side], 0) + len(cell["entries"])
    ranked = sorted(data[axis], key=lambda entry: -counts.get(entry["iri"], 0))[:most]
    kept = {entry["iri"] for entry in ranked}
    return [entry for entry in data[axis] if entry["iri"] in kept]
