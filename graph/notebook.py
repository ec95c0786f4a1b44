"""A small Python API for notebooks: open a publication, get SPARQL results as Python values.

::

    from graph import notebook
    pub = notebook.open()                      # the bundled essay, validated, in memory
    pub.rows("SELECT ?s ?date WHERE { … }")   # namedtuples of Python values
    pub.dataframe("SELECT …")                 # a pandas DataFrame with typed columns
    pub.ask("ASK { … }")                       # a bool

``open(paths)`` publishes other source folders (validated first: :class:`graph.InvalidData` on a
Violation); ``open(endpoint=URL)`` reads any SPARQL 1.1 endpoint instead (SPARQL 1.1 Protocol
§2.1.2, :mod:`graph.store.client`), a policygraph ``{base}sparql`` included. The embedded store
answers as ``{base}sparql`` does (the default graph is the union of the data graphs, the
ontology and shapes are named graphs, relative IRIs resolve against the base, so the example
queries of ``server/queries/`` run as they are), but in this process, with no row cap and no
deadline, and without the endpoint's refusals: a ``SERVICE`` clause reaches the network (a
federated query, e.g. to Wikidata), as pyoxigraph does for its caller.
An endpoint keeps its caps: a result it cut raises :class:`ResultCut`, never passes for whole.

Values (:func:`python_value`) follow XML Schema 1.1 Part 2's value spaces where Python has the
type: ``xsd:integer`` and its subtypes → ``int``, ``xsd:decimal`` → ``Decimal``, ``xsd:double``
and ``xsd:float`` → ``float``, ``xsd:boolean`` → ``bool``, ``xsd:date`` → ``datetime.date``,
``xsd:dateTime`` → ``datetime.datetime``. A language-tagged string is a :class:`LangString` (a
``str`` with ``.lang``, lower-cased as the engine writes tags), an IRI an :class:`IRI`, a blank
node ``"_:label"``, an unbound variable ``None``. Anything else, ``xsd:gYearMonth`` and
``xsd:gYear`` included, is a :class:`Typed` string with its ``.datatype``: a month is not given
a day it does not have.

:meth:`Publication.dataframe` types each column by what all its values are (pandas' nullable
types, missing values ``<NA>``): ``Int64``, ``Float64`` (decimals and doubles), ``boolean``,
``datetime64`` (dates; dateTimes in UTC when any has a time zone), ``period[M]`` (all
``gYearMonth``), ``period[Y]`` (all ``gYear``); a column of dates at mixed precisions holds a
``pandas.Period`` per value, each at its own precision (day, month, year); any other mixture
keeps the Python values (``object``). A column holding language-tagged strings is followed by a
column ``{name}@lang`` of their tags.
"""

from __future__ import annotations

import datetime
import json
from collections import namedtuple
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import XSD

import graph
from graph.store import Store, build
from graph.store.client import credentials_from_env
from graph.store.remote import RESULTS_JSON, RemoteStore
from graph.store.terms import parse_results_json

__all__ = ["IRI", "LangString", "Publication", "ResultCut", "Typed", "open", "python_value"]

