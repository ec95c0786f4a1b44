"""A citation (:mod:`graph.research.citation`) written as CSL-JSON, BibTeX, RIS and the
``citation_*`` meta tags of an HTML page.

- CSL-JSON (CSL 1.0.2, Appendix IV variables), an array of one item, what citeproc processors,
  Zotero and pandoc read. A claim and an event are ``entry`` items (an entry of a database: the
  dataset); a claim's container is its source document, an event's the dataset. The source
  document is ``article-newspaper``: it is an opinion article (``schema:OpinionNewsArticle``)
  with a section, and CSL's ``section`` holds that.
- BibTeX (biblatex field names, which classic BibTeX ignores where it lacks them): a claim and
  an event are ``@misc`` (where they are published, in ``howpublished``); the source document
  is ``@online``: ``@article`` requires a journal, which the data does not record, while
  ``@online`` needs only author, title, date and URL, all recorded. Values are escaped for TeX,
  braces included, so every value keeps its braces balanced (BibTeX counts ``\\{`` as a brace).
- RIS (RefMan's tagged format): the source document is ``NEWS`` (newspaper article, with ``SE``
  section); a claim and an event are ``DBASE`` (an entry of an online database), ``DB`` naming
  the dataset. Lines end in CR LF, as the format specifies.
- Highwire Press ``citation_*`` meta tags (Google Scholar's inclusion guidelines, the tags
  Zotero's Embedded Metadata translator maps to item fields), with the values of the CSL item.

A pinpoint (the quoted words' code-point offsets) has no field of its own in any of these
formats; it is written in the note (``note``, ``N1``), never as pages.
"""

from __future__ import annotations

import json

from graph.research.citation import Anchor, Citation, Name

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CSL_TYPES = {"claim": "entry", "event": "entry", "document": "article-newspaper"}
BIBTEX_TYPES = {"claim": "misc", "event": "misc", "document": "online"}
RIS_TYPES = {"claim": "DBASE", "event": "DBASE", "document": "NEWS"}
#: biblatex ``langid`` values (babel names) of the language tags the data uses.
LANGIDS = {"en": "english"}
#: TeX's special characters and what stands for each in a BibTeX value (braces apart).
TEX = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
#: Braces when a value's braces do not pair up: commands without braces of their own.
LONE_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
#: Pairs of characters TeX's fonts join into one (``--`` an en dash, two backquotes an opening
#: quote, ``!``` ¡): an empty group between them keeps both.
LIGATURES = {
    ("-", "-"),
    ("`", "`"),
    ("'", "'"),
    ("!", "`"),
    ("?", "`"),
    (",", ","),
    ("<", "<"),
    (">", ">"),
}


def human_date(date: tuple[int, ...]) -> str:
    """25 January 2013, January 2013 or 2013, at the precision the data gives."""
    parts = [str(date[2])] if len(date) > 2 else []
    if len(date) > 1:
        parts.append(MONTH_NAMES[date[1] - 1])
    return " ".join(parts + [str(date[0])])


def _where(citation: Citation, source: str) -> str:
    if citation.work is not None and source == citation.work.iri:
        return f"“{citation.work.title}”"
    return f"<{source}>"


def pinpoint(citation: Citation) -> str:
    """Where the quotes are, by source: "code points 282–459 and 6491–6551 of “Title”"."""
    by_source: dict[str, list[str]] = {}
    for anchor in citation.anchors:
        spans = by_source.setdefault(anchor.source, [])
        if anchor.start is not None:
            spans.append(f"{anchor.start}–{anchor.end}")
    parts = []
    for source, spans in by_source.items():
        if not spans:
            parts.append(f"the words of {_where(citation, source)}")
            continue
        listed = spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + " and " + spans[-1]
        parts.append(f"code points {listed} of {_where(citation, source)}")
    return "; ".join(parts)


