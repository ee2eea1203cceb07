// The workspace works without JavaScript; this only moves the keyboard focus to the error
// summary when a form comes back with errors, as GOV.UK's pages do, so a screen reader reads
// it first and a keyboard user is one Tab from the first field to fix.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
}());
