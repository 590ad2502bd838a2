// The sign-in page: the browser's own position fix goes with the photo (iPhones strip GPS from
// uploads). A file of its own, so the Content-Security-Policy can forbid inline scripts.
(function () {
  var form = document.getElementById("checkin-form");
  var status = document.getElementById("geo-status");
  function set(name, value) { form.elements[name].value = value; }
  function locate() {
    if (!navigator.geolocation) {
      status.textContent = "此浏览器不能定位；请确保照片带有GPS。 This browser cannot give a location.";
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      set("device_lat", pos.coords.latitude);
      set("device_lon", pos.coords.longitude);
      set("device_accuracy_m", pos.coords.accuracy);
      set("device_fix_time", new Date(pos.timestamp).toISOString());
      status.textContent = "已定位，精度约 " + Math.round(pos.coords.accuracy) + " 米。 Location fixed (±" +
        Math.round(pos.coords.accuracy) + " m).";
    }, function (err) {
      status.textContent = "未能获取定位（" + err.message + "）；请在设置中允许定位后重试。 Allow location access and retry.";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  }
  locate();
  form.elements["photo"].addEventListener("change", locate);
})();
