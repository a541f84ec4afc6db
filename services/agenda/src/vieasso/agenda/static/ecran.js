// The city's screens: refresh the content without ever replacing it by an error.
// Every `data-rafraichir` seconds, fetch the content; swap it in only on a good answer (200
// and the screen's marker header). A network error or an error page keeps what is shown,
// and the next good answer brings the screen back by itself. Announcements rotate.
(function () {
  "use strict";
  var body = document.body;
  var box = document.getElementById("contenu");
  var url = body.getAttribute("data-contenu");
  var marker = body.getAttribute("data-ecran");
  var every = Math.max(2, parseInt(body.getAttribute("data-rafraichir"), 10) || 60) * 1000;
  var clock = new Intl.DateTimeFormat("fr-FR", {
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris"
  });
  var shown = 0;

  function tick() {
    var node = box.querySelector(".horloge");
    if (node) { node.textContent = clock.format(new Date()).replace(":", " h "); }
    if (body.classList.contains("hors-ligne")) {
      // keep the last content, but not events that are over since
      var rows = box.querySelectorAll("[data-fin]");
      for (var i = 0; i < rows.length; i++) {
        var end = Date.parse(rows[i].getAttribute("data-fin"));
        if (!isNaN(end) && end < Date.now()) { rows[i].hidden = true; }
      }
    }
  }

  function rotate() {
    var items = box.querySelectorAll(".annonce");
    if (items.length < 2) { return; }
    shown = (shown + 1) % items.length;
    for (var i = 0; i < items.length; i++) { items[i].hidden = i !== shown; }
  }

  function refresh() {
    fetch(url, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (!response.ok || response.headers.get("X-Ecran") !== marker) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        shown = 0;
        body.classList.remove("hors-ligne");
        body.setAttribute("data-mis-a-jour", String(Date.now()));
      })
      .catch(function () {
        body.classList.add("hors-ligne");
        body.setAttribute("data-echecs", String(Number(body.getAttribute("data-echecs") || 0) + 1));
      })
      .then(function () { setTimeout(refresh, every); });
  }

  setTimeout(refresh, every);
  setInterval(rotate, 10000);
  setInterval(tick, 15000);
})();
