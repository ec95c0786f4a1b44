"""Whole-dataset serializations in one canonical form, shared by ``policygraph dump`` and the
dumps the publisher writes at startup (``/dumps/``), so that equal data gives equal bytes.

The canonical form is read from a pyoxigraph store (the CLI loads its dataset into one the way
the publisher does), so both see the store's terms: language tags in lower case (RDF 1.1
Concepts §3.3: the value space of language tags is lower case) and typed literals of the
XSD types in their canonical lexical form. Named graphs are written graph by graph: the graphs
without blank nodes in code-point order of their IRIs, then the graphs holding blank nodes, in
the same order, their blank nodes labelled by RDFC-1.0 (W3C RDF Dataset Canonicalization,
§4.4: ``_:c14n0``…) over those graphs together, since a store labels blank nodes afresh at
every load. Within a graph, the N-Triples lines (N-Triples §2, as pyoxigraph writes them) are
sorted bytewise: UTF-8 order is code-point order. A store that yields them in another order
(on disk, remote) gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef

import graph
import graph.store
import ontology
from graph.store import Store

N_TRIPLES = ox.RdfFormat.N_TRIPLES
RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: zlib level of the gzipped N-Quads: on the 1M-triple benchmark corpus level 1 took 0.4 s for
#: 12.9 MB where the default 9 took 3.1 s for 9.2 MB (and 6: 1.1 s, 9.8 MB).
GZIP_LEVEL = 1
#: Local names written as prefixed names in Turtle: a strict subset of Turtle's PN_LOCAL
#: (§6.5), so that no local name ever needs an escape.
LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: Prefixed names remembered while writing Turtle (a bound: objects are as many as the data).
NAME_CACHE = 65536

#: One named graph to dump: its IRI and a function returning its triples as N-Triples.
GraphSource = tuple[str, Callable[[], bytes]]


def store_graphs(store: Store) -> list[GraphSource]:
    """The named graphs a dump of ``store`` holds (:meth:`graph.store.base.Store.dumped_graphs`),
    each read back as N-Triples by the store (:meth:`graph.store.base.Store.graph_ntriples`)."""

    def reader(name: str) -> Callable[[], bytes]:
        return lambda: store.graph_ntriples(ox.NamedNode(name))

    return [(name, reader(name)) for name in store.dumped_graphs()]


def _lines(ntriples: bytes) -> list[bytes]:
    """The sorted statements of an N-Triples document, without their newlines."""
    lines = ntriples.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    lines.sort()
    return lines


def _has_blank_nodes(ntriples: bytes) -> bool:
    if b"_:" not in ntriples:  # most graphs: no parse needed
        return False
    return any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
        for t in ox.parse(ntriples, N_TRIPLES)
    )


def canonical_graphs(sources: Iterable[GraphSource]) -> Iterator[tuple[str, list[bytes]]]:
    """(graph IRI, its sorted N-Triples lines) for each graph, in the canonical order (module
    docstring). Only one graph without blank nodes is held in memory at a time."""
    held: list[tuple[str, bytes]] = []
    for name, read in sorted(sources, key=lambda source: source[0]):
        ntriples = read()
        if _has_blank_nodes(ntriples):
            held.append((name, ntriples))
        else:
            yield name, _lines(ntriples)
    if not held:
        return
    dataset = ox.Dataset()
    for name, ntriples in held:
        label = ox.NamedNode(name)
        for t in ox.parse(ntriples, N_TRIPLES):
            dataset.add(ox.Quad(t.subject, t.predicate, t.object, label))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    for name, _ in held:
        triples = [q.triple for q in dataset.quads_for_graph_name(ox.NamedNode(name))]
        yield name, _lines(ox.serialize(triples, format=N_TRIPLES))


def nquads_block(name: str, lines: list[bytes]) -> bytes:
    """One graph's statements as N-Quads (§2: an N-Triples statement plus a graph label). Each
    line ends in `` .`` and a newline inside a literal is escaped, so the label goes before it."""
    if not lines:
        return b""
    return (b"\n".join(lines) + b"\n").replace(b" .\n", f" <{name}> .\n".encode())


class TurtleWriter:
    """Turtle (RDF 1.1 Turtle) from sorted N-Triples lines: statements grouped by subject and
    predicate (§2.3), IRIs (datatypes included) in the given namespaces as prefixed names where
    the local name needs no escape, ``a`` for ``rdf:type``; every other term as N-Triples writes
    it, which is Turtle (§2.5: N-Triples terms are Turtle terms)."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = dict(prefixes)
        # Longest namespace first, so a namespace inside another never takes its names.
        self._namespaces = sorted(
            ((f"<{ns}".encode(), prefix.encode()) for prefix, ns in prefixes.items()),
            key=lambda pair: -len(pair[0]),
        )
        self._names: dict[bytes, bytes] = {}

    def header(self) -> bytes:
        return "".join(
            f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in self.prefixes.items()
        ).encode()

    def name(self, term: bytes) -> bytes:
        """``term`` as a prefixed name if it is an IRI one can name, else unchanged."""
        found = self._names.get(term)
        if found is not None:
            return found
        found = term
        if term.startswith(b"<"):
            for namespace, prefix in self._namespaces:
                if term.startswith(namespace):
                    local = term[len(namespace) : -1]
                    if LOCAL_NAME.fullmatch(local.decode("utf-8", "replace")):
                        found = prefix + b":" + local
                    break
        if len(self._names) >= NAME_CACHE:
            self._names.clear()
        self._names[term] = found
        return found

    def block(self, lines: list[bytes], indent: bytes = b"") -> bytes:
        """The statements of sorted N-Triples ``lines`` in Turtle."""
        out: list[bytes] = []
        subject = predicate = None
        name = self.name
        for line in lines:
            s, p, o = line[:-2].split(b" ", 2)
            if o[:1] == b"<":
                o = name(o)
            elif o[-1:] == b">":  # a typed literal: "…"^^<datatype>
                value, _, datatype = o.rpartition(b"^^")
                o = value + b"^^" + name(datatype)
            if s != subject:
                if subject is not None:
                    out.append(b" .\n")
                out += [indent, name(s), b"\n", indent, b"\t", b"a" if p == RDF_TYPE else name(p)]
                out += [b" ", o]
                subject, predicate = s, p
            elif p != predicate:
                out += [b" ;\n", indent, b"\t", b"a" if p == RDF_TYPE else name(p), b" ", o]
                predicate = p
            else:
                out += [b" ,\n", indent, b"\t\t", o]
        if subject is not None:
            out.append(b" .\n")
        return b"".join(out)


