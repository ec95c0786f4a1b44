"""Structural limits of a SPARQL query: how deep it nests, how long its chains of operators run.

pyoxigraph parses and evaluates a query by recursion over its syntax tree, with no bound of its
own: a query whose tree is a few thousand levels deep overflows the stack of the thread running
it, and the process dies (tests/test_sparql_limits.py measures at what depth, shape by shape).
Two things make the tree deep, and each has a setting:

- **nesting** (``sparql_max_nesting``): brackets open at once: groups ``{}`` (sub-queries,
  ``OPTIONAL``, ``EXISTS``…), parentheses ``()`` (expressions, function calls, property paths,
  collections) and blank-node brackets ``[]``;
- **chains** (``sparql_max_chain``): the engine nests a group's ``UNION``, ``OPTIONAL``,
  ``MINUS``, ``BIND``, ``FILTER``, ``GRAPH``, ``VALUES`` and sub-groups one inside the other,
  and so an expression's operators (``||``, ``&&``, ``+``, ``*``, ``!``, comparisons…) and a
  property path's (``/``, ``|``, ``^``). The chain at a point of the query is the number of
  such words and operators before it at its own level, plus those at each enclosing level
  before the bracket that holds it (a chain nested at the start of another is at the bottom of
  its tree).

Both are read from the tokens of :func:`server.sparql.safety.tokenize` (SPARQL 1.1 Query §19.8),
so nothing in an IRI, a string or a comment counts; a query past either limit is refused with
400 before it is parsed or run (SPARQL 1.1 Protocol §2.1.4), as Oxigraph's own server refuses
one it cannot parse so deep. One exception to what the tokens say: within an expression, the
engine reads ``?a<(1)&&?b>`` as two comparisons where the tokenizer sees an IRI, so an IRI right
after an operand, inside parentheses, is counted character by character as an expression.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.settings import BY_NAME, Settings

NESTING_SETTING = "sparql_max_nesting"
CHAIN_SETTING = "sparql_max_chain"
DEFAULT_NESTING = BY_NAME[NESTING_SETTING].default
DEFAULT_CHAIN = BY_NAME[CHAIN_SETTING].default

OPEN = {"{": "}", "(": ")", "[": "]"}
CLOSE = frozenset(OPEN.values())
CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "GRAPH", "VALUES"})
CHAIN_PUNCT = frozenset(
    {"{", "||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!"}
)
#: Token kinds an operand of an expression may end with (and closing brackets): an IRI right
#: after one, within parentheses, is a comparison to the engine (``?a<…>`` is ``?a < …``).
OPERAND_ENDS = frozenset({"var", "number", "string", "pname", "iri", "langtag", "word"})
#: A keyword of :data:`CHAIN_WORDS`, counted as one chained operator.
_LINK = "+"
#: Characters of an IRI token, read as an expression, that open or close a level, or chain.
_IRI_OPEN, _IRI_CLOSE, _IRI_CHAIN = frozenset("(["), frozenset(")]"), frozenset("&!=+-*/")


@dataclass(frozen=True)
class Limits:
    """The most nesting levels and chained operators a query may have."""

    nesting: int = DEFAULT_NESTING
    chain: int = DEFAULT_CHAIN

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.sparql_max_nesting, settings.sparql_max_chain)


@dataclass(frozen=True)
class Shape:
    """What :func:`measure` read: the deepest nesting and longest chain, and where each is
    first reached (character offsets in the query)."""

    nesting: int
    chain: int
    nesting_at: int = 0
    chain_at: int = 0


#: The limits of the settings' defaults.
DEFAULT = Limits()


class LimitExceeded(ValueError):
    """A query nests deeper or chains longer than the limits allow; the message says which."""


def measure(tokens: Iterable[tuple[str, str, int, int]]) -> Shape:
    """The nesting and chains of a query, from its tokens (kind, text, start, end)."""
    brackets = [""]  # the bracket that opened each level (none for the outermost)
    counts = [0]  # operators chained at each level so far
    chain = longest = nesting = nesting_at = chain_at = 0
    after_operand = False
    for kind, text, start, _end in tokens:
        if kind == "punct":
            marks: Iterable[tuple[str, int]] = ((text, start),)
            after_operand = text in CLOSE
        elif kind == "word":
            after_operand = True
            if text.upper() not in CHAIN_WORDS:
                continue
            marks = ((_LINK, start),)
        elif kind == "iri" and after_operand and brackets[-1] == "(":
            marks = _as_expression(text, start)
            after_operand = False
        else:
            after_operand = kind in OPERAND_ENDS
            continue
        for mark, at in marks:
            if mark in CHAIN_PUNCT:
                counts[-1] += 1
                chain += 1
                if chain > longest:
                    longest, chain_at = chain, at
            if mark in OPEN:
                brackets.append(mark)
                counts.append(0)
                if len(brackets) - 1 > nesting:
                    nesting, nesting_at = len(brackets) - 1, at
            elif mark in CLOSE and len(brackets) > 1:
                brackets.pop()
                chain -= counts.pop()
    return Shape(nesting, longest, nesting_at, chain_at)


def _as_expression(text: str, start: int) -> list[tuple[str, int]]:
    """The marks of an IRI token read as the engine reads it after an operand: ``<``, the
    brackets and operator characters inside, ``>``."""
    marks = [("<", start)]
    for offset, char in enumerate(text[1:-1], start + 1):
        if char in _IRI_OPEN or char in _IRI_CLOSE or char in _IRI_CHAIN:
            marks.append(("&&" if char == "&" else char, offset))
    marks.append((">", start + len(text) - 1))
    return marks


def check(tokens: Iterable[tuple[str, str, int, int]], limits: Limits) -> Shape:
    """Measure a query's tokens; raise :class:`LimitExceeded` past either limit."""
    shape = measure(tokens)
    if shape.nesting > limits.nesting:
        raise LimitExceeded(
            f"the query nests {shape.nesting} levels deep (groups {{}}, parentheses () and "
            f"brackets [] inside one another; deepest at character {shape.nesting_at}); this "
            f"endpoint allows at most {limits.nesting} (setting {NESTING_SETTING})"
        )
    if shape.chain > limits.chain:
        raise LimitExceeded(
            f"the query chains {shape.chain} operators (UNION, OPTIONAL, MINUS, BIND, FILTER, "
            "GRAPH, VALUES and groups in a group, and operators of expressions and property "
            "paths, counted through the groups and parentheses that hold them; longest at "
            f"character {shape.chain_at}); this endpoint allows at most {limits.chain} "
            f"(setting {CHAIN_SETTING}). A long list of alternatives fits in VALUES or IN (…)"
        )
    return shape
