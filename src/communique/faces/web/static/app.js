/* communique workbench: keyboard shortcuts, layer toggles, the span inspector and reviews.
   Vanilla JS, no dependencies. Document data only ever reaches the page as text
   (textContent, cloned server-escaped markup, dataset values): never as HTML. */
(function () {
  "use strict";

  var root = document.body.dataset.root || "";
  var help = document.getElementById("help");

  function typingIn(el) {
    if (!el) { return false; }
    if (el.tagName === "INPUT") { return !/^(checkbox|radio|button|submit|reset)$/.test(el.type); }
    return el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName);
  }

  function slug(v) {
    return String(v).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
  }

  function anchorFor(s) {
    return "span-" + s.start + "-" + s.end + "-" + slug(s.layer) + "-" + slug(s.label);
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-action=help]");
    if (b && help && help.showModal) { help.showModal(); }
  });

  // print: closed panels would print empty, so open them all first
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) {
      if (!d.open) { d.dataset.printOpened = "1"; d.open = true; }
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.open = false; delete d.dataset.printOpened;
    });
  });

  var doc = null; // the document page controller, when on one
  var pendingG = 0;

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "Escape") {
      if (doc) { doc.clear(); }
      if (typingIn(e.target)) { e.target.blur(); }
      return;
    }
    if (typingIn(e.target)) { return; }
    if (e.key === "/") {
      var box = document.getElementById("q") || document.getElementById("topq");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (e.key === "?") { if (help && help.showModal) { e.preventDefault(); help.showModal(); } return; }
    if (e.key === "g") { pendingG = Date.now(); return; }
    if (e.key === "d" && Date.now() - pendingG < 1000) { location.href = root + "/"; return; }
    if (doc && doc.key(e.key)) { e.preventDefault(); }
  });

  var view = document.getElementById("docview");
  if (view) { doc = documentPage(view); }

  function documentPage(view) {
    var docId = view.dataset.doc;
    var text = document.getElementById("doctext");
    var body = document.getElementById("inspector-body");
    var hint = document.getElementById("inspector-hint");
    var status = document.getElementById("review-status");
    var addForm = document.getElementById("add-form");
    var toggles = Array.prototype.slice.call(document.querySelectorAll("#toggles input[data-layer]"));
    var canReview = document.body.classList.contains("can-review");
    var details = {};
    var order = [];
    var byAnchor = {};
    document.querySelectorAll("#details .detail").forEach(function (el) {
      details[el.dataset.i] = el;
      order.push(el.dataset.i);
      byAnchor[el.dataset.anchor] = el.dataset.i;
    });
    var piecesOf = {};
    text.querySelectorAll(".m").forEach(function (p) {
      p.dataset.m.split(" ").forEach(function (i) { (piecesOf[i] = piecesOf[i] || []).push(p); });
    });
    var current = null;

    function say(msg, kind) {
      status.textContent = msg;
      status.className = "status" + (kind ? " " + kind : "");
    }

    function shown(layer) { return text.classList.contains("show-" + layer); }

    function visible(i) { return piecesOf[i] && shown(details[i].dataset.layer); }

    function setLayer(layer, on) {
      text.classList.toggle("show-" + layer, on);
      toggles.forEach(function (t) { if (t.dataset.layer === layer) { t.checked = on; } });
      var all = toggles.every(function (t) { return t.checked; });
      var url = new URL(location.href);
      if (all) { url.searchParams.delete("layers"); } else {
        url.searchParams.set("layers", toggles.filter(function (t) { return t.checked; })
          .map(function (t) { return t.dataset.layer; }).join(","));
      }
      history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    }

    toggles.forEach(function (t) {
      t.addEventListener("change", function () { setLayer(t.dataset.layer, t.checked); });
    });

    function clearMarks(cls) {
      text.querySelectorAll("." + cls).forEach(function (p) { p.classList.remove(cls); });
    }

    function card(i, isCurrent) {
      var c = details[i].cloneNode(true);
      c.classList.toggle("current", !!isCurrent);
      return c;
    }

    function select(i, opts) {
      opts = opts || {};
      if (!details[i]) { return; }
      var layer = details[i].dataset.layer;
      if (!shown(layer)) { setLayer(layer, true); }
      clearMarks("sel");
      clearMarks("hl");
      current = i;
      (piecesOf[i] || []).forEach(function (p) { p.classList.add("sel"); });
      // the inspector: the selected span first, then every other visible span over its start
      var first = (piecesOf[i] || [])[0];
      var others = first ? first.dataset.m.split(" ").filter(function (j) { return j !== i && visible(j); }) : [];
      body.replaceChildren(card(i, true));
      others.forEach(function (j) { body.appendChild(card(j, false)); });
      hint.hidden = true;
      say("");
      if (opts.scroll && first) { first.scrollIntoView({ block: "center", behavior: "smooth" }); }
      if (opts.hash !== false) {
        history.replaceState(history.state, "", location.pathname + location.search + "#" + details[i].dataset.anchor);
      }
    }

    function clear() {
      current = null;
      clearMarks("sel");
      clearMarks("hl");
      body.replaceChildren();
      hint.hidden = false;
      addForm.hidden = true;
    }

    function step(dir) {
      var vis = order.filter(visible);
      if (!vis.length) { return; }
      var k = current === null ? (dir > 0 ? -1 : vis.length) : vis.indexOf(current);
      var next = vis[Math.min(vis.length - 1, Math.max(0, k + dir))];
      select(next, { scroll: true });
    }

    text.addEventListener("click", function (e) {
      var sel = window.getSelection();
      if (sel && !sel.isCollapsed) { return; } // selecting text to add a span
      var p = e.target.closest(".m");
      if (!p) { return; }
      var marks = p.dataset.m.split(" ").filter(visible);
      if (!marks.length) { return; }
      // clicking again cycles through overlapping spans; first the shortest (innermost)
      marks.sort(function (a, b) {
        var la = details[a].dataset.end - details[a].dataset.start;
        var lb = details[b].dataset.end - details[b].dataset.start;
        return la - lb || a - b;
      });
      var k = marks.indexOf(current);
      select(marks[(k + 1) % marks.length]);
    });

    function highlightRange(a, b) {
      clearMarks("hl");
      var first = null;
      text.querySelectorAll("[data-o]").forEach(function (p) {
        var o = +p.dataset.o;
        if (o >= a && o < b) { p.classList.add("hl"); first = first || p; }
      });
      if (first) { first.scrollIntoView({ block: "center" }); }
    }

    function fromHash() {
      var h = decodeURIComponent(location.hash.slice(1));
      var m = /^off-(\d+)-(\d+)$/.exec(h);
      if (m) { highlightRange(+m[1], +m[2]); return; }
      if (h in byAnchor) { select(byAnchor[h], { scroll: true, hash: false }); }
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();

    // the outcome of a review saved before the reload that shows it
    var flash = sessionStorage.getItem("communique.flash");
    if (flash) { sessionStorage.removeItem("communique.flash"); say(flash, "ok"); }

    // ---- reviews
    function post(payload, anchor) {
      say("Saving…");
      return fetch(root + "/api/documents/" + encodeURIComponent(docId) + "/reviews", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(payload)
      }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (j) {
          if (!r.ok) {
            var msg = j && j.error ? j.error.message + " (" + j.error.code + ")" : "HTTP " + r.status;
            say("Not saved: " + msg, "err");
            return;
          }
          var span = (j && (j.after || j.before)) || null;
          sessionStorage.setItem("communique.flash", "Saved: " + payload.action + " by " + (j && j.reviewer) + ".");
          location.hash = span ? anchorFor(span) : (anchor || "");
          location.reload();
        });
      }, function (err) { say("Not saved: " + err, "err"); });
    }

    function spanOf(el) {
      return { start: +el.dataset.start, end: +el.dataset.end, layer: el.dataset.layer,
               label: el.dataset.label, source: el.dataset.source };
    }

    function noteOf(cardEl) {
      var n = cardEl.querySelector("input[name=note]");
      return n && n.value.trim() ? n.value.trim() : null;
    }

    function decide(action, cardEl, label) {
      var payload = { action: action, span: spanOf(cardEl), note: noteOf(cardEl) };
      if (label) { payload.label = label; }
      return post(payload, cardEl.dataset.anchor);
    }

    function relabelForm(cardEl) {
      var box = cardEl.querySelector(".review-actions");
      if (box.querySelector("select")) { return; }
      var pick = document.querySelector("#details select.labels[data-layer='" + cardEl.dataset.layer + "']").cloneNode(true);
      pick.value = cardEl.dataset.label;
      pick.setAttribute("aria-label", "new label");
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "Save label";
      ok.className = "primary";
      ok.addEventListener("click", function () { decide("relabel", cardEl, pick.value); });
      box.appendChild(pick);
      box.appendChild(ok);
      pick.focus();
    }

    body.addEventListener("click", function (e) {
      var b = e.target.closest("[data-review]");
      if (!b) { return; }
      var cardEl = b.closest(".detail");
      var action = b.dataset.review;
      if (action === "relabel") { relabelForm(cardEl); } else { decide(action, cardEl); }
    });

    // ---- adding a span from a text selection
    function textNodeAt(node, off, end) {
      if (node.nodeType === 3) { return [node, off]; }
      var walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
      var kids = node.childNodes;
      var t;
      if (!end && off < kids.length) {
        walker.currentNode = kids[off];
        t = kids[off].nodeType === 3 ? kids[off] : walker.nextNode();
        return t ? [t, 0] : null;
      }
      var before = off > 0 ? kids[off - 1] : node;
      walker.currentNode = before;
      t = before.nodeType === 3 ? before : (before.lastChild ? lastText(before) : walker.previousNode());
      return t ? [t, t.length] : null;
    }

    function lastText(el) {
      var w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      var last = null;
      while (w.nextNode()) { last = w.currentNode; }
      return last;
    }

    function offsetOf(node, off, end) {
      var at = textNodeAt(node, off, end);
      if (!at) { return null; }
      var piece = at[0].parentElement && at[0].parentElement.closest("[data-o]");
      if (!piece || !text.contains(piece)) { return null; }
      return +piece.dataset.o + at[1];
    }

    function textBetween(a, b) {
      var out = "";
      var last = null;
      text.querySelectorAll("[data-o]").forEach(function (p) {
        var o = +p.dataset.o;
        var s = p.textContent;
        if (o + s.length <= a || o >= b) { return; }
        if (last !== null && o > last) { out += "\n\n"; }
        out += s.slice(Math.max(0, a - o), Math.min(s.length, b - o));
        last = o + s.length;
      });
      return out;
    }

    var labelSelect = addForm.querySelector("select[name=label]");
    var layerSelect = addForm.querySelector("select[name=layer]");

    function fillLabels() {
      var src = document.querySelector("#details select.labels[data-layer='" + layerSelect.value + "']");
      labelSelect.replaceChildren();
      Array.prototype.forEach.call(src.options, function (o) { labelSelect.appendChild(o.cloneNode(true)); });
    }
    layerSelect.addEventListener("change", fillLabels);

    function updatePreview() {
      var a = +addForm.elements.start.value;
      var b = +addForm.elements.end.value;
      document.getElementById("add-text").textContent = b > a ? textBetween(a, b) : "";
    }
    addForm.elements.start.addEventListener("input", updatePreview);
    addForm.elements.end.addEventListener("input", updatePreview);

    function openAdd() {
      if (!canReview) { return false; }
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed || !sel.rangeCount) { return false; }
      var r = sel.getRangeAt(0);
      if (!text.contains(r.commonAncestorContainer)) { return false; }
      var a = offsetOf(r.startContainer, r.startOffset, false);
      var b = offsetOf(r.endContainer, r.endOffset, true);
      if (a === null || b === null || b <= a) { return false; }
      addForm.elements.start.value = a;
      addForm.elements.end.value = b;
      if (!labelSelect.options.length) { fillLabels(); }
      updatePreview();
      addForm.hidden = false;
      hint.hidden = true;
      return true;
    }

    text.addEventListener("mouseup", function () { setTimeout(openAdd, 0); });

    addForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var f = addForm.elements;
      var span = { start: +f.start.value, end: +f.end.value, layer: f.layer.value, label: f.label.value };
      post({ action: "add", span: span, note: f.note.value.trim() || null }, anchorFor(span));
    });
    addForm.querySelector("[data-action=cancel-add]").addEventListener("click", function () { addForm.hidden = true; });

    return {
      clear: clear,
      key: function (k) {
        if (k === "j") { step(1); return true; }
        if (k === "k") { step(-1); return true; }
        if (/^[1-9]$/.test(k) && toggles[+k - 1]) {
          var t = toggles[+k - 1];
          setLayer(t.dataset.layer, !t.checked);
          return true;
        }
        if (k === "n") { return openAdd(); }
        if (canReview && current !== null && (k === "a" || k === "x")) {
          decide(k === "a" ? "accept" : "reject", details[current]);
          return true;
        }
        return false;
      }
    };
  }
})();
