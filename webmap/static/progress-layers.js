/* progress-layers: the map's overlays of investor projects (drawn on their zoning plots and
 * parcels, coloured by schedule state) and of public investment projects (a marker with the
 * share of the year's capital plan disbursed), from /api/map/investments and /api/map/projects
 * as of the date chosen in the panel. The page's script (landgis.js) puts box() in its panel:
 * the date, the legend (a state can be hidden, as a parcel status can) and what went wrong.
 * Every value from the data reaches the page through textContent, never as HTML. */
var landgisProgress = (function () {
  "use strict";

  var TEXT = {
    vi: {
      title: "Tiến độ dự án", asOf: "Tính đến ngày", today: "Hôm nay",
      investments: "Dự án nhà đầu tư", projects: "Dự án đầu tư công",
      investor: "Nhà đầu tư", state: "Tình trạng", behind: "chậm", days: "ngày",
      certificate: "Văn bản", zone: "Khu", plots: "Lô quy hoạch", parcels: "Thửa đất",
      area: "Diện tích (mặt phẳng VN-2000)", leased: "Diện tích thuê", committed: "Vốn đăng ký",
      contributed: "Vốn đã góp", flags: "Cảnh báo theo quy định", milestones: "Mốc tiến độ",
      due: "Hạn", planned: "Kế hoạch", reached: "Đạt", late: "chậm", events: "Sự kiện gần nhất",
      history: "Toàn bộ lịch sử", corrected: "đã đính chính", missing: "Không còn trong lớp",
      revoked: "Thu hồi ngày", total: "Tổng mức đầu tư", plan: "Kế hoạch vốn năm",
      disbursedYear: "Giải ngân trong năm", disbursedTotal: "Giải ngân lũy kế",
      pct: "Tỷ lệ giải ngân kế hoạch năm", lateMilestones: "Mốc chậm",
      nextMilestone: "Mốc tiếp theo", bar: "Thanh: % kế hoạch vốn năm đã giải ngân",
      lateBorder: "Viền đỏ: có mốc tiến độ chậm", none: "không có", truncated: "Chỉ hiện",
      loading: "Đang tải…", error: "Lỗi", count: "dự án", asOfShown: "Số liệu đến ngày",
    },
    en: {
      title: "Project progress", asOf: "As of", today: "Today",
      investments: "Investor projects", projects: "Public projects",
      investor: "Investor", state: "State", behind: "behind by", days: "days",
      certificate: "Decision", zone: "Zone", plots: "Zoning plots", parcels: "Parcels",
      area: "Area (VN-2000 plane)", leased: "Leased area", committed: "Committed capital",
      contributed: "Capital contributed", flags: "Flags under the law", milestones: "Milestones",
      due: "Due", planned: "Planned", reached: "Reached", late: "late", events: "Latest events",
      history: "Full history", corrected: "corrected", missing: "No longer in the layers",
      revoked: "Revoked on", total: "Total investment", plan: "Capital plan of",
      disbursedYear: "Disbursed this year", disbursedTotal: "Disbursed in all",
      pct: "Share of the year's plan disbursed", lateMilestones: "Milestones late",
      nextMilestone: "Next milestone", bar: "Bar: share of the year's capital plan disbursed",
      lateBorder: "Red border: a milestone is late", none: "none", truncated: "Showing only",
      loading: "Loading…", error: "Error", count: "projects", asOfShown: "Figures as of",
    },
  };
  var HISTORY = { investments: "/api/investments/", projects: "/api/projects/" };

  var st = { api: null, layers: [], asOf: "", hidden: {}, box: null };

  function lang() { return st.api ? st.api.state.lang : "vi"; }
  function t(key) { return TEXT[lang()][key] || key; }
  function el(tag, attrs, children) { return st.api.el(tag, attrs, children); }

  function label(field, code) {
    var vocab = st.api.state.cfg.vocab[field], entry = vocab && vocab[code];
    return entry ? entry[lang()] : (code == null ? "" : String(code));
  }

  function colour(state) {
    var entry = st.api.state.cfg.vocab.schedule_state[state];
    return entry ? entry.colour : "#999999";
  }

  // yyyy-mm-dd -> dd/mm/yyyy, as people write dates here
  function date(iso) {
    if (!iso) { return ""; }
    var s = String(iso);
    return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(8, 10) + "/" + s.slice(5, 7) + "/" + s.slice(0, 4) : s;
  }

  // whole đồng: 850.000.000 đ, or 1,23 tỷ đ (the exact figure in the title)
  function money(vnd) {
    if (vnd == null) { return el("span", { text: "" }); }
    var exact = Number(vnd).toLocaleString("vi-VN", { maximumFractionDigits: 0 }) + " đ";
    if (Math.abs(vnd) < 1e9) { return el("span", { text: exact }); }
    return el("span", { title: exact, text: (vnd / 1e9).toLocaleString("vi-VN", {
      minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " tỷ đ" });
  }

  function row(name, value) {
    return el("tr", {}, [el("th", { text: name }),
      el("td", {}, [typeof value === "string" ? document.createTextNode(value) : value])]);
  }

  // ------------------------------------------------------------------ popups

  function eventLine(e) {
    var text = date(e.effective_date) + ": " + label("event_kind", e.kind);
    if (e.milestone) { text += " – " + label("milestone", e.milestone); }
    if (e.planned_date) { text += " → " + date(e.planned_date); }
    if (e.party) { text += " – " + e.party; }
    var item = el("li", { class: e.corrected ? "landgis-corrected" : "" }, [text]);
    if (e.amount_vnd != null) { item.appendChild(document.createTextNode(" ")); item.appendChild(money(e.amount_vnd)); }
    if (e.document_no) { item.appendChild(document.createTextNode(" (" + e.document_no + ")")); }
    if (e.note) { item.appendChild(document.createTextNode(" – " + e.note)); }
    if (e.corrected) { item.appendChild(document.createTextNode(" [" + t("corrected") + "]")); }
    return item;
  }

  function eventsPart(box, kind, id, p) {
    box.appendChild(el("div", { class: "landgis-history-title", text: t("events") }));
    var list = el("ol", { class: "landgis-history" });
    (p.events || []).forEach(function (e) { list.appendChild(eventLine(e)); });
    box.appendChild(list);
    box.appendChild(el("a", { class: "landgis-progress-history", target: "_blank", rel: "noopener",
      href: HISTORY[kind] + encodeURIComponent(id) + "/history",
      text: t("history") + " (" + (p.event_count || 0) + ")" }));
  }

  function milestoneTable(rows, dueKey) {
    var table = el("table", { class: "landgis-progress-milestones" }, [el("tr", {}, [
      el("th", { text: t("milestones") }), el("th", { text: dueKey === "due_date" ? t("due") : t("planned") }),
      el("th", { text: t("reached") })])]);
    rows.forEach(function (m) {
      var reached = m.reached_date ? date(m.reached_date)
        : (m.days_late > 0 ? t("late") + " " + m.days_late + " " + t("days") : "");
      table.appendChild(el("tr", { class: m.days_late > 0 ? "landgis-late" : "" }, [
        el("td", { text: label("milestone", m.milestone) }), el("td", { text: date(m[dueKey]) }),
        el("td", { text: reached })]));
    });
    return table;
  }

  function investmentPopup(p) {
    var stateText = label("schedule_state", p.state) +
      (p.days_behind > 0 ? " – " + t("behind") + " " + p.days_behind + " " + t("days") : "");
    var swatch = el("span", { class: "swatch" });
    swatch.style.background = colour(p.state);
    var table = el("table", {}, [
      row(t("investor"), p.investor || ""),
      row(t("state"), el("span", {}, [swatch, stateText])),
      row(t("certificate"), label("approval_kind", p.approval_kind) + " " + (p.certificate_no || "") +
        " (" + date(p.certificate_date) + ")"),
      row(t("zone"), p.zone_code || ""),
    ]);
    if (p.plot_codes.length) { table.appendChild(row(t("plots"), p.plot_codes.join(", "))); }
    if (p.parcel_ids.length) { table.appendChild(row(t("parcels"), p.parcel_ids.join(", "))); }
    if (p.missing_codes.length) { table.appendChild(row(t("missing"), p.missing_codes.join(", "))); }
    if (p.plane_area_m2 != null) { table.appendChild(row(t("area"), st.api.num(p.plane_area_m2, 1) + " m²")); }
    if (p.leased_area_m2 != null) { table.appendChild(row(t("leased"), st.api.num(p.leased_area_m2, 1) + " m²")); }
    table.appendChild(row(t("committed"), money(p.committed_capital_vnd)));
    table.appendChild(row(t("contributed"), money(p.capital_contributed_vnd)));
    if (p.revoked_date) { table.appendChild(row(t("revoked"), date(p.revoked_date))); }
    var box = el("div", { class: "landgis-popup landgis-progress-popup" }, [
      el("h4", { text: p.project_name || p.investment_id }),
      el("div", { class: "landgis-hint", text: p.investment_id + " · " + t("asOfShown") + " " + date(p.as_of) }),
      table]);
    if (p.flags.length) {
      // one line per rule, naming the milestones it fired on, then the article it cites
      box.appendChild(el("div", { class: "landgis-history-title", text: t("flags") }));
      var flags = el("ul", { class: "landgis-progress-flags" }), rules = {}, order = [];
      p.flags.forEach(function (f) {
        if (!rules[f.rule_id]) { rules[f.rule_id] = { flag: f, on: [] }; order.push(f.rule_id); }
        rules[f.rule_id].on.push(label("milestone", f.milestone) + (f.days > 0 ? " " + f.days + " " + t("days") : ""));
      });
      order.forEach(function (id) {
        var f = rules[id].flag, head = (lang() === "vi" ? f.label_vi : f.label_en) + " (" + rules[id].on.join("; ") + ")";
        flags.appendChild(el("li", { class: "landgis-flag-" + f.state, "data-rule": id }, [el("b", { text: head }),
          el("div", { class: "landgis-flag-basis", text: lang() === "vi" ? f.basis_vi : f.basis_en })]));
      });
      box.appendChild(flags);
    }
    if (p.milestones.length) { box.appendChild(milestoneTable(p.milestones, "due_date")); }
    eventsPart(box, "investments", p.investment_id, p);
    return box;
  }

  function projectPopup(p) {
    var table = el("table", {}, [
      row(t("total"), money(p.total_investment_vnd)),
      row(t("plan") + " " + p.plan_year, el("span", {}, [money(p.plan_year_vnd),
        document.createTextNode(p.plan_sources.length ? " (" + p.plan_sources.map(function (s) {
          return label("capital_source", s); }).join(", ") + ")" : "")])),
      row(t("disbursedYear"), money(p.disbursed_year_vnd)),
      row(t("disbursedTotal"), money(p.disbursed_total_vnd)),
      row(t("pct"), p.disbursed_year_pct == null ? "" : st.api.num(p.disbursed_year_pct, 1) + " %"),
      row(t("lateMilestones"), p.milestones_late ? p.milestones_late + " (" + t("late") + " " +
        p.max_days_late + " " + t("days") + ")" : t("none")),
      row(t("nextMilestone"), p.next_milestone ? label("milestone", p.next_milestone) + " (" +
        date(p.next_milestone_date) + ")" : ""),
    ]);
    var box = el("div", { class: "landgis-popup landgis-progress-popup" }, [
      el("h4", { text: p.name_vi || p.project_code }),
      el("div", { class: "landgis-hint", text: p.project_code + " · " + t("asOfShown") + " " + date(p.as_of) }),
      table]);
    if (p.milestones.length) { box.appendChild(milestoneTable(p.milestones, "planned_date")); }
    eventsPart(box, "projects", p.project_code, p);
    return box;
  }

  // ------------------------------------------------------------------ drawing

  // a public project's marker: its code, a bar of the year's plan disbursed and the percentage
  function projectIcon(p) {
    var fill = el("span", { class: "landgis-bar-fill" });
    fill.style.width = Math.max(0, Math.min(100, p.disbursed_year_pct || 0)) + "%";
    var pct = p.disbursed_year_pct == null ? "–" : st.api.num(p.disbursed_year_pct, 0) + " %";
    var node = el("div", { class: "landgis-project" + (p.milestones_late ? " landgis-late" : ""),
                           "data-project": p.project_code }, [
      el("span", { class: "landgis-project-code", text: p.project_code }),
      el("span", { class: "landgis-bar" }, [fill]), el("span", { class: "landgis-project-pct", text: pct })]);
    return L.divIcon({ html: node, className: "landgis-project-icon", iconSize: null, iconAnchor: [0, 0] });
  }

  function investmentLayer(f, pane) {
    var p = f.properties, c = colour(p.state);
    return L.geoJSON(f, { pane: pane, bubblingMouseEvents: false, style: function () {
      return { color: c, weight: 3, fillColor: c, fillOpacity: 0.55, dashArray: p.state === "revoked" ? "6 4" : null,
               className: "landgis-inv landgis-inv-" + p.state };
    } }).bindPopup(function () { return investmentPopup(p); }, { maxWidth: 420 });
  }

  function projectLayer(f, pane) {
    var p = f.properties, group = L.featureGroup();
    if (f.geometry && f.geometry.type !== "Point") {
      group.addLayer(L.geoJSON(f, { pane: pane, bubblingMouseEvents: false, style: function () {
        return { color: "#6a1b9a", weight: 2, fillOpacity: 0.05, className: "landgis-project-outline" };
      } }));
    }
    if (p.anchor) {
      group.addLayer(L.marker([p.anchor[1], p.anchor[0]], { icon: projectIcon(p), keyboard: false }));
    }
    return group.bindPopup(function () { return projectPopup(p); }, { maxWidth: 420 });
  }

  var ProgressLayer = L.FeatureGroup.extend({
    initialize: function (options) {
      L.setOptions(this, options);
      L.FeatureGroup.prototype.initialize.call(this, []);
      this.data = null; this.error = null; this.asked = 0;
      st.layers.push(this);
    },
    onAdd: function (map) {
      L.FeatureGroup.prototype.onAdd.call(this, map);
      this.reload();
      render();
    },
    onRemove: function (map) {
      L.FeatureGroup.prototype.onRemove.call(this, map);
      render();
    },
    reload: function () {
      var self = this, asked = ++this.asked;
      var url = this.options.url + (st.asOf ? "?as_of=" + encodeURIComponent(st.asOf) : "");
      this.error = null; this.loading = true;
      return fetch(url).then(function (r) {
        return r.json().then(function (body) { return [r.ok, body]; });
      }).then(function (res) {
        if (asked !== self.asked) { return; }  // a later date was asked for meanwhile
        self.loading = false;
        if (!res[0]) { self.error = res[1].error; self.data = null; } else { self.data = res[1]; }
        self.draw();
      }).catch(function (err) {
        if (asked === self.asked) { self.loading = false; self.error = err.message; render(); }
      });
    },
    draw: function () {
      this.clearLayers();
      if (!st.api || !this.data) { render(); return; }
      var self = this, make = this.options.kind === "investments" ? investmentLayer : projectLayer;
      this.data.features.forEach(function (f) {
        if (self.options.kind === "investments" && st.hidden[f.properties.state]) { return; }
        self.addLayer(make(f, self.options.pane));
      });
      render();
      this.fire("landgis:drawn");
    },
  });

  // ------------------------------------------------------------------ the panel's box

  function shown(kind) {
    return st.layers.filter(function (l) { return l.options.kind === kind && l._map; })[0] || null;
  }

  function status(layer) {
    if (layer.error) { return el("div", { class: "landgis-error", text: t("error") + ": " + layer.error }); }
    if (layer.loading || !layer.data) { return el("div", { class: "landgis-hint", text: t("loading") }); }
    var n = layer.data.features.length;
    return el("div", { class: "landgis-hint", text: (layer.data.truncated ? t("truncated") + " " : "") + n + " " +
      t("count") + " · " + t("asOfShown") + " " + date(layer.data.as_of) });
  }

  function render() {
    var box = st.box;
    if (!box || !st.api) { return; }
    box.textContent = "";
    var inv = shown("investments"), proj = shown("projects");
    box.style.display = inv || proj ? "" : "none";
    if (!inv && !proj) { return; }
    box.appendChild(el("b", { text: t("title") }));
    var input = el("input", { type: "date", id: "landgis-progress-date" });
    input.value = st.asOf;
    input.addEventListener("change", function () { setAsOf(input.value); });
    var today = el("button", { type: "button", text: t("today") });
    today.addEventListener("click", function () { setAsOf(""); });
    box.appendChild(el("label", { class: "landgis-field" }, [t("asOf") + " ", input]));
    box.appendChild(today);
    if (inv) {
      box.appendChild(el("div", { class: "landgis-progress-head", text: t("investments") }));
      var counts = {};
      (inv.data ? inv.data.features : []).forEach(function (f) {
        counts[f.properties.state] = (counts[f.properties.state] || 0) + 1;
      });
      Object.keys(st.api.state.cfg.vocab.schedule_state).forEach(function (code) {
        var check = el("input", { type: "checkbox", "data-state": code });
        check.checked = !st.hidden[code];
        check.addEventListener("change", function () { st.hidden[code] = !check.checked; inv.draw(); });
        var swatch = el("span", { class: "swatch" });
        swatch.style.background = colour(code);
        box.appendChild(el("label", { class: "landgis-legend-item" }, [check, swatch,
          " " + label("schedule_state", code) + " (" + (counts[code] || 0) + ")"]));
      });
      box.appendChild(status(inv));
    }
    if (proj) {
      box.appendChild(el("div", { class: "landgis-progress-head", text: t("projects") }));
      box.appendChild(el("div", { class: "landgis-legend-item", text: t("bar") }));
      box.appendChild(el("div", { class: "landgis-legend-item", text: t("lateBorder") }));
      box.appendChild(status(proj));
    }
  }

  function setAsOf(value) {
    st.asOf = value || "";
    st.layers.forEach(function (l) { if (l._map) { l.reload(); } });
    render();
  }

  // the box in the page's panel (landgis.js calls it each time it builds the panel)
  function box(api) {
    var first = !st.api;
    st.api = api;
    st.box = el("div", { id: "landgis-progress" });
    if (first) { st.layers.forEach(function (l) { if (l._map && l.data) { l.draw(); } }); }
    render();
    return st.box;
  }

  L.landgisProgressLayer = function (options) { return new ProgressLayer(options); };

  return { box: box, state: st };
})();
