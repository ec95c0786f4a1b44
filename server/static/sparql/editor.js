// policygraph query page: replace the plain textarea by the YASQE editor when it loads.
// The page works without this file (the form posts the textarea).
(function () {
  "use strict";
  var area = document.getElementById("query");
  if (!area || !window.Yasgui || !window.Yasgui.Yasqe) { return; }
  try {
    var host = document.createElement("div");
    host.className = "pg-editor";
    area.parentNode.insertBefore(host, area);
    var yasqe = new window.Yasgui.Yasqe(host, {
      value: area.value,
      persistenceId: null,
      showQueryButton: false,
      autocompleters: [],
      resizeable: true,
      editorHeight: "18rem"
    });
    area.style.display = "none";
    area.form.addEventListener("submit", function () { area.value = yasqe.getValue(); });
    yasqe.on("change", function () { area.value = yasqe.getValue(); });
  } catch (error) {
    area.style.display = "";
    if (window.console) { console.warn("editor unavailable:", error); }
  }
})();
