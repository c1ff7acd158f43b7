// The roster at the door: narrow the parties on the page as a name is typed, and say how many
// are shown. Without it the search form asks the server (GET q) and gets the same answer.
(function () {
  "use strict";

  var input = document.getElementById("roster-q");
  var parties = document.getElementById("roster-parties");
  var found = document.getElementById("roster-found");
  if (!input || !parties || !found) {
    return;
  }
  var total = parseInt(parties.getAttribute("data-total"), 10) || 0;
  var initial = found.textContent;
  var timer = null;

  function fold(text) {
    return (text.normalize ? text.normalize("NFC") : text).toLowerCase();
  }

  function showEmptySections() {
    var lists = parties.querySelectorAll("tbody, ol.waitlist");
    Array.prototype.forEach.call(lists, function (list) {
      var anyShown = list.querySelector("[data-search]:not([hidden])") !== null;
      var holder = list.closest("table") || list;
      var empty = holder.nextElementSibling;
      holder.hidden = !anyShown;
      if (empty && empty.classList.contains("section-empty")) {
        empty.hidden = anyShown;
      }
    });
  }

  function filter() {
    var typed = input.value.trim();
    var needle = fold(typed);
    var shown = 0;
    // Asked for each time: a check-in in place replaces its row.
    var rows = parties.querySelectorAll("[data-search]");
    Array.prototype.forEach.call(rows, function (row) {
      var match = needle === "" || row.getAttribute("data-search").indexOf(needle) !== -1;
      row.hidden = !match;
      if (match) {
        shown += 1;
      }
    });
    showEmptySections();
    if (needle === "") {
      found.textContent = initial;
    } else if (shown === 0) {
      found.textContent = parties.getAttribute("data-none").replace("{q}", typed);
    } else {
      found.textContent = parties
        .getAttribute("data-shown")
        .replace("{shown}", String(shown))
        .replace("{total}", String(total));
    }
  }

  input.addEventListener("input", function () {
    // Announce once the typing pauses, not after every letter.
    window.clearTimeout(timer);
    timer = window.setTimeout(filter, 150);
  });
})();
