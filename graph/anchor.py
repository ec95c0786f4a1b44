"""Web Annotation anchors: find a quoted span in a source text and describe it by selectors.

Implements the TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end in
Unicode code points, end excluded) of the W3C Web Annotation Data Model, §4.2.4 and §4.2.5.
``policygraph anchor SOURCE "quoted words"`` (or ``python -m graph.anchor``) prints the Turtle of
the selectors for every occurrence of the words in the source's text, for a curator to paste.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

CONTEXT_LENGTH = 32
TEXT_FILE = "source.txt"


class AnchorError(ValueError):
    """A quote that does not occur in the source, or a source without a text."""


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int

    def turtle(self, owner: str, source: str, number: int = 1) -> str:
        """The Turtle for this anchor as evidence of the thing ``owner`` (a relative IRI).

        Sub-nodes are hash IRIs under the owner (``<id/claim/x#evidence-2>``); an owner that is
        itself a hash IRI (a name usage ``<id/dispute/x#name-china>``) gets ``-evidence`` etc.
        """
        tail = "" if number == 1 else f"-{number}"
        join = "-" if "#" in owner else "#"
        evidence, quote, position = (
            f"{owner}{join}{part}{tail}" for part in ("evidence", "quote", "position")
        )
        return (
            f"<{owner}> pg:evidence <{evidence}> .\n"
            f"<{evidence}> a oa:SpecificResource ;\n"
            f"    oa:hasSource <{source}> ;\n"
            f"    oa:hasSelector <{quote}>, <{position}> .\n"
            f"<{quote}> a oa:TextQuoteSelector ;\n"
            f"    oa:exact {_turtle_string(self.exact)} ;\n"
            f"    oa:prefix {_turtle_string(self.prefix)} ;\n"
            f"    oa:suffix {_turtle_string(self.suffix)} .\n"
            f"<{position}> a oa:TextPositionSelector ;\n"
            f"    oa:start {self.start} ;\n"
            f"    oa:end {self.end} .\n"
        )


def _turtle_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _at(text: str, exact: str, start: int) -> Anchor:
    end = start + len(exact)
    return Anchor(
        exact=exact,
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        start=start,
        end=end,
    )


def find_all(text: str, exact: str) -> list[Anchor]:
    """Every occurrence of ``exact`` in ``text``, in order; an error when there is none."""
    if not exact:
        raise AnchorError("an empty quote anchors nothing")
    found, start = [], text.find(exact)
    while start >= 0:
        found.append(_at(text, exact, start))
        start = text.find(exact, start + 1)
    if not found:
        raise AnchorError(f"quote not found in the source text: {exact!r}")
    return found


def find(text: str, exact: str, occurrence: int = 1) -> Anchor:
    """The ``occurrence``-th copy of ``exact`` in ``text`` (1-based)."""
    found = find_all(text, exact)
    if not 1 <= occurrence <= len(found):
        raise AnchorError(f"quote occurs {len(found)} time(s), not {occurrence}: {exact!r}")
    return found[occurrence - 1]


def verify(text: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> list[str]:
    """Return the ways a stored anchor disagrees with ``text`` (empty when it agrees)."""
    problems = []
    if text[start:end] != exact:
        problems.append(f"text[{start}:{end}] is {text[start:end]!r}, not the exact quote")
    if prefix and (start < len(prefix) or text[start - len(prefix) : start] != prefix):
        problems.append("prefix does not precede the quote")
    if suffix and text[end : end + len(suffix)] != suffix:
        problems.append("suffix does not follow the quote")
    return problems


def source_folder(source: str, sources: Path | None = None) -> Path:
    """A source folder given as a path, or as a slug of the bundled sources."""
    path = Path(source)
    if path.is_dir():
        return path
    root = sources or Path(__file__).parent / "sources"
    if (root / source).is_dir() and "/" not in source:
        return root / source
    raise AnchorError(f"no source folder or slug {source!r}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line arguments (shared by ``policygraph anchor`` and ``python -m``)."""
    parser.add_argument("source", help="a source folder, or the slug of a bundled source")
    parser.add_argument("exact", help="the words, copied verbatim from the source text")
    parser.add_argument("--owner", default="id/claim/SLUG", help="relative IRI of the thing")
    parser.add_argument("--number", type=int, default=1, help="first evidence number (#evidence-N)")


def run(args: argparse.Namespace, out=sys.stdout, err=sys.stderr) -> int:
    """Print the selectors of every occurrence (exit 0), or an error (exit 1)."""
    try:
        folder = source_folder(args.source)
        text_file = folder / TEXT_FILE
        if not text_file.is_file():
            raise AnchorError(f"{text_file}: no source text")
        text = text_file.read_bytes().decode("utf-8")
        anchors = find_all(text, args.exact)
    except AnchorError as error:
        print(f"error: {error}", file=err)
        return 1
    document = f"id/document/{folder.name}"
    if len(anchors) > 1:
        print(f"# {len(anchors)} occurrences: keep the one you mean", file=out)
    for number, anchor in enumerate(anchors, args.number):
        print(f"# occurrence at [{anchor.start}, {anchor.end})", file=out)
        out.write(anchor.turtle(args.owner, document, number))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m graph.anchor",
        description="Print Web Annotation selectors (Turtle) for every occurrence of a verbatim "
        "span of a source text.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
