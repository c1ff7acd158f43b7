// The filter form of the list sits in a <details>: open on wide screens, closed on phones so
// that the events come first (the quick choices and the count in its button say what is in
// use). Refused filters keep it open. On a phone the quick choices scroll sideways: the
// current one is scrolled into view. Without JavaScript the server's choices stand.
document.addEventListener("DOMContentLoaded", function () {
  var details = document.querySelector("details[data-filters]");
  if (details && !details.hasAttribute("data-has-errors")) {
    details.open = window.matchMedia("(min-width: 48rem)").matches;
  }
  var current = document.querySelector(".quick-choices a[aria-current]");
  if (current) {
    var row = current.closest("ul");
    row.scrollLeft = current.offsetLeft - row.offsetLeft - 16;
  }
});
