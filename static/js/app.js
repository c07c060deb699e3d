// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the first field with an error, so keyboard and screen-reader users land on it.
  var invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});
