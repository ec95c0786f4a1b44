"""SHACL shapes: load them against a base, validate data, and report results readably.

Core shapes (``core.ttl``) are Violations; advice (``recommended.ttl``) is Warnings. Validation
follows SHACL §3 with the ontology passed to pyshacl as ``ont_graph`` so that ``sh:targetClass``
reaches instances of subclasses (SHACL §2.1.3.3).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

import ontology
from ontology import SH

SHAPE_FILES = ("core.ttl", "recommended.ttl")
SEVERITY_ORDER = ("Violation", "Warning", "Info")


def load(base: str) -> Graph:
    """Parse the shapes with relative IRIs resolved against ``base``."""
    graph = ontology.bind_prefixes(Graph(), base)
    files = resources.files(__name__)
    for name in SHAPE_FILES:
        if files.joinpath(name).is_file():
            text = files.joinpath(name).read_text(encoding="utf-8")
            graph.parse(data=text, format="turtle", publicID=base)
    return graph


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
            return "Conforms: no violations, no warnings.\n"
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


def _shape_name(report: Graph, shapes_graph: Graph, node) -> str:
    """A shape's IRI, or for an anonymous property shape the IRI of the node shape holding it."""
    if isinstance(node, URIRef):
        return str(node)
    for owner in shapes_graph.subjects(SH.property, node):
        path = shapes_graph.value(node, SH.path)
        return f"{owner} (property {path})"
    return "(anonymous shape)"


def _data_union(dataset: Dataset, base: str) -> Graph:
    """The union of a dataset's data graphs: every named graph but the ontology and shapes."""
    reserved = {f"{base}graph/ontology", f"{base}graph/shapes"}
    union = Graph()
    for named in dataset.graphs():
        if str(named.identifier) not in reserved:
            union += named
    return union


def validate(
    data: Graph | Dataset,
    base: str = ontology.DEFAULT_BASE,
    *,
    ontology_graph: Graph | None = None,
    shapes_graph: Graph | None = None,
    origins: dict | None = None,
) -> ValidationReport:
    """Validate ``data`` (a graph, or a dataset's data graphs) against the shapes; Violations
    make the report non-conforming."""
    if isinstance(data, Dataset):
        data = _data_union(data, base)
    shapes_graph = shapes_graph if shapes_graph is not None else load(base)
    ontology_graph = ontology_graph if ontology_graph is not None else ontology.load(base)
    _, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    origins = origins or {}
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(node, SH.focusNode)
        severity = report_graph.value(node, SH.resultSeverity)
        value = report_graph.value(node, SH.value)
        path = report_graph.value(node, SH.resultPath)
        messages = sorted(str(m) for m in report_graph.objects(node, SH.resultMessage))
        results.append(
            Result(
                severity=str(severity).rsplit("#", 1)[-1],
                shape=_shape_name(
                    report_graph, shapes_graph, report_graph.value(node, SH.sourceShape)
                ),
                focus=str(focus),
                path=str(path) if path is not None and isinstance(path, URIRef) else None,
                value=str(value) if value is not None else None,
                message="; ".join(messages) or "(no message)",
                file=origins.get(focus),
            )
        )
    results.sort(
        key=lambda r: (
            SEVERITY_ORDER.index(r.severity) if r.severity in SEVERITY_ORDER else 9,
            r.shape,
            r.file or "",
            r.focus,
            r.path or "",
            r.value or "",
        )
    )
    return ValidationReport(graph=report_graph, results=results)
