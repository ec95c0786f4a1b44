"""SHACL shapes: load them against a base, validate data, and report results readably.

Core shapes (``core.ttl``) are Violations; advice (``recommended.ttl``) is Warnings; both apply
to the union of the data graphs. Two more files hold rules that only make sense inside one named
graph, so they are checked graph by graph: ``source-graph.ttl`` (in a source's own graph, every
fact is reachable from evidence anchored in that source) and ``curator-graph.ttl`` (in a curator
graph, every triple is cited). Validation follows SHACL §3 with the ontology passed to pyshacl as
``ont_graph`` so that ``sh:targetClass`` reaches instances of subclasses (SHACL §2.1.3.3).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from pyshacl import validate as shacl_validate
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

import ontology
from ontology import SH
from shapes import graph_rules

#: Shape files by the graphs they apply to: the union of the data graphs, one source's own graph,
#: one curator graph.
SHAPE_FILES = {
    "union": ("core.ttl", "recommended.ttl"),
    "source": ("source-graph.ttl",),
    "curator": ("curator-graph.ttl",),
}
SEVERITY_ORDER = ("Violation", "Warning", "Info")
#: The curator graph of a source is ``{base}graph/{slug}`` + this suffix: one path segment, so it
#: is served like any named graph (``/graph/{name}``), and never another source's graph (a slug is
#: ``[a-z0-9]+(-[a-z0-9]+)*``: no ``--``).
CURATOR_SUFFIX = "--curator"


def _files(kind: str) -> tuple[str, ...]:
    if kind == "all":
        return tuple(name for names in SHAPE_FILES.values() for name in names)
    return SHAPE_FILES[kind]


@cache
def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load(base: str, kind: str = "all") -> Graph:
    """Parse the shapes of ``kind`` ("union", "source", "curator" or "all", which is what is
    published) with relative IRIs resolved against ``base``; ``{base}`` in a SPARQL constraint's
    text (which Turtle does not resolve) is replaced by the base."""
    graph = ontology.bind_prefixes(Graph(), base)
    for name in _files(kind):
        text = _text(name).replace(ontology.BASE_PLACEHOLDER, base)
        graph.parse(data=text, format="turtle", publicID=base)
    return graph


#: The slug of the graph of the claims' content hashes (``graph.release.hashes``): computed
#: by the publisher, neither a source's graph nor a curator graph.
HASH_GRAPH = "content-hashes"


def graph_kind(base: str, name: str) -> str | None:
    """Whether a named graph is a source's own graph ("source"), a curator graph ("curator"), or
    neither (the ontology, shapes and content-hashes graphs, or a name outside
    ``{base}graph/``)."""
    prefix = f"{base}graph/"
    if not name.startswith(prefix):
        return None
    slug = name[len(prefix) :]
    if "/" in slug or "#" in slug or slug in ("ontology", "shapes", HASH_GRAPH):
        return None
    return "curator" if slug.endswith(CURATOR_SUFFIX) else "source"


@dataclass(frozen=True)
class Result:
    """One validation result (SHACL §3.6.2), with the file its focus node came from."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    file: str | None
    graph: str | None = None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class ValidationReport:
    """The outcome of validation: ``conforms`` is false only when there is a Violation."""

    graph: Graph
    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return self.count("Violation") == 0

    def count(self, severity: str) -> int:
        return sum(1 for result in self.results if result.severity == severity)

    @property
    def text(self) -> str:
        """Results grouped by severity, then by shape, each naming file and focus node."""
        if not self.results:
            return "Conforms: yes — nothing to report.\n"
        lines = [
            f"Conforms: {'yes' if self.conforms else 'no'} — "
            + ", ".join(f"{self.count(s)} {s.lower()}(s)" for s in SEVERITY_ORDER if self.count(s))
        ]
        grouped: dict[str, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
        for result in self.results:
            grouped[result.severity][result.shape].append(result)
        for severity in SEVERITY_ORDER:
            for shape in sorted(grouped.get(severity, {})):
                lines.append(f"\n{severity} — {shape}")
                for result in grouped[severity][shape]:
                    where = result.file or "(unknown file)"
                    if result.graph:
                        where += f" [graph {result.graph}]"
                    lines.append(f"  {where}: {result.focus}")
                    detail = result.message
                    if result.path:
                        detail += f" [path {result.path}]"
                    if result.value:
                        detail += f" [value {result.value}]"
                    lines.append(f"    {detail}")
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "results": [r.as_dict() for r in self.results]},
            ensure_ascii=False,
            indent=2,
        )

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")


@dataclass(frozen=True)
class Validation:
    """The SHACL report of the published data, kept for ``{base}validation``."""

    conforms: bool
    turtle: str
    results: list[dict]
    text: str


