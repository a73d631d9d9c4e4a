// The desk's keyboard and in-place decisions. Every button also works without this
// file, as a plain form post; this only saves the page reload and adds the keys.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var list = document.getElementById("cards");
  var dialog = document.getElementById("keys");
  var pendingCount = document.getElementById("pending-count");
  var bulkForm = document.getElementById("bulk");
  var VERBS = { approve: "approved", spam: "marked as spam", reject: "rejected" };
  var DONE = { approve: "Approved", spam: "Marked as spam", reject: "Rejected" };
  var toast = document.getElementById("toast");
  var UNDO_MS = 5000;
  var UNDO_KEY = "moderation:undo"; // the toast outlives a move to the next page
  var undoable = null; // {pairs: ["comment:decision", ...], until: time}
  var toastTimer = null;
  var removed = {}; // comment id -> where its card was, to put it back on an undo

  function cards() {
    return list ? Array.prototype.slice.call(list.querySelectorAll(".card:not(.done)")) : [];
  }

  function currentCard() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest("#cards .card") : null;
    return card || (list && list.querySelector(".card.current:not(.done)")) || cards()[0] || null;
  }

  function focusCard(card) {
    if (!card) { return; }
    cards().forEach(function (c) { c.classList.remove("current"); });
    card.classList.add("current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function move(delta) {
    var all = cards();
    if (!all.length) { return; }
    var at = all.indexOf(currentCard());
    focusCard(all[Math.max(0, Math.min(all.length - 1, at + delta))]);
  }

  function setPending(n) {
    if (pendingCount && typeof n === "number") {
      pendingCount.textContent = String(n);
      document.title = document.title.replace(/\(\d+\)/, "(" + n + ")");
    }
  }

  function showResult(card, text) {
    var out = card.querySelector(".result");
    if (out) { out.textContent = text; }
  }

  // Post a decision form with fetch; `ids` are the comments it covers.
  function post(form, action, ids) {
    var body = new URLSearchParams(new FormData(form));
    body.set("action", action);
    if (ids) {
      body.delete("id");
      ids.forEach(function (id) { body.append("id", id); });
    }
    // form.action would be the buttons named "action", not the attribute
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (resp) {
      if (!resp.ok) {
        throw new Error(resp.status === 401
          ? "Your session has ended: reload the page and sign in again."
          : "The desk refused this (" + resp.status + "): reload the page and try again.");
      }
      return resp.json();
    });
  }

  function hideToast() {
    if (toast) { toast.hidden = true; }
    undoable = null;
  }

  // A message at the foot of the page; with `pairs`, an Undo button until `until`.
  function showToast(text, pairs, until) {
    if (!toast) { return; }
    toast.querySelector(".text").textContent = text;
    var button = toast.querySelector("button.undo");
    button.hidden = !pairs;
    button.disabled = false;
    toast.hidden = false;
    undoable = pairs ? { pairs: pairs, until: until } : null;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(hideToast, pairs ? Math.max(0, until - Date.now()) : UNDO_MS);
  }

  function offerUndo(doc, action) {
    var done = doc.items.filter(function (i) { return i.ok; });
    if (!done.length) { return; }
    var text = DONE[action] + (done.length === 1 ? ": comment " + done[0].id : ": " + done.length + " comments") + ".";
    var pairs = done.map(function (i) { return i.id + ":" + i.decision_id; });
    var until = Date.now() + UNDO_MS;
    try {
      window.sessionStorage.setItem(UNDO_KEY, JSON.stringify({ text: text, pairs: pairs, until: until }));
    } catch (e) { /* private mode: the toast lives on this page only */ }
    showToast(text, pairs, until);
  }

  function restoreCard(id) {
    var place = removed[id];
    if (!place) { return false; }
    delete removed[id];
    var card = place.card;
    card.classList.remove("done");
    card.removeAttribute("aria-label");
    var next = place.next && place.next.parentNode === place.parent ? place.next : null;
    place.parent.insertBefore(card, next);
    return true;
  }

  function undo() {
    if (!undoable || Date.now() > undoable.until || !toast) { return; }
    var pairs = undoable.pairs;
    undoable = null;
    toast.querySelector("button.undo").disabled = true;
    try { window.sessionStorage.removeItem(UNDO_KEY); } catch (e) { /* nothing kept */ }
    var body = new URLSearchParams();
    body.set("csrf", toast.getAttribute("data-csrf"));
    pairs.forEach(function (p) { body.append("undo", p); });
    fetch("/desk/undo", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error("The desk refused the undo (" + resp.status + ")."); }
      return resp.json();
    }).then(function (doc) {
      var missing = false;
      var back = 0;
      doc.items.forEach(function (item) {
        if (!item.ok) { return; }
        var card = document.getElementById("c" + item.id);
        if (card && card.classList.contains("done")) { // undone before it left the page
          card.classList.remove("done");
          card.removeAttribute("aria-label");
          back += 1;
          focusCard(card);
        } else if (restoreCard(item.id)) { back += 1; focusCard(document.getElementById("c" + item.id)); }
        else if (card && list && list.classList.contains("keep")) {
          showResult(card, "Now " + item.outcome + " again.");
          card.querySelectorAll("form.decide button").forEach(function (b) { b.disabled = false; });
        } else if (item.outcome === "pending") { missing = true; }
      });
      setPending(doc.pending);
      var matches = document.getElementById("match-count");
      if (matches && back) {
        var n = Number(matches.getAttribute("data-n")) + back;
        matches.setAttribute("data-n", String(n));
        matches.textContent = n + " pending match" + (n === 1 ? "" : "es");
      }
      var failed = doc.items.filter(function (i) { return !i.ok; });
      var undone = doc.items.length - failed.length;
      showToast(failed.length ? failed.map(function (i) { return i.message; }).join(" ")
        : "Undone: " + (undone === 1 ? "comment " + doc.items[0].id + " is " + doc.items[0].outcome + " again."
          : undone + " comments are back as they were."), null);
      // Back in the queue, held for this moderator: the queue page shows it on a reload.
      if (missing && list && !list.classList.contains("keep") && !list.classList.contains("single")) {
        window.location.reload();
      }
    }, function (err) { showToast(err.message, null); });
  }

  function settle(doc, action) {
    offerUndo(doc, action);
    var next = null;
    doc.items.forEach(function (item) {
      var card = document.getElementById("c" + item.id);
      if (!card) { return; }
      if (item.ok && list.classList.contains("keep")) {
        // Search and audits show every state: the card stays, saying what it is now.
        showResult(card, "Now " + item.outcome + ".");
        card.querySelectorAll("form.decide button").forEach(function (b) {
          b.disabled = b.value === action;
        });
        return;
      }
      if (item.ok) {
        var all = cards();
        var at = all.indexOf(card);
        next = all[at + 1] || all[at - 1] || null;
        card.classList.add("done");
        card.classList.remove("current", "selected");
        var box = card.querySelector("input.select");
        if (box) { box.checked = false; }
        showResult(card, "");
        card.setAttribute("aria-label", "Comment " + item.id + " " + VERBS[action]);
        window.setTimeout(function () {
          if (!card.classList.contains("done")) { return; } // undone meanwhile
          removed[item.id] = { card: card, parent: card.parentNode, next: card.nextElementSibling };
          card.remove();
        }, 150);
      } else {
        showResult(card, item.message);
      }
    });
    setPending(doc.pending);
    var matches = document.getElementById("match-count");
    var decided = doc.items.filter(function (i) { return i.ok; }).length;
    if (matches && decided) {
      // The queue's "N pending match" line follows decisions, as the nav's count does.
      var left = Math.max(0, Number(matches.getAttribute("data-n")) - decided);
      matches.setAttribute("data-n", String(left));
      matches.textContent = left + " pending match" + (left === 1 ? "" : "es");
    }
    if (list.classList.contains("keep")) { return; }
    if (!cards().length && list.classList.contains("single")) {
      window.location.href = "/desk"; // a comment's own page: on to the next in the queue
      return;
    }
    if (!cards().length) {
      window.location.reload(); // the next batch, claimed for this moderator
      return;
    }
    focusCard(next && !next.classList.contains("done") ? next : currentCard());
  }

  function decideOne(card, action) {
    var form = card && card.querySelector("form.decide");
    if (!form) { return; }
    post(form, action, null).then(function (doc) { settle(doc, action); }, function (err) {
      showResult(card, err.message);
    });
  }

  function decideSelected(action) {
    var ids = cards().filter(function (c) {
      var box = c.querySelector("input.select");
      return box && box.checked;
    }).map(function (c) { return c.getAttribute("data-id"); });
    if (!ids.length || !bulkForm) { return; }
    post(bulkForm, action, ids).then(function (doc) { settle(doc, action); }, function (err) {
      window.alert(err.message);
    });
  }

  function toggleSelect(card) {
    var box = card && card.querySelector("input.select");
    if (!box) { return; }
    box.checked = !box.checked;
    card.classList.toggle("selected", box.checked);
  }

  function toggleKeys() {
    if (!dialog || !dialog.showModal) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  if (list) {
    list.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.classList.contains("decide") || !e.submitter) { return; }
      e.preventDefault();
      decideOne(form.closest(".card"), e.submitter.value);
    });
    list.addEventListener("change", function (e) {
      if (e.target.classList.contains("select")) {
        e.target.closest(".card").classList.toggle("selected", e.target.checked);
      }
    });
    list.addEventListener("focusin", function (e) {
      var card = e.target.closest(".card");
      if (card) {
        cards().forEach(function (c) { c.classList.toggle("current", c === card); });
      }
    });
  }
  if (bulkForm) {
    bulkForm.addEventListener("submit", function (e) {
      if (!e.submitter) { return; }
      e.preventDefault();
      decideSelected(e.submitter.value);
    });
  }
  var keysButton = document.getElementById("show-keys");
  if (keysButton) { keysButton.addEventListener("click", toggleKeys); }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) &&
      t.type !== "checkbox";
    if (typing) { return; }
    if (e.key === "?") { e.preventDefault(); toggleKeys(); return; }
    if (dialog && dialog.open) { return; }
    if (e.key === "u" && undoable && !list) { e.preventDefault(); undo(); return; }
    if (!list) { return; }
    var card = currentCard();
    var actions = { a: "approve", s: "spam", r: "reject" };
    var bulk = { A: "approve", S: "spam", R: "reject" };
    if (/^[1-9]$/.test(e.key) && card) {
      var pick = card.querySelector("select[name=note]");
      if (pick && pick.options.length > Number(e.key)) { pick.selectedIndex = Number(e.key); }
      e.preventDefault();
      return;
    }
    if (e.key === "j") { move(1); }
    else if (e.key === "k") { move(-1); }
    else if (actions[e.key]) { decideOne(card, actions[e.key]); }
    else if (bulk[e.key]) { decideSelected(bulk[e.key]); }
    else if (e.key === "x") { toggleSelect(card); }
    else if (e.key === "u" && undoable) { undo(); }
    else if (e.key === "o" && card) { window.location.href = "/desk/comments/" + card.getAttribute("data-id"); }
    else { return; }
    e.preventDefault();
  });

  // Filters fold away on phones (70 % of the first screen otherwise); open elsewhere.
  var filtersBox = document.querySelector(".filters-box");
  if (filtersBox && window.matchMedia && window.matchMedia("(min-width: 700px)").matches) {
    filtersBox.open = true;
  }

  if (toast) {
    toast.querySelector("button.undo").addEventListener("click", undo);
    var kept = null;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(UNDO_KEY) || "null");
      window.sessionStorage.removeItem(UNDO_KEY);
    } catch (e) { kept = null; }
    if (kept && kept.until > Date.now() && Array.isArray(kept.pairs)) {
      showToast(String(kept.text), kept.pairs.map(String), Number(kept.until));
    }
  }

  focusCard(cards()[0]);
})();
