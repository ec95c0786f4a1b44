"""Code snippets that run the query page's current query against this endpoint.

curl, Python (SPARQLWrapper; pandas reading the CSV results), R (base R reading the CSV results;
the SPARQL package) and JavaScript (fetch). Each snippet speaks the SPARQL 1.1 Protocol of this
server: curl, SPARQLWrapper and fetch POST the query form-encoded (§2.1.2) with the ``Accept``
header of the chosen format; pandas and R GET it (§2.1.1) with ``format=csv`` (SPARQL 1.1 Query
Results CSV §3), the language's own function doing the URL-encoding.

The page renders the snippets here (so they are there without JavaScript) and sends the same
tables to ``static/sparql/snippets.js``, which renders them again as the query and the format
change: templates with ``@@name@@`` slots, one table of formats, and the same string-literal
escapers in both languages (a test holds the two renderings equal).
"""

from __future__ import annotations

import json
import re

from server.render.formats import BY_NAME
from server.sparql.results import RESULT_FORMATS

#: Query forms (SPARQL 1.1 Query §16) whose answers are tables.
TABLE_FORMS = ("SELECT",)
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def _media(name: str) -> str:
    if name in RESULT_FORMATS:
        return RESULT_FORMATS[name].media_type.split(";")[0]
    return BY_NAME[name].media_type


_PRINT_ROWS = (
    'for row in results["results"]["bindings"]:\n'
    '    print({name: cell["value"] for name, cell in row.items()})'
)
_PRINT_TEXT = 'print(results.decode("utf-8"))'
_PRINT_GRAPH = 'print(results.serialize(format="turtle"))'
_READ_ROWS = (
    "const data = await response.json();\n"
    "for (const row of data.results.bindings) {\n"
    "  console.log(Object.fromEntries(Object.entries(row).map(([name, cell]) => [name, "
    "cell.value])));\n"
    "}"
)
_READ_TEXT = "const text = await response.text();\nconsole.log(text);"

#: Effective format → what each snippet needs: the media type, SPARQLWrapper's constant, how
#: Python prints the converted result and how JavaScript reads the response.
FORMATS: dict[str, dict[str, str]] = {
    "json": {"wrapper": "JSON", "py_print": _PRINT_ROWS, "js_read": _READ_ROWS},
    "json-ask": {
        "wrapper": "JSON",
        "py_print": 'print(results["boolean"])',
        "js_read": "const data = await response.json();\nconsole.log(data.boolean);",
    },
    "xml": {"wrapper": "XML", "py_print": "print(results.toxml())", "js_read": _READ_TEXT},
    "csv": {"wrapper": "CSV", "py_print": _PRINT_TEXT, "js_read": _READ_TEXT},
    "tsv": {"wrapper": "TSV", "py_print": _PRINT_TEXT, "js_read": _READ_TEXT},
    "turtle": {"wrapper": "TURTLE", "py_print": _PRINT_TEXT, "js_read": _READ_TEXT},
    "jsonld": {
        "wrapper": "JSONLD",
        "py_print": _PRINT_GRAPH,
        "js_read": (
            "const data = await response.json();\nconsole.log(JSON.stringify(data, null, 2));"
        ),
    },
    "rdfxml": {"wrapper": "RDFXML", "py_print": _PRINT_GRAPH, "js_read": _READ_TEXT},
}
for _name, _entry in FORMATS.items():
    _entry["accept"] = _media(_name.split("-")[0])

