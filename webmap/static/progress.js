/* progress: an editor records one event of a project, an investment or an auction lot on
 * the progress page (webmap/templates/progress.html).
 * Pick the subject -> only its kinds are offered -> only the fields that kind takes are shown
 * -> Preview (POST /api/progress/events with "preview": true) shows what will be recorded
 * -> Save records it (201) and the page reloads with it in the tables. A refusal lists its
 * problems beside the fields; a 409 (someone recorded an event of the subject meanwhile) keeps
 * the form and offers to reload the subject's history and version. Every value from the server
 * reaches the page through textContent, never as HTML. */
(function () {
  "use strict";

  var form = document.getElementById("progress-form");
  if (!form) { return; }
  var spec = JSON.parse(form.getAttribute("data-spec"));
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var subject = document.getElementById("pf-subject");
  var kind = document.getElementById("pf-kind");
  var previewButton = document.getElementById("pf-preview");
  var saveButton = document.getElementById("pf-save");
  var message = document.getElementById("pf-message");
  var box = document.getElementById("pf-preview-box");
  var HISTORY = { project: "projects", investment: "investments", lot: "auctions" };
  var money = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0 });

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function day(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : (iso || "");
  }

  function vnd(value) { return value === null || value === undefined ? "" : money.format(value) + " đồng"; }

  function both(vi, en) { return (vi || "") + (en && en !== vi ? " / " + en : ""); }

  function chosen() {
    var o = subject.options[subject.selectedIndex];
    if (!o || !o.getAttribute("data-kind")) { return null; }
    return { option: o, kind: o.getAttribute("data-kind"), id: o.getAttribute("data-id"),
             version: parseInt(o.getAttribute("data-version"), 10) };
  }

  function fillKinds() {
    var s = chosen(), keep = kind.value;
    kind.textContent = "";
    kind.disabled = !s;
    if (!s) { return; }
    kind.appendChild(el("option", { value: "", text: "— chọn / choose —" }));
    spec.kinds[s.kind].forEach(function (k) {
      kind.appendChild(el("option", { value: k.code, text: both(k.vi, k.en) }));
    });
    kind.value = spec.kinds[s.kind].some(function (k) { return k.code === keep; }) ? keep : "";
    var milestone = form.elements.milestone, was = milestone.value;
    milestone.textContent = "";
    milestone.appendChild(el("option", { value: "", text: "" }));
    (spec.milestones[s.kind] || []).forEach(function (m) {
      milestone.appendChild(el("option", { value: m.code, text: both(m.vi, m.en) }));
    });
    milestone.value = was;
  }

  function shownFields() {
    var k = kind.value;
    return k ? spec.common.concat(spec.fields[k] || []) : spec.common;
  }

  function showFields() {
    var shown = shownFields(), needed = spec.required.concat(spec.needs[kind.value] || []);
    Array.prototype.forEach.call(form.querySelectorAll("label[data-field]"), function (label) {
      var name = label.getAttribute("data-field");
      label.hidden = shown.indexOf(name) < 0;
      label.classList.toggle("progress-required", needed.indexOf(name) >= 0);
    });
  }

  function body(preview) {
    var s = chosen(), doc = { version: s ? s.version : null, preview: preview };
    if (s) { doc.subject_kind = s.kind; doc.subject_id = s.id; }
    if (kind.value) { doc.kind = kind.value; }
    shownFields().forEach(function (name) {
      var input = form.elements[name];
      if (!input) { return; }
      if (input.type === "checkbox") { doc[name] = input.checked; return; }
      var value = input.value.trim();
      if (value) { doc[name] = value; }
    });
    return doc;
  }

  function clearMarks() {
    Array.prototype.forEach.call(form.querySelectorAll(".progress-bad"), function (e) {
      e.classList.remove("progress-bad");
    });
  }

  function say(kindOfMessage, text, extra) {
    message.textContent = "";
    var p = el("div", { class: kindOfMessage === "ok" ? "progress-ok" : "progress-error",
                        id: "pf-" + kindOfMessage, text: text });
    (extra || []).forEach(function (x) { p.appendChild(x); });
    message.appendChild(p);
  }

  function missing() {
    var needed = spec.required.concat(spec.needs[kind.value] || []), out = [];
    if (!chosen()) { out.push("subject"); }
    if (!kind.value) { out.push("kind"); }
    needed.forEach(function (name) {
      var input = form.elements[name];
      if (input && input.type !== "checkbox" && !input.value.trim()) { out.push(name); }
    });
    return out;
  }

  function markFields(names) {
    names.forEach(function (name) {
      var label = name === "subject" ? subject.parentNode : name === "kind" ? kind.parentNode
        : form.querySelector('label[data-field="' + name + '"]');
      if (label) { label.classList.add("progress-bad"); }
    });
  }

  function row(th, td) { return el("tr", {}, [el("th", { text: th }), el("td", { text: td })]); }

  function showPreview(answer) {
    box.textContent = "";
    box.appendChild(el("h3", { text: "Sẽ ghi / Will be recorded" }));
    answer.events.forEach(function (e) {
      var t = el("table", { class: "progress-table", id: "pf-preview-events" });
      t.appendChild(row("Sự kiện / Event", both(e.kind_vi, e.kind_en)));
      t.appendChild(row("Đối tượng / Subject", e.subject_kind + " " + e.subject_id));
      t.appendChild(row("Ngày / Date", day(e.effective_date)));
      if (e.amount_vnd !== null) { t.appendChild(row("Số tiền / Amount", vnd(e.amount_vnd))); }
      if (e.base_vnd !== null) { t.appendChild(row("Giá khởi điểm / Starting price", vnd(e.base_vnd))); }
      if (e.year !== null) { t.appendChild(row("Năm / Year", String(e.year))); }
      if (e.source) { t.appendChild(row("Nguồn vốn / Source", both(e.source_vi, e.source_en))); }
      if (e.milestone) { t.appendChild(row("Mốc / Milestone", both(e.milestone_vi, e.milestone_en))); }
      if (e.planned_date) { t.appendChild(row("Ngày kế hoạch / Planned", day(e.planned_date))); }
      if (e.result) { t.appendChild(row("Kết quả / Result", both(e.result_vi, e.result_en))); }
      if (e.party) { t.appendChild(row("Người trúng / Winner", e.party)); }
      if (e.over_plan) { t.appendChild(row("Vượt kế hoạch / Over plan", "✓")); }
      t.appendChild(row("Văn bản / Document", e.document_no + (e.document_date ? ", " + day(e.document_date) : "")));
      if (e.note) { t.appendChild(row("Ghi chú / Note", e.note)); }
      box.appendChild(t);
    });
    if (answer.status_events.length) {
      box.appendChild(el("p", { text: "Trạng thái thửa đất thay đổi / Parcels' statuses change:" }));
      var ul = el("ul", { id: "pf-preview-parcels" });
      answer.status_events.forEach(function (s) {
        ul.appendChild(el("li", { text: s.parcel_id + ": " + s.field + " → " + s.value + " (" + day(s.effective_date) + ")" }));
      });
      box.appendChild(ul);
    }
    answer.warnings.forEach(function (w) { box.appendChild(el("p", { class: "warn", text: "Cảnh báo / Warning: " + w })); });
  }

  function send(preview) {
    clearMarks();
    var empty = missing();
    if (empty.length) {
      markFields(empty);
      say("error", "Điền các ô còn thiếu / fill the fields marked: " + empty.join(", "));
      return Promise.resolve();
    }
    previewButton.disabled = true;
    saveButton.disabled = true;
    return fetch("/api/progress/events", {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body(preview)),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } })
      .then(function (r) {
        return r.json().then(function (b) { return { status: r.status, body: b }; },
                             function () { return { status: r.status, body: { error: "HTTP " + r.status } }; });
      })
      .then(function (answer) { handle(preview, answer); },
            function (err) { say("error", "Lỗi mạng / network error: " + err); })
      .then(function () { previewButton.disabled = false; });
  }

  function handle(preview, answer) {
    var b = answer.body;
    if (answer.status === 200 && preview) {
      showPreview(b);
      say("ok", "Xem trước: chưa ghi. Bấm «Ghi» để ghi / Preview: nothing recorded yet. Press Save to record.");
      saveButton.disabled = false;
    } else if (answer.status === 201) {
      var query = new URLSearchParams(window.location.search);
      query.set("recorded", b.event_ids[0]);
      window.location.assign("/progress?" + query.toString());
    } else if (answer.status === 409) {
      box.textContent = "";
      var reload = el("button", { type: "button", id: "pf-reload", text: "Tải lại / Reload" });
      reload.addEventListener("click", reloadSubject);
      say("conflict", "Có người vừa ghi sự kiện khác cho đối tượng này; hãy tải lại / Someone recorded an event meanwhile; reload. ", [reload]);
    } else {
      var problems = b.problems || [];
      var list = el("ul", {}, problems.map(function (p) {
        return el("li", { text: (p.field ? p.field + ": " : "") + p.message });
      }));
      markFields(problems.map(function (p) { return p.field; }).filter(Boolean));
      say("error", b.error || ("HTTP " + answer.status), problems.length ? [list] : []);
    }
  }

  function reloadSubject() {
    var s = chosen();
    if (!s) { return; }
    fetch("/api/" + HISTORY[s.kind] + "/" + encodeURIComponent(s.id) + "/history",
          { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { return r.json(); })
      .then(function (h) {
        s.option.setAttribute("data-version", String(h.version));
        box.textContent = "";
        box.appendChild(el("p", { text: "Sự kiện mới nhất / Latest events:" }));
        var ul = el("ul", { id: "pf-latest" });
        h.events.slice(-5).forEach(function (e) {
          ul.appendChild(el("li", { text: day(e.effective_date) + " · " + both(e.kind_vi, e.kind_en)
            + (e.amount_vnd !== null ? " · " + vnd(e.amount_vnd) : "") + " · " + e.document_no
            + " · " + e.recorded_by }));
        });
        box.appendChild(ul);
        say("ok", "Đã tải lại (" + h.version + " sự kiện); xem trước rồi ghi lại / Reloaded ("
            + h.version + " events): preview, then save again.");
      });
  }

  function changed() {
    saveButton.disabled = true;
    if (box.firstChild) { box.textContent = ""; message.textContent = ""; }
  }

  subject.addEventListener("change", function () { fillKinds(); showFields(); changed(); });
  kind.addEventListener("change", function () { showFields(); changed(); });
  form.addEventListener("input", changed);
  previewButton.addEventListener("click", function () { send(true); });
  saveButton.addEventListener("click", function () { send(false); });
  fillKinds();
  showFields();
  window.landgisProgress = { ready: true };
}());
