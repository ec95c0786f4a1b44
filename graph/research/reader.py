"""The annotated reader's model (issue 18 §1): a source text cut at every anchor boundary.

An anchor is a Web Annotation TextPositionSelector (§4.2.5: ``start`` and ``end`` in Unicode code
points, end excluded) on the evidence of a claim, event, relation or dispute. Anchors overlap and
nest, so the text is split at every start and end into :class:`Segment` s, each listing every
anchor covering it: a page renders one element per segment (never an element inside another that
it would have to close early), and the segments of one anchor, joined, are its exact quote.
Nothing here reads HTTP or a store; :func:`spans_query` is the SPARQL that finds the anchors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import graph
from graph import discovery

#: The kinds of thing an anchor supports, in the order the reader's legend lists them.
KINDS = ("claim", "event", "relation", "dispute")


class RangeError(ValueError):
    """A range of code points that is not within the text (start > end, or past its end)."""


@dataclass(frozen=True)
class Span:
    """One anchor: its evidence node, the node holding it (``owner``, a thing or a hash node
    of one, e.g. a name usage), the thing, its kind (``id/{kind}/…``) and its position."""

    evidence: str
    owner: str
    thing: str
    kind: str
    start: int
    end: int
    exact: str
    modality: str | None = None
    stance: str | None = None
    status: str | None = None
    claimants: tuple[str, ...] = ()

    @property
    def fragment(self) -> str:
        """The reader's fragment for this position (``a-{start}-{end}``), shared by every anchor
        at the same position."""
        return f"a-{self.start}-{self.end}"


@dataclass(frozen=True)
class Segment:
    """A stretch of text between two consecutive anchor boundaries and the indices (into the
    list of spans) of every anchor covering it, outermost (longest) first."""

    start: int
    end: int
    text: str
    covers: tuple[int, ...]
    #: Fragments (``a-{start}-{end}``) of the anchors starting here.
    opens: tuple[str, ...] = ()


def kind_of(iri: str, base: str) -> str:
    """``claim`` for ``{base}id/claim/x#evidence`` (DESIGN.md § IRIs), else ``thing``."""
    rest = iri[len(base) :] if iri.startswith(base) else ""
    parts = rest.split("#", 1)[0].split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "id" else "thing"


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """The text cut at every anchor boundary; segments cover the whole text in order (joined,
    they are the text), and each lists the anchors covering it. Anchors outside the text are
    left out (validation refuses them; this never indexes past the end)."""
    length = len(text)
    inside = [i for i, s in enumerate(spans) if 0 <= s.start < s.end <= length]
    cuts = sorted({0, length} | {spans[i].start for i in inside} | {spans[i].end for i in inside})
    starting: dict[int, list[int]] = {}
    for i in inside:
        starting.setdefault(spans[i].start, []).append(i)
    active: set[int] = set()
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = {i for i in active if spans[i].end > a} | set(starting.get(a, ()))
        order = sorted(active, key=lambda i: (-(spans[i].end - spans[i].start), i))
        opens = tuple(dict.fromkeys(spans[i].fragment for i in starting.get(a, ())))
        out.append(Segment(a, b, text[a:b], tuple(order), opens))
    return out


def check_range(length: int, start: int, end: int) -> None:
    """Raise :class:`RangeError` unless ``0 <= start <= end <= length``."""
    if start < 0 or end < 0:
        raise RangeError("start and end are code point offsets, 0 or more")
    if start > end:
        raise RangeError(f"start ({start}) is after end ({end})")
    if end > length:
        raise RangeError(f"end ({end}) is past the end of the text ({length} code points)")


def overlapping(spans: Iterable[Span], start: int, end: int) -> list[Span]:
    """The anchors sharing at least one code point with ``[start, end)``; for an empty range
    (``start == end``), those containing the code point at ``start``."""
    if start == end:
        return [s for s in spans if s.start <= start < s.end]
    return [s for s in spans if s.start < end and s.end > start]


def spans_query(pg: str, document: str, start: int | None = None, end: int | None = None) -> str:
    """SPARQL 1.1 finding every anchor in ``document`` (with the owner's modality, stance, status
    and claimant where it has them), optionally only those overlapping ``[start, end)`` (by
    ``oa:start`` and ``oa:end``): what the reader shows and ``{base}spans`` answers."""
    bounds = ""
    if start is not None and end is not None:
        if start == end:
            bounds = f"\n  FILTER(?start <= {start} && ?end > {start})"
        else:
            bounds = f"\n  FILTER(?start < {end} && ?end > {start})"
    return (
        "PREFIX oa: <http://www.w3.org/ns/oa#>\n"
        f"PREFIX pg: <{pg}>\n"
        "SELECT ?owner ?evidence ?exact ?start ?end ?modality ?stance ?status ?claimant WHERE {\n"
        "  ?owner pg:evidence ?evidence .\n"
        f"  ?evidence oa:hasSource <{document}> ;\n"
        "    oa:hasSelector ?quote, ?position .\n"
        "  ?quote oa:exact ?exact .\n"
        "  ?position oa:start ?start ;\n"
        f"    oa:end ?end .{bounds}\n"
        "  OPTIONAL { ?owner pg:modality ?modality }\n"
        "  OPTIONAL { ?owner pg:stance ?stance }\n"
        "  OPTIONAL { ?owner pg:status ?status }\n"
        "  OPTIONAL { ?owner pg:claimant ?claimant }\n"
        "}\n"
        "ORDER BY ?start ?end ?owner"
    )


def spans_from_rows(rows: Iterable[Sequence[str | None]], base: str) -> list[Span]:
    """Spans from the rows of :func:`spans_query` (values as strings, None when unbound), one
    per owner and evidence node (one anchor may support two things), its claimants gathered,
    in text order."""
    found: dict[tuple[str, str], dict] = {}
    for owner, evidence, exact, start, end, modality, stance, status, claimant in rows:
        entry = found.setdefault(
            (owner, evidence),
            {
                "evidence": evidence,
                "owner": owner,
                "thing": owner.split("#", 1)[0],
                "kind": kind_of(owner, base),
                "start": int(start),
                "end": int(end),
                "exact": exact,
                "modality": modality,
                "stance": stance,
                "status": status,
                "claimants": [],
            },
        )
        if claimant and claimant not in entry["claimants"]:
            entry["claimants"].append(claimant)
    spans = [Span(**{**e, "claimants": tuple(sorted(e["claimants"]))}) for e in found.values()]
    return sorted(spans, key=lambda s: (s.start, s.end, s.thing, s.evidence))


def mismatches(text: str, spans: Iterable[Span]) -> list[Span]:
    """The anchors whose exact quote is not the text at their offsets."""
    return [s for s in spans if text[s.start : s.end] != s.exact]


def sha256(text: str) -> str:
    """The hex SHA-256 of the text's UTF-8 bytes (the document's recorded checksum)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_texts(paths: list[Path] | None = None) -> dict[str, str]:
    """Source slug → source text, for the sources ``paths`` name (None: the bundled ones);
    sources without a text are left out."""
    texts = {}
    for source in discovery.find_sources(paths or graph.bundled_sources()):
        text = graph.read_text(source.folder)
        if text is not None:
            texts[source.name] = text
    return texts