#: The snippets, in the order the page shows them: id, the key of the note shown under it
#: (:mod:`server.sparql.page_text`), label, language (for highlighting), the query forms it fits
#: (None: every form) and the template.
SNIPPETS: list[dict] = [
    {
        "id": "curl",
        "note": None,
        "label": "curl",
        "language": "shell",
        "forms": None,
        "template": (
            "curl -sS @@endpoint:sh@@ \\\n"
            "  -H 'Accept: @@accept@@' \\\n"
            "  --data-urlencode query=@@query:sh@@\n"
        ),
    },
    {
        "id": "python",
        "note": None,
        "label": "Python (SPARQLWrapper)",
        "language": "python",
        "forms": None,
        "template": (
            "from SPARQLWrapper import @@wrapper@@, POST, SPARQLWrapper\n"
            "\n"
            "sparql = SPARQLWrapper(@@endpoint:py@@)\n"
            "sparql.setMethod(POST)\n"
            "sparql.setQuery(@@query:py@@)\n"
            "sparql.setReturnFormat(@@wrapper@@)\n"
            "results = sparql.queryAndConvert()\n"
            "@@py_print@@\n"
        ),
    },
    {
        "id": "pandas",
        "note": "code-tables",
        "label": "Python (pandas)",
        "language": "python",
        "forms": TABLE_FORMS,
        "template": (
            "from urllib.parse import urlencode\n"
            "\n"
            "import pandas as pd\n"
            "\n"
            "query = @@query:py@@\n"
            'url = @@endpoint:py@@ + "?" + urlencode({"query": query, "format": "csv"})\n'
            "frame = pd.read_csv(url)\n"
            "print(frame)\n"
        ),
    },
    {
        "id": "r",
        "note": "code-tables",
        "label": "R",
        "language": "r",
        "forms": TABLE_FORMS,
        "template": (
            "query <- @@query:r@@\n"
            'url <- paste0(@@endpoint:r@@, "?format=csv&query=", '
            "URLencode(query, reserved = TRUE))\n"
            'frame <- read.csv(url, encoding = "UTF-8")\n'
            "print(frame)\n"
        ),
    },
    {
        "id": "r-sparql",
        "note": "code-r-sparql",
        "label": "R (SPARQL)",
        "language": "r",
        "forms": TABLE_FORMS,
        "template": (
            "library(SPARQL)\n"
            "\n"
            "query <- @@query:r@@\n"
            "frame <- SPARQL(@@endpoint:r@@, query,\n"
            '                curl_args = list(.encoding = "UTF-8"))$results\n'
            "print(frame)\n"
        ),
    },
    {
        "id": "javascript",
        "note": "code-javascript",
        "label": "JavaScript (fetch)",
        "language": "javascript",
        "forms": None,
        "template": (
            "const endpoint = @@endpoint:js@@;\n"
            "const query = @@query:js@@;\n"
            "const response = await fetch(endpoint, {\n"
            '  method: "POST",\n'
            '  headers: { Accept: "@@accept@@" },\n'
            "  body: new URLSearchParams({ query }),\n"
            "});\n"
            "if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);\n"
            "@@js_read@@\n"
        ),
    },
]

# -- the query form and the format the snippets ask for ------------------------------------------

_WORD = re.compile(r"[A-Za-z]+")
#: SPARQL 1.1 Query §19.8 production WS.
WHITESPACE = " \t\r\n"


def query_form(query: str) -> str:
    """The form of ``query`` (SELECT, CONSTRUCT, DESCRIBE, ASK): the first keyword after the
    prologue (SPARQL 1.1 Query §4.1.1, ``PREFIX``/``BASE`` declarations and comments); SELECT
    when there is none. A linear scan, not a regular expression, so that the JavaScript twin
    (``snippets.js``) matches it step for step and no input can make it backtrack."""
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in WHITESPACE:
            i += 1
        elif ch == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        else:
            match = _WORD.match(query, i)
            word = match.group(0).upper() if match else ""
            if word in ("PREFIX", "BASE"):
                end = query.find(">", i)
                i = n if end < 0 else end + 1
            else:
                return word if word in FORMS else "SELECT"
    return "SELECT"


def effective_format(form: str, chosen: str) -> str:
    """The format the snippets ask for: the chosen one when it fits the form, else the form's
    default (an HTML table is for the page, not for code)."""
    if form in GRAPH_FORMS:
        aliases = {"json": "jsonld", "xml": "rdfxml"}
        chosen = aliases.get(chosen, chosen)
        return chosen if chosen in ("turtle", "jsonld", "rdfxml") else "turtle"
    if chosen not in ("json", "xml", "csv", "tsv"):
        chosen = "json"
    return "json-ask" if chosen == "json" and form == "ASK" else chosen


