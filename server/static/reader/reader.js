// The annotated reader's enhancements (the page works without them): a card on hover or focus
// of a marked passage listing each anchor covering it (what it supports, claimant, stance,
// modality or status); the passages of a #a-START-END fragment outlined; and, for a selection
// in the text, a link to {base}spans listing everything anchored there.
(function () {
  "use strict";
  var dataNode = document.getElementById("reader-data");
  var textNode = document.getElementById("source-text");
  if (!dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var words = data.words;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var card = element("div");
  card.id = "reader-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);

  function line(label, value) {
    var row = element("div", "line");
    row.appendChild(element("span", "name", label + ": "));
    row.appendChild(element("span", "value", value));
    return row;
  }

  function showCard(seg) {
    var indices = (seg.getAttribute("data-spans") || "").split(" ").filter(Boolean);
    if (!indices.length) { return; }
    card.textContent = "";
    indices.slice().reverse().forEach(function (index) {
      var span = data.spans[Number(index)];
      if (!span) { return; }
      var item = element("div", "item");
      item.appendChild(element("div", "kind", span.kind));
      var link = element("a", "supports", span.label);
      link.href = span.href;
      item.appendChild(link);
      if (span.claimants.length) {
        item.appendChild(line(words.claimant, span.claimants.join(", ")));
      }
      ["stance", "modality", "status"].forEach(function (key) {
        if (span[key]) { item.appendChild(line(words[key], span[key])); }
      });
      card.appendChild(item);
    });
    var box = seg.getBoundingClientRect();
    card.style.left = Math.max(4, window.scrollX + box.left) + "px";
    card.style.top = (window.scrollY + box.bottom + 6) + "px";
    card.hidden = false;
  }

  function hideCard() { card.hidden = true; }

  function segmentOf(node) {
    return node && node.closest ? node.closest(".source-text a.seg") : null;
  }

  if (textNode) {
    textNode.addEventListener("mouseover", function (event) {
      var seg = segmentOf(event.target);
      if (seg) { showCard(seg); }
    });
    textNode.addEventListener("focusin", function (event) {
      var seg = segmentOf(event.target);
      if (seg) { showCard(seg); }
    });
    textNode.addEventListener("mouseleave", hideCard);
    textNode.addEventListener("focusout", hideCard);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hideCard(); }
    });
  }

  // #a-START-END: outline every passage inside that range of code points.
  function target() {
    var match = /^#a-(\d+)-(\d+)$/.exec(window.location.hash);
    var marked = document.querySelectorAll(".source-text a.seg.targeted");
    Array.prototype.forEach.call(marked, function (seg) { seg.classList.remove("targeted"); });
    if (!match || !textNode) { return; }
    var start = Number(match[1]), end = Number(match[2]);
    Array.prototype.forEach.call(textNode.querySelectorAll("a.seg"), function (seg) {
      var a = Number(seg.getAttribute("data-start")), b = Number(seg.getAttribute("data-end"));
      if (a >= start && b <= end) { seg.classList.add("targeted"); }
    });
  }
  window.addEventListener("hashchange", target);
  target();

  // A selection in the text: its offsets in code points (the text's own units), and a link.
  var selectionLink = element("a");
  selectionLink.id = "reader-selection";
  selectionLink.hidden = true;
  selectionLink.textContent = words.selection;
  document.body.appendChild(selectionLink);

  function codePoints(text) { return Array.from(text).length; }

  function offsetOf(container, offset) {
    var walker = document.createTreeWalker(textNode, NodeFilter.SHOW_TEXT);
    var count = 0, node;
    while ((node = walker.nextNode())) {
      if (node === container) { return count + codePoints(node.data.slice(0, offset)); }
      count += codePoints(node.data);
    }
    if (container === textNode || textNode.contains(container)) {
      // An element boundary: count the text before its offset-th child.
      var before = document.createRange();
      before.setStart(textNode, 0);
      before.setEnd(container, offset);
      return codePoints(before.toString());
    }
    return null;
  }

  if (textNode) {
    document.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || !selection.rangeCount) {
        selectionLink.hidden = true;
        return;
      }
      var range = selection.getRangeAt(0);
      if (!textNode.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== textNode) {
        selectionLink.hidden = true;
        return;
      }
      var start = offsetOf(range.startContainer, range.startOffset);
      var end = offsetOf(range.endContainer, range.endOffset);
      if (start === null || end === null || end <= start) { return; }
      var query = new URLSearchParams({ source: data.source, start: start, end: end, lang: data.lang });
      selectionLink.href = data.base + "spans?" + query.toString();
      var box = range.getBoundingClientRect();
      selectionLink.style.left = Math.max(4, window.scrollX + box.left) + "px";
      selectionLink.style.top = (window.scrollY + box.bottom + 4) + "px";
      selectionLink.hidden = false;
    });
  }
})();
