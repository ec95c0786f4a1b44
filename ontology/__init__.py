"""The policygraph vocabulary: namespaces (defined once, here) and the ontology graph."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD

from ontology.terms import ontology_iri, shapes_iri

SCHEMA = Namespace("http://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
TIME = Namespace("http://www.w3.org/2006/time#")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
GEONAMES = Namespace("https://sws.geonames.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VANN = Namespace("http://purl.org/vocab/vann/")
#: SPDX 2.3 RDF terms, for dump checksums (DCAT 2 §6.6 recommends ``spdx:checksum``).
SPDX = Namespace("http://spdx.org/rdf/terms#")
#: The Talis changeset vocabulary: a release's changelog, one change set per changed thing.
CS = Namespace("http://purl.org/vocab/changeset/schema#")
#: W3C format IRIs (https://www.w3.org/ns/formats/), as SPARQL 1.1 Service Description uses them.
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: Prefixes used in every serialization, in a fixed order (base-dependent ones are added by
#: :func:`prefixes`).
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "sem": str(SEM),
    "prov": str(PROV),
    "oa": str(OA),
    "sh": str(SH),
    "time": str(TIME),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sd": str(SD),
    "vann": str(VANN),
    "spdx": str(SPDX),
    "wd": str(WD),
    "wdt": str(WDT),
    "gn": str(GEONAMES),
}

#: The base of a local deployment (``policygraph serve`` with no ``--base``).
DEFAULT_BASE = "http://127.0.0.1:8080/"

ONTOLOGY_FILES = ("policygraph.ttl", "schemes.ttl", "propositions.ttl")
CONTEXT_FILE = "context.jsonld"
BASE_PLACEHOLDER = "{base}"


def pg(base: str) -> Namespace:
    """The project namespace ``{base}ontology#`` (a hash namespace, DESIGN.md § IRIs); its terms
    are the constants of :mod:`ontology.terms` (``pg(base)[terms.claimant]``)."""
    return Namespace(f"{ontology_iri(base)}#")


def shapes_namespace(base: str) -> Namespace:
    """The namespace of the SHACL shapes, ``{base}shapes#``."""
    return Namespace(f"{shapes_iri(base)}#")


def prefixes(base: str) -> dict[str, str]:
    """Every prefix a serializer should declare, the project's own first."""
    return {
        "pg": str(pg(base)),
        "pgsh": str(shapes_namespace(base)),
        "id": f"{base}id/",
        **STANDARD_PREFIXES,
    }


def bind_prefixes(graph: Graph, base: str) -> Graph:
    for prefix, namespace in prefixes(base).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _package_files():
    return resources.files(__name__)


def ontology_turtle() -> list[tuple[str, str]]:
    """(file name, Turtle text) of every ontology file that ships with the package."""
    files = _package_files()
    return [
        (name, files.joinpath(name).read_text(encoding="utf-8"))
        for name in ONTOLOGY_FILES
        if files.joinpath(name).is_file()
    ]


def load(base: str) -> Graph:
    """Parse the ontology and its concept schemes, resolving relative IRIs against ``base``."""
    graph = bind_prefixes(Graph(), base)
    for _name, text in ontology_turtle():
        graph.parse(data=text, format="turtle", publicID=base)
    return graph


@cache
def _context_template() -> str:
    return _package_files().joinpath(CONTEXT_FILE).read_text(encoding="utf-8")


def context(base: str) -> dict:
    """The JSON-LD context document (``{base}context.jsonld``) with the base filled in."""
    return json.loads(_context_template().replace(BASE_PLACEHOLDER, base))
