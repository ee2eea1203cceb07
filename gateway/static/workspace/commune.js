// An indicator's form: as the officer types, the figures are sent to the page's scoring
// address, where the assessment service scores them with its own rules and keeps nothing;
// the answer (the same result box the page shows after saving) replaces the result. Without
// JavaScript the form still saves and the page shows the service's score.
(function () {
  "use strict";
  var form = document.getElementById("form-chi-tieu");
  var box = document.getElementById("ket-qua-tinh");
  if (!form || !box || !form.dataset.scoreUrl || !window.fetch) { return; }
  var timer = null;
  var sent = 0;
  function score() {
    var number = ++sent;
    fetch(form.dataset.scoreUrl, {method: "POST", body: new FormData(form),
                                  credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html !== null && number === sent) { box.innerHTML = html; }
      })
      .catch(function () { /* the saved result stays; saving still works */ });
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(score, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
