// The import page: send the file with a progress bar, then show the all-or-nothing report in place.
(function () {
  var form = document.getElementById('import-form');
  form.addEventListener('submit', function (event) {
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    event.preventDefault();
    var box = document.getElementById('import-progress'), bar = document.getElementById('import-bar'),
        state = document.getElementById('import-state'), report = document.getElementById('import-report');
    box.hidden = false; bar.value = 0; report.innerHTML = '';
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action || window.location.href);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.upload.onload = function () {
      bar.removeAttribute('value');
      state.textContent = state.dataset.checking;
    };
    xhr.onload = function () {
      var doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      var fresh = doc.getElementById('import-report');
      report.innerHTML = fresh ? fresh.innerHTML : '<p class="flash error">' + xhr.status + '</p>';
      box.hidden = true;
    };
    xhr.onerror = function () { state.textContent = state.dataset.failed; };
    xhr.send(new FormData(form));
  });
})();
