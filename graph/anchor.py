"""Web Annotation anchors: find a quoted span in a source text and describe it by selectors.

Implements the TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end in
Unicode code points, end excluded) of the W3C Web Annotation Data Model, §4.2.4 and §4.2.5.
Run ``python -m graph.anchor "exact words"`` to print the selectors a curator pastes into Turtle.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

CONTEXT_LENGTH = 32


class AnchorError(ValueError):
    """A quote that does not occur in the source, or occurs ambiguously."""


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int

    def turtle(self, owner: str, source: str, number: int = 1) -> str:
        """The Turtle for this anchor as evidence of the thing ``owner`` (a relative IRI)."""
        tail = "" if number == 1 else f"-{number}"
        return (
            f"<{owner}> pg:evidence <{owner}#evidence{tail}> .\n"
            f"<{owner}#evidence{tail}> a oa:SpecificResource ;\n"
            f"    oa:hasSource <{source}> ;\n"
            f"    oa:hasSelector <{owner}#quote{tail}>, <{owner}#position{tail}> .\n"
            f"<{owner}#quote{tail}> a oa:TextQuoteSelector ;\n"
            f"    oa:exact {_turtle_string(self.exact)} ;\n"
            f"    oa:prefix {_turtle_string(self.prefix)} ;\n"
            f"    oa:suffix {_turtle_string(self.suffix)} .\n"
            f"<{owner}#position{tail}> a oa:TextPositionSelector ;\n"
            f"    oa:start {self.start} ;\n"
            f"    oa:end {self.end} .\n"
        )


def _turtle_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def find(text: str, exact: str, occurrence: int = 1) -> Anchor:
    """Locate the ``occurrence``-th copy of ``exact`` in ``text`` (1-based)."""
    if not exact:
        raise AnchorError("an empty quote anchors nothing")
    start = -1
    for _ in range(occurrence):
        start = text.find(exact, start + 1)
        if start < 0:
            raise AnchorError(f"quote not found (occurrence {occurrence}): {exact!r}")
    end = start + len(exact)
    return Anchor(
        exact=exact,
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        start=start,
        end=end,
    )


def verify(text: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> list[str]:
    """Return the ways a stored anchor disagrees with ``text`` (empty when it agrees)."""
    problems = []
    if text[start:end] != exact:
        problems.append(f"text[{start}:{end}] is {text[start:end]!r}, not the exact quote")
    if prefix and text[max(0, start - len(prefix)) : start] != prefix:
        problems.append("prefix does not precede the quote")
    if suffix and text[end : end + len(suffix)] != suffix:
        problems.append("suffix does not follow the quote")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m graph.anchor",
        description="Print Web Annotation selectors (Turtle) for a verbatim span of a source text.",
    )
    parser.add_argument("exact", help="the span, copied verbatim from the source")
    parser.add_argument("--source-file", type=Path, required=True, help="the source text")
    parser.add_argument("--owner", default="id/claim/SLUG", help="relative IRI of the thing")
    parser.add_argument("--document", default="id/document/SLUG", help="relative IRI of the source")
    parser.add_argument("--occurrence", type=int, default=1, help="which copy, when repeated")
    parser.add_argument("--number", type=int, default=1, help="evidence number (#evidence-N)")
    args = parser.parse_args(argv)
    text = args.source_file.read_text(encoding="utf-8")
    try:
        anchor = find(text, args.exact, args.occurrence)
    except AnchorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if text.count(args.exact) > 1:
        print(f"note: the quote occurs {text.count(args.exact)} times", file=sys.stderr)
    sys.stdout.write(anchor.turtle(args.owner, args.document, args.number))
    return 0


if __name__ == "__main__":
    sys.exit(main())
