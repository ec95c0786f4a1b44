"""JSON-LD compaction from pyoxigraph terms, to the document rdflib's converter makes.

:func:`server.render.jsonld.compact` rendered every description through rdflib (a graph built, then
``from_rdf``); this module builds the same node objects from the terms themselves. What it
covers, as rdflib's ``Converter`` does it (JSON-LD 1.1 API §8, Serialize RDF as JSON-LD, then
§6, Compaction: IRI Compaction, Term Selection, Value Compaction):

- a context of prefixes, aliases of ``@id`` and ``@type``, and terms with only ``@id``,
  with ``@type`` (``@id`` or a datatype), or with ``"@container": "@language"``;
- the key of a value: the term whose ``@type`` matches it (``@id`` for IRIs and blank nodes,
  the datatype for a literal), or the language-map term for a literal with a language,
  else the term with neither, else a compact IRI (``prefix:local``, split at the last
  ``#``, else ``/``, else ``:``), else the IRI; ``rdf:type`` with no term is ``@type``,
  its values written as terms or compact IRIs;
- values: a matching term's value as its bare string, IRIs as ``{"@id"}`` with a compact
  IRI, never a relative one; xsd:integer, xsd:boolean and xsd:double as JSON numbers and
  booleans, other datatypes as ``{"@type", "@value"}``, a language outside a language map
  as ``{"@language", "@value"}``; one value bare, more in an array in the order given;
- blank nodes ``_:id``, never embedded: a node of their own in ``@graph`` (even without
  properties) when referenced without an ``@id`` term, as rdflib does;
- one node as the document itself, several (or none) in ``@graph`` sorted by id.

Left to rdflib: any other context; RDF lists (``rdf:first``, ``rdf:nil``); triple terms;
typed lexical forms rdflib would rewrite (``"01"^^xsd:integer``) and XSD or RDF datatypes
outside :data:`_VALUES` and :data:`_VERBATIM`; two IRIs compacting to one id; a type that is
not an IRI.

Where rdflib loses a value, this module keeps it (:func:`rdflib_loses` says when): a second
value after a falsy first (``""``, ``0``, ``false``), which rdflib overwrites, makes an array;
a blank node subject no node reaches (named only through an ``@id`` term, or only by other
such blank nodes), which rdflib leaves out, gets a node of its own in ``@graph``; an xsd:double
with no fractional part (or not finite), which rdflib writes as a JSON number that reads back as
xsd:integer, is written with its type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD

_STRING = str(XSD.string)
_TYPE = str(RDF.type)
_FIRST = str(RDF.first)
_NIL = str(RDF.nil)
#: rdflib's ``URI_GEN_DELIMS``: a term whose IRI ends with one of these is also a prefix.
_DELIMITERS = (":", "/", "?", "#", "[", "]", "@")
#: Datatypes rdflib writes as JSON numbers and booleans (``use_native_types``).
_NATIVE = {str(XSD.boolean), str(XSD.integer), str(XSD.double)}
#: Datatype → (lexical form → value, value → the lexical form rdflib writes). rdflib rewrites a
#: lexical form to that one on reading ("01" → "1", "Z" → "+00:00"): other forms fall back.
_VALUES: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
    str(XSD.integer): (int, str),
    str(XSD.nonNegativeInteger): (int, str),
    str(XSD.boolean): ({"true": True, "false": False}.__getitem__, lambda v: str(v).lower()),
    str(XSD.double): (float, repr),
    str(XSD.decimal): (Decimal, "{:f}".format),
    str(XSD.date): (date.fromisoformat, date.isoformat),
    str(XSD.dateTime): (datetime.fromisoformat, datetime.isoformat),
    str(XSD.hexBinary): (bytes.fromhex, bytes.hex),
}
#: XSD datatypes rdflib keeps as written (it has no value for them), as it keeps any datatype
#: outside the XSD and RDF namespaces.
_VERBATIM = {str(XSD.gYear), str(XSD.gYearMonth), str(XSD.gMonthDay), str(XSD.gMonth)}
_W3C_DATATYPES = (str(XSD), str(RDF))


class Unsupported(Exception):
    """Something this module leaves to rdflib."""


def compacted(triples: list[ox.Triple], context: dict, context_url: str) -> dict | None:
    """The compacted document without its ``@context``, or None where rdflib must make it."""
    made = _made(triples, context, context_url)
    return None if made is None else made[0]


def rdflib_loses(triples: list[ox.Triple], context: dict, context_url: str) -> bool:
    """Whether rdflib's converter would drop a value of this document that :func:`compacted`
    keeps (so their bytes differ); False where this module declines the document."""
    made = _made(triples, context, context_url)
    return made is not None and made[1].rdflib_loses


def _made(triples, context: dict, context_url: str) -> tuple[dict, _Document] | None:
    """The document's data and the :class:`_Document` that made it, or None where declined."""
    tables = compiled(context_url, context)
    if tables is None:
        return None
    try:
        document = _Document(tables, triples)
        return document.data(), document
    except Unsupported:
        return None