def span(citation: Citation, anchor: Anchor) -> str:
    """Where one quote is: "code points 617–728 of “Title”"."""
    where = _where(citation, anchor.source)
    if anchor.start is None:
        return f"the words of {where}"
    return f"code points {anchor.start}–{anchor.end} of {where}"


def note(citation: Citation) -> str:
    """The pinpoint and the dataset, in words: what no bibliographic field holds."""
    dataset = citation.dataset.name
    if citation.dataset.version:
        dataset += f", release {citation.dataset.version}"
    if citation.kind == "claim":
        where = pinpoint(citation)
        quoted = f"Quoted from {where}. " if where else ""
        return f"{quoted}Claim in {dataset}: {citation.label}."
    if citation.kind == "event":
        evidence = "; ".join(f"“{a.exact}” ({span(citation, a)})" for a in citation.anchors)
        source = ""
        if citation.work is not None:
            by = "; ".join(n.inverted for n in citation.work.authors)
            when = human_date(citation.work.issued) if citation.work.issued else ""
            source = " In " + ", ".join(p for p in (by, f"“{citation.work.title}”", when) if p)
            source += "."
        return f"Event in {dataset}." + (f" Evidence: {evidence}." if evidence else "") + source
    section = f"Section: {citation.section}. " if citation.section else ""
    return f"{section}Described in {dataset}."


def _csl_name(name: Name) -> dict:
    if name.literal is not None:
        return {"literal": name.literal}
    return {key: value for key, value in (("family", name.family), ("given", name.given)) if value}


def csl_item(citation: Citation) -> dict:
    """One CSL-JSON item (CSL 1.0.2 variables)."""
    item: dict = {
        "id": citation.iri,
        "type": CSL_TYPES[citation.kind],
        "title": citation.title,
        "URL": citation.iri,
        "note": note(citation),
        "source": citation.dataset.name,
    }
    if citation.authors:
        item["author"] = [_csl_name(name) for name in citation.authors]
    if citation.issued:
        item["issued"] = {"date-parts": [list(citation.issued)]}
    if citation.container:
        item["container-title"] = citation.container
    if citation.kind == "claim":
        item["abstract"] = citation.label
        item["collection-title"] = citation.dataset.name
    if citation.event_date:
        item["event-date"] = {"date-parts": [list(citation.event_date)]}
    if citation.section:
        item["section"] = citation.section
    if citation.publisher:
        item["publisher"] = citation.publisher
    if citation.language:
        item["language"] = citation.language
    if citation.dataset.version:
        item["version"] = citation.dataset.version
    return item


def csl_json(citation: Citation) -> bytes:
    """A CSL-JSON document: an array of one item (UTF-8)."""
    return (json.dumps([csl_item(citation)], ensure_ascii=False, indent=2) + "\n").encode()


def balanced(text: str) -> bool:
    """Whether ``text``'s braces pair up (each closing one closes an open one)."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def tex(text: str) -> str:
    """``text`` as a BibTeX value: TeX specials escaped, ligatures broken, whitespace made
    single spaces. BibTeX counts every brace of a value, escaped or not, and needs them paired:
    braces that pair up are written ``\\{`` ``\\}``, others as commands without braces."""
    text = " ".join(text.split())
    braces = {"{": r"\{", "}": r"\}"} if balanced(text) else LONE_BRACES
    out, previous = [], ""
    for char in text:
        if (previous, char) in LIGATURES:
            out.append("{}")
        out.append(braces.get(char) or TEX.get(char, char))
        previous = char
    return "".join(out)


def bibtex_fields(citation: Citation) -> list[tuple[str, str]]:
    """(field, value already in BibTeX syntax) in the order they are written."""
    fields: list[tuple[str, str]] = []
    if citation.authors:
        names = [
            "{" + tex(n.literal) + "}" if n.literal is not None else tex(n.inverted)
            for n in citation.authors
        ]
        fields.append(("author", " and ".join(names)))
    fields.append(("title", "{" + tex(citation.title) + "}"))
    if citation.container:
        fields.append(("howpublished", tex(citation.container)))
    if citation.publisher:
        fields.append(("publisher", tex(citation.publisher)))
    if citation.issued:
        fields.append(("year", str(citation.issued[0])))
        if len(citation.issued) > 1:
            fields.append(("month", MONTHS[citation.issued[1] - 1]))
        fields.append(("date", "-".join(f"{part:02d}" for part in citation.issued)))
    if citation.dataset.version:
        fields.append(("version", tex(citation.dataset.version)))
    fields.append(("url", citation.iri))
    langid = LANGIDS.get((citation.language or "").split("-")[0])
    if langid:
        fields.append(("langid", langid))
    fields.append(("note", tex(note(citation))))
    return fields


def bibtex(citation: Citation) -> bytes:
    """One BibTeX entry keyed :attr:`Citation.key`; month as BibTeX's month macros."""
    lines = [f"@{BIBTEX_TYPES[citation.kind]}{{{citation.key},"]
    for field, value in bibtex_fields(citation):
        lines.append(f"  {field} = {value}," if field == "month" else f"  {field} = {{{value}}},")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode()


