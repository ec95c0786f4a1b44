"""The table exports: CSV files validated by ``frictionless`` against a ``datapackage.json``
generated from the shapes and the ontology, and a Croissant description read as JSON-LD (pyld)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import frictionless
import pytest
from helpers import BASE
from pyld import jsonld
from rdflib import URIRef
from rdflib.namespace import SH, SKOS, XSD

import graph
import ontology
from graph.research import datapackage, exports, reading, tables
from ontology import terms

CR = "http://mlcommons.org/croissant/"
SC = "https://schema.org/"


@pytest.fixture(scope="module")
def store():
    return reading.store_of(graph.load(BASE), BASE)


@pytest.fixture(scope="module")
def built(store) -> list[tables.Table]:
    return tables.tables(store, BASE)


@pytest.fixture(scope="module")
def folder(store, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("tables")
    exports.write(store, BASE, target, ("datapackage", "croissant"))
    return target


@pytest.fixture(scope="module")
def package(folder) -> dict:
    return json.loads((folder / exports.DATAPACKAGE).read_text(encoding="utf-8"))


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_frictionless_validates_every_table_with_its_keys(folder, built):
    """Types, required fields, enums, patterns, primary and foreign keys, sizes and hashes."""
    report = frictionless.validate(str(folder / exports.DATAPACKAGE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {t.name: t.stats["rows"] for t in report.tasks} == {t.name: len(t.rows) for t in built}
    assert all(len(t.rows) > 0 for t in built)


def test_frictionless_catches_a_broken_table(folder, tmp_path):
    """The schema bites: a claim whose modality is not a concept of the scheme, and an anchor
    whose offset is not a number, are errors (the hash is dropped so the rows are read)."""
    for item in folder.iterdir():
        shutil.copy(item, tmp_path / item.name)
    descriptor = json.loads((tmp_path / exports.DATAPACKAGE).read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash"), resource.pop("bytes")
    (tmp_path / exports.DATAPACKAGE).write_text(json.dumps(descriptor), encoding="utf-8")
    claims = (tmp_path / "claims.csv").read_text(encoding="utf-8")
    (tmp_path / "claims.csv").write_text(claims.replace(",asserted,", ",sure,", 1), "utf-8")
    anchors = _rows(tmp_path / "anchors.csv")
    anchors[0]["start"] = "twelve"
    with open(tmp_path / "anchors.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(anchors[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(anchors)
    report = frictionless.validate(str(tmp_path / exports.DATAPACKAGE))
    errors = {
        (task.name, error.type, getattr(error, "field_name", ""))
        for task in report.tasks
        for error in task.errors
    }
    assert ("claims", "constraint-error", "modality") in errors
    assert ("anchors", "type-error", "start") in errors


def test_every_fact_of_a_table_is_its_property_in_the_data(store, built):
    """Spot check of the reading: each claim's stance cell is the local name of its pg:stance."""
    (claims,) = [t for t in built if t.name == "claims"]
    reader = reading.Reader.of(store, BASE)
    stance = terms.iri(BASE, terms.stance)
    rows = reader.rows(f"SELECT ?c ?s WHERE {{ ?c <{stance}> ?s }}")
    expected = {c.value: s.value.rsplit("#stance-", 1)[1] for c, s in rows}
    column = claims.header.index("stance")
    assert {row[0]: row[column] for row in claims.rows} == expected


