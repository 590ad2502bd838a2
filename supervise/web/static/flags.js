// The flag queue: "choose every flag on this page" for a bulk decision.
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("#bulk input[name=flag]").forEach(function (box) { box.checked = all.checked; });
  });
})();