def _shape_name(shapes_graph: Graph, node) -> str:
    """A shape's IRI, or for an anonymous property shape the IRI of the node shape holding it."""
    if isinstance(node, URIRef):
        return str(node)
    for owner in shapes_graph.subjects(SH.property, node):
        path = shapes_graph.value(node, SH.path)
        return f"{owner} (property {path})"
    return "(anonymous shape)"


def _results(
    report_graph: Graph, shapes_graph: Graph, origins: dict, graph: str | None
) -> list[Result]:
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(node, SH.focusNode)
        value = report_graph.value(node, SH.value)
        path = report_graph.value(node, SH.resultPath)
        source_shape = report_graph.value(node, SH.sourceShape)
        messages = sorted(str(m) for m in report_graph.objects(node, SH.resultMessage))
        results.append(
            Result(
                severity=str(report_graph.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
                shape=_shape_name(shapes_graph, source_shape),
                focus=str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=str(value) if value is not None else None,
                message="; ".join(messages) or "(no message)",
                file=origins.get(focus),
                graph=graph,
            )
        )
    return results


def _sort_key(r: Result):
    severity = SEVERITY_ORDER.index(r.severity) if r.severity in SEVERITY_ORDER else 9
    return (severity, r.shape, r.graph or "", r.file or "", r.focus, r.path or "", r.value or "")


def _run(data: Graph, shapes_graph: Graph, ontology_graph: Graph | None) -> Graph:
    _, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return report_graph


def merge(parts: list[tuple[Graph, list[Result]]]) -> ValidationReport:
    """One report from several runs: a single sh:ValidationReport whose sh:conforms is false
    when any part has a Violation, holding every part's results (SHACL §3.6.1)."""
    merged, results = Graph(), []
    report = BNode()
    for report_graph, part in parts:
        results += part
        old = set(report_graph.subjects(RDF.type, SH.ValidationReport))
        for triple in report_graph:
            if triple[0] in old:
                if triple[1] == SH.result:
                    merged.add((report, SH.result, triple[2]))
            else:
                merged.add(triple)
    results.sort(key=_sort_key)
    conforms = not any(r.severity == "Violation" for r in results)
    merged.add((report, RDF.type, SH.ValidationReport))
    merged.add((report, SH.conforms, Literal(conforms, datatype=XSD.boolean)))
    merged.bind("sh", str(SH))
    return ValidationReport(graph=merged, results=results)


def validate_graph(
    data: Graph,
    base: str = ontology.DEFAULT_BASE,
    *,
    kind: str = "union",
    ontology_graph: Graph | None = None,
    shapes_graph: Graph | None = None,
    origins: dict | None = None,
    graph: str | None = None,
) -> tuple[Graph, list[Result]]:
    """Validate one graph against the shapes of ``kind``; the report graph and its results."""
    shapes_graph = shapes_graph if shapes_graph is not None else load(base, kind)
    if kind == "union":
        if ontology_graph is None:
            ontology_graph = ontology.load(base)
        report_graph = _run(data, shapes_graph, ontology_graph)
    else:
        report_graph = graph_rules.check(data, base, kind)
    return report_graph, _results(report_graph, shapes_graph, origins or {}, graph)


def validate(
    data: Graph | Dataset,
    base: str = ontology.DEFAULT_BASE,
    *,
    ontology_graph: Graph | None = None,
    shapes_graph: Graph | None = None,
    origins: dict | None = None,
) -> ValidationReport:
    """Validate ``data`` against the shapes; Violations make the report non-conforming.

    A graph is checked against the union shapes. A dataset is checked as the publisher does:
    the union of its data graphs against the union shapes, then each source graph and each
    curator graph against the rules of its kind (source texts are not part of a dataset, so the
    anchor-against-text rule applies only where :func:`graph.validate` attaches them).
    """
    if not isinstance(data, Dataset):
        return merge(
            [
                validate_graph(
                    data,
                    base,
                    ontology_graph=ontology_graph,
                    shapes_graph=shapes_graph,
                    origins=origins,
                )
            ]
        )
    union, parts = Graph(), []
    named = sorted(
        (str(g.identifier), g)
        for g in data.graphs()
        if isinstance(g.identifier, URIRef) and graph_kind(base, str(g.identifier))
    )
    for _, part in named:
        union += part
    parts.append(
        validate_graph(
            union, base, ontology_graph=ontology_graph, shapes_graph=shapes_graph, origins=origins
        )
    )
    for name, part in named:
        kind = graph_kind(base, name)
        parts.append(validate_graph(part, base, kind=kind, origins=origins, graph=name))
    return merge(parts)
