// A form that failed shows its error summary first; taking the focus there lets screen readers
// and keyboard users start from it. Without JavaScript the summary is still the first thing.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