def ris_tags(citation: Citation) -> list[tuple[str, str]]:
    """(tag, value) in order, from ``TY`` to ``ER``."""
    tags = [("TY", RIS_TYPES[citation.kind])]
    tags += [("AU", name.inverted) for name in citation.authors]
    tags.append(("TI", citation.title))
    if citation.container:
        tags.append(("T2", citation.container))
    if citation.issued:
        tags.append(("PY", str(citation.issued[0])))
        padded = [f"{part:02d}" for part in citation.issued[1:]]
        tags.append(("DA", "/".join([str(citation.issued[0]), *padded]) + "/"))
    if citation.section:
        tags.append(("SE", citation.section))
    if citation.publisher:
        tags.append(("PB", citation.publisher))
    if citation.kind != "document":
        tags.append(("DB", citation.dataset.name))
    if citation.kind == "claim":
        tags.append(("AB", citation.label))
    if citation.dataset.version:
        tags.append(("ET", citation.dataset.version))
    if citation.language:
        tags.append(("LA", citation.language))
    tags.append(("UR", citation.iri))
    tags.append(("N1", note(citation)))
    tags.append(("ER", ""))
    return tags


def ris(citation: Citation) -> bytes:
    """One RIS record: ``TAG  - value`` lines, CR LF, values on one line."""
    lines = [f"{tag}  - {' '.join(value.split())}".rstrip(" ") for tag, value in ris_tags(citation)]
    # "ER  - " keeps its trailing space: the format's record end is the tag with its separator.
    lines[-1] = "ER  - "
    return ("\r\n".join(lines) + "\r\n").encode()


def highwire_date(date: tuple[int, ...]) -> str:
    """Google Scholar's date form: 2013/01/25, 2012/12 or 2012."""
    return "/".join([str(date[0])] + [f"{part:02d}" for part in date[1:]])


def highwire(citation: Citation) -> list[tuple[str, str]]:
    """The ``citation_*`` meta tags (name, content) of the thing's page, the CSL item's values:
    title, each author ("Family, Given"), dates, container (``citation_book_title``: Zotero
    files the item as a section of that work), publisher, language, URL, abstract."""
    tags = [("citation_title", citation.title)]
    tags += [("citation_author", name.inverted) for name in citation.authors]
    if citation.issued:
        tags.append(("citation_publication_date", highwire_date(citation.issued)))
        tags.append(("citation_date", highwire_date(citation.issued)))
    if citation.container:
        tags.append(("citation_book_title", citation.container))
    if citation.publisher:
        tags.append(("citation_publisher", citation.publisher))
    if citation.language:
        tags.append(("citation_language", citation.language))
    tags.append(("citation_public_url", citation.iri))
    if citation.kind == "claim":
        tags.append(("citation_abstract", citation.label))
    return tags
