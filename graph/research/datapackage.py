"""The Frictionless data package of the tables: ``datapackage.json`` (Data Package v1,
Tabular Data Package profile), its Table Schemas generated from the SHACL shapes and the ontology.

For each column (:class:`graph.research.tables.Column`) the property shapes with its
``sh:path``, on node shapes whose ``sh:targetClass`` is the column's class or a superclass of it,
and whose severity is ``sh:Violation`` (the rules publication enforces), give (Table Schema §
Field Descriptors, § Constraints):

- the type: ``sh:datatype`` xsd:integer → ``integer``, xsd:boolean → ``boolean``, xsd:date →
  ``date``; several date datatypes (``sh:or``: date, gYearMonth, gYear) → ``string`` with a
  pattern (a date at the precision the source gives); an IRI (``sh:nodeKind``/``sh:class``) →
  ``string`` of format ``uri``; anything else ``string``;
- ``required`` from ``sh:minCount`` (or ``sh:qualifiedMinCount``, for a label's language);
- ``enum`` from ``sh:in`` (concepts by local name, as the tables write them);
- the title from ``sh:name``, the description from the property's ``rdfs:comment`` in the
  ontology, else the shape's ``sh:description`` or ``sh:message``, plus the column's own note.

Primary keys and foreign keys come from the tables' declarations (§ Primary Key, § Foreign
Keys). The descriptor holds each file's ``bytes`` and ``hash`` (SHA-256), so a reader checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS, SH, XSD

import ontology
import shapes
from graph.research.tables import SEPARATOR, Column, Table, class_iri

#: Where the data's licence is (the licence of the publication, server/publish/void.py).
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
PARTIAL_DATE = "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
QID = "Q[1-9][0-9]*"
_TYPES = {XSD.integer: "integer", XSD.boolean: "boolean", XSD.date: "date"}


@dataclass(frozen=True)
class Vocabulary:
    """The shapes (what the data must be) and the ontology (what the terms mean)."""

    shapes: Graph
    ontology: Graph
    base: str

    @classmethod
    def load(cls, base: str) -> Vocabulary:
        return cls(shapes.load(base, "union"), ontology.load(base), base)

    def superclasses(self, klass: URIRef) -> set[URIRef]:
        found, todo = {klass}, [klass]
        while todo:
            for parent in self.ontology.objects(todo.pop(), RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    def property_shapes(self, klass: URIRef, path: URIRef) -> list:
        """The Violation property shapes on ``path`` that apply to things of ``klass``."""
        found = []
        for target in sorted(self.superclasses(klass)):
            for node in sorted(self.shapes.subjects(SH.targetClass, target)):
                if (node, SH.severity, SH.Warning) in self.shapes:
                    continue
                for shape in sorted(self.shapes.objects(node, SH.property)):
                    if (shape, SH.path, path) in self.shapes and (
                        shape,
                        SH.severity,
                        SH.Warning,
                    ) not in self.shapes:
                        found.append(shape)
        return found

    def comment(self, term: URIRef) -> str:
        return _english(self.ontology.objects(term, RDFS.comment))


def _english(values) -> str:
    texts = sorted(str(v) for v in values if isinstance(v, Literal) and v.language in (None, "en"))
    return texts[0] if texts else ""


def _list(graph: Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def field(column: Column, vocabulary: Vocabulary) -> dict:
    """The Table Schema field descriptor of ``column`` (module doc)."""
    descriptor: dict = {"name": column.name, "type": "string"}
    constraints: dict = {}
    description = []
    if column.path:
        g = vocabulary.shapes
        path = URIRef(column.path)
        found = vocabulary.property_shapes(URIRef(class_iri(vocabulary.base, column.klass)), path)
        if column.language:
            found = [s for s in found if _for_language(g, s, column.language)] or found[:1]
        datatypes = {d for s in found for d in _datatypes(g, s)}
        if column.value in ("iri",) or any(
            (s, SH.nodeKind, SH.IRI) in g or (s, SH["class"], None) in g for s in found
        ):
            descriptor["format"] = "uri"
        elif len(datatypes) == 1 and next(iter(datatypes)) in _TYPES:
            descriptor["type"] = _TYPES[next(iter(datatypes))]
        elif datatypes and datatypes <= {XSD.date, XSD.gYearMonth, XSD.gYear}:
            constraints["pattern"] = PARTIAL_DATE
        if column.value == "concept":
            enum = _enum(g, found, column.prefix)
            descriptor.pop("format", None)
            if enum:
                constraints["enum"] = enum
        if column.value == "qid":
            descriptor.pop("format", None)
            constraints["pattern"] = QID
        if any(_min(g, s) >= 1 for s in found):
            constraints["required"] = True
        names = sorted({str(n) for s in found for n in g.objects(s, SH.name)})
        if names:
            descriptor["title"] = names[0]
        comment = vocabulary.comment(path) or _english(
            v for s in found for p in (SH.description, SH.message) for v in g.objects(s, p)
        )
        if not column.language:
            description.append(comment)
        if column.value not in ("iri", "qid") and not any(_max(g, s) == 1 for s in found):
            if not column.language and column.value != "concept":
                description.append(f"Several values are joined by {SEPARATOR!r}.")
        description.append(f"RDF property: <{column.path}>.")
    if column.note:
        description.insert(0, column.note)
    if column.value == "iri":
        descriptor["format"] = "uri"
    if column.value == "boolean":
        descriptor["type"] = "boolean"
    descriptor["description"] = " ".join(d for d in description if d)
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def _for_language(g: Graph, shape, language: str) -> bool:
    qualified = g.value(shape, SH.qualifiedValueShape)
    if qualified is None:
        return False
    return [str(v) for v in _list(g, g.value(qualified, SH.languageIn))] == [language]


def _datatypes(g: Graph, shape) -> set:
    found = set(g.objects(shape, SH.datatype))
    for alternative in _list(g, g.value(shape, SH["or"])):
        found |= set(g.objects(alternative, SH.datatype))
    return found


def _enum(g: Graph, found: list, prefix: str) -> list[str]:
    """The values ``sh:in`` allows (directly or in a qualified value shape), by local name."""
    values: list[str] = []
    for shape in found:
        holders = [shape, g.value(shape, SH.qualifiedValueShape)]
        for holder in holders:
            for value in _list(g, g.value(holder, SH["in"]) if holder is not None else None):
                name = str(value)
                values.append(name[len(prefix) :] if name.startswith(prefix) else name)
    return sorted(set(values))


def _min(g: Graph, shape) -> int:
    counts = [int(v) for p in (SH.minCount, SH.qualifiedMinCount) for v in g.objects(shape, p)]
    return max(counts, default=0)


def _max(g: Graph, shape) -> int | None:
    counts = [int(v) for v in g.objects(shape, SH.maxCount)]
    return min(counts) if counts else None


def schema(table: Table, vocabulary: Vocabulary) -> dict:
    """The Table Schema of ``table``: fields, primary key, foreign keys, missing values."""
    fields = [field(c, vocabulary) for c in table.columns]
    for descriptor in fields:
        if descriptor["name"] in table.key:
            descriptor.setdefault("constraints", {})["required"] = True
    out: dict = {"fields": fields, "missingValues": [""], "primaryKey": list(table.key)}
    foreign = [
        {
            "fields": [c.name],
            "reference": {"resource": c.references[0], "fields": [c.references[1]]},
        }
        for c in table.columns
        if c.references
    ]
    if foreign:
        out["foreignKeys"] = foreign
    return out


def descriptor(tables: list[Table], files: dict[str, tuple[int, str]], base: str) -> dict:
    """``datapackage.json`` for ``tables``; ``files``: file name → (bytes, SHA-256 hex)."""
    vocabulary = Vocabulary.load(base)
    resources = []
    for table in tables:
        name = f"{table.name}.csv"
        size, digest = files[name]
        resources.append(
            {
                "name": table.name,
                "path": name,
                "profile": "tabular-data-resource",
                "title": table.name.replace("_", " ").capitalize(),
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": size,
                "hash": f"sha256:{digest}",
                "schema": schema(table, vocabulary),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "policygraph",
        "title": "policygraph: foreign-policy discourse as linked data, as tables",
        "description": (
            "Actors, claims, events, relations, disputes and evidence anchors of the "
            f"dataset published at {base}, one table per kind of thing plus link tables, "
            "generated from the RDF; the field types and descriptions come from the SHACL "
            f"shapes ({base}shapes) and the ontology ({base}ontology)."
        ),
        "homepage": base,
        "licenses": [LICENSE],
        "sources": [{"title": "policygraph SPARQL endpoint", "path": f"{base}sparql"}],
        "resources": resources,
    }
