"""The citations of a publication: which documents offer them, the release they name, and the
citation attached to a citable thing's document (issue 19 §1, issue 20 §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.research.citation import CITABLE, Citation, Dataset, cite, release_version
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


def version(pub: Publication) -> str | None:
    """The release the publication is, from the ``dcat:version`` of its dataset description;
    None when it is no release (the working data). Releases (issue 20 §1) add that triple to
    ``{base}dataset``; nothing else needs to change for citations to name them."""
    dataset = pub.documents.get(DATASET_KEY)
    if dataset is None:
        return None
    return release_version(dataset.triples, f"{pub.base}{DATASET_KEY}")


def dataset(pub: Publication) -> Dataset:
    """The dataset as a citation names it: name, English title, IRI, release."""
    return Dataset(NAME, void.TITLE["en"], f"{pub.base}{DATASET_KEY}", version(pub))


def citation(pub: Publication, iri: str) -> Citation | None:
    """The citation of the thing ``iri`` (None: not a claim, event or source document)."""
    return cite(pub.store, pub.data_graphs, pub.base, iri, dataset(pub))
