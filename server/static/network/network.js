/* policygraph's actor network: draws the page's nodes and edges (the JSON in #network-data) with
   Cytoscape.js. The edge table below stays the page without JavaScript; this only adds the chart.
   Edges are coloured by stance and as wide as their count; a tap on an edge opens its evidence
   (or its row in the table when it stands for several), a tap on an actor opens its page. */
(function () {
  "use strict";
  var holder = document.getElementById("network-chart");
  var source = document.getElementById("network-data");
  if (!holder || !source || !window.cytoscape) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length) { return; }
  holder.hidden = false;
  var elements = data.nodes.map(function (node) {
    return { group: "nodes", data: { id: node.iri, label: node.label, page: node.page, degree: node.degree } };
  }).concat(data.edges.map(function (edge) {
    return {
      group: "edges",
      data: {
        id: edge.id, source: edge.source, target: edge.target, colour: edge.colour,
        weight: edge.weight, page: edge.page, label: edge.label, kind: edge.kind
      }
    };
  }));
  var chart = cytoscape({
    container: holder,
    elements: elements,
    style: [
      {
        selector: "node",
        style: {
          "label": "data(label)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 110,
          "background-color": "#3b6ea8", "color": "#1d1d1f",
          "width": "mapData(degree, 0, 30, 14, 46)", "height": "mapData(degree, 0, 30, 14, 46)"
        }
      },
      {
        selector: "edge",
        style: {
          "line-color": "data(colour)", "target-arrow-color": "data(colour)",
          "target-arrow-shape": "triangle", "curve-style": "bezier", "opacity": 0.85,
          "width": "mapData(weight, 1, 6, 1.5, 8)"
        }
      },
      { selector: "edge[kind = 'event']", style: { "line-style": "dashed" } },
      { selector: ":selected", style: { "overlay-opacity": 0.2 } }
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 9000, idealEdgeLength: 90 }
  });
  chart.on("tap", "edge, node", function (event) {
    var page = event.target.data("page");
    if (page) { window.location.href = page; }
  });
  window.policygraphNetwork = chart;
}());