class Writer:
    """One dump format, written graph by graph as :func:`canonical_graphs` yields them:
    ``begin()``, then ``graph(name, lines, is_data)`` for each graph, then ``end()``, each
    returning bytes."""

    media_type = ""

    def __init__(self, base: str):
        self.base = base

    def begin(self) -> bytes:
        return b""

    def graph(self, name: str, lines: list[bytes], is_data: bool) -> bytes:
        raise TypeError(f"{type(self).__name__} does not say how to write a graph")

    def end(self) -> bytes:
        return b""


class NQuadsWriter(Writer):
    """Every named graph (data, ontology, shapes) as N-Quads."""

    media_type = "application/n-quads"

    def graph(self, name, lines, is_data):
        return nquads_block(name, lines)


class TurtleDumpWriter(Writer):
    """The data graphs as Turtle, graph after graph (a triple in two graphs is written twice,
    which Turtle allows: the document's graph is their union)."""

    media_type = "text/turtle"

    def __init__(self, base: str):
        super().__init__(base)
        self.turtle = TurtleWriter(ontology.prefixes(base))

    def begin(self):
        return self.turtle.header()

    def graph(self, name, lines, is_data):
        if not (is_data and lines):
            return b""
        return f"\n# graph <{name}>\n".encode() + self.turtle.block(lines)


