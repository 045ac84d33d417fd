// Bulk applications: send the file with XMLHttpRequest to show upload progress, then an
// indeterminate bar while the server checks the rows; the same bar while a confirm runs.
(function () {
  "use strict";

  function show(form, text, percent) {
    const box = form.querySelector(".bulk-progress");
    const bar = box.querySelector("progress");
    box.hidden = false;
    if (percent === null) {
      bar.removeAttribute("value"); // indeterminate: the server does not report its progress
    } else {
      bar.value = percent;
    }
    box.querySelector(".bulk-progress-text").textContent = text;
  }

  function fail(form, message) {
    form.querySelector(".bulk-progress").hidden = true;
    const error = form.querySelector(".bulk-error");
    error.textContent = message;
    error.hidden = false;
    form.querySelector("button").disabled = false;
  }

  function upload(form, event) {
    event.preventDefault();
    const input = form.querySelector("input[type=file]");
    if (!input.files.length) {
      input.click();
      return;
    }
    form.querySelector(".bulk-error").hidden = true;
    form.querySelector("button").disabled = true;
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        const percent = Math.round((e.loaded / e.total) * 100);
        show(form, form.dataset.uploading.replace("{percent}", percent), percent);
      }
    });
    request.upload.addEventListener("load", function () {
      show(form, form.dataset.checking, null);
    });
    request.addEventListener("load", function () {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch (ignored) {
        // not JSON: a proxy's error page; the generic message below says enough
      }
      if (request.status === 200 && body && body.url) {
        window.location.assign(body.url);
      } else {
        fail(form, (body && body.error && body.error.message) || form.dataset.failed);
      }
    });
    request.addEventListener("error", function () { fail(form, form.dataset.failed); });
    show(form, form.dataset.uploading.replace("{percent}", 0), 0);
    request.send(new FormData(form));
  }

  document.querySelectorAll("form.bulk-upload").forEach(function (form) {
    const input = form.querySelector("input[type=file]");
    const label = form.querySelector(".dropzone-file");
    input.addEventListener("change", function () {
      label.textContent = input.files.length ? input.files[0].name : label.dataset.empty;
      form.classList.toggle("has-file", input.files.length > 0);
    });
    form.addEventListener("submit", function (event) { upload(form, event); });
  });

  document.querySelectorAll("form.bulk-confirm").forEach(function (form) {
    form.addEventListener("submit", function () {
      show(form, form.dataset.working, null);
      // Disabled after the submit has started, so the button still posts; no second click.
      setTimeout(function () { form.querySelector("button").disabled = true; }, 0);
    });
  });
})();