def test_enums_are_the_concepts_of_their_schemes(package):
    """Generated, not written: the modality, status and stance enums are the concepts the
    ontology puts in their schemes (what the shapes' sh:in lists must also be)."""
    vocabulary = ontology.load(BASE)
    fields = {
        (r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"]
    }
    for (table, column), scheme, prefix in (
        (("claims", "modality"), terms.ModalityScheme, "modality-"),
        (("claims", "stance"), terms.StanceScheme, "stance-"),
        (("events", "status"), terms.EventStatusScheme, "status-"),
        (("participants", "role"), terms.RoleScheme, "role-"),
    ):
        members = vocabulary.subjects(SKOS.inScheme, URIRef(terms.iri(BASE, scheme)))
        expected = sorted(str(m).rsplit("#" + prefix, 1)[1] for m in members)
        assert fields[(table, column)]["constraints"]["enum"] == expected, column


def test_field_types_follow_the_shapes(package):
    fields = {
        (r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"]
    }
    assert fields[("anchors", "start")]["type"] == "integer"
    assert fields[("events", "recurring")]["type"] == "boolean"
    assert fields[("events", "earliest")]["type"] == "date"
    assert fields[("claims", "claim_date")]["constraints"]["pattern"] == datapackage.PARTIAL_DATE
    assert fields[("claimants", "actor")]["format"] == "uri"
    assert fields[("claims", "modality")]["constraints"]["required"] is True
    assert "required" not in fields[("claims", "claim_date")].get("constraints", {})
    assert fields[("claimants", "actor")]["description"].startswith("The actor that makes a claim")


def test_a_changed_shape_changes_the_schema(built):
    """The schema is read from the shapes: drop the claim's stance minCount and the field is
    no longer required; make it an xsd:integer and its type follows."""
    vocabulary = datapackage.Vocabulary.load(BASE)
    (claims,) = [t for t in built if t.name == "claims"]
    stance = next(c for c in claims.columns if c.name == "stance")
    shape = URIRef(f"{BASE}shapes#Claim-stance")
    assert datapackage.field(stance, vocabulary)["constraints"]["required"] is True
    vocabulary.shapes.remove((shape, SH.minCount, None))
    assert "required" not in datapackage.field(stance, vocabulary)["constraints"]
    claim_date = next(c for c in claims.columns if c.name == "claim_date")
    date_shape = URIRef(f"{BASE}shapes#Claim-claimDate")
    vocabulary.shapes.remove((date_shape, SH["or"], None))
    vocabulary.shapes.add((date_shape, SH.datatype, XSD.integer))
    assert datapackage.field(claim_date, vocabulary)["type"] == "integer"


def test_croissant_is_json_ld_naming_files_and_columns_that_exist(folder, package):
    document = json.loads((folder / exports.CROISSANT).read_text(encoding="utf-8"))
    expanded = jsonld.expand(document)
    assert len(expanded) == 1
    dataset = expanded[0]
    assert dataset["@type"] == [f"{SC}Dataset"]
    assert dataset["http://purl.org/dc/terms/conformsTo"][0]["@value"] == f"{CR}1.0"
    files = {}
    for item in dataset[f"{SC}distribution"]:
        assert item["@type"] == [f"{CR}FileObject"]
        name = item[f"{SC}contentUrl"][0]["@value"]
        assert (folder / name).is_file(), name
        files[item["@id"]] = folder / name
    assert sorted(p.name for p in files.values()) == sorted(r["path"] for r in package["resources"])
    field_ids = set()
    references = []
    for record_set in dataset[f"{CR}recordSet"]:
        assert record_set["@type"] == [f"{CR}RecordSet"]
        for field in record_set[f"{CR}field"]:
            assert field["@type"] == [f"{CR}Field"]
            field_ids.add(field["@id"])
            source = field[f"{CR}source"][0]
            path = files[source[f"{CR}fileObject"][0]["@id"]]
            column = source[f"{CR}extract"][0][f"{CR}column"][0]["@value"]
            with open(path, encoding="utf-8", newline="") as handle:
                assert column in next(csv.reader(handle)), (path.name, column)
            (data_type,) = field[f"{CR}dataType"]
            assert data_type["@id"].startswith(SC)
            references += [r[f"{CR}field"][0]["@id"] for r in field.get(f"{CR}references", [])]
    assert references and set(references) <= field_ids


@pytest.mark.parametrize(
    ("table", "klass"),
    [
        ("actors", terms.Actor),
        ("claims", terms.Claim),
        ("events", terms.Event),
        ("relations", terms.Relation),
        ("disputes", terms.Dispute),
    ],
)
def test_one_row_per_thing(store, built, table, klass):
    """Every instance of the class (or of a subclass: territorial, trade, policy disputes) has
    exactly one row, keyed by its IRI."""
    rows = store.rows(
        "SELECT DISTINCT ?s WHERE { ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* "
        f"<{terms.iri(BASE, klass)}> }}",
        use_default_graph_as_union=True,
    )
    (found,) = [t for t in built if t.name == table]
    assert sorted(row[0] for row in found.rows) == sorted(r[0].value for r in rows)
    assert len(found.rows) > 3