class TriGWriter(TurtleDumpWriter):
    """Every named graph as a TriG graph block (TriG §2.2)."""

    media_type = "application/trig"

    def graph(self, name, lines, is_data):
        if not lines:
            return b""
        return f"\n<{name}> {{\n".encode() + self.turtle.block(lines, b"\t") + b"}\n"


class NTriplesWriter(Writer):
    """The union of the data graphs as N-Triples, each triple once, lines sorted."""

    media_type = "application/n-triples"

    def __init__(self, base: str):
        super().__init__(base)
        self.union: set[bytes] = set()

    def graph(self, name, lines, is_data):
        if is_data:
            self.union.update(lines)
        return b""

    def end(self):
        return b"".join(line + b"\n" for line in sorted(self.union))


class JsonLdWriter(Writer):
    """Every named graph as JSON-LD compacted against the published context (rdflib's writer),
    arrays whose order means nothing sorted (all but ``@list``, JSON-LD 1.1 §4.3.1)."""

    media_type = "application/ld+json"

    def __init__(self, base: str):
        super().__init__(base)
        self.parts: list[tuple[str, list[bytes]]] = []

    def graph(self, name, lines, is_data):
        self.parts.append((name, lines))
        return b""

    def end(self):
        dataset = Dataset()
        for name, lines in self.parts:
            target = dataset.graph(URIRef(name))
            for t in ox.parse(b"\n".join(lines), N_TRIPLES):
                target.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
        text = dataset.serialize(format="json-ld", context=ontology.context(self.base)["@context"])
        document = _ordered(json.loads(text))
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()


def _rdflib(term):
    """A pyoxigraph term as rdflib's, blank nodes keeping their (canonical) labels."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # RDF 1.1 §3.3: a simple literal
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _ordered(value, ordered_list: bool = False):
    if isinstance(value, dict):
        return {key: _ordered(item, key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_ordered(item) for item in value]
        if ordered_list:
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


#: ``policygraph dump --format NAME``: nq, trig and jsonld keep the named graphs; ttl and nt
#: hold the union of the data graphs.
FORMATS: dict[str, type[Writer]] = {
    "nq": NQuadsWriter,
    "trig": TriGWriter,
    "ttl": TurtleDumpWriter,
    "nt": NTriplesWriter,
    "jsonld": JsonLdWriter,
}


def write(
    sources: Iterable[GraphSource],
    data: Iterable[str],
    base: str,
    outputs: dict[str, BinaryIO],
) -> None:
    """Write the graphs of ``sources`` in each format of ``outputs`` (name → binary output) in
    one pass, in the canonical form; ``data`` names the data graphs."""
    data = frozenset(data)
    writers = {name: (FORMATS[name](base), output) for name, output in outputs.items()}
    for writer, output in writers.values():
        output.write(writer.begin())
    for name, lines in canonical_graphs(sources):
        for writer, output in writers.values():
            output.write(writer.graph(name, lines, name in data))
    for writer, output in writers.values():
        output.write(writer.end())


def gzip_writer(output: BinaryIO) -> gzip.GzipFile:
    """A gzip stream whose bytes depend only on what is written (RFC 1952: no file name, time
    0) at :data:`GZIP_LEVEL`; close it before ``output``."""
    return gzip.GzipFile(filename="", fileobj=output, mode="wb", mtime=0, compresslevel=GZIP_LEVEL)


def dataset_store(dataset: Dataset, base: str) -> Store:
    """A validated rdflib dataset in an in-memory pyoxigraph store, as the publisher loads it
    (its default graph left empty: the dumps read named graphs only)."""
    return graph.store.build(dataset, None, graph.vocabulary_graph_names(base), union=False)


def serialize(dataset: Dataset, base: str, name: str) -> bytes:
    """The dataset in format ``name`` (:data:`FORMATS`), in the canonical form the
    publisher's dumps share."""
    store = dataset_store(dataset, base)
    output = io.BytesIO()
    data = (str(g) for g in graph.data_graph_names(dataset, base))
    write(store_graphs(store), data, base, {name: output})
    return output.getvalue()
