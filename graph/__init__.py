"""The curated data: parse the sources, validate them against the shapes, assemble the dataset.

Data flow (DESIGN.md): ``graph/sources/*/*.ttl`` + ``ontology/`` → parse (rdflib, relative IRIs
resolved against the base) → validate (pyshacl) → refuse on any Violation → a dataset with one named
graph per source document (``{base}graph/{slug}``, what the source says), one curator graph per
source that has a ``curator.ttl`` (``{base}graph/{slug}--curator``, cited context a curator adds),
the claims' content hashes (``{base}graph/content-hashes``, computed: :mod:`graph.release.hashes`),
plus the ontology and the shapes in named graphs of their own. Each source folder ships its text
(``source.txt``); validation checks every anchor against it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

import ontology
import shapes
from graph import discovery
from graph.release import hashes
from ontology import OA, SCHEMA

DEFAULT_BASE = ontology.DEFAULT_BASE
SOURCES_FOLDER = "sources"
ONTOLOGY_GRAPH = "ontology"
SHAPES_GRAPH = "shapes"
#: In a source folder: the curator's additions (their own named graph) and the source's text.
CURATOR_FILE = "curator.ttl"
TEXT_FILE = "source.txt"


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


def curator_graph_name(base: str, slug: str) -> URIRef:
    """The curator graph of one source: ``{base}graph/{slug}--curator`` (a slug has no ``/``, so
    it can never be another source's graph)."""
    return URIRef(f"{graph_name(base, slug)}{shapes.CURATOR_SUFFIX}")


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
    """Parsed data: the dataset, the file each subject was first described in (over all graphs
    and per graph), and each source's text by source graph."""

    dataset: Dataset
    origins: dict[URIRef, str] = field(default_factory=dict)
    data_graphs: list[URIRef] = field(default_factory=list)
    graph_origins: dict[URIRef, dict[URIRef, str]] = field(default_factory=dict)
    texts: dict[URIRef, str] = field(default_factory=dict)

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


def read_text(folder: Path) -> str | None:
    """The source text of a folder (UTF-8, newlines kept as they are), or None without one."""
    path = folder / TEXT_FILE
    if not path.is_file():
        return None
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableData(str(path), str(error)) from None


def parse(base: str, paths: list[Path] | None = None) -> Parsed:
    """Parse curated Turtle into a dataset, one named graph per source folder."""
    check_base(base)
    dataset = Dataset()
    ontology.bind_prefixes(dataset, base)
    parsed = Parsed(dataset)
    folders: dict[URIRef, Path] = {}
    for slug, file in _turtle_files(paths if paths is not None else bundled_sources()):
        if slug in (hashes.HASH_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH):
            raise UnreadableData(
                str(file.parent), f"the source name {slug!r} is reserved: rename its folder"
            )
        own = graph_name(base, slug)
        name = curator_graph_name(base, slug) if file.name == CURATOR_FILE else own
        folders.setdefault(own, file.parent)
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
        in_graph = parsed.graph_origins.setdefault(name, {})
        for triple in single:
            target.add(triple)
            parsed.origins.setdefault(triple[0], str(file))
            in_graph.setdefault(triple[0], str(file))
    for name, folder in folders.items():
        text = read_text(folder)
        if text is not None:
            parsed.texts[name] = text
        elif (None, OA.hasSource, None) in dataset.graph(name):
            raise UnreadableData(
                str(folder / TEXT_FILE), "no source text: the anchors of this source need it"
            )
    if not any(len(dataset.graph(name)) for name in parsed.data_graphs):
        searched = ", ".join(str(p) for p in paths) if paths is not None else "the bundled sources"
        raise NoData(f"no data in {searched}: its sources hold no triple")
    # Computed facts in a graph of their own (graph.release.hashes), not validated as a
    # source's: they are not what any source says.
    hashes.add_hash_graph(dataset, parsed.data_graphs, base)
    vocabulary = dataset.graph(graph_name(base, ONTOLOGY_GRAPH))
    vocabulary += _stable_blank_nodes(ontology.load(base))
    constraints = dataset.graph(graph_name(base, SHAPES_GRAPH))
    constraints += _stable_blank_nodes(shapes.load(base))
    return parsed


def _stable_blank_nodes(source: Graph) -> Graph:
    """The same graph with each blank node labelled by a digest of where it hangs (its parent's
    label and the property from it) and of what it holds (its properties and values, blank ones
    by their own digests), so that equal vocabulary serializes to equal bytes in every process.

    The shapes' blank nodes (lists, inline shapes, SPARQL constraints) form trees under named
    shapes, which this labels in linear time; rdflib's general canonicalization
    (``to_canonical_graph``) took most of the time of :func:`parse`.
    """
    content: dict[BNode, str] = {}

    def held(node: BNode, path: frozenset = frozenset()) -> str:
        if node not in content:
            if node in path:  # a cycle of blank nodes: label it by position only
                return "cycle"
            parts = sorted(
                f"{p.n3()} {held(o, path | {node}) if isinstance(o, BNode) else o.n3()}"
                for p, o in source.predicate_objects(node)
            )
            content[node] = _digest("\n".join(parts))
        return content[node]

    labels: dict[BNode, BNode] = {}

    def label(node: BNode, path: frozenset = frozenset()) -> BNode:
        if node not in labels:
            parents = sorted(
                f"{label(s, path | {node}) if isinstance(s, BNode) and s not in path else s.n3()}"
                f" {p.n3()}"
                for s, p in source.subject_predicates(node)
            )
            labels[node] = BNode("b" + _digest("\n".join(parents) + "\n" + held(node))[:20])
        return labels[node]

    stable = Graph()
    for s, p, o in source:
        stable.add(
            (
                label(s) if isinstance(s, BNode) else s,
                p,
                label(o) if isinstance(o, BNode) else o,
            )
        )
    return stable


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _shapes(base: str, kind: str) -> Graph:
    return shapes.load(base, kind)


def _with_texts(graph: Graph, parsed: Parsed, names: list[URIRef], base: str) -> Graph:
    """``graph`` plus each source text on its document (pg:sourceText), for validation only:
    the text is never added to the dataset that is published."""
    pg = ontology.pg(base)
    for name in names:
        text = parsed.texts.get(name)
        if text is None:
            continue
        for document in parsed.dataset.graph(name).subjects(RDF.type, SCHEMA.OpinionNewsArticle):
            graph.add((document, pg.sourceText, Literal(text)))
    return graph


def validate(parsed: Parsed, base: str) -> shapes.ValidationReport:
    """Validate ``parsed`` (SHACL §3): the union of its data graphs, with each source's text
    attached to its document, against the core and recommended shapes (the ontology as
    ``ont_graph``); then each source's own graph against the source-graph rules and each curator
    graph against the curator-graph rules (shapes/__init__.py)."""
    sources = [n for n in parsed.data_graphs if shapes.graph_kind(base, str(n)) == "source"]
    parts = [
        shapes.validate_graph(
            _with_texts(parsed.union(), parsed, sources, base),
            base,
            ontology_graph=parsed.dataset.graph(graph_name(base, ONTOLOGY_GRAPH)),
            shapes_graph=_shapes(base, "union"),
            origins=parsed.origins,
        )
    ]
    for name in parsed.data_graphs:
        kind = shapes.graph_kind(base, str(name))
        data = Graph()
        data += parsed.dataset.graph(name)
        parts.append(
            shapes.validate_graph(
                _with_texts(data, parsed, [name], base) if kind == "source" else data,
                base,
                kind=kind,
                shapes_graph=_shapes(base, kind),
                origins=parsed.graph_origins.get(name, {}),
                graph=str(name),
            )
        )
    return shapes.merge(parts)


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
