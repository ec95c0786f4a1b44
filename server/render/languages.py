"""The published languages: their tags, tag case, the choice of one per request, and the last
resort of a label (an IRI's local name).

pyoxigraph lower-cases language tags (``zh-hans``) while rdflib keeps their case; BCP 47 §2.1.1
makes case insignificant, so tags are normalised to their conventional case for display and
matching here, and compared case-insensitively everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "zh-Hans": "简体", "zh-Hant": "繁體"}

#: BCP 47 tags a browser may send, mapped to the script variant we publish (RFC 4647 §3.4 lookup).
_REGIONS = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-my": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "en": "en",
}


def normalise_language(tag: str | None) -> str | None:
    """Conventional case of a BCP 47 tag (§2.1.1): ``zh-hans`` → ``zh-Hans``."""
    if not tag:
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def publication_language(tag: str | None) -> str | None:
    """The published language (en, zh-Hans, zh-Hant) a requested tag falls back to, or None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    while tag:
        if tag in _REGIONS:
            return _REGIONS[tag]
        if tag.startswith("zh-hant") or tag.startswith("zh-hans"):
            return _REGIONS[tag[:7]]
        tag = tag.rpartition("-")[0]
    return None


def choose_language(query_value: str | None, accept_languages: Iterable[tuple[str, float]]) -> str:
    """``?lang=`` first, then ``Accept-Language`` (RFC 9110 §12.5.4) by quality, then English."""
    chosen = publication_language(query_value)
    if chosen:
        return chosen
    for tag, quality in accept_languages:
        if quality > 0:
            chosen = publication_language(tag)
            if chosen:
                return chosen
    return DEFAULT_LANGUAGE


def local_name(iri: str) -> str:
    """The last segment of an IRI, after ``#`` or ``/``."""
    for separator in ("#", "/"):
        if separator in iri.rstrip(separator):
            return iri.rstrip(separator).rsplit(separator, 1)[-1]
    return iri
