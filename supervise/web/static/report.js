// The monthly report's print button (a script file, not an inline handler, so a strict CSP allows it).
document.querySelectorAll('[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
