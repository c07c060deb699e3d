// Progressive enhancement only: without this file the picker's search form is a plain GET form
// and the page comes back with the results. With it, the results follow as the person types:
// the same page is fetched with partial=1, which answers with only the results' HTML
// (templates/insights/_pick_results.html, escaped by the server).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-pick-search]");
  var target = document.getElementById("pick-live");
  if (!form || !target || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var input = form.querySelector("input[name='q']");
  var timer = null;
  // What the page was rendered for: words typed before this script ran (a slow phone) are
  // searched for at once below, not lost until the next key.
  var asked = input.defaultValue.trim();
  function search() {
    var words = input.value.trim();
    if (words === asked) {
      return;
    }
    asked = words;
    var params = new URLSearchParams(new FormData(form));
    params.set("partial", "1");
    fetch(form.getAttribute("action") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && asked === words) {
          target.innerHTML = html;
        }
      })
      .catch(function () {
        // Offline or a hiccup: the search button still works.
      });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 350);
  });
  search();
});
