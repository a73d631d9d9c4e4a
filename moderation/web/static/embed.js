// Where JavaScript runs, the comment form posts to the JSON API without reloading the
// page; without it, the same form posts to the page itself and works all the same.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  var notice = document.getElementById("comment-held");
  var errorsList = document.getElementById("form-errors");
  var list = document.getElementById("comment-list");
  var total = document.getElementById("comment-total");

  // Tell a parent page our height, so it can size the iframe (the height is no secret).
  function reportHeight() {
    if (window.parent === window) { return; }
    // The body's own height: the viewport's would grow with every resize.
    var height = document.body.offsetHeight;
    window.parent.postMessage({ type: "moderation:height", height: height }, "*");
  }
  window.addEventListener("load", reportHeight);
  if (window.ResizeObserver) { new ResizeObserver(reportHeight).observe(document.body); }

  if (!form || !window.fetch) { return; }

  function field(name) { return form.elements.namedItem(name); }

  function setError(name, message) {
    var out = document.getElementById(name + "-error");
    var input = field(name);
    if (!out || !input || name === "parent_id") { return false; }
    out.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.closest(".field").classList.add("invalid");
    return true;
  }

  function clearErrors() {
    ["name", "email", "url", "body"].forEach(function (name) {
      var out = document.getElementById(name + "-error");
      var input = field(name);
      if (out) { out.textContent = ""; }
      if (input) {
        input.removeAttribute("aria-invalid");
        input.closest(".field").classList.remove("invalid");
      }
    });
    errorsList.textContent = "";
  }

  function generalError(message) {
    var li = document.createElement("li");
    li.textContent = message;
    errorsList.appendChild(li);
  }

  function showNotice(text, bad) {
    notice.textContent = text;
    notice.classList.toggle("bad", !!bad);
    notice.hidden = false;
  }

  // A published comment, built from text nodes only.
  function addComment(doc, name, body) {
    var li = document.createElement("li");
    li.className = "comment";
    li.id = "comment-" + doc.id;
    var article = document.createElement("article");
    var header = document.createElement("header");
    var author = document.createElement("span");
    author.className = "author";
    author.textContent = name;
    var time = document.createElement("time");
    time.dateTime = doc.created_at;
    time.textContent = "just now";
    header.appendChild(author);
    header.appendChild(time);
    var p = document.createElement("p");
    p.className = "body";
    p.textContent = body;
    // The same Report link as the page's own comments: a plain link to the report form.
    var report = document.createElement("a");
    report.className = "report";
    report.rel = "nofollow";
    // The page's own path (the form has no action: it posts back to its address, query
    // included, to keep the host page's title and address).
    report.href = form.getAttribute("data-path") + "/report/" + encodeURIComponent(doc.id);
    report.textContent = "Report";
    article.appendChild(header);
    article.appendChild(p);
    article.appendChild(report);
    li.appendChild(article);
    list.appendChild(li);
    if (total) { total.textContent = String(Number(total.textContent) + 1); }
  }

  // The host page's title and address, as the iframe's address names them (`?title=&url=`);
  // sent with each comment, so the desk can name and link the article. A bad one is left out.
  function readFacts() {
    var params = new URLSearchParams(window.location.search);
    var facts = {};
    var title = (params.get("title") || "").replace(/[\u0000-\u001f\u007f]/g, " ")
      .replace(/\s+/g, " ").trim();
    if (title) { facts.title = title.slice(0, 300); }
    var url = (params.get("url") || "").trim();
    try {
      var host = new URL(url).hostname;
      if (/^https?:\/\/[^\s\/?#]+\S*$/i.test(url) && url.length <= 2048 &&
          (host.indexOf(".") >= 0 || host === "localhost")) { facts.url = url; }
    } catch (e) { /* not an address */ }
    return facts;
  }
  var pageFacts = readFacts();
  // Reply links keep them, so a reply names the article too.
  Array.prototype.forEach.call(document.querySelectorAll("a[href*='reply_to=']"), function (a) {
    var target = new URL(a.href);
    Object.keys(pageFacts).forEach(function (k) { target.searchParams.set(k, pageFacts[k]); });
    a.href = target.toString();
  });

  // A closed article has no form: the page only lists its comments.
  if (!form) { return; }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var data = { article: form.getAttribute("data-article") };
    var site = form.getAttribute("data-site");
    if (site) { data.site = site; }
    ["name", "email", "url", "body"].forEach(function (name) {
      var value = field(name).value;
      if (name !== "url" || value.trim()) { data[name] = value; }
    });
    if (pageFacts.title) { data.article_title = pageFacts.title; }
    if (pageFacts.url) { data.article_url = pageFacts.url; }
    var parent = field("parent_id").value;
    if (parent) { data.parent_id = Number(parent); }
    var trapName = form.getAttribute("data-honeypot");
    var trap = field(trapName);
    if (trap && trap.value) { data[trapName] = trap.value; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch("/v1/comments", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data)
    }).then(function (resp) {
      return resp.json().then(function (doc) { return { status: resp.status, doc: doc }; });
    }).then(function (r) {
      if (r.status === 201 || r.status === 202) {
        var published = r.doc.status === "approved";
        showNotice(form.getAttribute(published ? "data-published" : "data-held"),
          r.doc.status === "rejected");
        if (published) { addComment(r.doc, data.name, data.body.trim()); }
        field("body").value = "";
      } else if (r.status === 422 && r.doc.errors) {
        r.doc.errors.forEach(function (err) {
          if (!setError(err.field, err.message)) { generalError(err.message); }
        });
        var first = form.querySelector("[aria-invalid=true]");
        if (first) { first.focus(); }
      } else {
        generalError(r.doc.detail || r.doc.title || "The comment could not be sent.");
      }
    }).catch(function () {
      generalError("The comment could not be sent; check your connection and try again.");
    }).then(function () {
      button.disabled = false;
      reportHeight();
    });
  });
})();
