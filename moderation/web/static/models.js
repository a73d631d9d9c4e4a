// The Models page's job panel: polls the job's JSON and shows its progress in place.
// Without this file the page reloads itself while a job runs (a <noscript> refresh),
// and the panel's Refresh link does the same by hand.
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel || panel.getAttribute("data-done") === "true") { return; }
  var url = panel.getAttribute("data-url");
  var INTERVAL = 1000;
  var RETRY = 5000;

  function el(id) { return document.getElementById(id); }

  function setText(id, value) {
    var node = el(id);
    if (node) { node.textContent = value; }
  }

  function show(job) {
    var state = el("job-state");
    if (state) {
      state.textContent = job.state;
      state.className = "badge " + job.state;
    }
    panel.className = "job " + job.state;
    var bar = el("job-progress");
    if (bar) {
      bar.value = job.percent;
      bar.textContent = job.percent + " %";
    }
    setText("job-percent", job.percent + " %");
    setText("job-message", job.message || "");
    var error = el("job-error");
    if (error) {
      error.textContent = job.error || "";
      error.hidden = !job.error;
    }
    var result = el("job-result");
    if (result) {
      setText("job-version", job.model_version || "");
      result.hidden = !job.model_version;
    }
  }

  function finished(job) {
    panel.setAttribute("data-done", "true");
    setText("job-refresh", job.state === "succeeded"
      ? "Reload the page to see the new version"
      : "Reload the page");
    var button = el("train-button");
    if (button) { button.disabled = false; }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (resp) {
      if (!resp.ok) {
        var err = new Error(resp.status === 401
          ? "Your session has ended: reload the page and sign in again."
          : "Could not read the job (" + resp.status + ").");
        err.final = resp.status < 500; // signed out, not an admin, no such job: stop asking
        throw err;
      }
      return resp.json();
    }).then(function (job) {
      show(job);
      if (job.done) {
        finished(job);
      } else {
        window.setTimeout(poll, INTERVAL);
      }
    }, function (err) {
      setText("job-message", err.message);
      if (!err.final) { window.setTimeout(poll, RETRY); }
    });
  }

  window.setTimeout(poll, INTERVAL);
})();
