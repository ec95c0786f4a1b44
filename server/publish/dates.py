"""The date index: each predicate's ``xsd:date`` values, sorted, read once from the store at load.

:mod:`server.sparql.ranges` narrows date-range queries with it; the publication builds it for
a store whose engine does not index literal values (``Store.indexes_values``) and saves it with
the other indexes (:mod:`server.publish.indexes`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from rdflib.namespace import XSD

from graph.store import Store
from graph.store.base import value_of

XSD_DATE = str(XSD.date)
PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class DateIndex:
    """Predicate IRI → its distinct plain dates, sorted, and its other ``xsd:date`` literals."""

    plain: dict[str, list[str]] = field(default_factory=dict)
    odd: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> DateIndex:
        """Read every graph once (SPARQL, in the engine): a few seconds at 5M triples."""
        index = cls()
        query = (
            "SELECT DISTINCT ?p ?o WHERE { ?s ?p ?o "
            f"FILTER(isLiteral(?o) && datatype(?o) = <{XSD_DATE}>) }}"
        )
        plain: dict[str, set[str]] = {}
        for row in store.rows(query, use_default_graph_as_union=True):
            predicate, value = value_of(row[0]), value_of(row[1])
            if PLAIN_DATE.fullmatch(value):
                plain.setdefault(predicate, set()).add(value)
            else:
                index.odd.setdefault(predicate, []).append(value)
        index.plain = {p: sorted(values) for p, values in plain.items()}
        return index

    def dates(self, predicate: str, bounds: list[tuple[str, str]]) -> list[str] | None:
        """The dates of ``predicate`` that may satisfy every ``(operator, date)`` bound."""
        if predicate not in self.plain and predicate not in self.odd:
            return None
        values = self.plain.get(predicate, [])
        low, high = 0, len(values)
        for operator, date in bounds:
            if operator == ">":
                low = max(low, bisect.bisect_right(values, date))
            elif operator in (">=", "="):
                low = max(low, bisect.bisect_left(values, date))
            if operator == "<":
                high = min(high, bisect.bisect_left(values, date))
            elif operator in ("<=", "="):
                high = min(high, bisect.bisect_right(values, date))
        return values[low:high] + self.odd.get(predicate, [])
