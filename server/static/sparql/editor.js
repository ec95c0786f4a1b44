// policygraph query page: the YASQE editor with completion from this server, code snippets and
// a share link that follow the query and the chosen format. The page works without this file:
// the form posts the textarea, and the server renders the snippets and the share link for the
// query it shows.
(function () {
  "use strict";
  var configElement = document.getElementById("pg-query-config");
  var area = document.getElementById("query");
  var select = document.getElementById("format");
  if (!configElement || !area || !select) { return; }
  var config = JSON.parse(configElement.textContent);
  var text = config.text;
  var yasqe = null;

  function say(key, slots) {
    var message = text[key] || key;
    for (var name in slots || {}) { message = message.split("{" + name + "}").join(String(slots[name])); }
    return message;
  }

  function currentQuery() {
    return yasqe ? yasqe.getValue() : area.value;
  }

  // -- completion: prefixes, terms (classes, properties, concepts), things by label ------------

  var vocabularyPromise = null;
  function vocabulary() {
    if (!vocabularyPromise) {
      vocabularyPromise = fetch(config.vocabulary, { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("vocabulary: HTTP " + response.status); }
          return response.json();
        });
      vocabularyPromise.catch(function () { vocabularyPromise = null; });
    }
    return vocabularyPromise;
  }

  var thingCache = new Map();
  function things(fragment) {
    if (thingCache.has(fragment)) { return thingCache.get(fragment); }
    var url = config.things + "?" + new URLSearchParams({ q: fragment, lang: config.lang, limit: "20" });
    var found = fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { return data.results; }, function () { return []; });
    if (thingCache.size > 200) { thingCache.clear(); }
    thingCache.set(fragment, found);
    return found;
  }

  function ourPrefixes(doc) {
    var map = {};
    doc.prefixes.forEach(function (p) { map[p.prefix] = p.namespace; });
    return map;
  }

  function inPrefixDeclaration(editor, token) {
    var cursor = editor.getDoc().getCursor();
    var previous = editor.getPreviousNonWsToken(cursor.line, token);
    return !!(previous && previous.string && previous.string.toUpperCase() === "PREFIX");
  }

  function termPosition(editor, token) {
    var cursor = editor.getDoc().getCursor();
    var previous = editor.getPreviousNonWsToken(cursor.line, token);
    var last = previous && previous.string;
    if (last === "a" || last === "rdf:type") { return "class"; }
    var possible = (token.state && token.state.possibleCurrent) || [];
    return possible.indexOf("a") >= 0 ? "property" : "object";
  }

  function localPart(iri, namespace) {
    if (iri.indexOf(namespace) !== 0) { return null; }
    var local = iri.slice(namespace.length);
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && local.slice(-1) !== "." ? local : null;
  }

  function labelIn(labels) {
    return (labels && (labels[config.lang] || labels.en || labels[Object.keys(labels)[0]])) || "";
  }

  var termHints = {};
  function matchTerms(editor, doc, token) {
    var typed = token.string;
    var declared = editor.getPrefixesFromQuery() || {};
    var known = ourPrefixes(doc);
    var position = termPosition(editor, token);
    var prefer = { class: position === "class" ? 0 : 1, property: position === "property" ? 0 : 1 };
    var found = [];
    termHints = {};
    if (typed[0] === "<") {
      var start = typed.slice(1).replace(/>$/, "");
      doc.terms.forEach(function (term) {
        if (term.iri.indexOf(start) === 0) { found.push({ text: "<" + term.iri + ">", term: term, rank: 0, local: term.iri }); }
      });
    } else {
      var colon = typed.indexOf(":");
      var prefix = typed.slice(0, colon), local = typed.slice(colon + 1).toLowerCase();
      var namespace = declared[prefix] || known[prefix];
      if (!namespace) { return []; }
      try { namespace = new URL(namespace, config.base).href; } catch (error) { return []; }
      doc.terms.forEach(function (term) {
        var name = localPart(term.iri, namespace);
        if (name === null) { return; }
        var lower = name.toLowerCase(), label = labelIn(term.label).toLowerCase(), rank;
        if (name.indexOf(typed.slice(colon + 1)) === 0) { rank = 0; }
        else if (lower.indexOf(local) === 0) { rank = 1; }
        else if (lower.indexOf(local) >= 0) { rank = 2; }
        else if (local && label.indexOf(local) >= 0) { rank = 3; }
        else { return; }
        found.push({ text: prefix + ":" + name, term: term, rank: rank, local: name, prefix: prefix, namespace: namespace });
      });
    }
    found.sort(function (a, b) {
      return a.rank - b.rank || (prefer[a.term.kind] === 0 ? 0 : 1) - (prefer[b.term.kind] === 0 ? 0 : 1) ||
        b.term.uses - a.term.uses || (a.local < b.local ? -1 : a.local > b.local ? 1 : 0);
    });
    found = found.slice(0, 50);
    found.forEach(function (item) { termHints[item.text] = item; });
    return found.map(function (item) { return item.text; });
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function renderTerm(li, self, hint) {
    var item = termHints[hint.text];
    li.appendChild(element("span", "pg-hint-term", hint.text));
    if (!item) { return; }
    var term = item.term, label = labelIn(term.label);
    if (label) { li.appendChild(element("span", "pg-hint-label", label)); }
    var kind = say("kind-" + term.kind);
    if (term.notation) { kind += " " + term.notation; }
    if (term.uses) { kind += " · " + say("uses", { n: term.uses }); }
    li.appendChild(element("span", "pg-hint-kind", kind));
    var definition = labelIn(term.definition);
    if (definition) { li.appendChild(element("span", "pg-hint-definition", definition)); }
  }

  function pickTerm(editor, data, hint) {
    editor.replaceRange(hint.text, hint.from || data.from, hint.to || data.to, "complete");
    var item = termHints[hint.text];
    if (item && item.prefix && !(item.prefix in (editor.getPrefixesFromQuery() || {}))) {
      var declaration = {};
      declaration[item.prefix] = item.namespace;
      editor.addPrefixes(declaration);
    }
  }

  // SPARQL keywords and function names: a word that begins one is not taken for a label.
  var KEYWORDS = ("a ask as asc base bind bnode bound by coalesce concat construct contains count " +
    "datatype day desc describe distinct encode_for_uri exists false filter floor from graph group " +
    "group_concat having hours if in iri isblank isiri isliteral isnumeric isuri lang langmatches lcase " +
    "limit max md5 min minus minutes month named not now offset optional order prefix rand reduced " +
    "regex replace round sameterm sample seconds select separator service sha1 sha256 sha384 sha512 str " +
    "strafter strbefore strdt strends strlang strlen strstarts struuid substr sum timezone true tz ucase " +
    "undef union uri uuid values where year abs avg ceil").split(" ");
  var STOP = /[\s{}()[\]<>"'?$:;,.#^@|\/\\=!&*+]/;

  // The label fragment before the cursor (words back to a term, a variable or a keyword), or null
  // where no label is wanted (inside a string, an IRI, a prefixed name, before the first brace).
  function labelFragment(editor) {
    var doc = editor.getDoc(), cursor = doc.getCursor(), line = doc.getLine(cursor.line);
    var token = editor.getTokenAt(cursor);
    if (token.type === "string" || token.type === "comment") { return null; }
    var end = cursor.ch;
    while (end < line.length && !STOP.test(line[end])) { end += 1; }
    var start = cursor.ch;
    while (start > 0 && !STOP.test(line[start - 1])) { start -= 1; }
    if (start === cursor.ch) { return null; }
    for (;;) {  // take in the words before, while they are words too
      var gap = start;
      while (gap > 0 && line[gap - 1] === " ") { gap -= 1; }
      if (gap === start || gap === 0) { break; }
      var wordStart = gap;
      while (wordStart > 0 && !STOP.test(line[wordStart - 1])) { wordStart -= 1; }
      var word = line.slice(wordStart, gap);
      if (!word || KEYWORDS.indexOf(word.toLowerCase()) >= 0 || /^[0-9]/.test(word)) { break; }
      if (wordStart > 0 && !/[\s{(,;]/.test(line[wordStart - 1])) { break; }
      start = wordStart;
    }
    var before = start > 0 ? line[start - 1] : "";
    if (before && !/[\s{(,;]/.test(before)) { return null; }
    var fragment = line.slice(start, end);
    if (/^[0-9]/.test(fragment)) { return null; }
    var wide = /[\u2e80-\uffff]/.test(fragment);
    if (fragment.length < (wide ? 1 : 2)) { return null; }
    var single = fragment.indexOf(" ") < 0 && !wide;
    if (single && KEYWORDS.some(function (k) { return k.indexOf(fragment.toLowerCase()) === 0; })) { return null; }
    if (!insidePattern(editor, start)) { return null; }
    return { text: fragment, start: start, end: end };
  }

  // Whether a brace opens before column `ch` of the cursor's line (a pattern, not the prologue).
  function insidePattern(editor, ch) {
    var line = editor.getDoc().getCursor().line;
    return editor.getRange({ line: 0, ch: 0 }, { line: line, ch: ch }).indexOf("{") >= 0;
  }

  var thingHints = {};
  function renderThing(li, self, hint) {
    var found = thingHints[hint.text];
    if (!found) { li.appendChild(element("span", "pg-hint-term", hint.text)); return; }
    li.appendChild(element("span", "pg-hint-term", found.label));
    if (found.matched && found.matched !== found.label) { li.appendChild(element("span", "pg-hint-label", found.matched)); }
    var kind = found.kind ? say("kind-" + found.kind) : "";
    li.appendChild(element("span", "pg-hint-kind", (kind ? kind + " · " : "") + found.iri));
  }

  function registerCompleters(Yasqe) {
    Yasqe.forkAutocompleter("prefixes", {
      name: "pg-prefixes",
      persistenceId: null,
      get: function () {
        return vocabulary().then(function (doc) {
          return doc.prefixes.map(function (p) { return p.prefix + ": <" + p.namespace + ">"; });
        });
      }
    }, false);
    // One completer for terms and things: the widget it opens recomputes which one the text at
    // the cursor asks for at each key (a completer's open widget keeps the others from opening).
    Yasqe.registerAutocompleter({
      name: "pg-names",
      bulk: false,
      autoShow: true,
      persistenceId: null,
      isValidCompletionPosition: function (editor) { return wanted(editor) !== null; },
      preProcessToken: function (editor, token) {
        var found = wanted(editor);
        token.pgWanted = found && found.kind;
        if (found && found.kind === "thing") {
          token.autocompletionString = found.fragment.text;
          token.from = { ch: found.fragment.start };
          token.to = { ch: found.fragment.end };
        }
        return token;
      },
      get: function (editor, token) {
        if (token.pgWanted === "term") {
          return vocabulary().then(function (doc) { return matchTerms(editor, doc, token); }, function () { return []; });
        }
        if (token.pgWanted !== "thing") { return Promise.resolve([]); }
        return things(token.autocompletionString).then(function (results) {
          thingHints = {};
          termHints = {};
          return results.map(function (found) {
            var iri = "<" + found.iri + ">";
            thingHints[iri] = found;
            return iri;
          });
        });
      },
      postprocessHints: function (editor, hints) {
        hints.forEach(function (hint) {
          if (termHints[hint.text]) { hint.render = renderTerm; hint.hint = pickTerm; }
          else { hint.render = renderThing; }
        });
        return hints;
      }
    }, false);
  }

  // What the text at the cursor asks for: a term (a prefixed name or an IRI being typed), a thing
  // (a label fragment), or nothing.
  function wanted(editor) {
    var token = editor.getCompleteToken();
    var typed = token.string || "";
    if (/^([A-Za-z][\w.-]*:[^\s]*|:[^\s]*)$/.test(typed)) {
      return inPrefixDeclaration(editor, token) ? null : { kind: "term" };
    }
    if (/^<[^>\s]*>?$/.test(typed)) {
      return insidePattern(editor, token.start) ? { kind: "term" } : null;
    }
    var fragment = labelFragment(editor);
    return fragment ? { kind: "thing", fragment: fragment } : null;
  }

  function startEditor() {
    if (!window.Yasgui || !window.Yasgui.Yasqe) { return; }
    var Yasqe = window.Yasgui.Yasqe;
    var host = document.createElement("div");
    host.className = "pg-editor";
    try {
      registerCompleters(Yasqe);
      // YASQE merges its defaults into the config index by index, so its own completers (which
      // ask third-party services: LOV, prefix.cc) would survive past the end of a shorter list.
      var completers = ["variables", "pg-prefixes", "pg-names"];
      Yasqe.defaults.autocompleters = completers.slice();
      area.parentNode.insertBefore(host, area);
      yasqe = new Yasqe(host, {
        value: area.value,
        persistenceId: null,
        consumeShareLink: null,
        createShareableLink: null,
        showQueryButton: false,
        autocompleters: completers,
        resizeable: true,
        editorHeight: "18rem"
      });
      area.style.display = "none";
      area.form.addEventListener("submit", function () { area.value = yasqe.getValue(); });
      yasqe.on("change", function () { area.value = yasqe.getValue(); schedule(); });
      document.getElementById("editor-help").hidden = false;
      window.policygraphEditor = yasqe;
      if (Object.keys(yasqe.autocompleters).join() !== completers.join()) {
        throw new Error("unexpected completers: " + Object.keys(yasqe.autocompleters));
      }
    } catch (error) {
      yasqe = null;
      if (host.parentNode) { host.parentNode.removeChild(host); }
      area.style.display = "";
      if (window.console) { console.warn("editor unavailable:", error); }
    }
  }

  // -- code snippets -----------------------------------------------------------------------------

  var Snippets = window.PolicygraphSnippets;
  var panel = document.getElementById("code");
  var snippetLabels = {};
  Object.keys(text).forEach(function (key) {
    if (key.indexOf("snippet-") === 0) { snippetLabels[key.slice(8)] = text[key]; }
  });

  // Copy `node`'s text; where the page is not a secure context (no clipboard API), select it
  // so that the reader copies it with the keyboard.
  function copy(node, button) {
    var selectIt = function () {
      if (node.select) { node.select(); } else { window.getSelection().selectAllChildren(node); }
    };
    var done = function () {
      var label = button.textContent;
      button.textContent = say("copied");
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(node.value !== undefined ? node.value : node.textContent).then(done, selectIt);
    } else {
      selectIt();
    }
  }

  function setUpTabs() {
    var tabs = panel.querySelector(".tabs");
    var sections = Array.prototype.slice.call(panel.querySelectorAll(".snippet"));
    function choose(id) {
      sections.forEach(function (section) { section.hidden = section.dataset.snippet !== id; });
      Array.prototype.forEach.call(tabs.children, function (tab) {
        tab.setAttribute("aria-selected", tab.dataset.snippet === id ? "true" : "false");
      });
    }
    sections.forEach(function (section) {
      var id = section.dataset.snippet;
      var tab = element("button", "", section.querySelector("h3").textContent);
      tab.type = "button";
      tab.dataset.snippet = id;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", section.id);
      section.setAttribute("role", "tabpanel");
      tab.addEventListener("click", function () { choose(id); });
      tabs.appendChild(tab);
      var button = element("button", "copy", say("copy"));
      button.type = "button";
      button.addEventListener("click", function () { copy(section.querySelector("code"), button); });
      section.insertBefore(button, section.querySelector("pre"));
    });
    tabs.hidden = false;
    panel.classList.add("tabbed");
    choose(sections[0].dataset.snippet);
  }

  function updateSnippets() {
    if (!Snippets || !panel) { return; }
    var rendered = Snippets.render(config.tables, currentQuery(), select.value, config.endpoint, snippetLabels);
    rendered.snippets.forEach(function (snippet) {
      var section = document.getElementById("snippet-" + snippet.id);
      if (!section) { return; }
      var pre = section.querySelector("pre"), note = section.querySelector(".snippet-note");
      pre.hidden = snippet.code === null;
      pre.querySelector("code").textContent = snippet.code === null ? "" : snippet.code;
      note.textContent = snippet.code === null ? say("code-not-table", { form: rendered.form })
        : snippet.note ? say(snippet.note) : "";
    });
    document.getElementById("code-help").textContent = say("code-help", { format: rendered.accept });
  }

  // -- the share link ------------------------------------------------------------------------------

  var shareInput = document.getElementById("share-link");
  var shareOpen = document.getElementById("share-open");
  var shareLength = document.getElementById("share-length");
  var shareWarning = document.getElementById("share-warning");
  var shareTurn = 0;

  function base64url(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The z token (server/sparql/share.py): raw DEFLATE of the query's UTF-8, base64url.
  function pack(query) {
    var stream = new Blob([query]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    return new Response(stream).arrayBuffer().then(function (buffer) { return base64url(new Uint8Array(buffer)); });
  }

  function linkFor(pairs) {
    return config.endpoint + "?" + pairs.map(function (pair) {
      return pair[0] + "=" + encodeURIComponent(pair[1]);
    }).join("&");
  }

  function showShare(url, warning) {
    shareInput.value = url || "";
    shareInput.hidden = shareOpen.hidden = !url;
    shareOpen.href = url || "";
    document.getElementById("share-copy").hidden = !url;
    shareLength.textContent = url ? say("share-length", { n: url.length }) : "";
    shareWarning.textContent = warning || "";
    shareWarning.hidden = !warning;
  }

  function updateLanguageLinks(token, chosen) {
    var links = document.querySelectorAll("nav a[hreflang]");
    Array.prototype.forEach.call(links, function (link) {
      var pairs = chosen === "html" ? [] : [["f", chosen]];
      pairs.push(["lang", link.getAttribute("hreflang")]);
      link.href = linkFor(pairs.concat(token === null ? [["query", currentQuery()]] : [["z", token]]));
    });
  }

  // `first`: the page's own state, whose language links the server wrote (they run a query the
  // page ran); after an edit they restore the edited query instead.
  function updateShare(first) {
    var query = currentQuery(), chosen = select.value, turn = ++shareTurn;
    if (new TextEncoder().encode(query).length > config.maxQueryLength) {
      showShare(null, say("share-too-long", { n: config.maxQueryLength }));
      return;
    }
    var head = (chosen === "html" ? [] : [["f", chosen]]).concat([["lang", config.lang]]);
    var finish = function (url, token) {
      if (turn !== shareTurn) { return; }
      showShare(url, url.length > config.portableLink ? say("share-long") : null);
      if (!first) { updateLanguageLinks(token, chosen); }
    };
    if (typeof CompressionStream !== "function") {  // the link then runs the query
      finish(linkFor(head.concat([["query", query]])), null);
      return;
    }
    pack(query).then(function (token) {
      finish(linkFor(head.concat([["z", token]])), token);
    }, function () { finish(linkFor(head.concat([["query", query]])), null); });
  }

  function setUpShare() {
    var copyButton = document.getElementById("share-copy");
    copyButton.addEventListener("click", function () { copy(shareInput, copyButton); });
    var save = document.getElementById("save-query");
    save.hidden = false;
    save.addEventListener("click", function () {
      var blob = new Blob([currentQuery()], { type: "application/sparql-query" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "query.rq";
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
    });
    shareInput.addEventListener("focus", function () { shareInput.select(); });
    copyButton.hidden = !shareInput.value;
  }

  // -- keeping them in step ---------------------------------------------------------------------------

  var timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { updateSnippets(); updateShare(); }, 150);
  }

  startEditor();
  if (panel && Snippets) { setUpTabs(); }
  setUpShare();
  select.addEventListener("change", schedule);
  if (!yasqe) { area.addEventListener("input", schedule); }
  updateSnippets();
  updateShare(true);
})();
