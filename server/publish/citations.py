"""The citations of a publication: which documents offer them, the release they name, and the
citation attached to a citable thing's document (issue 19 §1, issue 20 §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.research.citation import (
    CITABLE,
    Citation,
    Dataset,
    cite,
    release_date,
    release_version,
)
from server.publish import void
from server.render.formats import CITABLE_FORMATS, RESOURCE_FORMATS

if TYPE_CHECKING:
    from server.publish.publication import Publication

#: The dataset's short name, as citations name it (the ``rdfs:label`` of its publisher).
NAME = "policygraph"
#: The document describing the dataset, whose ``dcat:version`` is the release.
DATASET_KEY = "dataset"


def thing_formats(key: str) -> tuple[str, ...]:
    """The formats of the thing document ``doc/{kind}/{slug}``: a claim's, an event's and a
    source document's add the citation formats."""
    kind = key.split("/")[1] if key.count("/") == 2 else None
    return CITABLE_FORMATS if kind in CITABLE else RESOURCE_FORMATS


def _dataset_triples(pub: Publication) -> list:
    document = pub.documents.get(DATASET_KEY)
    return document.triples if document is not None else []


def version(pub: Publication) -> str | None:
    """The release the publication is, from the ``dcat:version`` of its dataset description
    (:func:`server.publish.void` gives it when the data served is exactly the latest release:
    :meth:`server.publish.releases.Releases.current`); None for working data."""
    return release_version(_dataset_triples(pub), f"{pub.base}{DATASET_KEY}")


def dataset(pub: Publication) -> Dataset:
    """The dataset as a citation names it: name, English title, IRI, release and its date."""
    iri = f"{pub.base}{DATASET_KEY}"
    issued = release_date(_dataset_triples(pub), iri)
    return Dataset(NAME, void.TITLE["en"], iri, version(pub), issued)


def citation(pub: Publication, iri: str) -> Citation | None:
    """The citation of the thing ``iri`` (None: not a claim, event or source document)."""
    return cite(pub.store, pub.data_graphs, pub.base, iri, dataset(pub))
