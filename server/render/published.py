"""What rendering reads of a publication, as protocols (rendering sits below the publication).

:class:`server.publish.publication.Publication` is a :class:`Published`; its label index
(:class:`server.publish.labels.LabelIndex`) is a :class:`Labels`.
"""

from __future__ import annotations

from typing import Protocol

import pyoxigraph as ox

from shapes import Validation


class Labels(Protocol):
    """Labels in three languages by IRI."""

    @property
    def labels(self) -> dict[str, dict[str, str]]: ...

    def get(self, iri: str, lang: str = ...) -> str | None: ...

    def label(self, iri: str, lang: str = ...) -> str: ...


class Published(Protocol):
    """A publication as rendering sees it: its base, its labels, its validation report."""

    @property
    def base(self) -> str: ...

    @property
    def labels(self) -> Labels: ...

    @property
    def validation(self) -> Validation: ...


class Described(Protocol):
    """A thing's description as its page shows it (:class:`server.publish.describe.Description`)."""

    @property
    def topic(self) -> str: ...

    @property
    def own(self) -> list[ox.Triple]: ...

    @property
    def incoming(self) -> list[ox.Triple]: ...

    @property
    def incoming_total(self) -> int: ...

    @property
    def rest(self) -> str | None: ...

    @property
    def subjects(self) -> list[str]: ...

    @property
    def added(self) -> dict[ox.Triple, list[str]]: ...

    @property
    def citations(self) -> dict[str, list[ox.Triple]]: ...
