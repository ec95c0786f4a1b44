"""The curated data: parse the sources, validate them against the shapes, assemble the dataset.

Data flow (DESIGN.md): ``graph/sources/*/*.ttl`` + ``ontology/`` → parse (rdflib, relative IRIs
resolved against the base) → validate (pyshacl) → refuse on any Violation → a dataset with one named
graph per source document, plus the ontology and the shapes in named graphs of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.parsers.notation3 import BadSyntax

import ontology
import shapes
from graph import discovery

DEFAULT_BASE = ontology.DEFAULT_BASE
SOURCES_FOLDER = "sources"
ONTOLOGY_GRAPH = "ontology"
SHAPES_GRAPH = "shapes"


class DataError(Exception):
    """Curated data that cannot be published."""


class UnreadableData(DataError):
    """A file that cannot be read or parsed (reported with file, line and reason)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class NoData(DataError):
    """Nothing to publish: paths naming no source, or sources holding no triple."""


class InvalidData(DataError):
    """Data that parses but breaks at least one core shape (a SHACL Violation)."""

    def __init__(self, report: shapes.ValidationReport):
        self.report = report
        super().__init__(f"the data does not conform: {report.count('Violation')} violation(s)")


def graph_name(base: str, slug: str) -> URIRef:
    """The named graph of one source document: ``{base}graph/{slug}`` (DESIGN.md § IRIs)."""
    return URIRef(f"{base}graph/{slug}")


def vocabulary_graph_names(base: str) -> list[str]:
    """The ontology and shapes graphs: queryable by name, left out of the default graph."""
    return [str(graph_name(base, ONTOLOGY_GRAPH)), str(graph_name(base, SHAPES_GRAPH))]


def check_base(base: str) -> str:
    """A base must be an absolute http(s) IRI ending in ``/`` so relative IRIs resolve under it."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise ValueError(f"the base must be an http(s) IRI ending in '/': {base!r}")
    return base


def bundled_sources() -> list[Path]:
    """The source folders that ship with the package, in a stable order."""
    root = Path(str(resources.files(__name__).joinpath(SOURCES_FOLDER)))
    return sorted(folder for folder in root.iterdir() if folder.is_dir())


@dataclass
class Parsed:
    """Parsed data: the dataset, and the file each subject was first described in."""

    dataset: Dataset
    origins: dict[URIRef, str] = field(default_factory=dict)
    data_graphs: list[URIRef] = field(default_factory=list)

    def union(self) -> Graph:
        """All data graphs merged into one graph (what the shapes validate)."""
        merged = Graph()
        for name in self.data_graphs:
            for triple in self.dataset.graph(name):
                merged.add(triple)
        return merged


def _turtle_files(paths: list[Path]) -> list[tuple[str, Path]]:
    """(source slug, file) pairs of the sources ``paths`` name (:mod:`graph.discovery`)."""
    try:
        sources = discovery.find_sources(paths)
    except FileNotFoundError as error:
        raise UnreadableData(str(error), "no such file or folder") from None
    except discovery.SourceError as error:
        raise NoData(str(error)) from None
    return [(source.name, file) for source in sources for file in source.files]


def parse(base: str, paths: list[Path] | None = None) -> Parsed:
    """Parse curated Turtle into a dataset, one named graph per source folder."""
    check_base(base)
    dataset = Dataset()
    ontology.bind_prefixes(dataset, base)
    parsed = Parsed(dataset)
    for slug, file in _turtle_files(paths if paths is not None else bundled_sources()):
        name = graph_name(base, slug)
        if name not in parsed.data_graphs:
            parsed.data_graphs.append(name)
        single = Graph()
        try:
            single.parse(file, format="turtle", publicID=base)
        except BadSyntax as error:
            why = error._why or "Turtle syntax error"
            raise UnreadableData(str(file), why, error.lines + 1) from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise UnreadableData(str(file), str(error)) from None
        target = dataset.graph(name)
        for triple in single:
            target.add(triple)
            parsed.origins.setdefault(triple[0], str(file))
    if not any(len(dataset.graph(name)) for name in parsed.data_graphs):
        searched = ", ".join(str(p) for p in paths) if paths is not None else "the bundled sources"
        raise NoData(f"no data in {searched}: its sources hold no triple")
    vocabulary = dataset.graph(graph_name(base, ONTOLOGY_GRAPH))
    vocabulary += _stable_blank_nodes(ontology.load(base))
    constraints = dataset.graph(graph_name(base, SHAPES_GRAPH))
    constraints += _stable_blank_nodes(shapes.load(base))
    return parsed


def _stable_blank_nodes(source: Graph) -> Graph:
    """The same graph with blank nodes labelled canonically (the shapes' lists and inline
    shapes), so that equal data serializes to equal bytes in every process."""
    stable = Graph()
    for triple in to_canonical_graph(source):
        stable.add(triple)
    return stable


def validate(parsed: Parsed, base: str) -> shapes.ValidationReport:
    """Validate the data graphs of ``parsed`` against the shapes, the ontology as ``ont_graph``."""
    return shapes.validate(
        parsed.union(),
        base,
        ontology_graph=parsed.dataset.graph(graph_name(base, ONTOLOGY_GRAPH)),
        shapes_graph=parsed.dataset.graph(graph_name(base, SHAPES_GRAPH)),
        origins=parsed.origins,
    )


def load(base: str = DEFAULT_BASE, paths: list[Path] | None = None) -> Dataset:
    """Return the validated dataset; raise :class:`InvalidData` on any SHACL Violation."""
    parsed = parse(base, paths)
    report = validate(parsed, base)
    if not report.conforms:
        raise InvalidData(report)
    return parsed.dataset


def data_graph_names(dataset: Dataset, base: str) -> list[URIRef]:
    """The named graphs that hold data (not the ontology or the shapes), sorted."""
    reserved = {graph_name(base, ONTOLOGY_GRAPH), graph_name(base, SHAPES_GRAPH)}
    return sorted(
        context.identifier
        for context in dataset.graphs()
        if isinstance(context.identifier, URIRef)
        and context.identifier.startswith(f"{base}graph/")
        and context.identifier not in reserved
        and len(context) > 0
    )
