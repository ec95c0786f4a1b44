// policygraph query page: code snippets for the current query (the twin of
// server/sparql/snippets.py, which renders the same tables for the page without JavaScript;
// a test holds the two renderings equal). Pure functions: usable in a browser
// (window.PolicygraphSnippets) and in Node (module.exports).
(function (root) {
  "use strict";

  var FORMS = ["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"];
  var GRAPH_FORMS = ["CONSTRUCT", "DESCRIBE"];

  // SPARQL 1.1 Query §19.8 production WS.
  function isSpace(ch) {
    return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
  }

  // The first keyword after the prologue (PREFIX/BASE declarations and comments); SELECT when
  // there is none. A linear scan, step for step as query_form() in server/sparql/snippets.py.
  function queryForm(query) {
    var i = 0, n = query.length;
    while (i < n) {
      var ch = query[i];
      if (isSpace(ch)) {
        i += 1;
      } else if (ch === "#") {
        var end = query.indexOf("\n", i);
        i = end < 0 ? n : end + 1;
      } else {
        var match = /^[A-Za-z]+/.exec(query.slice(i, i + 64));
        var word = match ? match[0].toUpperCase() : "";
        if (word === "PREFIX" || word === "BASE") {
          var close = query.indexOf(">", i);
          i = close < 0 ? n : close + 1;
        } else {
          return FORMS.indexOf(word) >= 0 ? word : "SELECT";
        }
      }
    }
    return "SELECT";
  }

  function effectiveFormat(form, chosen) {
    if (GRAPH_FORMS.indexOf(form) >= 0) {
      chosen = { json: "jsonld", xml: "rdfxml" }[chosen] || chosen;
      return ["turtle", "jsonld", "rdfxml"].indexOf(chosen) >= 0 ? chosen : "turtle";
    }
    if (["json", "xml", "csv", "tsv"].indexOf(chosen) < 0) { chosen = "json"; }
    return chosen === "json" && form === "ASK" ? "json-ask" : chosen;
  }

  function normalise(text) {
    return text.replace(/\r\n/g, "\n").replace(/\r/g, "\n");
  }

  function isControl(ch) {
    return (ch < " " && ch !== "\n" && ch !== "\t") || ch === "\x7f";
  }

  function hex(ch) {
    var code = ch.charCodeAt(0).toString(16);
    return "\\x" + (code.length < 2 ? "0" + code : code);
  }

  function shellLiteral(text) {
    return "'" + text.split("'").join("'\\''") + "'";
  }

  function pythonLiteral(text) {
    var out = [], last = text.length - 1;
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (ch === "\\") { out.push("\\\\"); }
      else if (ch === '"' && (i === last || text[i + 1] === '"')) { out.push('\\"'); }
      else if (isControl(ch)) { out.push(hex(ch)); }
      else { out.push(ch); }
    }
    return '"""' + out.join("") + '"""';
  }

  function jsLiteral(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (ch === "\\" || ch === "`" || (ch === "$" && text[i + 1] === "{")) { out.push("\\" + ch); }
      else if (isControl(ch)) { out.push(hex(ch)); }
      else { out.push(ch); }
    }
    return "`" + out.join("") + "`";
  }

  function rLiteral(text) {
    var dashes = "";
    while (text.indexOf(")" + dashes + '"') >= 0) { dashes += "-"; }
    return 'r"' + dashes + "(" + text + ")" + dashes + '"';
  }

  function shortLiteral(text) {
    return JSON.stringify(text);
  }

  var LITERALS = { sh: shellLiteral, py: pythonLiteral, js: jsLiteral, r: rLiteral };

  function fill(template, values) {
    return template.replace(/@@([a-z_]+)(?::([a-z]+))?@@/g, function (all, name, language) {
      var value = values[name];
      if (!language) { return value; }
      if (name === "query") { return LITERALS[language](value); }
      return language === "sh" ? shellLiteral(value) : shortLiteral(value);
    });
  }

  // Every snippet for `query` in the chosen format: {form, format, accept, snippets: [{id,
  // label, language, note, code}]} (code null where the snippet does not fit the query's form).
  function render(tables, query, chosen, endpoint, labels) {
    var text = normalise(query);
    var form = queryForm(text);
    var name = effectiveFormat(form, chosen);
    var values = { query: text, endpoint: endpoint };
    var entry = tables.formats[name];
    for (var key in entry) { values[key] = entry[key]; }
    var snippets = tables.snippets.map(function (snippet) {
      var fits = !snippet.forms || snippet.forms.indexOf(form) >= 0;
      return {
        id: snippet.id,
        label: (labels && labels[snippet.id]) || snippet.label,
        language: snippet.language,
        note: snippet.note,
        code: fits ? fill(snippet.template, values) : null
      };
    });
    return { form: form, format: name, accept: entry.accept, snippets: snippets };
  }

  var api = {
    queryForm: queryForm,
    effectiveFormat: effectiveFormat,
    shellLiteral: shellLiteral,
    pythonLiteral: pythonLiteral,
    jsLiteral: jsLiteral,
    rLiteral: rLiteral,
    fill: fill,
    render: render
  };
  if (typeof module === "object" && module.exports) { module.exports = api; }
  else { root.PolicygraphSnippets = api; }
})(this);
