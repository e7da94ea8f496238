/* landgis: the review dashboard (webmap/templates/dashboard.html, webmap/dashboard.py).
 * Asks /api/dashboard for the date of the slider (a month from the ledgers' first event to
 * today) and the zone chosen, and draws the indicator cards, each section's sentences and its
 * charts (the Chart library, served from /vendor) with a table of the same numbers under each chart for
 * screen readers and for reading. A click on a chart's bar opens the map on that zone and/or
 * status. Every value from the data is put in with textContent, never as HTML. */
var landgisDashboard = (function () {
  "use strict";

  var TEXT = {
    vi: { title: "Bảng điều khiển sơ kết", asOf: "Tính đến ngày", zone: "Khu", allZones: "Tất cả",
      other: "English", download: "Tải báo cáo", all: "Tất cả (.zip)", period: "Kỳ báo cáo",
      until: "tính đến", showTable: "Xem bảng số liệu", hideTable: "Ẩn bảng số liệu",
      empty: "Kỳ này trước sự kiện đầu tiên của sổ theo dõi: chưa có số liệu.",
      of: "trên", error: "Không tải được số liệu", chart: "Biểu đồ", open: "Bấm cột để xem trên bản đồ",
      map: "Bản đồ", progress: "Tiến độ", dashboard: "Bảng điều khiển" },
    en: { title: "Review dashboard", asOf: "As of", zone: "Zone", allZones: "All zones",
      other: "Tiếng Việt", download: "Download the report", all: "All (.zip)", period: "Period",
      until: "as of", showTable: "Show the figures", hideTable: "Hide the figures",
      empty: "This period ends before the ledgers' first event: no figures yet.",
      of: "of", error: "The figures could not be loaded", chart: "Chart", open: "Click a bar to see it on the map",
      map: "Map", progress: "Progress", dashboard: "Dashboard" },
  };
  var UNITS = { ha: "ha", m2: "m²", vnd: "đồng", count: "", pct: "%" };
  var COLOURS = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#555555"];

  var state = { lang: "vi", months: [], asOf: null, zone: "", answer: null, charts: [],
    seq: 0, ready: false, errors: 0 };

  function t(key) { return TEXT[state.lang][key] || key; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function num(value, unit) {
    if (value == null || value === "") { return ""; }
    if (typeof value !== "number") { return String(value); }
    var decimals = unit === "ha" || unit === "pct" ? 2 : 0;
    return value.toLocaleString(state.lang === "vi" ? "vi-VN" : "en-GB",
      { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function withUnit(value, unit) {
    var text = num(value, unit), u = UNITS[unit];
    return text && u ? text + " " + u : text;
  }

  function iso(d) { return d.toISOString().slice(0, 10); }
  function dmy(text) { return text ? text.slice(8, 10) + "/" + text.slice(5, 7) + "/" + text.slice(0, 4) : ""; }

  // The slider's stops: the last day of each month from the first event's to today's, and
  // today itself last.
  function months(first, today) {
    var out = [], y = +first.slice(0, 4), m = +first.slice(5, 7) - 1;
    for (;;) {
      var end = iso(new Date(Date.UTC(y, m + 1, 0)));
      if (end >= today) { break; }
      out.push(end);
      m += 1; if (m === 12) { m = 0; y += 1; }
    }
    out.push(today);
    return out;
  }

  // ---------------------------------------------------------------- fetching

  function load() {
    var seq = ++state.seq, q = new URLSearchParams({ as_of: state.asOf, lang: state.lang });
    if (state.zone) { q.set("zone", state.zone); }
    document.getElementById("dashboard").setAttribute("aria-busy", "true");
    return fetch("/api/dashboard?" + q.toString()).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (seq !== state.seq) { return; }  // a later date was asked meanwhile
      var box = document.getElementById("db-error");
      if (!res.ok) { box.hidden = false; box.textContent = res.body.error || t("error"); return; }
      box.hidden = true;
      state.answer = res.body;
      render();
    }).catch(function (err) {
      var box = document.getElementById("db-error");
      box.hidden = false; box.textContent = t("error") + ": " + err.message;
    }).then(function () {
      if (seq === state.seq) {
        document.getElementById("dashboard").removeAttribute("aria-busy");
        state.ready = true;
      }
    });
  }

  // ---------------------------------------------------------------- drawing

  function renderCards(cards) {
    var box = document.getElementById("db-cards");
    Array.prototype.slice.call(box.querySelectorAll(".db-card")).forEach(function (c) { box.removeChild(c); });
    cards.forEach(function (c) {
      var value = withUnit(c.value, c.unit);
      if (c.of != null) { value += " " + t("of") + " " + withUnit(c.of, c.unit); }
      box.appendChild(el("a", { class: "db-card", "data-card": c.key, href: "#table-" + c.table }, [
        el("span", { class: "db-card-label", text: c.label }),
        el("span", { class: "db-card-value", text: value })]));
    });
  }

  function textTable(caption, columns, rows, id) {
    var table = el("table", { class: "progress-table db-table", id: id });
    table.appendChild(el("caption", { text: caption }));
    table.appendChild(el("thead", {}, [el("tr", {}, columns.map(function (c) {
      return el("th", { scope: "col", text: c.label });
    }))]));
    var body = el("tbody");
    rows.forEach(function (r) {
      body.appendChild(el("tr", {}, columns.map(function (c) {
        return el("td", { class: c.unit && c.unit !== "text" && c.unit !== "date" ? "num" : "",
          text: c.unit === "date" ? dmy(r[c.key]) : num(r[c.key], c.unit) });
      })));
    });
    table.appendChild(body);
    return table;
  }

  function mapLink(chart, index, datasetIndex) {
    var q = new URLSearchParams();
    if (chart.link.zone) {
      var zone = chart.labels[index];
      if (!zone) { return null; }
      q.set("zone", zone);
    }
    if (chart.link.field) {
      q.set("field", chart.link.field);
      q.set("status", chart.datasets[datasetIndex].key);
    }
    if (state.lang === "en") { q.set("lang", "en"); }
    return q.toString() && (chart.link.zone || chart.link.field) ? "/?" + q.toString() : null;
  }

  function drawChart(chart, canvas) {
    var stacked = chart.kind === "stacked_bar", pie = chart.kind === "pie";
    var config = {
      type: pie ? "pie" : chart.kind === "line" ? "line" : "bar",
      data: { labels: chart.category_unit === "date" ? chart.labels.map(dmy) : chart.labels, datasets: chart.datasets.map(function (d, i) {
        return { label: d.label, data: d.data, backgroundColor: pie ? COLOURS : COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length] };
      }) },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
        scales: pie ? {} : { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true,
          title: { display: !!UNITS[chart.unit], text: UNITS[chart.unit] || "" } } },
        onClick: function (event, elements) {
          if (!elements.length) { return; }
          var href = mapLink(chart, elements[0].index, elements[0].datasetIndex);
          if (href) { window.location.href = href; }
        } },
    };
    return new window.Chart(canvas, config);
  }

  function renderChart(chart) {
    var id = "chart-" + chart.name, linked = chart.link.zone || chart.link.field;
    var figure = el("figure", { class: "db-chart", id: id, "data-chart": chart.name });
    figure.appendChild(el("figcaption", { id: id + "-title", text: chart.title }));
    var canvas = el("canvas", { role: "img", "aria-label": chart.title + (linked ? ". " + t("open") : ""),
      "aria-describedby": id + "-table" });
    figure.appendChild(el("div", { class: "db-canvas" }, [canvas]));
    var columns = [{ key: "c", label: chart.category_label, unit: chart.category_unit === "date" ? "date" : "text" }].concat(
      chart.datasets.map(function (d, i) { return { key: "s" + i, label: d.label, unit: chart.unit }; }));
    var rows = chart.labels.map(function (label, j) {
      var r = { c: label };
      chart.datasets.forEach(function (d, i) { r["s" + i] = d.data[j]; });
      return r;
    });
    var table = textTable(chart.title, columns, rows, id + "-table");
    table.classList.add("visually-hidden");
    var toggle = el("button", { type: "button", class: "db-toggle", "aria-expanded": "false",
      "aria-controls": id + "-table", text: t("showTable") });
    toggle.addEventListener("click", function () {
      var shown = table.classList.toggle("visually-hidden") === false;
      toggle.setAttribute("aria-expanded", String(shown));
      toggle.textContent = shown ? t("hideTable") : t("showTable");
    });
    figure.appendChild(toggle);
    figure.appendChild(table);
    return { figure: figure, canvas: canvas };
  }

  function render() {
    var a = state.answer, rep = a.report;
    state.charts.forEach(function (c) { c.destroy(); });
    state.charts = [];
    var period = document.getElementById("db-period");
    period.textContent = t("period") + ": " + rep.period.label + " (" + dmy(rep.period.start) + " – " +
      dmy(rep.period.end) + ")" + (a.zone ? " · " + t("zone") + " " + a.zone : "");
    renderCards(a.cards);
    var box = document.getElementById("db-sections");
    box.textContent = "";
    if (rep.empty) { box.appendChild(el("p", { class: "db-empty", text: t("empty") })); }
    var pending = [];
    rep.sections.forEach(function (s, n) {
      var section = el("section", { class: "db-section", id: "section-" + s.key,
        "aria-labelledby": "section-" + s.key + "-title" });
      section.appendChild(el("h2", { id: "section-" + s.key + "-title", text: (n + 1) + ". " + s.title }));
      s.sentences.forEach(function (text) { section.appendChild(el("p", { class: "db-sentence", text: text })); });
      var grid = el("div", { class: "db-charts" });
      s.charts.forEach(function (c) {
        var drawn = renderChart(c);
        grid.appendChild(drawn.figure);
        pending.push([c, drawn.canvas]);
      });
      section.appendChild(grid);
      s.tables.forEach(function (tb) {
        var details = el("details", { class: "db-details", id: "table-" + tb.name });
        details.appendChild(el("summary", { text: tb.title }));
        details.appendChild(textTable(tb.title, tb.columns, tb.rows, "data-" + tb.name));
        if (tb.note) { details.appendChild(el("p", { class: "hint", text: tb.note })); }
        section.appendChild(details);
      });
      box.appendChild(section);
    });
    pending.forEach(function (p) { state.charts.push(drawChart(p[0], p[1])); });
    updateDownloads(rep.period.key);
  }

  function updateDownloads(periodKey) {
    Array.prototype.forEach.call(document.querySelectorAll("#db-download .db-button"), function (a) {
      var q = new URLSearchParams({ period: periodKey, lang: state.lang, format: a.getAttribute("data-format") });
      if (state.zone) { q.set("zone", state.zone); }
      a.setAttribute("href", "/report/download?" + q.toString());
    });
  }

  function relabel() {
    document.documentElement.lang = state.lang;
    document.getElementById("db-title").textContent = t("title");
    document.getElementById("db-slider-label").textContent = t("asOf");
    document.getElementById("db-zone-label").firstChild.textContent = t("zone") + " ";
    document.querySelector("#db-zone option[value='']").textContent = t("allZones");
    document.getElementById("db-download-title").textContent = t("download");
    document.querySelector("#db-download [data-format=zip]").textContent = t("all");
    var lang = document.getElementById("db-lang");
    lang.textContent = t("other");
    lang.setAttribute("aria-pressed", String(state.lang === "en"));
  }

  function showDate() {
    document.getElementById("db-asof").textContent = dmy(state.asOf);
  }

  function init() {
    var root = document.getElementById("dashboard");
    state.lang = root.getAttribute("data-lang") === "en" ? "en" : "vi";
    state.zone = root.getAttribute("data-zone") || "";
    state.months = months(root.getAttribute("data-first"), root.getAttribute("data-today"));
    var asked = root.getAttribute("data-as-of"), slider = document.getElementById("db-slider");
    var at = state.months.length - 1;
    for (var i = 0; i < state.months.length; i++) { if (state.months[i] >= asked) { at = i; break; } }
    state.asOf = asked;
    slider.max = String(state.months.length - 1);
    slider.value = String(at);
    var timer = null;
    slider.addEventListener("input", function () {
      state.asOf = state.months[+slider.value];
      slider.setAttribute("aria-valuetext", dmy(state.asOf));
      showDate();
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 120);  // replaying: one answer per pause of the hand
    });
    document.getElementById("db-zone").addEventListener("change", function (e) {
      state.zone = e.target.value; load();
    });
    document.getElementById("db-lang").addEventListener("click", function () {
      state.lang = state.lang === "vi" ? "en" : "vi"; relabel(); load();
    });
    relabel();
    showDate();
    load();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
  return { state: state };
})();
