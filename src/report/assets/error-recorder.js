(function () {
  var errors = [];
  function record(message) {
    errors.push(String(message));
    document.body.dataset.errors = JSON.stringify(errors);
  }
  window.onerror = function (message, source, line, column) {
    record(message + " at " + line + ":" + column);
  };
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + event.reason);
  });
})();
