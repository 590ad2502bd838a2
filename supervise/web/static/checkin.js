// The sign-in page: the browser's own position fix goes with the photo (iPhones strip GPS from
// uploads). A file of its own, so the Content-Security-Policy can forbid inline scripts. The words
// come from the page (data-* attributes of #geo-status), in the page's language.
(function () {
  var form = document.getElementById("checkin-form");
  var status = document.getElementById("geo-status");
  function set(name, value) { form.elements[name].value = value; }
  function locate() {
    if (!navigator.geolocation) {
      status.textContent = status.dataset.noGeo;
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      set("device_lat", pos.coords.latitude);
      set("device_lon", pos.coords.longitude);
      set("device_accuracy_m", pos.coords.accuracy);
      set("device_fix_time", new Date(pos.timestamp).toISOString());
      status.textContent = status.dataset.fixed.replace("{m}", Math.round(pos.coords.accuracy));
    }, function (err) {
      status.textContent = status.dataset.failed.replace("{why}", err.message);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  }
  locate();
  form.elements["photo"].addEventListener("change", locate);
})();
