/* policygraph's timeline: draws the page's items (the JSON in #timeline-data) with vis-timeline.
   The table below stays the page without JavaScript; this only adds the chart. Labels from the
   data become text nodes, never HTML. A click on an item opens its page; a #fragment naming an
   item (claim-…, event-…) selects it and brings it into view. */
(function () {
  "use strict";
  var holder = document.getElementById("timeline-chart");
  var source = document.getElementById("timeline-data");
  if (!holder || !source || !window.vis) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.items.length) { return; }
  var byId = {};
  var items = data.items.map(function (item) {
    byId[item.id] = item;
    var link = document.createElement("a");
    link.href = item.page;
    link.textContent = item.label;
    var shown = {
      id: item.id,
      group: item.kind,
      content: link,
      start: item.display.start,
      type: item.display.type,
      className: [item.kind].concat(item.display.classes).join(" "),
      title: escapeText(item.title)
    };
    if (item.display.type === "range") { shown.end = item.display.end; }
    return shown;
  });
  var groups = [
    { id: "event", content: data.text.event },
    { id: "claim", content: data.text.claim }
  ];
  holder.hidden = false;
  var first = new Date(data.span.start);
  var last = new Date(data.span.end);
  var whole = [new Date(first.getFullYear() - 1, 0, 1), new Date(last.getFullYear(), last.getMonth() + 2, 1)];
  var chart = new vis.Timeline(holder, new vis.DataSet(items), new vis.DataSet(groups), {
    stack: true,
    orientation: "top",
    margin: { item: { horizontal: 4, vertical: 3 } },
    zoomKey: "ctrlKey",
    start: whole[0],
    end: whole[1],
    format: {
      minorLabels: { day: "D", weekday: "D", week: "w", month: "M", year: "YYYY" },
      majorLabels: { day: "YYYY-MM", weekday: "YYYY-MM", week: "YYYY-MM", month: "YYYY", year: "" }
    },
    tooltip: { followMouse: true }
  });
  // Zoom buttons: the whole span (the first view), or the last months, where most items are.
  var zoom = document.getElementById("timeline-zoom");
  if (zoom) {
    [["all", whole[0], whole[1]],
     ["recent", new Date(last.getFullYear(), last.getMonth() - 3, 1),
      new Date(last.getFullYear(), last.getMonth() + 1, 15)]].forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = data.text[choice[0]];
      button.addEventListener("click", function () {
        chart.setWindow(choice[1], choice[2], { animation: false });
      });
      zoom.appendChild(button);
      zoom.appendChild(document.createTextNode(" "));
    });
    zoom.hidden = false;
  }
  chart.on("click", function (properties) {
    if (properties.item !== null && byId[properties.item]) {
      window.location.href = byId[properties.item].page;
    }
  });
  var wanted = decodeURIComponent(window.location.hash.slice(1));
  if (wanted && byId[wanted]) {
    chart.setSelection([wanted], { focus: true, animation: false });
    var row = document.getElementById(wanted);
    if (row) { row.classList.add("selected"); }
  }
  window.policygraphTimeline = chart;

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
}());
