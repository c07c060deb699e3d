// Progressive enhancement only: without this file the "Check for similar ideas" button posts
// the form and the page comes back with the same list.
// While a panelist types a new idea's title, ideas like it in the round are shown below it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-similar-url]");
  if (!form || !window.fetch) {
    return;
  }
  var title = form.querySelector("input[name='title']");
  var target = document.getElementById("similar-ideas");
  if (!title || !target) {
    return;
  }
  var timer = null;
  // What the page was rendered for (its own list is below it already): a title typed before
  // this script ran (a slow phone) is looked up at once below, not lost until the next key.
  var asked = title.defaultValue.trim();
  function suggest() {
    var words = title.value.trim();
    if (words === asked) {
      return;
    }
    asked = words;
    if (words.length < 3) {
      target.textContent = "";
      return;
    }
    var url = form.getAttribute("data-similar-url") + "?title=" + encodeURIComponent(words);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (asked === words) {
          // The server's own escaped fragment (templates/rounds/_similar.html).
          target.innerHTML = html;
        }
      })
      .catch(function () {
        // Offline or a hiccup: the button still works.
      });
  }
  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 400);
  });
  suggest();
});
