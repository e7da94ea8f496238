/* landgis: the map page opened on a zone and/or a status from a link (the dashboard's charts):
 *   /?zone=KCN-HB1                       fitted to the zone
 *   /?field=clearance_status&status=handed_over   parcels coloured by that field, only that
 *                                         status shown (the legend's other boxes unticked)
 * Works through the page's own controls (landgis.js: the mode radios and legend boxes), so
 * the planner can undo it there; a banner says what is applied. */
(function () {
  "use strict";
  var q = new URLSearchParams(window.location.search);
  var zone = q.get("zone"), field = q.get("field"), status = q.get("status");
  var FIELDS = { clearance_status: true, auction_status: true };
  if (!zone && !(field && status && FIELDS[field])) { return; }

  function fire(node) { node.dispatchEvent(new Event("change")); }

  function applyStatus() {
    var radio = document.getElementById("mode-" + field);
    if (!radio) { return false; }
    if (!radio.checked) { radio.checked = true; fire(radio); }
    var boxes = document.querySelectorAll("#landgis-legend input[data-status]");
    Array.prototype.forEach.call(boxes, function (box) {
      var wanted = box.getAttribute("data-status") === status;
      if (box.checked !== wanted) { box.checked = wanted; fire(box); }
    });
    return true;
  }

  function applyZone(map) {
    return fetch("/api/search?q=" + encodeURIComponent(zone)).then(function (r) { return r.json(); })
      .then(function (body) {
        var hit = (body.results || []).filter(function (h) { return h.kind === "zone" && h.id === zone; })[0];
        if (!hit) { return false; }
        var b = hit.bbox;
        map.fitBounds(L.latLngBounds([b[1], b[0]], [b[3], b[2]]));
        return true;
      });
  }

  function banner(zoneFound) {
    var en = document.documentElement.lang === "en", parts = [];
    if (zone) { parts.push((en ? "zone " : "khu ") + zone + (zoneFound ? "" : (en ? " (not found)" : " (không thấy)"))); }
    if (status && FIELDS[field]) {
      var entry = window.landgis && landgis.state.cfg.vocab[field] && landgis.state.cfg.vocab[field][status];
      parts.push(entry ? entry[en ? "en" : "vi"] : status);
    }
    var box = document.createElement("div");
    box.id = "landgis-filter";
    box.className = "landgis-box";
    box.setAttribute("role", "status");
    box.style.cssText = "position:absolute;z-index:1000;left:54px;bottom:40px";
    box.textContent = (en ? "Filter: " : "Lọc: ") + parts.join(" · ") + " ";
    var clear = document.createElement("a");
    clear.href = "/";
    clear.textContent = en ? "clear" : "bỏ lọc";
    box.appendChild(clear);
    document.body.appendChild(box);
    window.landgisFilter = { zone: zone, field: field, status: status, zoneFound: zoneFound };
  }

  function start() {
    if (!window.landgisReady || !window.landgis || !landgis.state.map) {
      window.setTimeout(start, 50);
      return;
    }
    if (field && status && FIELDS[field]) { applyStatus(); }
    var done = zone ? applyZone(landgis.state.map) : Promise.resolve(true);
    done.catch(function () { return false; }).then(banner);
  }
  start();
})();
