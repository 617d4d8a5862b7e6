(function () {
  "use strict";
  var dataElement = document.getElementById("podmortem-data");
  var report = JSON.parse(dataElement.textContent);
  var byId = {};
  report.incidents.forEach(function (incident) { byId[incident.id] = incident; });
  var panel = document.getElementById("details");
  var pinned = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function article(id) {
    return document.querySelector('article.incident[data-incident="' + CSS.escape(id) + '"]');
  }

  function show(id) {
    var incident = byId[id];
    if (!incident) { return; }
    var section = article(id);
    panel.replaceChildren();
    panel.className = "sev-" + incident.severity;
    var head = el("h3");
    head.appendChild(el("span", incident.severity, "badge sev-" + incident.severity));
    head.appendChild(document.createTextNode(" " + incident.id + " — " + incident.title));
    panel.appendChild(head);
    var facts = el("p", null, "muted");
    facts.textContent = incident.nodes.join(", ") + " · " + (section ? section.dataset.when : "") +
      " · " + incident.evidence.length + " evidence rows · confidence " + incident.confidence.level;
    panel.appendChild(facts);
    if (incident.caused_by) { panel.appendChild(el("p", "Caused by " + incident.caused_by + " → " + incident.id)); }
    if (incident.causes.length) {
      panel.appendChild(el("p", "Led to " + incident.causes.map(function (c) { return incident.id + " → " + c; }).join(", ")));
    }
    panel.appendChild(el("p", incident.summary));
    var cause = el("p");
    cause.appendChild(el("strong", "Root cause: "));
    cause.appendChild(document.createTextNode(incident.root_cause));
    panel.appendChild(cause);
    var link = el("a", "Go to " + incident.id + " section");
    link.href = "#" + encodeURIComponent(incident.id);
    panel.appendChild(link);
    panel.hidden = false;
  }

  function select(id) {
    pinned = id;
    document.querySelectorAll(".selected").forEach(function (node) { node.classList.remove("selected"); });
    document.querySelectorAll('[data-incident="' + CSS.escape(id) + '"]').forEach(function (node) {
      if (node.matches("rect, article")) { node.classList.add("selected"); }
    });
    show(id);
  }

  document.querySelectorAll(".zoomable .incident-span, .zoomable .incident-part").forEach(function (rect) {
    var id = rect.getAttribute("data-incident");
    rect.addEventListener("mouseenter", function () { show(id); });
    rect.addEventListener("focus", function () { show(id); });
    rect.addEventListener("mouseleave", function () { if (pinned) { show(pinned); } });
    rect.addEventListener("click", function () { select(id); });
    rect.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(id); }
    });
  });

  var filter = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  function applyFilter() {
    var query = filter.value.trim().toLowerCase();
    var shown = 0;
    var articles = document.querySelectorAll("article.incident");
    articles.forEach(function (section) {
      var match = (!query || section.textContent.toLowerCase().indexOf(query) !== -1) &&
        section.dataset.signatureHidden !== "true";
      section.hidden = !match;
      if (match) { shown += 1; }
      var id = section.getAttribute("data-incident");
      document.querySelectorAll('.zoomable [data-incident="' + CSS.escape(id) + '"]').forEach(function (node) {
        node.classList.toggle("dimmed", !match);
      });
    });
    count.textContent = shown + " of " + articles.length + " incidents";
  }
  filter.addEventListener("input", applyFilter);


  // ---- Signature filter: one signature's incidents only, on the lanes and below.
  var signatureFilter = document.getElementById("signature-filter");
  function applySignature() {
    var wanted = signatureFilter ? signatureFilter.value : "";
    document.querySelectorAll("[data-signature]").forEach(function (node) {
      var match = !wanted || node.getAttribute("data-signature") === wanted;
      if (node.matches("article")) { node.dataset.signatureHidden = match ? "" : "true"; }
      else { node.classList.toggle("dimmed", !match); }
    });
    applyFilter();
  }
  if (signatureFilter) { signatureFilter.addEventListener("change", applySignature); }

  // ---- Zoom and pan on the time axis. Every timed element carries its instants as
  // epoch milliseconds (data-t, data-t0/data-t1, data-ft/data-tt); the visible window
  // [viewStart, viewStart + viewSpan] maps onto the plot [x0, x1] of each SVG.
  var axisSvg = document.getElementById("timeline-axis");
  var zoomables = Array.prototype.slice.call(document.querySelectorAll("svg.zoomable"));
  var resetButton = document.getElementById("zoom-reset");
  var rangeLabel = document.getElementById("zoom-range");
  var SVGNS = "http://www.w3.org/2000/svg";
  var MIN_SPAN = 60000;
  var full = axisSvg && axisSvg.dataset.start ? {
    start: Number(axisSvg.dataset.start), span: Number(axisSvg.dataset.span),
    x0: Number(axisSvg.dataset.x0), x1: Number(axisSvg.dataset.x1), offset: Number(axisSvg.dataset.offset || 0)
  } : null;
  var view = full ? { start: full.start, span: full.span } : null;

  function xOf(t) { return full.x0 + (t - view.start) / view.span * (full.x1 - full.x0); }
  function clampX(x) { return Math.max(full.x0, Math.min(full.x1, x)); }
  function num(node, name) { var v = node.getAttribute("data-" + name); return v === null ? null : Number(v); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function label(t, withDate) {
    var d = new Date(t + full.offset);
    var day = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
    var md = pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return withDate ? day : md;
  }
  var STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map(function (m) { return m * 60000; });
  function axisTicks() {
    var step = STEPS.filter(function (s) { return view.span / s <= 6; })[0] || Math.ceil(view.span / 6 / 86400000) * 86400000;
    var local = view.start + full.offset;
    var first = Math.ceil(local / step) * step - full.offset;
    var ticks = [];
    for (var t = first; t <= view.start + view.span && ticks.length <= 6; t += step) { ticks.push(t); }
    return { ticks: ticks, days: step >= 86400000 };
  }

  function redrawAxis(svg) {
    var axis = svg.querySelector(".axis");
    if (!axis) { return; }
    axis.querySelectorAll(".grid, .axis-label[data-t]").forEach(function (n) { n.remove(); });
    var height = svg.viewBox.baseVal.height;
    var spec = axisTicks();
    spec.ticks.forEach(function (t) {
      var x = xOf(t);
      var line = document.createElementNS(SVGNS, "line");
      line.setAttribute("class", "grid");
      line.setAttribute("x1", x); line.setAttribute("x2", x);
      line.setAttribute("y1", 28); line.setAttribute("y2", height);
      axis.appendChild(line);
      var text = document.createElementNS(SVGNS, "text");
      text.setAttribute("class", "axis-label");
      text.setAttribute("data-t", t);
      text.setAttribute("x", x); text.setAttribute("y", 20);
      // Labels at the plot's edges stay inside it.
      text.setAttribute("text-anchor", x > full.x1 - 40 ? "end" : (x < full.x0 + 40 ? "start" : "middle"));
      text.textContent = label(t, spec.days);
      axis.appendChild(text);
    });
  }

  function layout() {
    if (!full) { return; }
    zoomables.forEach(function (svg) {
      redrawAxis(svg);
      svg.querySelectorAll("rect[data-t0]").forEach(function (r) {
        var t0 = num(r, "t0"), t1 = num(r, "t1");
        var a = xOf(t0), b = xOf(t1 === null ? t0 : t1);
        var outside = b < full.x0 || a > full.x1;
        r.classList.toggle("off-axis", outside);
        var x = clampX(a), w = Math.max(clampX(b) - x, 6);
        r.setAttribute("x", x); r.setAttribute("width", w);
      });
      svg.querySelectorAll("text.span-label[data-t0]").forEach(function (label) {
        var a = xOf(num(label, "t0")), b = xOf(num(label, "t1"));
        var outside = b < full.x0 || a > full.x1;
        label.classList.toggle("off-axis", outside);
        var right = Math.max(clampX(b), clampX(a) + 6) + 4;
        if (right + 58 > full.x1 + 20) { label.setAttribute("x", clampX(a) - 4); label.setAttribute("text-anchor", "end"); }
        else { label.setAttribute("x", right); label.setAttribute("text-anchor", "start"); }
      });
      svg.querySelectorAll("line.tick[data-t], line.incident-join[data-t]").forEach(function (line) {
        var x = xOf(num(line, "t"));
        line.classList.toggle("off-axis", x < full.x0 || x > full.x1);
        if (line.classList.contains("incident-join")) { x = Math.min(x + 3, full.x1); }
        line.setAttribute("x1", x); line.setAttribute("x2", x);
      });
      svg.querySelectorAll("path.causal-link[data-ft][data-tt]").forEach(function (path) {
        // Same shape as svg::arrow_path: from the cause's bottom edge to the effect's left edge.
        var m = /^M[\d.\-]+,([\d.\-]+) C[\d.\-]+,[\d.\-]+ [\d.\-]+,([\d.\-]+)/.exec(path.getAttribute("d"));
        if (!m) { return; }
        var fy = Number(m[1]), ty = Number(m[2]);
        var fx = clampX(xOf(num(path, "ft")) - 3), tx = clampX(xOf(num(path, "tt")));
        var bend = Math.max(Math.abs(tx - fx) / 2, 20);
        path.setAttribute("d", "M" + fx.toFixed(1) + "," + fy.toFixed(1) + " C" + fx.toFixed(1) + "," + (fy + 10).toFixed(1) +
          " " + (tx - bend).toFixed(1) + "," + ty.toFixed(1) + " " + tx.toFixed(1) + "," + ty.toFixed(1));
      });
    });
    var zoomed = view.start !== full.start || view.span !== full.span;
    resetButton.disabled = !zoomed;
    rangeLabel.textContent = zoomed ? "showing " + label(view.start, false) + " – " + label(view.start + view.span, false) : "";
    document.body.dataset.zoomSpan = String(Math.round(view.span));
  }

  function setView(start, span) {
    span = Math.max(MIN_SPAN, Math.min(full.span, span));
    start = Math.max(full.start, Math.min(full.start + full.span - span, start));
    view = { start: start, span: span };
    layout();
  }

  function timeAt(svg, clientX) {
    var box = svg.getBoundingClientRect();
    var x = (clientX - box.left) * svg.viewBox.baseVal.width / box.width;
    return view.start + (clampX(x) - full.x0) / (full.x1 - full.x0) * view.span;
  }

  if (full) {
    zoomables.forEach(function (svg) {
      svg.addEventListener("wheel", function (event) {
        var onAxis = svg === axisSvg;
        if (!onAxis && !event.ctrlKey && !event.altKey) { return; }
        event.preventDefault();
        var at = timeAt(svg, event.clientX);
        if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
          var delta = (event.shiftKey ? event.deltaY : event.deltaX) || event.deltaY;
          setView(view.start + delta / 500 * view.span, view.span);
          return;
        }
        var factor = event.deltaY < 0 ? 0.8 : 1.25;
        var span = view.span * factor;
        setView(at - (at - view.start) * (span / view.span), span);
      }, { passive: false });
    });
    // Brush: drag on the axis to zoom into the dragged range.
    var brush = axisSvg.querySelector(".brush");
    var dragFrom = null;
    axisSvg.addEventListener("mousedown", function (event) {
      dragFrom = { x: event.clientX, t: timeAt(axisSvg, event.clientX) };
      event.preventDefault();
    });
    window.addEventListener("mousemove", function (event) {
      if (!dragFrom) { return; }
      var a = xOf(dragFrom.t), b = xOf(timeAt(axisSvg, event.clientX));
      brush.setAttribute("x", Math.min(a, b)); brush.setAttribute("width", Math.abs(b - a));
      brush.setAttribute("visibility", "visible");
    });
    window.addEventListener("mouseup", function (event) {
      if (!dragFrom) { return; }
      var t0 = dragFrom.t, t1 = timeAt(axisSvg, event.clientX);
      var moved = Math.abs(event.clientX - dragFrom.x) > 4;
      dragFrom = null;
      brush.setAttribute("visibility", "hidden");
      if (moved) { setView(Math.min(t0, t1), Math.abs(t1 - t0)); }
    });
    resetButton.addEventListener("click", function () { setView(full.start, full.span); });
    // For the browser test and for links: podmortemZoom(startMs, endMs).
    window.podmortemZoom = function (start, end) { setView(start, end - start); };
    layout();
  }
  applyFilter();

  // A link to `#INC-003` (from the summary, a chain, or another document) selects it.
  function selectFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (byId[id]) { select(id); }
  }
  window.addEventListener("hashchange", selectFromHash);
  selectFromHash();

  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closedForPrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (d) { d.open = false; });
    closedForPrint = [];
  });

  document.body.dataset.ready = "true";
})();
