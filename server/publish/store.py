"""Opening the store a publication reads, as the setting ``store`` says.

``memory``: parsed and validated from the sources into an in-memory pyoxigraph store.
``oxigraph:PATH``: an on-disk store, built from the sources if absent, else opened read-only;
beside it are kept the SHACL report (``PATH.validation.json``) and the fingerprint of the
sources it was built from (``PATH.sources.json``, :func:`graph.discovery.fingerprint`). When the
sources no longer match the fingerprint, the store is rebuilt through the same SHACL gate; if the
changed sources are refused, the store built from the previous ones keeps being served and the
refusal is logged (issue 15 §2). ``sparql:URL``: an external SPARQL 1.1 engine
(:class:`graph.store.remote.RemoteStore`, DESIGN.md § Store and scale), whose data and report
``policygraph load`` put there. Data that breaks a core shape is never opened.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF

import graph
import graph.store
import ontology
from graph import discovery
from graph.store import EmbeddedStore, Store, StoreError
from graph.store.remote import VALIDATION_GRAPH, RemoteStore
from server.settings import Settings
from shapes import Validation

STORE_PREFIX = "oxigraph:"
SPARQL_PREFIX = "sparql:"
REPORT_FILE = ".validation.json"
SOURCES_FILE = ".sources.json"
SH = str(ontology.SH)
RDF_TYPE = str(RDF.type)

log = logging.getLogger(__name__)


def _store_path(setting: str) -> Path | None:
    if setting == "memory":
        return None
    if setting.startswith(STORE_PREFIX):
        return Path(setting[len(STORE_PREFIX) :])
    raise ValueError(f"unknown store {setting!r}: use 'memory', 'oxigraph:PATH' or 'sparql:URL'")


def _beside(path: Path, suffix: str) -> Path:
    return path.parent / f"{path.name}{suffix}"


def _write_beside(path: Path, suffix: str, content: dict) -> None:
    target = _beside(path, suffix)
    staging = target.with_name(target.name + ".tmp")
    staging.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    os.replace(staging, target)  # never a half-written file after a crash


def sources_fingerprint(settings: Settings) -> str:
    """The fingerprint of the sources ``settings`` name and of what shapes their store; empty
    when they cannot be found (a build then says why)."""
    paths = [Path(p) for p in settings.data] or graph.bundled_sources()
    try:
        sources = discovery.find_sources(paths)
    except (discovery.SourceError, OSError):
        return ""
    shaping = {"base": settings.base, "default_graph": settings.default_graph}
    return discovery.fingerprint(sources, shaping)


def _built_from(path: Path) -> str | None:
    """The fingerprint saved beside the store at ``path``, if any."""
    try:
        return json.loads(_beside(path, SOURCES_FILE).read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _validated_store(
    base: str, paths, path: Path | None, union: bool = True, fingerprint: str = ""
) -> tuple[Store, Validation]:
    """Parse, validate (refusing any Violation) and load the curated data; beside an on-disk
    store, its report and the ``fingerprint`` of its sources (taken before they were read)."""
    parsed = graph.parse(base, paths)
    report = graph.validate(parsed, base)
    if not report.conforms:
        raise graph.InvalidData(report)
    validation = Validation(
        True, report.turtle(), [r.as_dict() for r in report.results], report.text
    )
    store = graph.store.build(parsed.dataset, path, graph.vocabulary_graph_names(base), union)
    if path is not None:
        _write_beside(path, REPORT_FILE, validation.__dict__)
        _write_beside(path, SOURCES_FILE, {"fingerprint": fingerprint})
    return store, validation


def published_report(validation: Validation) -> Validation:
    """The report as the publication shows it: each result's file as ``{source}/{file}`` (the
    source folder's name and the file in it), never a path of the server's machine."""
    relative: dict[str, str] = {}
    results = []
    for result in validation.results:
        file = result.get("file")
        if file:
            path = Path(file)
            relative[file] = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
            result = {**result, "file": relative[file]}
        results.append(result)
    text = validation.text
    for file in sorted(relative, key=len, reverse=True):
        text = text.replace(file, relative[file])
    return Validation(validation.conforms, validation.turtle, results, text)


def _refusal(error: graph.DataError) -> str:
    """Why changed sources were refused: the report of their Violations, or the reason."""
    if isinstance(error, graph.InvalidData):
        return f"{error}\n{error.report.text.rstrip()}"
    return str(error)


def open_store(settings: Settings, rebuild: bool = False) -> tuple[Store, Validation]:
    """An in-memory store from the sources, or an on-disk one (built if absent or if its
    sources changed, else opened; see the module docstring), and the SHACL report to publish
    (:func:`published_report`).

    ``rebuild`` (a reload) re-reads the sources even when an on-disk store exists; the new store
    is built offline and swapped in only after the data validated (:mod:`server.run.reload`).
    """
    if settings.store.startswith(SPARQL_PREFIX):  # loaded and validated by `policygraph load`
        return open_remote(settings)
    base = settings.base
    paths = [Path(p) for p in settings.data] or None
    path = _store_path(settings.store)
    union = settings.default_graph == "data"
    fingerprint = sources_fingerprint(settings) if path is not None else ""
    if path is not None and path.is_dir() and not rebuild:
        report_file = _beside(path, REPORT_FILE)
        if report_file.is_file():
            saved = Validation(**json.loads(report_file.read_text(encoding="utf-8")))
            store = EmbeddedStore.on_disk(path, union)
            # A store built for another base holds none of this deployment's IRIs, and one built
            # before the default graph held the union of the data graphs lacks it: rebuild it.
            usable = (store.has_union() or not union) and any(
                g.value.startswith(f"{base}graph/") for g in store.named_graphs()
            )
            del store  # not held while a new one is built and swapped in
            if usable and _built_from(path) == fingerprint:
                return EmbeddedStore.on_disk(path, union), published_report(saved)
            if usable:
                log.info("the sources changed since the store at %s was built: rebuilding it", path)
                try:
                    rebuilt, validation = _validated_store(base, paths, path, union, fingerprint)
                    return rebuilt, published_report(validation)
                except graph.DataError as error:
                    log.error(
                        "the changed sources are refused; still serving the store at %s, built "
                        "from the previous sources: %s",
                        path,
                        _refusal(error),
                    )
                    return EmbeddedStore.on_disk(path, union), published_report(saved)
    built, validation = _validated_store(base, paths, path, union, fingerprint)
    return built, published_report(validation)


def open_remote(settings: Settings) -> tuple[RemoteStore, Validation]:
    """The remote store of ``settings.store`` (``sparql:URL``) and its stored validation.

    The data was validated by ``policygraph load`` before it reached the engine; without the
    report it stored (graph ``{base}validation``) the publisher refuses to start, as it refuses
    unvalidated data. The store's scope is the graphs under ``{base}graph/``, its default graph
    the union of those but the ontology and shapes.
    """
    base = settings.base
    store = RemoteStore.from_setting(settings.store, timeout=settings.sparql_timeout * 3)
    try:
        names = [g.value for g in store.named_graphs()]
    except StoreError as error:
        raise ValueError(f"cannot read the SPARQL store {store.query_url}: {error}") from None
    store.scope = sorted(name for name in names if name.startswith(f"{base}graph/"))
    vocabulary = set(graph.vocabulary_graph_names(base))
    store.default_graphs = [name for name in store.scope if name not in vocabulary]
    if not store.scope:
        raise ValueError(
            f"the SPARQL store {store.query_url} holds no graph under {base}graph/: "
            "load it first (policygraph load --into sparql:URL)"
        )
    report_graph = f"{base}{VALIDATION_GRAPH}"
    if report_graph not in names:
        raise ValueError(
            f"the SPARQL store {store.query_url} holds no validation report "
            f"<{report_graph}>: load the data with policygraph load"
        )
    return store, Validation(**read_validation(store, report_graph))


def read_validation(store: Store, report_graph: str) -> dict:
    """The SHACL report (SHACL §3.6) stored in ``report_graph``, as the publication keeps it."""
    triples = store.triples(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{report_graph}> {{ ?s ?p ?o }} }}",
        named_graphs=[report_graph],
    )
    by_subject: dict[Any, dict[str, list]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, {}).setdefault(triple.predicate.value, []).append(
            triple.object
        )

    def one(node, name):
        values = by_subject.get(node, {}).get(SH + name) or []
        return values[0].value if values and not isinstance(values[0], ox.BlankNode) else None

    conforms = all(
        one(node, "conforms") in ("true", "1")
        for node, props in by_subject.items()
        if any(v.value == SH + "ValidationReport" for v in props.get(RDF_TYPE, []))
    )
    results = []
    for node, props in by_subject.items():
        if not any(v.value == SH + "ValidationResult" for v in props.get(RDF_TYPE, [])):
            continue
        severity = one(node, "resultSeverity") or ""
        results.append(
            {
                "severity": severity.rsplit("#", 1)[-1],
                "shape": one(node, "sourceShape") or "",
                "focus": one(node, "focusNode") or "",
                "path": one(node, "resultPath"),
                "value": one(node, "value"),
                "message": one(node, "resultMessage") or "",
                "file": None,
            }
        )
    results.sort(key=lambda r: (r["severity"], r["shape"], r["focus"]))
    turtle = (
        ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE, prefixes={"sh": SH})
        or b""
    ).decode("utf-8")
    text = "".join(f"{r['severity']}: {r['focus']} — {r['message']}\n" for r in results)
    return {
        "conforms": conforms,
        "turtle": turtle,
        "results": results,
        "text": text or "Conforms: no violations, no warnings.\n",
    }
