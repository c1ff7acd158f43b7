// Staff pages: check-in without a page load, and a print button. Every form works without it.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("button.js-checkin");
    if (!button || !window.fetch) {
      return;
    }
    event.preventDefault();
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        var row = form.closest("tr");
        if (result.data.row_html && row) {
          row.outerHTML = result.data.row_html;
        }
        var counts = document.getElementById("roster-counts");
        if (counts && result.data.counts_html) {
          counts.outerHTML = result.data.counts_html;
        }
        if (!result.ok) {
          button.disabled = false;
          window.alert(result.data.error || "");
        }
      })
      .catch(function () {
        form.submit();  // fall back to the ordinary form post
      });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
