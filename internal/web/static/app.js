// Progressive enhancement only: every page works without this script.
// The import form uploads with a progress bar and shows the server's answer in place.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) { return; }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.id !== "import-form") { return; }
    ev.preventDefault();
    var box = document.getElementById("import-progress");
    var bar = document.getElementById("import-bar");
    box.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    // Once the file is sent, the server is importing: the bar becomes indeterminate.
    xhr.upload.addEventListener("load", function () { bar.removeAttribute("value"); });
    xhr.addEventListener("load", function () {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = doc.getElementById("main");
      if (main) {
        document.getElementById("main").replaceWith(main);
        main.focus();
      }
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  });
})();
