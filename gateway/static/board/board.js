// The results board works without JavaScript; this only submits the search form when a
// filter changes, so a phone user does not have to scroll to the button.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) { return; }
  Array.prototype.forEach.call(form.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });
}());