@dataclass
class _Compiled:
    """A context made into lookup tables, read as rdflib's ``Context`` reads it (JSON-LD 1.1
    API §4.1, Context Processing; §4.2, Create Term Definition)."""

    id_key: str = "@id"
    type_key: str = "@type"
    #: namespace IRI → prefix: every term whose IRI ends with one of :data:`_DELIMITERS`
    prefixes: dict[str, str] = field(default_factory=dict)
    #: IRI → the term with neither ``@type`` nor ``@container``
    plain: dict[str, str] = field(default_factory=dict)
    #: (IRI, ``@id`` or datatype IRI) → the term with that ``@type``
    typed: dict[tuple[str, str], str] = field(default_factory=dict)
    #: IRI → the term with ``"@container": "@language"``
    language: dict[str, str] = field(default_factory=dict)
    #: terms with ``@type`` or ``@container`` (rdflib never writes them as keys of other IRIs)
    special: set[str] = field(default_factory=set)

    def shrink(self, iri: str) -> str:
        """A compact IRI, or the IRI (rdflib's ``Context.shrink_iri``; no base, so never a
        relative IRI)."""
        at = iri.rfind("#")
        if at < 0:
            at = iri.rfind("/")
            if at < 0:
                at = iri.rfind(":")
        prefix = self.prefixes.get(iri[: at + 1]) if at >= 0 else None
        return f"{prefix}:{iri[at + 1 :]}" if prefix else iri

    def symbol(self, iri: str) -> str:
        """The plain term for ``iri``, else :meth:`shrink` (rdflib's ``Context.to_symbol``)."""
        return self.plain.get(iri) or self.shrink(iri)

    def key(self, iri: str) -> str:
        """The key of a property with no term for its value."""
        key = self.shrink(iri)
        return iri if key in self.special else key

    def node_id(self, term) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.shrink(term.value)


_COMPILED: dict[str, _Compiled | None] = {}


def compiled(context_url: str, context: dict) -> _Compiled | None:
    """The compiled context, made once per URL; None if it uses more than we compile."""
    if context_url not in _COMPILED:
        _COMPILED[context_url] = _compile(context.get("@context"))
    return _COMPILED[context_url]


def _compile(source) -> _Compiled | None:
    if not isinstance(source, dict) or source.get("@version", 1.1) != 1.1:
        return None
    out = _Compiled()
    aliases: dict[str, str] = {}
    for name, definition in source.items():
        if name == "@version":
            continue
        if name.startswith("@"):  # @vocab, @base, @language, @protected, …
            return None
        if definition in ("@id", "@type"):
            aliases.setdefault(definition, name)  # rdflib writes the first alias
            continue
        if isinstance(definition, str):
            definition = {"@id": definition}
        if not isinstance(definition, dict) or not isinstance(definition.get("@id"), str):
            return None
        iri = _expand(source, definition["@id"])
        coercion = definition.get("@type")
        if coercion is not None and coercion != "@id":
            coercion = _expand(source, coercion)
        shape = set(definition) - {"@id"}
        if iri is None or ("@type" in shape and coercion is None):
            return None
        if not shape:
            out.plain[iri] = name
        elif shape == {"@type"} and coercion is not None:
            out.typed[iri, coercion] = name
        elif definition.get("@container") == "@language" and shape == {"@container"}:
            out.language[iri] = name
        else:
            return None
        if shape:
            out.special.add(name)
        if iri.endswith(_DELIMITERS):
            out.prefixes[iri] = name
    out.id_key = aliases.get("@id", "@id")
    out.type_key = aliases.get("@type", "@type")
    return out


