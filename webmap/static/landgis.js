/* landgis: the page's own script. Colours the parcel tiles (parcel-tiles.js) by status or land
 * use from one snapshot of every parcel's status, opens parcel popups, searches, measures drawn
 * polygons through /api/area, shows the pointer in WGS 84 and VN-2000, and switches Vietnamese /
 * English.
 * Every value from the data reaches the page through textContent, never as HTML. */
var landgis = (function () {
  "use strict";

  var TEXT = {
    vi: {
      mode: "Tô màu thửa đất theo", clearance_status: "Giải phóng mặt bằng",
      auction_status: "Đấu giá QSDĐ", land_use_code: "Loại đất", filter: "Hiện",
      search: "Tìm: tờ 12 thửa 345, mã thửa, khu…", go: "Tìm", none: "Không tìm thấy",
      zoomIn: "Phóng to để xem thửa đất", parcel: "Thửa", sheet: "tờ", id: "Mã thửa",
      commune: "Xã/phường (khi đo)", landUse: "Loại đất", plane: "DT mặt phẳng VN-2000",
      legal: "DT pháp lý", diff: "Chênh lệch", ellipsoid: "DT ellipsoid WGS 84",
      clearance: "GPMB", auction: "Đấu giá", doc: "văn bản", history: "Lịch sử",
      zone: "Khu", beyond: "vượt sai số cho phép", area: "Diện tích vùng vẽ",
      parcelsTouched: "Số thửa chạm", more: "và", lang: "English", loading: "Đang tải…",
      error: "Lỗi", position: "Vị trí", notStated: "chưa xác định",
      login: "Đăng nhập", logout: "Đăng xuất", editTitle: "Cập nhật trạng thái",
      pick: "Chọn thửa trên bản đồ (bấm hoặc vẽ vùng)", selected: "Đã chọn",
      clear: "Bỏ chọn", field: "Trường", value: "Giá trị mới", effective: "Ngày hiệu lực",
      docNo: "Số văn bản", docDate: "Ngày văn bản", note: "Ghi chú", preview: "Xem trước",
      confirm: "Xác nhận ghi", now: "Hiện tại", newValue: "Mới", backwards: "lùi trạng thái",
      written: "Đã ghi", conflict: "Đã có người khác cập nhật trong lúc bạn xem",
      yourView: "Bạn thấy", theirs: "Hiện tại", upload: "Tải danh sách (.xlsx, .csv)", colMap: "Ánh xạ cột (TIÊU ĐỀ=status)",
      check: "Kiểm tra", by: "bởi", length: "Chiều dài trên mặt phẳng VN-2000",
      exportTitle: "Xuất hồ sơ đấu giá", lotCode: "Mã lô", lotName: "Tên lô",
      exportGo: "Xuất hồ sơ (.zip)", exportUses: "Dùng các thửa đã chọn ở trên",
      exportNone: "Chưa chọn thửa", exporting: "Đang lập hồ sơ…", exported: "Đã tải hồ sơ",
      allowUncleared: "Cho phép thửa chưa bàn giao mặt bằng", moreFormats: "Thêm Shapefile và KML",
    },
    en: {
      mode: "Colour parcels by", clearance_status: "Site clearance",
      auction_status: "Land-use rights auction", land_use_code: "Land use", filter: "Show",
      search: "Find: sheet 12 parcel 345, parcel id, zone…", go: "Find", none: "Nothing found",
      zoomIn: "Zoom in to see the parcels", parcel: "Parcel", sheet: "sheet", id: "Parcel id",
      commune: "Commune (at survey)", landUse: "Land use", plane: "Plane area VN-2000",
      legal: "Legal area", diff: "Difference", ellipsoid: "Ellipsoidal area WGS 84",
      clearance: "Clearance", auction: "Auction", doc: "document", history: "History",
      zone: "Zone", beyond: "beyond tolerance", area: "Drawn area",
      parcelsTouched: "Parcels touched", more: "and", lang: "Tiếng Việt", loading: "Loading…",
      error: "Error", position: "Position", notStated: "not stated",
      login: "Log in", logout: "Log out", editTitle: "Record a status",
      pick: "Pick parcels on the map (click or draw)", selected: "Selected",
      clear: "Clear", field: "Field", value: "New value", effective: "Effective date",
      docNo: "Document no.", docDate: "Document date", note: "Note", preview: "Preview",
      confirm: "Confirm", now: "Now", newValue: "New", backwards: "goes backwards",
      written: "Recorded", conflict: "Someone else changed these while you were looking",
      yourView: "You saw", theirs: "Now", upload: "Upload a list (.xlsx, .csv)", colMap: "Column map (HEADER=status)",
      check: "Check", by: "by", length: "Length on the VN-2000 plane",
      exportTitle: "Export auction dossier", lotCode: "Lot code", lotName: "Lot name",
      exportGo: "Export dossier (.zip)", exportUses: "Uses the parcels picked above",
      exportNone: "No parcel picked", exporting: "Building the dossier…", exported: "Dossier downloaded",
      allowUncleared: "Allow parcels not yet handed over", moreFormats: "Add Shapefile and KML",
    },
  };

  var state = {
    cfg: null, map: null, parcels: null, lang: "vi", mode: "clearance_status",
    hidden: {}, snap: null, snapAt: 0, snapEtag: null, snapLoading: null, panel: null,
    me: { user: null, can_edit: false, csrf_token: null }, picking: false, selected: {},
  };

  function t(key) { return TEXT[state.lang][key] || key; }

  function label(field, code) {
    var entry = state.cfg.vocab[field] && state.cfg.vocab[field][code];
    return entry ? entry[state.lang] : (code == null ? "" : String(code));
  }

  // A national land-use code with its label ("CLN – đất trồng cây lâu năm"); a code that is not
  // one (not_stated) by its label alone ("chưa xác định").
  function isNationalCode(code) { return /^[A-Z]{3}$/.test(String(code)); }
  function landUseText(code) {
    return isNationalCode(code) ? code + " – " + label("land_use_code", code)
      : label("land_use_code", code);
  }

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

  function num(value, decimals) {
    if (value == null || isNaN(value)) { return ""; }
    return Number(value).toLocaleString(state.lang === "vi" ? "vi-VN" : "en-GB", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  // ------------------------------------------------------------------ parcel styling

  // Today's statuses of every parcel (/api/status/snapshot): per field, the codes and one
  // byte per parcel, found by the tiles' "k" (the parcel's feature id in the store).
  function decodeSnapshot(body) {
    var snap = { version: body.version, count: body.count, fields: {} };
    Object.keys(body.fields).forEach(function (field) {
      var f = body.fields[field], text = window.atob(f.data), bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
      snap.fields[field] = { codes: f.codes, data: bytes };
    });
    return snap;
  }

  function statusAt(field, k) {
    var f = state.snap && state.snap.fields[field];
    if (!f || k == null || k < 0 || k >= f.data.length) { return null; }
    return f.codes[f.data[k]];
  }

  function statusOf(field, props) { return props ? statusAt(field, props.k) : null; }

  // A parcel's fill colour (by its place k in the snapshot, or its land use); "" when it has
  // no status; null when the legend hides it.
  function colour(k, landUse) {
    var field = state.mode;
    var code = field === "land_use_code" ? landUse : statusAt(field, k);
    if (code == null) { return state.hidden[field + ":null"] ? null : ""; }
    if (state.hidden[field + ":" + code]) { return null; }
    var entry = state.cfg.vocab[field][code];
    return entry && entry.colour ? entry.colour : "#ffffff";
  }

  function isSelected(parcelId) { return !!state.selected[parcelId]; }

  function restyle() {
    if (!state.parcels) { return; }
    state.parcels.options.selected = Object.keys(state.selected).length ? isSelected : null;
    state.parcels.restyle();
  }

  // Fetches the snapshot when the page opens, then revalidates it (a 304 while the ledger is
  // unchanged) after moves at most every 15 s, and at once after an edit (force).
  function loadStatus(force) {
    var hint = document.getElementById("landgis-zoom-hint");
    var visible = state.map.getZoom() >= state.cfg.parcelMinZoom;
    if (hint) { hint.style.display = visible ? "none" : "block"; }
    var now = Date.now();
    if (!force && (state.snapLoading || now - state.snapAt < 15000)) { return state.snapLoading; }
    state.snapAt = now;
    state.snapLoading = fetch("/api/status/snapshot", { cache: "no-cache" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      var etag = r.headers.get("ETag");
      if (etag && etag === state.snapEtag) { return null; }  // unchanged
      state.snapEtag = etag;
      return r.json();
    }).then(function (body) {
      if (!body) { return; }
      state.snap = decodeSnapshot(body);
      if (body.version !== state.parcels.options.version) {
        state.parcels.setVersion(body.version);  // the parcels were imported again
      } else if (state.mode !== "land_use_code") { restyle(); }
    }).catch(function () { state.snapAt = 0; /* the tiles still show; retried on the next move */ })
      .then(function () { state.snapLoading = null; });
    return state.snapLoading;
  }

  // ------------------------------------------------------------------ popups

  function row(name, value) {
    return el("tr", {}, [el("th", { text: name }), el("td", { text: value })]);
  }

  function statusText(field, s) {
    if (!s) { return ""; }
    var text = label(field, s.value);
    if (s.effective_date) { text += " (" + s.effective_date; }
    if (s.document_no) { text += ", " + t("doc") + " " + s.document_no; }
    if (s.effective_date) { text += ")"; }
    return text;
  }

  function showParcel(id, latlng) {
    fetch("/api/parcels/" + encodeURIComponent(id)).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (f) {
      var p = f.properties, st = p.status || {};
      var noLegal = p.legal_area_m2 == null;  // the survey did not state it
      var diff = noLegal ? "" : num(p.difference_m2, 1) + " m²" +
        (p.beyond_tolerance ? " – " + t("beyond") : "");
      var table = el("table", {}, [
        row(t("id"), p.parcel_id), row(t("commune"), p.commune_name + " (" + p.commune_code + ")"),
        row(t("zone"), p.zone_code || ""),
        row(t("landUse"), landUseText(p.land_use_code)),
        row(t("plane"), num(p.plane_area_m2, 1) + " m²"),
        row(t("legal"), noLegal ? t("notStated") : num(p.legal_area_m2, 1) + " m²"),
        row(t("diff"), diff),
        row(t("ellipsoid"), num(p.ellipsoidal_area_m2, 1) + " m²"),
        row(t("clearance"), statusText("clearance_status", st.clearance_status)),
        row(t("auction"), statusText("auction_status", st.auction_status)),
      ]);
      var history = el("ol", { class: "landgis-history" });
      (p.history || []).slice(-6).forEach(function (h) {
        history.appendChild(el("li", { text: h.effective_date + ": " + label(h.field, h.value) +
          (h.document_no ? " (" + h.document_no + ")" : "") }));
      });
      var box = el("div", { class: "landgis-popup" }, [
        el("h4", { text: t("parcel") + " " + p.parcel_no + ", " + t("sheet") + " " + p.sheet_no }),
        table, el("div", { class: "landgis-history-title", text: t("history") }), history,
      ]);
      L.popup({ maxWidth: 380 }).setLatLng(latlng).setContent(box).openOn(state.map);
    }).catch(function (err) {
      L.popup().setLatLng(latlng).setContent(el("div", { text: t("error") + " " + err.message }))
        .openOn(state.map);
    });
  }

  // ------------------------------------------------------------------ drawn polygons

  function measureDrawn(layer) {
    var geometry = layer.toGeoJSON(15).geometry;  // Leaflet rounds to 6 decimals by default
    var box = el("div", { class: "landgis-area", text: t("loading") });
    layer.bindPopup(box, { maxWidth: 340 }).openPopup();
    fetch("/api/area", { method: "POST", headers: { "Content-Type": "application/json" },
                         body: JSON.stringify(geometry) })
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        box.textContent = "";
        if (!res[0]) { box.appendChild(el("p", { text: t("error") + ": " + res[1].error })); return; }
        var a = res[1];
        box.appendChild(el("h4", { text: t("area") }));
        box.appendChild(el("table", {}, [
          row(t("plane"), num(a.plane_area_m2, 1) + " m² (" + num(a.plane_area_m2 / 1e4, 4) + " ha)"),
          row(t("ellipsoid"), num(a.ellipsoidal_area_m2, 1) + " m²"),
          row(t("parcelsTouched"), num(a.parcel_count, 0)),
        ]));
        var list = el("ul", { class: "landgis-touched" });
        a.parcels.slice(0, 8).forEach(function (p) {
          list.appendChild(el("li", { text: p.parcel_id + ": " + num(p.overlap_m2, 1) + " m²" }));
        });
        if (a.parcel_count > 8) { list.appendChild(el("li", { text: "… " + t("more") + " " + (a.parcel_count - 8) })); }
        box.appendChild(list);
        if (state.picking) { toggleSelected(a.parcels.map(function (p) { return p.parcel_id; }), true); }
      });
  }

  function measureLine(layer) {
    var toPlane = proj4("EPSG:4326", state.cfg.vn2000), total = 0, prev = null;
    layer.getLatLngs().forEach(function (ll) {
      var xy = toPlane.forward([ll.lng, ll.lat]);
      if (prev) { total += Math.sqrt(Math.pow(xy[0] - prev[0], 2) + Math.pow(xy[1] - prev[1], 2)); }
      prev = xy;
    });
    var box = el("div", { class: "landgis-length" }, [
      el("b", { text: t("length") }), el("div", { text: num(total, 2) + " m" })]);
    layer.bindPopup(box).openPopup();
  }

  // ------------------------------------------------------------------ search

  function search(q, results) {
    results.textContent = "";
    fetch("/api/search?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); })
      .then(function (body) {
        var found = body.results || [];
        if (!found.length) { results.appendChild(el("li", { text: body.error || t("none") })); }
        found.forEach(function (hit) {
          var item = el("li", { class: "landgis-result", text: hit.label + " (" + hit.id + ")" });
          item.addEventListener("click", function () { goTo(hit); });
          results.appendChild(item);
        });
        if (found.length === 1) { goTo(found[0]); }
      });
  }

  function goTo(hit) {
    var b = hit.bbox, bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    if (hit.kind === "parcel") {
      state.map.once("moveend", function () { showParcel(hit.id, bounds.getCenter()); });
      state.map.fitBounds(bounds, { maxZoom: 18 });
    } else { state.map.fitBounds(bounds); }
  }

  // ------------------------------------------------------------------ panel and controls

  function buildPanel() {
    var panel = state.panel;
    panel.textContent = "";
    var form = el("form", { class: "landgis-search" });
    var input = el("input", { id: "landgis-search", type: "search", placeholder: t("search") });
    var results = el("ul", { id: "landgis-results" });
    form.appendChild(input);
    form.appendChild(el("button", { type: "submit", text: t("go") }));
    form.addEventListener("submit", function (e) { e.preventDefault(); search(input.value, results); });
    panel.appendChild(form);
    panel.appendChild(results);

    var modes = el("div", { class: "landgis-modes" }, [el("b", { text: t("mode") })]);
    ["clearance_status", "auction_status", "land_use_code"].forEach(function (m) {
      var radio = el("input", { type: "radio", name: "landgis-mode", value: m, id: "mode-" + m });
      radio.checked = state.mode === m;
      radio.addEventListener("change", function () { state.mode = m; buildPanel(); restyle(); });
      modes.appendChild(el("label", { for: "mode-" + m }, [radio, " " + t(m)]));
    });
    panel.appendChild(modes);

    var legend = el("div", { id: "landgis-legend" }, [el("b", { text: t(state.mode) })]);
    var vocab = state.cfg.vocab[state.mode], seen = {};
    Object.keys(vocab).forEach(function (code) {
      var c = vocab[code].colour;
      if (state.mode === "land_use_code") {  // one line per colour family, listing the codes
        if (!seen[c]) { seen[c] = []; }
        seen[c].push(isNationalCode(code) ? code : label(state.mode, code));
        return;
      }
      var key = state.mode + ":" + code;
      var box = el("input", { type: "checkbox", "data-status": code });
      box.checked = !state.hidden[key];
      box.addEventListener("change", function () { state.hidden[key] = !box.checked; restyle(); });
      legend.appendChild(el("label", { class: "landgis-legend-item" }, [
        box, el("span", { class: "swatch", style: "background:" + c }), " " + label(state.mode, code)]));
    });
    Object.keys(seen).forEach(function (c) {
      legend.appendChild(el("div", { class: "landgis-legend-item" }, [
        el("span", { class: "swatch", style: "background:" + c }), " " + seen[c].join(", ")]));
    });
    panel.appendChild(legend);
    panel.appendChild(el("div", { id: "landgis-zoom-hint", text: t("zoomIn") }));
    if (window.landgisProgress) { panel.appendChild(landgisProgress.box(api)); }  // progress-layers.js
    panel.appendChild(accountBox());
    if (state.me.can_edit) { panel.appendChild(editBox()); }
    if (state.me.can_edit && window.landgisLayerUpload) { panel.appendChild(landgisLayerUpload.box(api)); }
    panel.appendChild(exportBox());
    var lang = el("button", { id: "landgis-lang", type: "button", text: t("lang") });
    lang.addEventListener("click", function () {
      state.lang = state.lang === "vi" ? "en" : "vi";
      try { window.localStorage.setItem("landgis-lang", state.lang); } catch (e) { /* private mode */ }
      document.documentElement.lang = state.lang;
      buildPanel();
    });
    panel.appendChild(lang);
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    loadStatus(false);
  }

  // ------------------------------------------------------------------ accounts and editing

  function post(url, body) {
    return fetch(url, { method: "POST", body: body instanceof FormData ? body : JSON.stringify(body),
      headers: Object.assign({ "X-CSRFToken": state.me.csrf_token || "" },
        body instanceof FormData ? {} : { "Content-Type": "application/json" }) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); });
  }

  function accountBox() {
    var box = el("div", { id: "landgis-account" });
    if (!state.me.user) {
      box.appendChild(el("a", { href: "/auth/login?next=/", text: t("login") }));
      return box;
    }
    var form = el("form", { method: "post", action: "/auth/logout" }, [
      el("input", { type: "hidden", name: "csrf_token", value: state.me.csrf_token || "" }),
      el("span", { text: state.me.user + " (" + state.me.role + ") " }),
      el("button", { type: "submit", text: t("logout") })]);
    box.appendChild(form);
    return box;
  }

  function toggleSelected(ids, only_add) {
    ids.forEach(function (id) {
      if (state.selected[id] && !only_add) { delete state.selected[id]; } else { state.selected[id] = true; }
    });
    var count = document.getElementById("landgis-selected-count");
    if (count) { count.textContent = t("selected") + ": " + Object.keys(state.selected).length; }
    restyle();
  }

  function field(labelText, input) { return el("label", { class: "landgis-field" }, [labelText + " ", input]); }

  function editBox() {
    var box = el("div", { id: "landgis-edit" }, [el("b", { text: t("editTitle") })]);
    var pick = el("input", { type: "checkbox", id: "landgis-pick" });
    pick.checked = state.picking;
    pick.addEventListener("change", function () { state.picking = pick.checked; });
    box.appendChild(el("label", {}, [pick, " " + t("pick")]));
    var count = el("span", { id: "landgis-selected-count",
                             text: t("selected") + ": " + Object.keys(state.selected).length });
    var clear = el("button", { type: "button", text: t("clear") });
    clear.addEventListener("click", function () { state.selected = {}; toggleSelected([]); });
    box.appendChild(el("div", {}, [count, " ", clear]));
    var fieldSel = el("select", { id: "landgis-edit-field" });
    ["clearance_status", "auction_status"].forEach(function (f) {
      fieldSel.appendChild(el("option", { value: f, text: t(f) }));
    });
    var valueSel = el("select", { id: "landgis-edit-value" });
    function fillValues() {
      valueSel.textContent = "";
      Object.keys(state.cfg.vocab[fieldSel.value]).forEach(function (code) {
        valueSel.appendChild(el("option", { value: code, text: label(fieldSel.value, code) }));
      });
    }
    fieldSel.addEventListener("change", fillValues);
    fillValues();
    var effective = el("input", { type: "date", id: "landgis-edit-date" });
    var docNo = el("input", { type: "text", id: "landgis-edit-doc", maxlength: "200" });
    var docDate = el("input", { type: "date", id: "landgis-edit-docdate" });
    var note = el("input", { type: "text", id: "landgis-edit-note", maxlength: "1000" });
    [field(t("field"), fieldSel), field(t("value"), valueSel), field(t("effective"), effective),
     field(t("docNo"), docNo), field(t("docDate"), docDate), field(t("note"), note)]
      .forEach(function (n) { box.appendChild(n); });
    var out = el("div", { id: "landgis-edit-result" });
    var previewBtn = el("button", { type: "button", id: "landgis-edit-preview", text: t("preview") });
    var seen = null;
    function body() {
      return { parcel_ids: Object.keys(state.selected), field: fieldSel.value, value: valueSel.value,
               effective_date: effective.value, document_no: docNo.value,
               document_date: docDate.value || null, note: note.value || null };
    }
    previewBtn.addEventListener("click", function () {
      post("/edit/preview", body()).then(function (res) {
        out.textContent = "";
        if (res.status !== 200) { out.appendChild(el("p", { class: "landgis-error", text: res.body.error })); return; }
        seen = res.body.expected;
        var table = el("table", {}, [el("tr", {}, [el("th", { text: t("id") }), el("th", { text: t("now") }),
                                                   el("th", { text: t("newValue") })])]);
        res.body.parcels.forEach(function (r) {
          table.appendChild(el("tr", {}, [el("td", { text: r.parcel_id }),
            el("td", { text: r.problem || label(res.body.field, r.current) }),
            el("td", { text: label(res.body.field, r.new) + (r.backwards ? " (" + t("backwards") + ")" : "") })]));
        });
        out.appendChild(table);
        var confirmBtn = el("button", { type: "button", id: "landgis-edit-confirm", text: t("confirm") });
        confirmBtn.addEventListener("click", function () {
          post("/edit/status", Object.assign(body(), { expected: seen })).then(function (r2) {
            out.textContent = "";
            if (r2.status === 201) {
              out.appendChild(el("p", { class: "landgis-ok", text: t("written") + ": " + r2.body.written }));
              state.selected = {}; loadStatus(true);
            } else if (r2.status === 409) {
              out.appendChild(el("p", { class: "landgis-error", text: t("conflict") }));
              var ct = el("table", { class: "landgis-conflicts" });
              r2.body.conflicts.forEach(function (c) {
                var ev = c.current_event || {};
                ct.appendChild(el("tr", {}, [el("td", { text: c.parcel_id }),
                  el("td", { text: t("yourView") + ": " + label(c.field, c.expected) }),
                  el("td", { text: t("theirs") + ": " + label(c.field, c.current) +
                    (ev.recorded_by ? " (" + t("by") + " " + ev.recorded_by + ", " + (ev.document_no || "") + ")" : "") })]));
              });
              out.appendChild(ct);
            } else { out.appendChild(el("p", { class: "landgis-error", text: r2.body.error })); }
          });
        });
        out.appendChild(confirmBtn);
      });
    });
    box.appendChild(previewBtn);
    box.appendChild(out);

    var file = el("input", { type: "file", id: "landgis-upload-file", accept: ".xlsx,.csv" });
    var report = el("pre", { id: "landgis-upload-report" });
    // the list's headers the server does not recognise, or which of two is the status
    var colMap = el("textarea", { id: "landgis-upload-map", rows: "2", title: t("colMap"),
                                  placeholder: t("colMap") });
    function send(confirm) {
      var form = new FormData();
      if (!file.files.length) { return; }
      form.append("file", file.files[0]);
      form.append("field", fieldSel.value);
      form.append("document_no", docNo.value);
      form.append("document_date", docDate.value);
      form.append("effective_date", effective.value);
      form.append("map", colMap.value);
      if (confirm) { form.append("confirm", "1"); }
      post("/edit/upload", form).then(function (res) {
        report.textContent = res.body.report || res.body.error || "";
        if (res.status === 201) { report.textContent += "\n" + t("written") + ": " + res.body.written; loadStatus(true); }
      });
    }
    var checkBtn = el("button", { type: "button", text: t("check") });
    checkBtn.addEventListener("click", function () { send(false); });
    var sendBtn = el("button", { type: "button", text: t("confirm") });
    sendBtn.addEventListener("click", function () { send(true); });
    box.appendChild(el("div", { class: "landgis-upload" }, [el("b", { text: t("upload") }), file, colMap, checkBtn, sendBtn, report]));
    return box;
  }

  // ------------------------------------------------------------------ auction dossier export

  function pickControls(box) {
    // parcel picking for viewers (editors have it in their box): click or draw on the map
    var pick = el("input", { type: "checkbox", id: "landgis-pick" });
    pick.checked = state.picking;
    pick.addEventListener("change", function () { state.picking = pick.checked; });
    box.appendChild(el("label", {}, [pick, " " + t("pick")]));
    var count = el("span", { id: "landgis-selected-count",
                             text: t("selected") + ": " + Object.keys(state.selected).length });
    var clear = el("button", { type: "button", text: t("clear") });
    clear.addEventListener("click", function () { state.selected = {}; toggleSelected([]); });
    box.appendChild(el("div", {}, [count, " ", clear]));
  }

  function exportBox() {
    var box = el("div", { id: "landgis-export" }, [el("b", { text: TEXT.vi.exportTitle + " / " +
      TEXT.en.exportTitle })]);
    if (state.me.can_edit) { box.appendChild(el("div", { class: "landgis-hint", text: t("exportUses") })); }
    else { pickControls(box); }
    var code = el("input", { type: "text", id: "landgis-export-lot", maxlength: "64" });
    var name = el("input", { type: "text", id: "landgis-export-name", maxlength: "200" });
    var allow = el("input", { type: "checkbox", id: "landgis-export-allow" });
    var more = el("input", { type: "checkbox", id: "landgis-export-formats" });
    [field(t("lotCode"), code), field(t("lotName"), name)].forEach(function (n) { box.appendChild(n); });
    box.appendChild(el("label", { class: "landgis-field" }, [allow, " " + t("allowUncleared")]));
    box.appendChild(el("label", { class: "landgis-field" }, [more, " " + t("moreFormats")]));
    var out = el("div", { id: "landgis-export-result" });
    var go = el("button", { type: "button", id: "landgis-export-go", text: t("exportGo") });
    go.addEventListener("click", function () {
      var ids = Object.keys(state.selected);
      out.textContent = "";
      if (!ids.length) { out.appendChild(el("p", { class: "landgis-error", text: t("exportNone") })); return; }
      var params = new URLSearchParams({ lot: code.value, name: name.value, parcels: ids.join(",") });
      if (allow.checked) { params.set("allow_uncleared", "1"); }
      if (more.checked) { params.set("formats", "shp,kml"); }
      out.appendChild(el("p", { text: t("exporting") }));
      fetch("/export/dossier.zip?" + params.toString()).then(function (r) {
        var type = r.headers.get("Content-Type") || "";
        if (r.ok && type.indexOf("application/zip") === 0) {
          return r.blob().then(function (blob) {
            var header = r.headers.get("Content-Disposition") || "";
            var m = /filename="?([^";]+)"?/.exec(header);
            var a = el("a", { href: URL.createObjectURL(blob), download: m ? m[1] : "ho_so.zip" });
            document.body.appendChild(a); a.click(); document.body.removeChild(a);
            window.setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
            out.textContent = "";
            out.appendChild(el("p", { class: "landgis-ok", text: t("exported") + ": " + (m ? m[1] : "") }));
          });
        }
        return r.json().then(function (b) {
          out.textContent = "";
          out.appendChild(el("p", { class: "landgis-error", text: b.error || (t("error") + " " + r.status) }));
        });
      }).catch(function (err) {
        out.textContent = "";
        out.appendChild(el("p", { class: "landgis-error", text: t("error") + " " + err.message }));
      });
    });
    box.appendChild(go);
    box.appendChild(out);
    return box;
  }

  function positionControl() {
    var Position = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () { return el("div", { id: "landgis-position", class: "landgis-box" }); },
    });
    var control = new Position().addTo(state.map);
    var toPlane = window.proj4 ? proj4("EPSG:4326", state.cfg.vn2000) : null;
    state.map.on("mousemove", function (e) {
      var ll = e.latlng, text = num(ll.lat, 6) + "° N, " + num(ll.lng, 6) + "° E";
      if (toPlane) {
        var xy = toPlane.forward([ll.lng, ll.lat]);
        text += "  ·  VN-2000: X " + num(xy[1], 2) + " m, Y " + num(xy[0], 2) + " m";
      }
      control.getContainer().textContent = text;
    });
  }

  function init(map, parcels, drawn, cfg) {
    state.map = map; state.parcels = parcels; state.cfg = cfg;
    parcels.options.style = colour;
    // fetched alongside the first tiles, which wait for it (a little) to be drawn in their
    // colours; a slow answer colours them when it comes
    parcels.options.ready = Promise.race([loadStatus(true), new Promise(function (resolve) {
      window.setTimeout(resolve, 500); })]);
    try { state.lang = window.localStorage.getItem("landgis-lang") || "vi"; } catch (e) { state.lang = "vi"; }
    if (/[?&]lang=en/.test(window.location.search)) { state.lang = "en"; }
    document.documentElement.lang = state.lang;
    var Panel = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () { return el("div", { id: "landgis-panel-box", class: "landgis-box" }); },
    });
    state.panel = new Panel().addTo(map).getContainer();
    buildPanel();
    positionControl();
    map.on("click", function (e) {
      var props = map.hasLayer(parcels) ? parcels.featureAt(e.latlng) : null;
      if (!props) { return; }
      if (state.picking) { toggleSelected([props.parcel_id]); } else { showParcel(props.parcel_id, e.latlng); }
    });
    map.on("moveend", function () { loadStatus(false); });
    map.on("draw:created", function (e) {
      window.setTimeout(function () {
        if (e.layerType === "polyline") { measureLine(e.layer); } else { measureDrawn(e.layer); }
      }, 0);
    });
    fetch("/auth/me").then(function (r) { return r.json(); }).then(function (me) {
      state.me = me; buildPanel();
    }).catch(function () { /* reading works without it */ });
    window.landgisReady = true;
  }

  // what layer-upload.js (the editors' survey import) uses of this script
  var api = { state: state, el: el, num: num, post: post, reload: function () { return loadStatus(true); } };
  return { init: init, statusOf: statusOf, state: state };
})();
