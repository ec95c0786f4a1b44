"""Deterministic synthetic corpora shaped like the curated graph, for benchmarks.

A corpus is a sequence of synthetic source documents ``synthetic-1 … synthetic-D``, each with its
own named graph ``{base}graph/synthetic-N`` and a synthetic source text that its evidence anchors
point into (``oa:TextQuoteSelector`` + ``oa:TextPositionSelector``, code-point offsets, end
excluded, exactly as the modeling contract asks). Each document introduces actors (trilingual
labels, one schema.org class each), places, events (roles, CAMEO event types, dates at day, month
or year precision), disputes (two or three parties), claims (claimant, stance, proposition as an
``rdf:Statement``, quote) and relations; later documents refer back to earlier actors, places and
disputes, so the graph is connected the way a growing collection of essays would be.

Every document is generated from its own seeded RNG (``seed`` and its number), so the same seed and
size always give the same bytes, and any document can be regenerated alone.

Outputs:
- N-Quads with absolute IRIs under ``--base`` (streamed; a 1M-triple corpus takes seconds);
- optionally a Turtle source-folder layout with relative IRIs (one folder per document,
  ``graph/sources``-style, plus ``source.txt``), which ``policygraph validate PATH`` checks;
- ``corpus.json`` beside it: counts and slug patterns the benchmark draws random parameters from.

    python -m bench.generate --triples 1000000 --out bench/corpora/1m
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# Standard namespaces (contract spellings). Project IRIs are written as "<\0…>": "\0" becomes
# the base in N-Quads and disappears in Turtle, where IRIs stay relative.
SCHEMA = "http://schema.org/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SPDX = "http://spdx.org/rdf/terms#"
MARK = "\0"

A = f"<{RDF}type>"


def iri(namespace: str, local: str) -> str:
    return f"<{namespace}{local}>"


def pg(local: str) -> str:
    return f"<{MARK}ontology#{local}>"


def thing(kind: str, slug: str, fragment: str = "") -> str:
    return f"<{MARK}id/{kind}/{slug}{'#' + fragment if fragment else ''}>"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lang(text: str, tag: str) -> str:
    return f'"{_escape(text)}"@{tag}'


def typed(text: str, datatype: str) -> str:
    return f'"{_escape(text)}"^^<{XSD}{datatype}>'


def integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


LABEL = f"<{RDFS}label>"
PREF = f"<{SKOS}prefLabel>"
ALT = f"<{SKOS}altLabel>"
DESCRIPTION = iri(SCHEMA, "description")

# Concepts of the ontology's schemes (contract § Concept schemes).
EVENT_TYPES = (
    "event-make-statement",
    "event-appeal",
    "event-express-intent-to-cooperate",
    "event-consult",
    "event-diplomatic-cooperation",
    "event-material-cooperation",
    "event-military-cooperation",
    "event-provide-aid",
    "event-ease-sanctions",
    "event-disapprove",
    "event-criticize",
    "event-accuse",
    "event-reject",
    "event-veto",
    "event-exhibit-force",
    "event-reduce-relations",
    "event-impose-sanctions",
    "event-policy-move",
)
STANCES = (
    "asserts",
    "accuses",
    "condemns",
    "recommends",
    "warns",
    "predicts",
    "reports",
    "denies",
    "believes",
    "proposes",
    "argues",
)
ROLES = ("initiator", "target", "speaker", "voter", "subject", "recipient", "reporter", "mediator")
RELATION_TYPES = (
    "alliance",
    "supply",
    "tension",
    "partnership",
    "courtship",
    "hostility",
    "influence",
)
# The class a source graph types a thing of another document with, when it refers to it (the
# source-graph rule: a graph describes every thing it refers to).
KIND_CLASSES = {"actor": "Actor", "place": "Place", "dispute": "Dispute"}
# Relation types with a direct triple the source asserts too (contract § Relations).
DIRECT = {
    "alliance": "allyOf",
    "supply": "supplies",
    "tension": "inTensionWith",
    "courtship": "courts",
}
PROPOSITION_PREDICATES = ("allyOf", "supplies", "inTensionWith", "courts")
ACTOR_CLASSES = (
    "Country",
    "GovernmentOrganization",
    "Organization",
    "Person",
    "NewsMediaOrganization",
    "ResearchOrganization",
)
DISPUTE_KINDS = (
    ("TerritorialDispute", "territorial"),
    ("TradeDispute", "trade"),
    ("PolicyDispute", "policy"),
)

# Words the synthetic texts are made of; the benchmark's text filter draws from TOPIC_WORDS.
TOPIC_WORDS = (
    "sanctions",
    "missile",
    "cooperation",
    "trade",
    "islands",
    "currency",
    "alliance",
    "security",
    "dialogue",
    "pressure",
    "stability",
    "nuclear",
    "territory",
    "embassy",
    "regime",
    "sovereignty",
    "tariffs",
    "summit",
    "patrols",
    "refugees",
    "energy",
    "food",
    "aid",
    "veto",
    "provocation",
    "deterrence",
    "negotiations",
    "borders",
    "fisheries",
    "shipping",
)
FILLER = (
    "the",
    "government",
    "will",
    "must",
    "should",
    "not",
    "accept",
    "any",
    "further",
    "policy",
    "on",
    "in",
    "region",
    "its",
    "neighbors",
    "for",
    "years",
    "and",
    "of",
    "officials",
    "said",
    "that",
    "new",
    "a",
    "long",
    "term",
    "approach",
    "to",
)
SYLLABLES = (
    "ka",
    "ro",
    "lin",
    "ta",
    "ver",
    "mo",
    "san",
    "del",
    "quo",
    "ri",
    "bel",
    "na",
    "dor",
    "vi",
    "shen",
    "hua",
    "zan",
    "pol",
    "kir",
    "ess",
)
# (simplified, traditional) character pairs for Chinese labels.
HAN = (
    ("国", "國"),
    ("会", "會"),
    ("东", "東"),
    ("华", "華"),
    ("长", "長"),
    ("门", "門"),
    ("岛", "島"),
    ("龙", "龍"),
    ("马", "馬"),
    ("云", "雲"),
    ("书", "書"),
    ("山", "山"),
    ("海", "海"),
    ("南", "南"),
    ("北", "北"),
    ("关", "關"),
    ("宁", "寧"),
    ("丰", "豐"),
)


@dataclass(frozen=True)
class Shape:
    """How many things of each kind one synthetic document introduces."""

    actors: int = 6
    places: int = 2
    events: int = 8
    disputes: int = 2
    claims: int = 10
    relations: int = 3


SHAPE = Shape()


def slug(kind: str, doc: int, index: int) -> str:
    """The slug of the ``index``-th (1-based) thing of ``kind`` introduced by document ``doc``."""
    return f"syn-{doc}-{index}" if kind != "document" else f"synthetic-{doc}"


def _name(rng: random.Random) -> tuple[str, str, str]:
    english = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    chars = [rng.choice(HAN) for _ in range(rng.randint(2, 3))]
    return english, "".join(c[0] for c in chars), "".join(c[1] for c in chars)


def _date(rng: random.Random) -> str:
    """A timestamp with day, month or year precision (the precision a source would give)."""
    year = rng.randint(1990, 2025)
    roll = rng.random()
    if roll < 0.6:
        return typed(f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date")
    if roll < 0.85:
        return typed(f"{year}-{rng.randint(1, 12):02d}", "gYearMonth")
    return typed(str(year), "gYear")


class Document:
    """Triples of one synthetic source document and its source text."""

    def __init__(self, number: int, seed: int):
        self.number = number
        self.rng = random.Random(f"{seed}:{number}")
        self.slug = slug("document", number, 0)
        self.iri = thing("document", self.slug)
        self.triples: list[tuple[str, str, str]] = []
        self.text_parts = [f"Synthetic source {number}.\n\n"]
        self.text_length = len(self.text_parts[0])

    # -- helpers ---------------------------------------------------------------------------
    def add(self, s: str, p: str, o: str) -> None:
        self.triples.append((s, p, o))

    def labels(self, subject: str, english: str, hans: str, hant: str) -> None:
        for predicate in (LABEL, PREF):
            self.add(subject, predicate, lang(english, "en"))
            self.add(subject, predicate, lang(hans, "zh-Hans"))
            self.add(subject, predicate, lang(hant, "zh-Hant"))

    def earlier(self, kind: str) -> str:
        """A thing of ``kind`` from this or an earlier document (recent ones more likely)."""
        count = getattr(SHAPE, kind + "s")
        back = min(self.number - 1, int(self.rng.expovariate(1 / 20)))
        found = thing(kind, slug(kind, self.number - back, self.rng.randint(1, count)))
        if back:  # a thing of another document: this document's graph types it too
            self.referred.add((kind, found))
        return found

    def sentence(self) -> str:
        rng = self.rng
        words = [rng.choice(FILLER) for _ in range(rng.randint(6, 14))]
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(TOPIC_WORDS))
        return " ".join(words).capitalize() + "."

    def anchor(self, owner: str, exact: str) -> None:
        """Append ``exact`` to the source text and anchor ``owner``'s evidence to it."""
        start = self.text_length
        self.text_parts.append(exact + " ")
        self.text_length += len(exact) + 1
        self.pending.append((owner, start, exact))

    def finish_anchors(self) -> None:
        text = self.text
        for owner, start, exact in self.pending:
            end = start + len(exact)
            assert text[start:end] == exact
            base, sep = owner[:-1], "-" if "#" in owner else "#"
            evidence, quote, position = (
                f"{base}{sep}{f}>" for f in ("evidence", "quote", "position")
            )
            self.add(owner, pg("evidence"), evidence)
            self.add(evidence, A, iri(OA, "SpecificResource"))
            self.add(evidence, iri(OA, "hasSource"), self.iri)
            self.add(evidence, iri(OA, "hasSelector"), quote)
            self.add(evidence, iri(OA, "hasSelector"), position)
            self.add(quote, A, iri(OA, "TextQuoteSelector"))
            self.add(quote, iri(OA, "exact"), f'"{_escape(exact)}"')
            self.add(quote, iri(OA, "prefix"), f'"{_escape(text[max(0, start - 32) : start])}"')
            self.add(quote, iri(OA, "suffix"), f'"{_escape(text[end : end + 32])}"')
            self.add(position, A, iri(OA, "TextPositionSelector"))
            self.add(position, iri(OA, "start"), integer(start))
            self.add(position, iri(OA, "end"), integer(end))

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    # -- the document ----------------------------------------------------------------------
    def build(self) -> Document:
        self.pending: list[tuple[str, int, str]] = []
        self.referred: set[tuple[str, str]] = set()
        n, rng = self.number, self.rng
        english, hans, hant = _name(rng)
        self.add(self.iri, A, iri(SCHEMA, "OpinionNewsArticle"))
        self.labels(
            self.iri, f"Synthetic essay {n}: {english}", f"合成文章{n}{hans}", f"合成文章{n}{hant}"
        )
        self.published = typed(
            f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date"
        )
        self.add(self.iri, iri(SCHEMA, "datePublished"), self.published)
        self.add(self.iri, iri(SCHEMA, "inLanguage"), '"en"')
        for i in range(1, SHAPE.actors + 1):
            self.actor(i)
        self.add(self.iri, iri(SCHEMA, "author"), thing("actor", slug("actor", n, 4)))
        for i in range(1, SHAPE.places + 1):
            self.place(i)
        for i in range(1, SHAPE.disputes + 1):
            self.dispute(i)
        for i in range(1, SHAPE.events + 1):
            self.event(i)
        for i in range(1, SHAPE.claims + 1):
            self.claim(i)
        for i in range(1, SHAPE.relations + 1):
            self.relation(i)
        self.text_parts.append("\nEnd of synthetic source.\n")
        self.pending.append((self.iri, 0, f"Synthetic source {n}."))  # the document's own line
        self.finish_anchors()
        self.record_text()
        for kind, referred in sorted(self.referred):
            cls = KIND_CLASSES[kind]
            self.add(referred, A, iri(SCHEMA, cls) if cls == "Place" else pg(cls))
        return self

    def record_text(self) -> None:
        """The text's SHA-256 (UTF-8) and length in code points on the document (contract:
        `policygraph validate` checks them against source.txt)."""
        text, checksum = self.text, f"{self.iri[:-1]}#text-sha256>"
        self.add(self.iri, pg("textLength"), typed(str(len(text)), "integer"))
        self.add(self.iri, iri(SPDX, "checksum"), checksum)
        self.add(checksum, A, iri(SPDX, "Checksum"))
        self.add(checksum, iri(SPDX, "algorithm"), iri(SPDX, "checksumAlgorithm_sha256"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.add(checksum, iri(SPDX, "checksumValue"), typed(digest, "hexBinary"))

    def actor(self, i: int) -> None:
        rng, s = self.rng, thing("actor", slug("actor", self.number, i))
        klass = ACTOR_CLASSES[(i - 1) % len(ACTOR_CLASSES)]
        english, hans, hant = _name(rng)
        self.add(s, A, pg("Actor"))
        if klass == "Organization" and rng.random() < 0.5:
            self.add(s, A, pg("ActorGroup"))
            english = f"{english} officials"
        self.add(s, A, iri(SCHEMA, klass))
        self.labels(s, english, hans, hant)
        self.add(s, ALT, lang(english.upper()[:3], "en"))
        self.add(s, DESCRIPTION, lang(f"A synthetic {klass} named {english}.", "en"))
        if klass == "Person":
            self.add(s, iri(SCHEMA, "jobTitle"), lang("Minister", "en"))
            self.add(s, iri(SCHEMA, "jobTitle"), lang("部长", "zh-Hans"))
            self.add(s, iri(SCHEMA, "affiliation"), thing("actor", slug("actor", self.number, 3)))
        if klass != "Country":  # whom it acts for (and a person's job) is anchored in the text
            self.add(s, pg("actsFor"), thing("actor", slug("actor", self.number, 1)))
            self.anchor(s, f"{english} speaks for itself here.")

    def place(self, i: int) -> None:
        s = thing("place", slug("place", self.number, i))
        english, hans, hant = _name(self.rng)
        self.add(s, A, iri(SCHEMA, "Place"))
        self.labels(s, f"{english} Sea" if i % 2 else english, hans + "海", hant + "海")

    def dispute(self, i: int) -> None:
        rng, s = self.rng, thing("dispute", slug("dispute", self.number, i))
        klass, kind = DISPUTE_KINDS[rng.randrange(3)]
        english, hans, hant = _name(rng)
        self.add(s, A, pg(klass))
        self.add(s, pg("disputeKind"), pg(f"dispute-{kind}"))
        self.labels(s, f"{english} dispute", f"{hans}争端", f"{hant}爭端")
        parties = {self.earlier("actor") for _ in range(rng.randint(2, 3))}
        while len(parties) < 2:
            parties.add(self.earlier("actor"))
        for party in sorted(parties):
            self.add(s, pg("party"), party)
        self.add(s, pg("region"), self.earlier("place"))
        if kind == "territorial":
            self.add(s, pg("disputedTerritory"), self.earlier("place"))
            for number, party in enumerate(sorted(parties)[:2], 1):
                usage = f"{s[:-1]}#name-{number}>"
                self.add(s, pg("nameUsage"), usage)
                self.add(usage, A, pg("NameUsage"))
                self.add(usage, pg("usedBy"), party)
                name = f"{hans}{'岛' if number == 1 else '礁'}"
                self.add(usage, pg("name"), lang(name, "zh-Hans"))
                self.anchor(usage, f"They call it {name}.")
        else:
            word = rng.choice(TOPIC_WORDS)
            self.add(s, pg("issue"), lang(f"{word} policy", "en"))
            self.add(s, pg("issue"), lang(f"{hans}政策", "zh-Hans"))
        self.anchor(s, self.sentence())

    def event(self, i: int) -> None:
        rng, s = self.rng, thing("event", slug("event", self.number, i))
        event_type = rng.choice(EVENT_TYPES)
        english, hans, hant = _name(rng)
        self.add(s, A, pg("Event"))
        self.add(s, iri(SEM, "eventType"), pg(event_type))
        words = event_type.removeprefix("event-").replace("-", " ")
        self.labels(s, f"{english} {words} {i}", f"{hans}事件{i}", f"{hant}事件{i}")
        actors = [self.earlier("actor"), self.earlier("actor")]
        if actors[0] == actors[1]:
            actors[1] = thing("actor", slug("actor", self.number, 1 + (i % SHAPE.actors)))
            if actors[0] == actors[1]:
                actors[1] = thing("actor", slug("actor", self.number, 1 + ((i + 1) % 6)))
        for number, (actor, role) in enumerate(
            zip(actors, ("initiator", rng.choice(ROLES)), strict=True), 1
        ):
            self.add(s, iri(SEM, "hasActor"), actor)
            participation = f"{s[:-1]}#participation-{number}>"
            self.add(s, pg("hasParticipation"), participation)
            self.add(participation, A, pg("Participation"))
            self.add(participation, pg("participant"), actor)
            self.add(participation, pg("role"), pg(f"role-{role}"))
        self.add(s, iri(SEM, "hasPlace"), self.earlier("place"))
        self.add(s, iri(SEM, "hasTimeStamp"), _date(rng))
        self.add(s, pg("status"), pg("status-occurred"))
        self.add(s, pg("about"), self.earlier("dispute"))
        self.anchor(s, self.sentence())

    def claim(self, i: int) -> None:
        rng, s = self.rng, thing("claim", slug("claim", self.number, i))
        claimant = self.earlier("actor")
        english, hans, hant = _name(rng)
        self.add(s, A, pg("Claim"))
        self.labels(s, f"{english} claim {i}", f"{hans}主张{i}", f"{hant}主張{i}")
        self.add(s, pg("claimant"), claimant)
        self.add(s, iri(PROV, "wasAttributedTo"), claimant)
        self.add(s, pg("stance"), pg(f"stance-{rng.choice(STANCES)}"))
        self.add(s, pg("modality"), pg("modality-asserted"))
        if rng.random() < 0.7:
            self.add(s, pg("claimDate"), _date(rng))
        else:
            self.add(s, iri(SEM, "hasLatestEndTimeStamp"), self.published)
        self.add(s, pg("about"), self.earlier("dispute"))
        proposition = f"{s[:-1]}#proposition>"
        self.add(s, pg("proposition"), proposition)
        self.add(proposition, A, f"<{RDF}Statement>")
        self.add(proposition, f"<{RDF}subject>", self.earlier("actor"))
        self.add(proposition, f"<{RDF}predicate>", pg(rng.choice(PROPOSITION_PREDICATES)))
        self.add(proposition, f"<{RDF}object>", self.earlier("actor"))
        self.add(proposition, pg("modality"), pg("modality-asserted"))
        self.add(s, iri(PROV, "hadPrimarySource"), self.iri)
        spoken = self.sentence()
        self.add(s, pg("quote"), lang(spoken, "en"))
        self.anchor(s, f"“{spoken}”")

    def relation(self, i: int) -> None:
        rng, s = self.rng, thing("relation", slug("relation", self.number, i))
        kind = rng.choice(RELATION_TYPES)
        source = thing("actor", slug("actor", self.number, i))
        target = self.earlier("actor")
        if target == source:
            target = thing("actor", slug("actor", self.number, i + 3))
        self.add(s, A, pg("Relation"))
        self.labels(
            s,
            f"{kind} relation {self.number}-{i}",
            f"关系{self.number}-{i}",
            f"關係{self.number}-{i}",
        )
        self.add(s, pg("relationType"), pg(f"relation-{kind}"))
        self.add(s, pg("source"), source)
        self.add(s, pg("target"), target)
        if kind in DIRECT:
            self.add(source, pg(DIRECT[kind]), target)
        self.anchor(s, self.sentence())


def documents(triples: int, seed: int):
    """Documents in order until at least ``triples`` triples have been produced."""
    total, number = 0, 0
    while total < triples:
        number += 1
        document = Document(number, seed).build()
        total += len(document.triples)
        yield document


@dataclass
class Manifest:
    """What the benchmark needs to draw random parameters: counts and slug patterns."""

    base: str
    seed: int
    requested: int
    triples: int
    documents: int
    shape: dict
    topic_words: list
    event_types: list
    seconds: float

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


TURTLE_HEADER = (
    "# Synthetic benchmark data (bench/generate.py); IRIs are relative to the deployment base.\n\n"
)


def generate(
    out: Path,
    triples: int,
    base: str,
    seed: int = 1,
    turtle: bool = False,
    nquads: bool = True,
    compress: bool = False,
    quiet: bool = True,
) -> Manifest:
    """Write ``corpus.nq`` (absolute IRIs under ``base``) and/or ``sources/synthetic-N/``."""
    if not base.endswith("/"):
        raise ValueError("the base must end in '/'")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stream = None
    if nquads:
        path = out / ("corpus.nq.gz" if compress else "corpus.nq")
        stream = (
            gzip.open(path, "wt", encoding="utf-8", compresslevel=3)
            if compress
            else open(path, "w", encoding="utf-8", newline="\n")
        )
    total = count = 0
    try:
        for document in documents(triples, seed):
            count += 1
            total += len(document.triples)
            if stream is not None:
                graph = f"<{base}graph/{document.slug}>"
                stream.write(
                    "".join(f"{s} {p} {o} {graph} .\n" for s, p, o in document.triples).replace(
                        MARK, base
                    )
                )
            if turtle:
                folder = out / "sources" / document.slug
                folder.mkdir(parents=True, exist_ok=True)
                body = "".join(f"{s} {p} {o} .\n" for s, p, o in document.triples)
                (folder / "data.ttl").write_text(
                    TURTLE_HEADER + body.replace(MARK, ""), encoding="utf-8"
                )
                (folder / "source.txt").write_text(document.text, encoding="utf-8")
            if not quiet and count % 100 == 0:
                print(
                    f"generated {total:,} triples in {count:,} documents "
                    f"({time.perf_counter() - started:.1f} s)",
                    file=sys.stderr,
                )
    finally:
        if stream is not None:
            stream.close()
    manifest = Manifest(
        base=base,
        seed=seed,
        requested=triples,
        triples=total,
        documents=count,
        shape=asdict(SHAPE),
        topic_words=list(TOPIC_WORDS),
        event_types=list(EVENT_TYPES),
        seconds=round(time.perf_counter() - started, 3),
    )
    manifest.save(out / "corpus.json")
    return manifest


def source_text(number: int, seed: int) -> str:
    """The synthetic source text of document ``number`` (what its anchors point into)."""
    return Document(number, seed).build().text


SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}


def parse_size(text: str) -> int:
    """``10k``, ``1M``, ``5m`` or a plain number of triples."""
    lowered = text.lower().replace("_", "")
    if lowered in SIZES:
        return SIZES[lowered]
    if lowered[-1:] in "km":
        return int(float(lowered[:-1]) * (1000 if lowered[-1] == "k" else 1_000_000))
    return int(lowered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Generate a deterministic synthetic corpus shaped like the curated graph: "
        "N-Quads with absolute IRIs (corpus.nq) and optionally a Turtle source-folder layout "
        "with relative IRIs (sources/synthetic-N/data.ttl + source.txt) for `policygraph "
        "validate`. Writes corpus.json with the counts the benchmark draws parameters from.",
    )
    parser.add_argument(
        "--triples",
        type=parse_size,
        default=10_000,
        help="approximate size: 10k, 100k, 1M, 5M or a number (default 10k)",
    )
    parser.add_argument(
        "--base",
        default="http://127.0.0.1:8080/",
        help="base IRI of the absolute IRIs in the N-Quads",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--turtle", action="store_true", help="also write the Turtle source folders (small sizes)"
    )
    parser.add_argument("--no-nquads", action="store_true", help="skip corpus.nq")
    parser.add_argument("--gzip", action="store_true", help="write corpus.nq.gz instead")
    args = parser.parse_args(argv)
    manifest = generate(
        args.out,
        args.triples,
        args.base,
        args.seed,
        turtle=args.turtle,
        nquads=not args.no_nquads,
        compress=args.gzip,
        quiet=False,
    )
    print(
        f"{manifest.triples:,} triples in {manifest.documents:,} documents, "
        f"{manifest.seconds:.1f} s → {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
