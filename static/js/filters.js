// The filter form of the list sits in a <details>: open on wide screens, closed on phones so
// that the events come first (the quick choices and the count in its button say what is in
// use). Refused filters keep it open. Without JavaScript the server's choice stands.
document.addEventListener("DOMContentLoaded", function () {
  var details = document.querySelector("details[data-filters]");
  if (details && !details.hasAttribute("data-has-errors")) {
    details.open = window.matchMedia("(min-width: 48rem)").matches;
  }
});
