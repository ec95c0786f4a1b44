"""The SPARQL 1.1 Service Description of the endpoint (§3), in each RDF format it writes."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from rdflib.namespace import VOID as VOID_NS

import ontology
from server.publish.publication import Publication
from server.sparql.engine import RDF_WRITERS
from server.sparql.service import TRUNCATED_HEADER, union_of_all

SD = str(ontology.SD)
FORMATS_NS = str(ontology.FORMATS)
VOID = str(VOID_NS)
RDF_TYPE = str(RDF.type)
RDFS_COMMENT = str(RDFS.comment)
DCTERMS_TITLE = str(DCTERMS.title)
#: W3C format IRIs (https://www.w3.org/ns/formats/) of what the endpoint writes.
FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "N-Quads",
    "TriG",
)


def _default_graph_words(pub: Publication) -> str:
    if union_of_all(pub):
        return "the union of every graph, the ontology and shapes included"
    return "the union of the data graphs"


def service_description_triples(pub: Publication) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description §3: the service, its languages, formats and dataset."""
    endpoint_iri = f"{pub.base}sparql"
    service = ox.NamedNode(endpoint_iri)
    dataset_node = ox.NamedNode(f"{endpoint_iri}#dataset")
    default_node = ox.NamedNode(f"{endpoint_iri}#default-graph")

    def iri(value):
        return ox.NamedNode(value)

    triples = [
        (service, iri(RDF_TYPE), iri(SD + "Service")),
        (service, iri(SD + "endpoint"), service),
        (service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        (service, iri(DCTERMS_TITLE), ox.Literal("policygraph SPARQL 1.1 endpoint", language="en")),
        (
            service,
            iri(RDFS_COMMENT),
            ox.Literal(
                f"Read-only. The default graph is {_default_graph_words(pub)}; the ontology and "
                "shapes graphs are queryable by name. SERVICE, SPARQL Update and dataset clauses "
                "naming other graphs are refused. "
                f"Limits: {pub.settings.sparql_timeout:g} s a query, "
                f"{pub.settings.sparql_row_cap} rows, "
                f"{pub.settings.sparql_triple_cap} triples "
                f"(a cut result carries the header {TRUNCATED_HEADER}: true). "
                "pyoxigraph lower-cases language tags: match them with "
                'langMatches(lang(?l), "zh-Hans").',
                language="en",
            ),
        ),
        (service, iri(SD + "defaultDataset"), dataset_node),
        (dataset_node, iri(RDF_TYPE), iri(SD + "Dataset")),
        (dataset_node, iri(SD + "defaultGraph"), default_node),
        (default_node, iri(RDF_TYPE), iri(SD + "Graph")),
    ]
    triples += [(service, iri(SD + "resultFormat"), iri(FORMATS_NS + name)) for name in FORMAT_IRIS]
    total = 0
    data = {g.value for g in pub.data_graphs}
    everything = union_of_all(pub)
    sizes = pub.counts.get("graphs", {})  # the data graphs', counted at load (server.publish.void)
    for number, name in enumerate(pub.graph_iris, start=1):
        size = sizes.get(name)
        if size is None:
            size = sum(1 for _ in pub.store.quads_for_pattern(None, None, None, iri(name)))
        named = ox.NamedNode(f"{endpoint_iri}#named-graph-{number}")
        described = ox.NamedNode(f"{endpoint_iri}#graph-{number}")
        triples += [
            (dataset_node, iri(SD + "namedGraph"), named),
            (named, iri(RDF_TYPE), iri(SD + "NamedGraph")),
            (named, iri(SD + "name"), iri(name)),
            (named, iri(SD + "graph"), described),
            (described, iri(RDF_TYPE), iri(SD + "Graph")),
            (
                described,
                iri(VOID + "triples"),
                ox.Literal(str(size), datatype=iri(str(XSD.integer))),
            ),
        ]
        if name in data or everything:
            total += size
    triples.append(
        (
            default_node,
            iri(VOID + "triples"),
            ox.Literal(str(total), datatype=iri(str(XSD.integer))),
        )
    )
    return [ox.Triple(*triple) for triple in triples]


_descriptions: dict[tuple[int, str], bytes] = {}


def service_description(pub: Publication, name: str) -> bytes:
    """The service description in one RDF format, computed once per publication and format."""
    key = (id(pub), name)
    if key not in _descriptions:
        rdf_format = RDF_WRITERS[name]
        triples = service_description_triples(pub)
        items = (
            [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
            if rdf_format.supports_datasets
            else triples
        )
        prefixes = {
            "sd": SD,
            "formats": FORMATS_NS,
            "void": VOID,
            "dcterms": str(DCTERMS),
            "rdfs": str(RDFS),
        }
        _descriptions[key] = ox.serialize(items, format=rdf_format, prefixes=prefixes) or b""
    return _descriptions[key]
