"""ontology/terms.py names every term ontology/*.ttl defines, and nothing else.

The vocabulary's IRIs are spelled once, as the constants of :mod:`ontology.terms`; this test keeps
them in step with the Turtle files, so a term renamed or added there cannot leave a stale or a
missing constant behind. Its failure message lists the lines to add to (or remove from)
terms.py, each with the file that defines the term.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

import ontology
from ontology import terms

BASE = "http://localhost/"
NAMESPACE = str(ontology.pg(BASE))
#: Module-level names of terms.py that are not vocabulary terms.
NOT_TERMS = {"ONTOLOGY", "SHAPES"}


def defined_terms() -> dict[str, str]:
    """Local name → the .ttl file defining it, for every subject IRI in the pg: namespace."""
    found: dict[str, str] = {}
    for name, text in ontology.ontology_turtle():
        graph = Graph().parse(data=text, format="turtle", publicID=BASE)
        for subject in graph.subjects():
            if isinstance(subject, URIRef) and str(subject).startswith(NAMESPACE):
                found.setdefault(str(subject)[len(NAMESPACE) :], name)
    return found


def constants() -> dict[str, str]:
    """Python name → local name, for every term constant of terms.py."""
    return {
        name: value
        for name, value in vars(terms).items()
        if isinstance(value, str) and not name.startswith("_") and name not in NOT_TERMS
    }


def test_terms_are_exactly_the_terms_the_ontology_defines():
    defined, named = defined_terms(), constants()
    assert len(defined) > 100, "the walk found no vocabulary"  # the test must see the files
    missing = sorted(set(defined) - set(named.values()))
    extra = sorted(set(named.values()) - set(defined))
    wrong = sorted(name for name, value in named.items() if name != value.replace("-", "_"))
    lines = [f'add to terms.py ({defined[t]}): {t.replace("-", "_")} = "{t}"' for t in missing]
    lines += [f"remove from terms.py (defined in no .ttl file): {t}" for t in extra]
    lines += [f"rename in terms.py (name it as the vocabulary does): {name}" for name in wrong]
    assert not lines, "\n".join(lines)


def test_a_term_iri_is_under_the_base():
    assert terms.iri(BASE, terms.claimant) == f"{BASE}ontology#claimant"
    assert terms.iri(BASE, terms.stance_asserts) == f"{BASE}ontology#stance-asserts"
    assert str(ontology.pg(BASE)[terms.Claim]) == f"{BASE}ontology#Claim"
    assert terms.ontology_iri(BASE) == f"{BASE}ontology"
    assert terms.shapes_iri(BASE) == f"{BASE}shapes"