_INTEGERS = {
    str(XSD[name])
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_DECIMAL, _DOUBLE, _FLOAT = str(XSD.decimal), str(XSD.double), str(XSD.float)
_BOOLEAN, _STRING = str(XSD.boolean), str(XSD.string)
_DATE, _DATETIME = str(XSD.date), str(XSD.dateTime)
_YEAR_MONTH, _YEAR = str(XSD.gYearMonth), str(XSD.gYear)
#: The header a policygraph endpoint cuts a result with (the row cap); ``head.link`` then names
#: its note on paging.
TRUNCATED_HEADER = "x-policygraph-truncated"
PANDAS_MISSING = (
    "pandas is not installed: install it (pip install pandas, or the extra: pip install "
    "'policygraph[pandas]') to get DataFrames, or use .rows() for plain Python rows"
)


class IRI(str):
    """An IRI (a ``str`` of the IRI itself)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


class LangString(str):
    """A language-tagged string: the text, with its tag as ``.lang``."""

    lang: str

    def __new__(cls, value: str, lang: str) -> LangString:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __repr__(self) -> str:
        return f"{str.__repr__(self)}@{self.lang}"

    def __reduce__(self):
        return (LangString, (str(self), self.lang))


class Typed(str):
    """A literal of a datatype without a Python type here: its lexical form, and ``.datatype``."""

    datatype: str

    def __new__(cls, value: str, datatype: str) -> Typed:
        made = super().__new__(cls, value)
        made.datatype = datatype
        return made

    def __repr__(self) -> str:
        return f"{str.__repr__(self)}^^<{self.datatype}>"

    def __reduce__(self):
        return (Typed, (str(self), self.datatype))


class ResultCut(Exception):
    """The endpoint cut the result at its row cap: page with ORDER BY, LIMIT and OFFSET."""


def python_value(term: Any) -> Any:
    """The Python value of a pyoxigraph term (module docstring), None for None."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, ox.Literal):
        return term  # an RDF-star triple stays a pyoxigraph Triple
    if term.language:
        return LangString(term.value, term.language)
    datatype, text = term.datatype.value, term.value
    try:
        if datatype == _STRING:
            return text
        if datatype in _INTEGERS:
            return int(text)
        if datatype == _DECIMAL:
            return Decimal(text)
        if datatype in (_DOUBLE, _FLOAT):
            return float(text.replace("INF", "inf"))
        if datatype == _BOOLEAN and text in ("true", "false", "1", "0"):
            return text in ("true", "1")
        if datatype == _DATE:
            return datetime.date.fromisoformat(text)
        if datatype == _DATETIME:
            return datetime.datetime.fromisoformat(text)
    except (ValueError, InvalidOperation):
        pass  # an ill-typed literal (or a date with a time zone) keeps its lexical form
    return Typed(text, datatype)


class Publication:
    """A publication opened for queries: the embedded store, or a SPARQL endpoint."""

    def __init__(
        self,
        store: Store | None = None,
        endpoint: RemoteStore | None = None,
        base: str = graph.DEFAULT_BASE,
    ):
        self.store = store
        self.endpoint = endpoint
        #: What relative IRIs in a query resolve against (SPARQL 1.1 Query §4.1.1.1), as the
        #: deployment's ``{base}sparql`` resolves them.
        self.base = base

    def __repr__(self) -> str:
        where = self.endpoint.query_url if self.endpoint else f"{len(self.store or ())} quads"
        return f"<policygraph publication: {where}>"

    def _select(self, query: str) -> tuple[list[str], list[tuple]] | bool:
        """(variables, rows of terms) or an ASK's boolean."""
        if self.endpoint is not None:
            _, headers, body = self.endpoint.request(query, RESULTS_JSON)
            answer = parse_results_json(body)
            if isinstance(answer, bool):
                return answer
            cut = {k.lower(): v for k, v in headers.items()}.get(TRUNCATED_HEADER)
            if cut == "true":
                links = json.loads(body).get("head", {}).get("link")
                raise ResultCut(
                    f"{self.endpoint.query_url} cut the result at {len(answer[1])} rows (its "
                    "row cap): page through it with ORDER BY, LIMIT and OFFSET"
                    + (f"; see {links[0]}" if links else "")
                )
            return answer
        assert self.store is not None
        result = self.store.query(query, base_iri=self.base)
        if isinstance(result, bool | ox.QueryBoolean):
            return bool(result)
        if not hasattr(result, "variables"):
            raise TypeError("a CONSTRUCT or DESCRIBE answers triples: use .store.query()")
        variables = [variable.value for variable in result.variables]
        return variables, [tuple(solution) for solution in result]

    def rows(self, query: str) -> list[tuple]:
        """The solutions of a SELECT as namedtuples of Python values, fields named by the
        variables (``row.date``, ``row._asdict()``)."""
        answer = self._select(query)
        if isinstance(answer, bool):
            raise TypeError("an ASK answers a boolean: use .ask()")
        variables, rows = answer
        Row = namedtuple("Row", variables, rename=True)  # noqa: PYI024 - fields come from the query
        return [Row(*(python_value(term) for term in row)) for row in rows]

    def ask(self, query: str) -> bool:
        """The answer of an ASK."""
        answer = self._select(query)
        if not isinstance(answer, bool):
            raise TypeError("not an ASK query: use .rows() or .dataframe()")
        return answer

    def dataframe(self, query: str):
        """The solutions of a SELECT as a pandas DataFrame with typed columns (module doc)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(PANDAS_MISSING) from None
        answer = self._select(query)
        if isinstance(answer, bool):
            raise TypeError("an ASK answers a boolean: use .ask()")
        variables, rows = answer
        columns: dict[str, Any] = {}
        for index, name in enumerate(variables):
            terms = [row[index] for row in rows]
            columns[name] = _column(pd, [python_value(term) for term in terms])
            tags = [term.language if isinstance(term, ox.Literal) else None for term in terms]
            if any(tags):
                columns[f"{name}@lang"] = pd.array(tags, dtype="string")
        return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal | float):
        return "number"
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, Typed) and value.datatype in (_YEAR_MONTH, _YEAR):
        return value.datatype
    return "other"


#: Date kinds → the pandas Period frequency of their precision.
_PRECISION = {"date": "D", _YEAR_MONTH: "M", _YEAR: "Y"}


def _column(pd, values: list[Any]):
    """One DataFrame column, typed by the kinds of its values (module docstring)."""
    kinds = {_kind(value) for value in values if value is not None}
    if kinds == {"integer"}:
        return pd.array(values, dtype="Int64")
    if kinds and kinds <= {"integer", "number"}:
        return pd.array([None if v is None else float(v) for v in values], dtype="Float64")
    if kinds == {"boolean"}:
        return pd.array(values, dtype="boolean")
    if kinds == {"date"}:
        return pd.to_datetime(pd.Series(values, dtype=object)).array
    if kinds == {"datetime"}:
        aware = any(v is not None and v.tzinfo is not None for v in values)
        return pd.to_datetime(pd.Series(values, dtype=object), utc=aware).array
    if kinds and kinds <= set(_PRECISION):
        periods = [
            None if v is None else pd.Period(str(v), freq=_PRECISION[_kind(v)]) for v in values
        ]
        if len(kinds) == 1:
            return pd.array(periods, dtype=f"period[{_PRECISION[kinds.pop()]}]")
        return pd.array(periods, dtype=object)
    return pd.array(values, dtype=object)


def open(  # noqa: A001 - notebook.open(), as gzip.open() and shelve.open()
    paths: Sequence[str | Path] | str | Path | None = None,
    *,
    base: str = graph.DEFAULT_BASE,
    endpoint: str | None = None,
    timeout: float = 60.0,
) -> Publication:
    """Open a publication: the bundled sources (``paths`` None) or the source folders or
    Turtle files ``paths``, validated and loaded in memory with their IRIs under ``base``; or,
    with ``endpoint``, a SPARQL endpoint (credentials from ``POLICYGRAPH_SPARQL_USER`` and
    ``POLICYGRAPH_SPARQL_PASSWORD``), each request within ``timeout`` seconds."""
    if endpoint is not None:
        return Publication(
            endpoint=RemoteStore(endpoint, auth=credentials_from_env(), timeout=timeout)
        )
    if isinstance(paths, str | Path):
        paths = [paths]
    base = graph.check_base(base)
    dataset = graph.load(base, [Path(p) for p in paths] if paths is not None else None)
    store = build(dataset, vocabulary=graph.vocabulary_graph_names(base))
    return Publication(store=store, base=base)
