"""The MLCommons Croissant 1.0 description (``croissant.json``, JSON-LD over schema.org) of the
table CSVs, derived from their Frictionless data package so that both say the same.

Croissant 1.0 §Resources: each CSV is a ``cr:FileObject`` (``contentUrl`` relative to the
description, ``encodingFormat`` text/csv, ``sha256``, ``contentSize``). §RecordSets: each table
is a ``cr:RecordSet`` whose ``key`` is the table's primary key and whose ``cr:Field`` per column
has a ``dataType`` (``sc:Text``, ``sc:URL``, ``sc:Integer``, ``sc:Boolean``, ``sc:Date``), a
``source`` (the file object and ``extract.column``) and, for a foreign key, ``references`` to the
field it points to.
"""

from __future__ import annotations

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CR = "http://mlcommons.org/croissant/"
#: The Croissant 1.0 JSON-LD context (the terms this description uses, and the usual others).
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": CR,
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def data_type(field: dict) -> str:
    """The Croissant data type of a Table Schema field."""
    if field.get("format") == "uri":
        return "sc:URL"
    return {"integer": "sc:Integer", "boolean": "sc:Boolean", "date": "sc:Date"}.get(
        field["type"], "sc:Text"
    )


def descriptor(package: dict, base: str) -> dict:
    """``croissant.json`` for the resources of the data package ``package``."""
    files = []
    record_sets = []
    for resource in package["resources"]:
        name, path, table = resource["name"], resource["path"], resource["schema"]
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": path,
                "name": path,
                "description": resource["description"],
                "contentUrl": path,
                "contentSize": f"{resource['bytes']} B",
                "encodingFormat": "text/csv",
                "sha256": resource["hash"].removeprefix("sha256:"),
            }
        )
        references = {
            key["fields"][0]: f"{key['reference']['resource']}/{key['reference']['fields'][0]}"
            for key in table.get("foreignKeys", [])
        }
        fields = []
        for column in table["fields"]:
            entry = {
                "@type": "cr:Field",
                "@id": f"{name}/{column['name']}",
                "name": column["name"],
                "description": column.get("description", ""),
                "dataType": data_type(column),
                "source": {"fileObject": {"@id": path}, "extract": {"column": column["name"]}},
            }
            if column["name"] in references:
                entry["references"] = {"field": {"@id": references[column["name"]]}}
            fields.append(entry)
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": resource["description"],
                "key": [{"@id": f"{name}/{key}"} for key in table["primaryKey"]],
                "field": fields,
            }
        )
    license_ = package["licenses"][0]["path"]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": package["name"],
        "description": package["description"],
        "url": base,
        "license": license_,
        "citeAs": f"policygraph. {package['title']}. {base}",
        "creator": {"@type": "sc:Organization", "name": "policygraph", "url": base},
        "isAccessibleForFree": True,
        "distribution": files,
        "recordSet": record_sets,
    }
