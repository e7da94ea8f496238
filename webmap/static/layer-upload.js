/* layer-upload: an editor imports a survey on the map page (webmap/layer_upload.py).
 * Upload the file with its options -> the server checks it and answers the report -> every
 * problem is drawn on the map and listed; a click on a row takes the map there -> change the
 * options and check again (the file stays on the server) -> confirm writes.
 * landgis.js puts box() in its panel for editors. Every value from the file or the server
 * reaches the page through textContent, never as HTML. */
var landgisLayerUpload = (function () {
  "use strict";

  var TEXT = {
    vi: {
      title: "Nhập bản đồ khảo sát", file: "Tệp", uploaded: "Đã tải lên", layer: "Lớp",
      crs: "Hệ tọa độ", fromFile: "theo tệp (.prj)", crsOther: "hoặc mã EPSG / tên",
      encoding: "Bảng mã", auto: "tự nhận", map: "Ánh xạ trường", mapHint: "NGUỒN=cột, mỗi dòng một",
      set: "Giá trị chung", setHint: "cột=giá trị, mỗi dòng một", sourceLayer: "Lớp trong tệp",
      tolerance: "Sai số diện tích (%)", repair: "Sửa hình học lỗi", strict: "Cảnh báo cũng chặn ghi",
      confirm_removed: "Xác nhận bỏ thửa có lịch sử trạng thái", replace_layer: "Thay cả lớp (không chỉ các tờ của tệp)",
      check: "Kiểm tra", confirm: "Xác nhận ghi", discard: "Bỏ", checking: "Đang kiểm tra…",
      writing: "Đang ghi…", chooseFile: "Chọn tệp trước", stale: "Đã đổi tùy chọn: bấm Kiểm tra lại",
      written: "Đã ghi", batch: "đợt", error: "Lỗi", warning: "Cảnh báo", features: "đối tượng",
      errors: "lỗi", warnings: "cảnh báo", report: "Báo cáo kiểm tra", noPlace: "không có vị trí",
      notes: "Ghi chú", missing: "Thiếu cột", columns: "Các cột của tệp", more: "chỗ nữa không liệt kê",
      clickRow: "Bấm một dòng có vị trí để xem chỗ đó trên bản đồ", readyToWrite: "Có thể ghi", notWritable: "Chưa ghi được", discarded: "Đã bỏ tệp",
      c_features: "sẽ ghi", c_added: "thêm", c_changed: "đổi", c_removed: "bỏ",
      c_warnings: "cảnh báo", c_repaired: "đã sửa hình học",
      fix_file: "→ Chọn tệp khác ở ô «Tệp»", fix_crs: "→ Chọn ở ô «Hệ tọa độ» rồi bấm Kiểm tra",
      fix_encoding: "→ Chọn bảng mã khác ở ô «Bảng mã»",
      fix_map: "→ Ghi cột của tệp chứa nó ở ô «Ánh xạ trường» (NGUỒN=cột), hoặc một giá trị cho mọi đối tượng ở ô «Giá trị chung» (cột=giá trị)",
      fix_set: "→ Sửa ô «Giá trị chung» (cột=giá trị)", fix_source_layer: "→ Sửa ô «Lớp trong tệp»",
      fix_layer: "→ Chọn ở ô «Lớp»", fix_tolerance: "→ Sửa ô «Sai số diện tích (%)»",
    },
    en: {
      title: "Import a survey", file: "File", uploaded: "Uploaded", layer: "Layer",
      crs: "CRS", fromFile: "from the file (.prj)", crsOther: "or an EPSG code / name",
      encoding: "Encoding", auto: "detect", map: "Field map", mapHint: "SOURCE=column, one a line",
      set: "Values for every feature", setHint: "column=value, one a line", sourceLayer: "Layer in the file",
      tolerance: "Area tolerance (%)", repair: "Repair invalid geometries", strict: "Warnings refuse too",
      confirm_removed: "Confirm removing parcels with status history", replace_layer: "Replace the whole layer (not only the file's sheets)",
      check: "Check", confirm: "Confirm", discard: "Discard", checking: "Checking…",
      writing: "Writing…", chooseFile: "Choose a file first", stale: "Options changed: check again",
      written: "Written", batch: "batch", error: "Error", warning: "Warning", features: "features",
      errors: "errors", warnings: "warnings", report: "Validation report", noPlace: "no location",
      notes: "Notes", missing: "Missing columns", columns: "The file's columns", more: "more not listed",
      clickRow: "Click a row with a place to see it on the map", readyToWrite: "Ready to write", notWritable: "Cannot be written yet", discarded: "File discarded",
      c_features: "to write", c_added: "added", c_changed: "changed", c_removed: "removed",
      c_warnings: "warnings", c_repaired: "geometries repaired",
      fix_file: "→ Choose another file in the «File» field", fix_crs: "→ Pick it in the «CRS» field, then Check",
      fix_encoding: "→ Pick another in the «Encoding» field",
      fix_map: "→ Write the file's column that holds it in the «Field map» field (SOURCE=column), or one value for every feature in the «Values for every feature» field (column=value)",
      fix_set: "→ Correct the «Values for every feature» field (column=value)",
      fix_source_layer: "→ Correct the «Layer in the file» field",
      fix_layer: "→ Pick it in the «Layer» field", fix_tolerance: "→ Correct the «Area tolerance (%)» field",
    },
  };
  var IDS = { file: "landgis-import-file", layer: "landgis-import-layer", crs: "landgis-import-crs",
              encoding: "landgis-import-encoding", map: "landgis-import-map", set: "landgis-import-set",
              source_layer: "landgis-import-source-layer", tolerance: "landgis-import-tolerance" };

  var st = {
    api: null, choices: null, open: false, busy: "",
    values: { layer: "parcels", crs: "", crsOther: "", encoding: "", map: "", set: "",
              source_layer: "", tolerance: "", repair: false, strict: false,
              confirm_removed: false, replace_layer: false },
    token: null, file: null, answer: null, checked: null, problem: null, done: null,
    selected: -1, markers: null, control: null,
  };

  function t(key) { return TEXT[st.api.state.lang][key] || key; }
  function el(tag, attrs, children) { return st.api.el(tag, attrs, children); }
  function stale() { return st.checked !== JSON.stringify(st.values); }

  function loadChoices() {
    if (st.choices) { return Promise.resolve(st.choices); }
    return fetch("/edit/layer/options").then(function (r) { return r.json(); })
      .then(function (c) { st.choices = c; return c; });
  }

  // ------------------------------------------------------------------ the form

  function input(key, node, label) {
    node.id = IDS[key] || ("landgis-import-" + key);
    var wrap = el("label", { class: "landgis-field" + (st.problem && st.problem.field === key ? " landgis-need" : "") },
                  [label + " ", node]);
    if (!(key in st.values)) { return wrap; }  // the file input: the browser keeps its choice
    if (node.type === "checkbox") { node.checked = !!st.values[key]; } else { node.value = st.values[key]; }
    node.addEventListener(node.tagName === "SELECT" || node.type === "checkbox" ? "change" : "input", function () {
      st.values[key] = node.type === "checkbox" ? node.checked : node.value;
      updateButtons();
    });
    return wrap;
  }

  function select(options) {
    var node = el("select");
    options.forEach(function (o) { node.appendChild(el("option", { value: o[0], text: o[1] })); });
    return node;
  }

  var nodes = {};

  function box(api) {
    st.api = api;
    var details = el("details", { id: "landgis-import" });
    details.open = st.open;
    details.addEventListener("toggle", function () { st.open = details.open; });
    details.appendChild(el("summary", { text: t("title") }));
    var body = el("div", { id: "landgis-import-form" });
    details.appendChild(body);
    loadChoices().then(function (c) { fill(body, c); }).catch(function () {
      body.appendChild(el("p", { class: "landgis-error", text: t("error") }));
    });
    renderReport();
    return details;
  }

  function fill(body, c) {
    var file = el("input", { type: "file", accept: c.accepted.join(",") });
    file.addEventListener("change", function () { st.done = null; updateButtons(); });
    body.appendChild(input("file", file, t("file") + " (≤ " + c.max_survey_upload_mb + " MB)"));
    if (st.token) {
      body.appendChild(el("div", { id: "landgis-import-uploaded", class: "landgis-hint",
                                   text: t("uploaded") + ": " + st.file }));
    }
    body.appendChild(input("layer", select(c.layers.map(function (n) { return [n, n]; })), t("layer")));
    body.appendChild(input("crs", select([["", t("fromFile")]].concat(c.crs.map(function (o) {
      return [o.value, o.label]; }))), t("crs")));
    body.appendChild(input("crsOther", el("input", { type: "text", maxlength: "200" }), t("crsOther")));
    body.appendChild(input("encoding", select([["", t("auto")]].concat(c.encodings.map(function (e) {
      return [e, e]; }))), t("encoding")));
    body.appendChild(input("map", el("textarea", { rows: "2", placeholder: t("mapHint") }), t("map")));
    body.appendChild(input("set", el("textarea", { rows: "2", placeholder: t("setHint") }), t("set")));
    body.appendChild(input("source_layer", el("input", { type: "text", maxlength: "200" }), t("sourceLayer")));
    body.appendChild(input("tolerance", el("input", { type: "text", inputmode: "decimal", maxlength: "20" }), t("tolerance")));
    body.appendChild(input("repair", el("input", { type: "checkbox" }), t("repair")));
    body.appendChild(input("strict", el("input", { type: "checkbox" }), t("strict")));
    body.appendChild(input("confirm_removed", el("input", { type: "checkbox" }), t("confirm_removed")));
    body.appendChild(input("replace_layer", el("input", { type: "checkbox" }), t("replace_layer")));
    nodes.file = file;
    nodes.check = el("button", { type: "button", id: "landgis-import-check", text: t("check") });
    nodes.confirm = el("button", { type: "button", id: "landgis-import-confirm", text: t("confirm") });
    nodes.discard = el("button", { type: "button", id: "landgis-import-discard", text: t("discard") });
    nodes.check.addEventListener("click", check);
    nodes.confirm.addEventListener("click", confirm);
    nodes.discard.addEventListener("click", discard);
    body.appendChild(el("div", { class: "landgis-import-buttons" }, [nodes.check, nodes.confirm, nodes.discard]));
    nodes.result = el("div", { id: "landgis-import-result" });
    body.appendChild(nodes.result);
    renderResult();
    updateButtons();
    if (st.problem && IDS[st.problem.field]) {
      var need = document.getElementById(IDS[st.problem.field]);
      if (need && st.open) { need.focus(); }
    }
  }

  function updateButtons() {
    if (!nodes.check) { return; }
    nodes.check.disabled = !!st.busy;
    nodes.confirm.disabled = !!st.busy || !st.answer || !st.answer.ok || stale();
    nodes.discard.disabled = !!st.busy || !st.token;
    var hint = document.getElementById("landgis-import-stale");
    if (hint) { hint.hidden = !(st.answer && stale()); }
  }

  // ------------------------------------------------------------------ talking to the server

  function formData() {
    var form = new FormData(), v = st.values;
    if (nodes.file && nodes.file.files.length) { form.append("file", nodes.file.files[0]); } else if (st.token) { form.append("token", st.token); }
    form.append("layer", v.layer);
    form.append("crs", v.crsOther.trim() || v.crs);
    ["encoding", "map", "set", "source_layer", "tolerance"].forEach(function (k) { form.append(k, v[k]); });
    if (v.repair) { form.append("repair", "1"); }
    if (v.strict) { form.append("strict", "1"); }
    if (v.confirm_removed) { form.append("confirm_removed", "1"); }
    if (v.replace_layer) { form.append("replace_layer", "1"); }
    return form;
  }

  function send(url, body) {
    return st.api.post(url, body).catch(function (err) {
      return { status: 0, body: { error: t("error") + ": " + err.message } };
    });
  }

  function rebuild() {
    var old = document.getElementById("landgis-import-form");
    if (!old || !st.choices) { return; }
    old.textContent = "";
    fill(old, st.choices);
    renderReport();
  }

  function check() {
    if (!(nodes.file && nodes.file.files.length) && !st.token) {
      st.problem = { error: t("chooseFile"), field: "file" }; rebuild(); return;
    }
    var checkedValues = JSON.stringify(st.values);
    st.busy = "checking"; st.done = null; updateButtons(); renderResult();
    send("/edit/layer/check", formData()).then(function (res) {
      var b = res.body || {};
      st.busy = "";
      if ("token" in b || res.status === 422 || res.status === 200) { st.token = b.token || null; st.file = b.file || st.file; }
      if (!st.token) { st.file = null; }
      st.answer = b.report ? b : null;
      st.checked = b.report ? checkedValues : null;
      st.problem = b.report ? null : { error: b.error || (t("error") + " " + res.status), field: b.field,
                                       missing: b.missing, columns: b.columns };
      st.selected = -1;
      if (nodes.file) { nodes.file.value = ""; }
      drawMarkers();
      rebuild();
    });
  }

  function confirm() {
    if (!st.token) { return; }
    st.busy = "writing"; updateButtons(); renderResult();
    send("/edit/layer/confirm", { token: st.token }).then(function (res) {
      var b = res.body || {};
      st.busy = "";
      if (res.status === 201) {
        st.done = b; st.token = null; st.file = null; st.answer = null; st.checked = null;
        st.problem = null; drawMarkers(); st.api.reload();
      } else if (b.report) {
        st.answer = b; st.problem = null; drawMarkers();
      } else {
        if (res.status === 404) { st.token = null; st.answer = null; drawMarkers(); }
        st.problem = { error: b.error || (t("error") + " " + res.status), field: b.field,
                       missing: b.missing, columns: b.columns };
      }
      rebuild();
    });
  }

  function discard() {
    if (!st.token) { return; }
    send("/edit/layer/discard", { token: st.token }).then(function () {
      st.token = null; st.file = null; st.answer = null; st.checked = null; st.problem = null;
      st.done = { discarded: true }; drawMarkers(); rebuild();
    });
  }

  // ------------------------------------------------------------------ messages and the report

  function renderResult() {
    var out = nodes.result;
    if (!out) { return; }
    out.textContent = "";
    if (st.busy) { out.appendChild(el("p", { text: t(st.busy) })); return; }
    out.appendChild(el("p", { id: "landgis-import-stale", class: "landgis-error", text: t("stale"),
                              hidden: "hidden" }));
    if (st.done) {
      out.appendChild(el("p", { class: "landgis-ok", text: st.done.discarded ? t("discarded") :
        t("written") + ": " + st.api.num(st.done.written, 0) + " " + st.done.layer + " (" + t("batch") + " " +
        st.done.batch + ", " + st.done.file + ")" }));
    }
    var p = st.problem;
    if (p) {
      out.appendChild(el("p", { id: "landgis-import-error", class: "landgis-error", text: p.error }));
      if (p.missing) { out.appendChild(el("p", { text: t("missing") + ": " + p.missing.join(", ") })); }
      if (p.columns) { out.appendChild(el("p", { text: t("columns") + ": " + p.columns.join(", ") })); }
      if (p.field) { out.appendChild(el("p", { class: "landgis-import-fix", text: t("fix_" + p.field) })); }
    }
    var a = st.answer;
    if (a) {
      var r = a.report;
      out.appendChild(el("p", { class: a.ok ? "landgis-ok" : "landgis-error", text: (a.ok ? t("readyToWrite") :
        t("notWritable") + " (" + a.refused + ")") + ": " + a.file }));
      out.appendChild(el("p", { id: "landgis-import-counts", text: st.api.num(r.features, 0) + " " + t("features") + ", " +
        r.errors + " " + t("errors") + ", " + r.warnings + " " + t("warnings") + " · " +
        Object.keys(a.counts).map(function (k) { return t("c_" + k) + " " + st.api.num(a.counts[k], 0); }).join(", ") }));
    }
  }

  function reportControl() {
    if (st.control) { return st.control; }
    var Report = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () { return el("div", { id: "landgis-import-report", class: "landgis-box" }); },
    });
    st.control = new Report().addTo(st.api.state.map);
    L.DomEvent.disableClickPropagation(st.control.getContainer());
    L.DomEvent.disableScrollPropagation(st.control.getContainer());
    return st.control;
  }

  function renderReport() {
    var a = st.answer;
    if (!a) { if (st.control) { st.control.getContainer().style.display = "none"; } return; }
    var box = reportControl().getContainer();
    box.style.display = "block";
    box.textContent = "";
    var r = a.report;
    box.appendChild(el("b", { text: t("report") + ": " + a.file }));
    box.appendChild(el("div", { class: "landgis-hint", text: t("clickRow") }));
    var table = el("table", {});
    r.findings.forEach(function (f, i) {
      var located = f.lat != null;
      var tr = el("tr", { class: "landgis-import-row " + f.severity + (located ? " located" : "") +
                          (i === st.selected ? " landgis-import-selected" : ""), "data-index": String(i) }, [
        el("td", { text: f.severity === "error" ? t("error") : t("warning") }),
        el("td", { text: f.feature || "" }),
        el("td", { text: f.message + (located ? "" : " (" + t("noPlace") + ")") })]);
      if (located) { tr.addEventListener("click", function () { goTo(i); }); }
      table.appendChild(tr);
    });
    box.appendChild(table);
    var more = (r.errors + r.warnings) - r.findings.length;
    if (more > 0) { box.appendChild(el("p", { text: "… " + more + " " + t("more") })); }
    if (r.notes && r.notes.length) {
      var notes = el("details", {}, [el("summary", { text: t("notes") })]);
      var list = el("ul");
      r.notes.forEach(function (n) { list.appendChild(el("li", { text: n })); });
      notes.appendChild(list);
      box.appendChild(notes);
    }
  }

  // ------------------------------------------------------------------ problems on the map

  function style(f, chosen) {
    return chosen ? { radius: 14, color: "#1565c0", weight: 4, fillColor: "#64b5f6", fillOpacity: 0.4 }
      : { radius: 7, color: f.severity === "error" ? "#c62828" : "#ef6c00", weight: 2,
          fillColor: f.severity === "error" ? "#ef5350" : "#ffb74d", fillOpacity: 0.6 };
  }

  function drawMarkers() {
    var map = st.api.state.map;
    if (st.markers) { map.removeLayer(st.markers); }
    st.markers = null;
    if (!st.answer) { return; }
    if (!map.getPane("landgis-import")) { map.createPane("landgis-import").style.zIndex = 620; }
    st.markers = L.layerGroup().addTo(map);
    st.answer.report.findings.forEach(function (f, i) {
      if (f.lat == null) { return; }
      var m = L.circleMarker([f.lat, f.lon], Object.assign({ pane: "landgis-import" }, style(f, false)));
      m.bindTooltip(el("span", { text: (f.feature ? f.feature + ": " : "") + f.message }));
      m.on("click", function () { goTo(i); });
      m.landgisIndex = i;
      st.markers.addLayer(m);
    });
  }

  function goTo(i) {
    var f = st.answer.report.findings[i], map = st.api.state.map;
    st.selected = i;
    map.setView([f.lat, f.lon], Math.max(map.getZoom(), 18), { animate: false });
    st.markers.eachLayer(function (m) {
      var chosen = m.landgisIndex === i, g = st.answer.report.findings[m.landgisIndex];
      m.setStyle(style(g, chosen)); m.setRadius(style(g, chosen).radius);
      if (chosen) { m.bringToFront(); m.openTooltip(); }
    });
    var rows = document.querySelectorAll("#landgis-import-report tr");
    Array.prototype.forEach.call(rows, function (tr) {
      tr.classList.toggle("landgis-import-selected", tr.getAttribute("data-index") === String(i));
    });
  }

  return { box: box, state: st };
})();