# -- string literals -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Line ends as ``\\n`` (a browser posts a textarea with CRLF; source files hold LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _control(ch: str) -> bool:
    return (ch < " " and ch not in "\n\t") or ch == "\x7f"


def shell_literal(text: str) -> str:
    """A POSIX shell single-quoted word (every character literal; a quote closes, escapes and
    reopens)."""
    return "'" + text.replace("'", "'\\''") + "'"


def python_literal(text: str) -> str:
    """A Python triple-quoted string: backslashes doubled, a quote escaped when another quote or
    the end follows it (so no run of three closes the string), control characters as ``\\xNN``."""
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"' and (i == last or text[i + 1] == '"'):
            out.append('\\"')
        elif _control(ch):
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"""' + "".join(out) + '"""'


def js_literal(text: str) -> str:
    """A JavaScript template literal: backslash, backtick and ``${`` escaped, control characters
    as ``\\xNN``."""
    out = []
    for i, ch in enumerate(text):
        if ch in "\\`" or (ch == "$" and text[i + 1 : i + 2] == "{"):
            out.append("\\" + ch)
        elif _control(ch):
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "`" + "".join(out) + "`"


def r_literal(text: str) -> str:
    """An R raw string (R ≥ 4.0) ``r"-(…)-"`` with as many dashes as it takes for the closing
    delimiter not to occur in the text."""
    dashes = ""
    while f'){dashes}"' in text:
        dashes += "-"
    return f'r"{dashes}({text}){dashes}"'


def short_literal(text: str) -> str:
    """A double-quoted string valid in Python, R and JavaScript alike (JSON's escapes)."""
    return json.dumps(text, ensure_ascii=False)


LITERALS = {"sh": shell_literal, "py": python_literal, "js": js_literal, "r": r_literal}
_SLOT = re.compile(r"@@([a-z_]+)(?::([a-z]+))?@@")


def fill(template: str, values: dict[str, str]) -> str:
    """The template with each ``@@name@@`` replaced by its value, ``@@query:py@@`` and
    ``@@endpoint:sh@@`` by the value as a literal of that language (one pass)."""

    def replace(match: re.Match) -> str:
        name, language = match.group(1), match.group(2)
        value = values[name]
        if language is None:
            return value
        if name == "query":
            return LITERALS[language](value)
        return shell_literal(value) if language == "sh" else short_literal(value)

    return _SLOT.sub(replace, template)


def render(query: str, chosen: str, endpoint: str, labels: dict[str, str]) -> dict:
    """Every snippet for ``query`` with the chosen result format (the page's ``format`` select):
    ``{"form", "format", "accept", "snippets": [{"id", "label", "language", "note", "code"}]}``;
    a snippet whose forms exclude the query's has ``code`` None."""
    text = normalise(query)
    form = query_form(text)
    name = effective_format(form, chosen)
    values = {"query": text, "endpoint": endpoint, **FORMATS[name]}
    snippets = []
    for snippet in SNIPPETS:
        fits = snippet["forms"] is None or form in snippet["forms"]
        snippets.append(
            {
                "id": snippet["id"],
                "label": labels.get(snippet["id"], snippet["label"]),
                "language": snippet["language"],
                "note": snippet["note"],
                "code": fill(snippet["template"], values) if fits else None,
            }
        )
    return {"form": form, "format": name, "accept": FORMATS[name]["accept"], "snippets": snippets}


def client_tables() -> dict:
    """The tables ``snippets.js`` renders from (the same as :func:`render` reads)."""
    return {
        "formats": FORMATS,
        "snippets": [{**s, "forms": list(s["forms"]) if s["forms"] else None} for s in SNIPPETS],
    }
