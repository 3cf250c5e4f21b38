// Webhooks dashboard enhancements. Every page works without this file: it only hides the fields of the
// authentication methods and formats not chosen, fills templates and examples in place, and shows test results
// without reloading the form (so values typed into secret fields stay where they are).
(function () {
  "use strict";

  function showChosen(select, attribute) {
    var groups = document.querySelectorAll("[" + attribute + "]");
    function update() {
      groups.forEach(function (group) {
        var match = group.getAttribute(attribute).toLowerCase() === select.value.toLowerCase();
        group.hidden = !match;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  var auth = document.getElementById("f-AuthKind");
  if (auth) { showChosen(auth, "data-auth"); }
  var format = document.getElementById("f-Format");
  if (format) { showChosen(format, "data-format"); }

  var template = document.getElementById("f-Template");
  var apply = document.querySelector("[data-template-apply]");
  var body = document.getElementById("f-BodyTemplate");
  if (template && apply && body) {
    apply.addEventListener("click", function (event) {
      var option = template.options[template.selectedIndex];
      if (option && option.dataset.body) {
        event.preventDefault();
        body.value = option.dataset.body;
        body.focus();
      }
    });
  }

  var type = document.getElementById("f-Type");
  var data = document.getElementById("f-Data");
  if (type && data) {
    var edited = false;
    data.addEventListener("input", function () { edited = true; });
    type.addEventListener("change", function () {
      var option = type.options[type.selectedIndex];
      if (option && option.dataset.example && (!edited || window.confirm("Replace the payload with this type's example?"))) {
        data.value = option.dataset.example;
        edited = false;
      }
    });
  }

  // Test deliveries: post the form in the background and show the result in the live region.
  var result = document.getElementById("test-result");
  function sendTest(form, submitter) {
    var payload = new FormData(form);
    if (submitter && submitter.name) { payload.append(submitter.name, submitter.value); }
    result.innerHTML = "<p role=\"status\">Sending a test…</p>";
    fetch(form.getAttribute("action"), {
      method: "POST", body: payload, credentials: "same-origin", headers: { "X-Dashboard-Fragment": "test" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (html) {
      result.innerHTML = html;
    }).catch(function (error) {
      result.textContent = "The test could not be sent: " + error.message;
    });
  }
  if (result && window.fetch) {
    document.querySelectorAll("form[data-fragment='test']").forEach(function (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); sendTest(form, event.submitter); });
    });
    document.querySelectorAll("button[data-fragment='test']").forEach(function (button) {
      button.addEventListener("click", function (event) { event.preventDefault(); sendTest(button.form, button); });
    });
  }

  // Focus the error summary after a failed save so keyboard and screen-reader users land on it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