def _expand(source: dict, value: str) -> str | None:
    """``prefix:local`` expanded by a prefix of ``source``, an IRI as it is, else None (a
    keyword, a term reference, a prefix that is not an IRI): JSON-LD 1.1 API §4.3, IRI
    Expansion, in part."""
    if _is_iri(source, value):
        return value
    prefix, _, local = value.partition(":")
    namespace = source.get(prefix) if local else None
    if isinstance(namespace, str) and _is_iri(source, namespace):
        return namespace + local
    return None


def _is_iri(source: dict, value: str) -> bool:
    """Whether ``value`` is an absolute IRI that no prefix of ``source`` would expand."""
    prefix, colon, local = value.partition(":")
    if not prefix or not colon or value.startswith("@"):
        return False
    return local.startswith("//") or prefix not in source


class _Document:
    """One document's node objects, made as rdflib's ``Converter`` makes them."""

    def __init__(self, compiled: _Compiled, triples: list[ox.Triple]):
        self.compiled = compiled
        self.nodes: dict[str, dict] = {}
        self.falsy: set[tuple[str, str]] = set()  # (node id, key) holding a falsy value
        self.rdflib_loses = False  # a value rdflib would drop is kept here
        self.properties: dict = {}  # subject → [(predicate, object)], repeats dropped
        self.objects: set[ox.BlankNode] = set()
        for triple in dict.fromkeys(triples):
            predicate, obj = triple.predicate.value, triple.object
            if predicate == _FIRST:
                raise Unsupported("an RDF list")
            self.properties.setdefault(triple.subject, []).append((predicate, obj))
            if isinstance(obj, ox.BlankNode):
                self.objects.add(obj)

    def data(self) -> dict:
        """The document before its ``@context``: one node, or ``@graph`` sorted by id."""
        id_key = self.compiled.id_key
        # Nodes: IRI subjects, blank node subjects no triple names, and what these reach.
        self.visit(
            [
                subject
                for subject in self.properties
                if isinstance(subject, ox.NamedNode) or subject not in self.objects
            ]
        )
        # Then the blank nodes none of those reach (rdflib leaves them out).
        unreached = [
            subject
            for subject in self.properties
            if isinstance(subject, ox.BlankNode) and f"_:{subject.value}" not in self.nodes
        ]
        if unreached:
            self.rdflib_loses = True
            self.visit(unreached)
        nodes = list(self.nodes.values())
        if len(nodes) == 1:
            return nodes[0]
        return {"@graph": sorted(nodes, key=lambda node: node[id_key])}

    def visit(self, pending: list) -> None:
        """Make the nodes of ``pending`` and of the blank nodes their values reach."""
        id_key = self.compiled.id_key
        while pending:
            subject = pending.pop()
            if not isinstance(subject, ox.NamedNode | ox.BlankNode):
                raise Unsupported("a triple term")
            node_id = self.compiled.node_id(subject)
            if node_id in self.nodes:
                if isinstance(subject, ox.NamedNode):
                    raise Unsupported("two IRIs with one compact form")
                continue
            node = self.nodes[node_id] = {id_key: node_id}
            for predicate, obj in self.properties.get(subject, ()):
                self.add(node, predicate, obj, pending)

    def add(self, node: dict, predicate: str, obj, pending: list) -> None:
        """One value of ``node``: under its term, else a compact IRI (rdflib's
        ``Converter.add_to_node``; Term Selection, simplified as rdflib simplifies it)."""
        compiled = self.compiled
        key: str | None = None
        value: object = None
        truthy = True
        if isinstance(obj, ox.Literal):
            language = obj.language
            if language:
                key = compiled.language.get(predicate)
                if key:
                    return self.add_language(node, key, language, obj.value)
            elif obj.datatype.value != _STRING:
                key = compiled.typed.get((predicate, obj.datatype.value))
                if key:
                    value = obj.value
                    truthy = _typed(obj.datatype.value, value)[1]
        elif isinstance(obj, ox.NamedNode | ox.BlankNode):
            key = compiled.typed.get((predicate, "@id"))
            if key:
                value = compiled.node_id(obj)
        else:
            raise Unsupported("a triple term")
        if key is None:
            key = compiled.plain.get(predicate)
        if key is None and predicate == _TYPE:
            key = compiled.type_key
            if not isinstance(obj, ox.NamedNode):
                # rdflib writes {"@id": "_:b"} there, which JSON-LD processors refuse
                raise Unsupported("a type that is not an IRI")
            value = compiled.symbol(obj.value)
        if key is None:
            key = compiled.key(predicate)
        if value is None:
            value, truthy = self.raw(obj, pending)
        self.append(node, key, value, truthy)

    def raw(self, obj, pending: list) -> tuple[object, bool]:
        """A value with no term to carry its type or language, and its truthiness in Python
        (rdflib's ``Converter.to_raw_value``; RDF to Object Conversion, with native types)."""
        compiled = self.compiled
        if isinstance(obj, ox.NamedNode):
            if obj.value == _NIL:
                raise Unsupported("an RDF list")
            return {compiled.id_key: compiled.shrink(obj.value)}, True
        if isinstance(obj, ox.BlankNode):
            pending.append(obj)
            return {compiled.id_key: f"_:{obj.value}"}, True
        lexical = obj.value
        if obj.language:
            return {"@language": obj.language, "@value": lexical}, True
        datatype = obj.datatype.value
        if datatype == _STRING:
            return lexical, lexical != ""
        parsed, truthy = _typed(datatype, lexical)
        if isinstance(parsed, float) and not (math.isfinite(parsed) and not parsed.is_integer()):
            # JSON-LD 1.1 §8.6: a JSON number with no fractional part reads as xsd:integer (and
            # NaN, INF are no JSON), so such a double keeps its type; rdflib writes it bare.
            self.rdflib_loses = True
            return {compiled.type_key: compiled.symbol(datatype), "@value": lexical}, True
        if datatype in _NATIVE:
            return parsed, truthy
        return {compiled.type_key: compiled.symbol(datatype), "@value": lexical}, True

    def append(self, node: dict, key: str, value, truthy: bool) -> None:
        """One value is written bare; a second makes an array (rdflib tests the first value's
        truthiness and overwrites a falsy one)."""
        existing = node.get(key)
        if existing is None:
            node[key] = value
            if not truthy:
                self.falsy.add((node[self.compiled.id_key], key))
            return
        if (node[self.compiled.id_key], key) in self.falsy:
            self.rdflib_loses = True
        if type(existing) is list:
            existing.append(value)
        else:
            node[key] = [existing, value]

    def add_language(self, node: dict, key: str, language: str, text: str) -> None:
        """A language map entry: the string, or an array of them (JSON-LD 1.1 §4.6.2)."""
        entries = node.setdefault(key, {})
        existing = entries.get(language)
        if existing is None:
            entries[language] = text
            return
        if existing == "":
            self.rdflib_loses = True  # it overwrites an empty first string
        if type(existing) is list:
            existing.append(text)
        else:
            entries[language] = [existing, text]


def _typed(datatype: str, lexical: str) -> tuple[object, bool]:
    """The value of a typed literal (None where rdflib has none) and its truthiness, as rdflib's
    ``Literal`` has them; raises :class:`Unsupported` where rdflib would rewrite the form."""
    read = _VALUES.get(datatype)
    if read is None:
        if datatype in _VERBATIM or not datatype.startswith(_W3C_DATATYPES):
            return None, lexical != ""
        raise Unsupported(f"datatype {datatype}")
    parse, write = read
    try:
        value = parse(lexical)
    except (ValueError, ArithmeticError, LookupError) as error:
        raise Unsupported(f"{lexical!r} as {datatype}") from error
    if write(value) != lexical:
        raise Unsupported(f"{lexical!r} is not rdflib's form of its {datatype}")
    return value, bool(value)
