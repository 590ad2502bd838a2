// Sign-ins without network. The sign-in form is kept in this browser's IndexedDB (idb-keyval,
// vendored) with a fresh Idempotency-Key before anything is sent; each kept sign-in is sent with its
// same key on each page load, when the network returns (`online`), and every 30 s while any wait,
// until the server answers; then it is removed. The server answers a key it has seen with its
// first answer, and the same photo for the same shift is one sign-in, so a sign-in that arrives
// twice is still one. Posts go to the page's own route with the session and its CSRF token.
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  var form = document.getElementById("checkin-form");
  if (!box || !window.indexedDB || !window.idbKeyval || !window.fetch || !window.FormData) {
    return;  // the plain form still works
  }
  var idb = window.idbKeyval;
  var store = idb.createStore("supervise-outbox", "checkins");
  var list = box.querySelector(".outbox-items");
  var note = box.querySelector(".outbox-note");
  var words = box.dataset;
  var sending = false;
  var status = {};  // key -> "sending" while a request is out

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function hhmm(iso) {  // Beijing time, whatever the phone's zone
    try {
      return new Date(iso).toLocaleTimeString("zh-CN", {timeZone: "Asia/Shanghai", hour: "2-digit",
                                                          minute: "2-digit", hourCycle: "h23"});
    } catch (e) {
      return iso.slice(11, 16) + " UTC";
    }
  }

  function mine(item) { return String(item.user) === String(words.user); }

  function kept() {
    return idb.values(store).then(function (items) {
      return items.filter(mine).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }

  function line(cls, label, rest) {
    var li = document.createElement("li");
    li.className = cls;
    var tag = document.createElement("span");
    tag.className = "tag " + cls;
    tag.textContent = label;
    li.appendChild(tag);
    li.appendChild(document.createTextNode(" " + rest));
    return li;
  }

  function render() {
    return kept().then(function (items) {
      Array.prototype.slice.call(list.querySelectorAll("li.pending")).forEach(function (li) { li.remove(); });
      items.forEach(function (item) {
        var label = status[item.key] === "sending" ? words.sending : words.pending;
        var li = line("pending", label, words.keptAt + " " + hhmm(item.created));
        li.dataset.key = item.key;
        list.insertBefore(li, list.firstChild);
      });
      if (items.length && !navigator.onLine) { note.textContent = words.offline; }
      else if (!items.length && note.textContent === words.offline) { note.textContent = ""; }
      box.hidden = !list.children.length;
    });
  }

  function answered(item, httpStatus, body) {
    var li;
    if (httpStatus < 400) {
      li = line("sent", words.sent, "#" + body.id + " · " + (body.message || ""));
      var link = document.createElement("a");
      link.href = words.myDay;
      link.textContent = words.myDayText;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
    } else {
      li = line("refused", words.refused, (body.error && body.error.message) || String(httpStatus));
    }
    list.appendChild(li);
  }

  function isJson(response) {
    return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
  }

  // Resolves true when the server answered (the item is done), false when it must wait.
  function sendOne(item) {
    var body = new FormData();
    body.append("csrf_token", words.csrf);
    Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
    body.append("photo", new Blob([item.photo], {type: item.type || "image/jpeg"}), item.name || "selfie.jpg");
    status[item.key] = "sending";
    render();
    return fetch(words.sendUrl, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: {"Idempotency-Key": item.key, "Accept": "application/json", "X-CSRFToken": words.csrf}
    }).then(function (response) {
      if (!isJson(response)) {  // the login page, or a proxy's error page: not an answer
        if (response.type === "opaqueredirect" || response.status === 400 || response.status === 401) {
          note.textContent = words.login;
        }
        return false;
      }
      return response.json().then(function (answer) {
        var code = answer.error && answer.error.code;
        if (response.status >= 500 || code === "IDEMPOTENCY_KEY_IN_PROGRESS") { return false; }
        return idb.del(item.key, store).then(function () { answered(item, response.status, answer); return true; });
      });
    }, function () { return false; }).then(function (done) {
      delete status[item.key];
      return done;
    });
  }

  function sendAll() {
    if (sending || !navigator.onLine) { return render(); }
    sending = true;
    return kept().then(function (items) {
      return items.reduce(function (previous, item) {
        return previous.then(function () { return sendOne(item); });
      }, Promise.resolve());
    }).catch(function () { return null; }).then(function () {
      sending = false;
      return render();
    });
  }

  function keep(event) {
    var file = form.elements.photo.files[0];
    if (!file) { return; }
    event.preventDefault();
    var fields = {};
    ["shift_id", "device_lat", "device_lon", "device_accuracy_m", "device_fix_time"].forEach(function (name) {
      if (form.elements[name] && form.elements[name].value !== "") { fields[name] = form.elements[name].value; }
    });
    file.arrayBuffer().then(function (photo) {
      var item = {key: newKey(), user: words.user, created: new Date().toISOString(), fields: fields,
                  photo: photo, type: file.type, name: file.name};
      return idb.set(item.key, item, store);
    }).then(function () {
      form.elements.photo.value = "";
      return sendAll();
    }, function () {
      form.submit();  // this browser cannot keep it: send the plain form
    });
  }

  if (form) { form.addEventListener("submit", keep); }
  window.addEventListener("online", sendAll);
  window.addEventListener("offline", render);
  window.setInterval(function () { if (list.querySelector("li.pending")) { sendAll(); } }, 30000);
  sendAll();
})();
