"""``policygraph anchor SOURCE "quoted words"``: the Web Annotation selectors of a quote.

Prints, for every occurrence of the words in the source's text, the Turtle of its evidence node,
TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end in code points),
Web Annotation Data Model §4.2.4–§4.2.5 (:mod:`graph.anchor`), for a curator to paste into the
source's Turtle. Exit 0 with at least one occurrence; 1, with a message, when there is none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph import anchor
from server.cli.common import EXIT_INVALID

SOURCES = (
    "SOURCE is the slug of a bundled source (north-korea-opportunity), a source folder "
    f"(graph/sources/SLUG/) or its text file (graph/sources/SLUG/{anchor.TEXT_FILE}); the "
    "document the anchors point to is id/document/ and the folder's name."
)


def cmd_anchor(args) -> int:
    """Print the selectors of every occurrence of the words (:func:`graph.anchor.run`); a
    source given as its text file stands for its folder (the folder names the document)."""
    path = Path(args.source)
    if path.is_file():
        if path.name != anchor.TEXT_FILE:
            print(
                f"error: {args.source}: a text file must be a source folder's {anchor.TEXT_FILE} "
                "(the folder's name is the document's slug)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        args = argparse.Namespace(**{**vars(args), "source": str(path.parent)})
    status = anchor.run(args, sys.stdout, sys.stderr)
    return status if status == 0 else EXIT_INVALID


def add_anchor_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph anchor`` on the ``policygraph`` command's subparsers."""
    parser = commands.add_parser(
        "anchor",
        help="print the Web Annotation selectors (Turtle) of a quote in a source's text",
        description="Find every occurrence of the quoted words in a source's text and print, for "
        "each, the Turtle of its evidence anchor: oa:exact, oa:prefix and oa:suffix (32 code "
        "points of context), oa:start and oa:end (code points, end excluded). Exit 1 when the "
        "words do not occur (copy them verbatim: quotes and dashes as the text has them). "
        + SOURCES,
        epilog='example: policygraph anchor north-korea-opportunity "apparently agreed" '
        "--owner id/claim/my-claim",
    )
    anchor.add_arguments(parser)
    parser.set_defaults(run=cmd_anchor)
    return parser
