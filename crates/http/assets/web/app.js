// Parcours pages work without this script; it only enhances them.
(function () {
  "use strict";
  // Search as you type: a form marked data-live refreshes its results region.
  document.querySelectorAll("form[data-live]").forEach(function (form) {
    var region = document.getElementById(form.getAttribute("data-live"));
    var timer = null;
    var seq = 0;
    if (!region) { return; }
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      var url = form.getAttribute("action") + "?" + params.toString();
      var mine = ++seq;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || mine !== seq) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(region.id);
          if (fresh) {
            region.replaceWith(fresh);
            region = fresh;
            history.replaceState(null, "", url);
          }
        })
        .catch(function () { /* the submit button still works */ });
    }
    form.addEventListener("input", function (event) {
      if (event.target.type !== "search" && event.target.type !== "text") { return; }
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT" || event.target.type === "checkbox") { refresh(); }
    });
  });
  // « Imprimer »: the browser's print dialog (without the script, its own menu).
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // The error summary takes the focus, so that a screen reader reads it first.
  var summary = document.querySelector(".summary[tabindex], #doublons, #conflit");
  if (summary) { summary.focus(); }
})();
