/* landgis parcel tiles: a Leaflet GridLayer that draws the parcels' vector tiles on canvas.
 *
 * Why not Leaflet.VectorGrid: it made a Leaflet path object per parcel and per tile (with its
 * events, bounds and style), read every tile through a Blob and a FileReader and turned every
 * vertex into an object; at zoom 15 a screen holds about 20,000 parcels, and a pan or a zoom
 * spent a second in that bookkeeping. Here a tile is decoded once into flat arrays (mvt.js:
 * Mapbox Vector Tile 2.1 over pbf's protobuf reader), kept in a small cache, and drawn with one
 * path per colour; a click is answered by a point-in-polygon test on the decoded tile.
 *
 * - Tiles come from the pyramid up to `maxNativeZoom` and are drawn sharp above it from their
 *   parent tile (vector data needs no resampling).
 * - The tiles a move reveals are asked for in a few batch requests (`batchUrl`, with the data
 *   version `?v=`); each tile comes gzip-compressed as the server stores it, and is inflated
 *   (fflate) and decoded when first drawn.
 * - `style(k, landUse)` says how a parcel is drawn: a fill colour, "" (no status: faint
 *   white) or null (filtered out); `selected(parcelId)` draws a heavy outline. `restyle()`
 *   redraws the tiles from the cache after a status, filter or selection change. A tile
 *   loaded before the promise `ready` has settled waits for it, so that the parcels first
 *   appear in their colours.
 * - Drawn tiles that leave the map are kept (a zoom out and back in redraws nothing), and
 *   once the view is complete the ring of tiles around it is fetched and drawn while the
 *   browser is idle, so that a pan mostly finds its tiles ready.
 *
 * Events: the GridLayer's own (`tileload`, `load`, …); `featureAt(latlng)` gives the parcel's
 * properties under a point of the map, or null.
 */
/* global L, fflate, landgisMVT */
(function () {
  "use strict";

  // ------------------------------------------------------------------ geometry helpers

  function inRing(xy, from, to, x, y) {
    var inside = false;
    for (var i = from, j = to - 2; i < to; j = i, i += 2) {
      var xi = xy[i], yi = xy[i + 1], xj = xy[j], yj = xy[j + 1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }

  function contains(layer, i, x, y) {
    var b = layer.box;
    if (x < b[4 * i] || x > b[4 * i + 2] || y < b[4 * i + 1] || y > b[4 * i + 3]) { return false; }
    var inside = false;  // even-odd over every ring: holes and multipolygons alike
    for (var r = layer.first[i]; r < layer.first[i + 1]; r++) {
      if (inRing(layer.xy, layer.rings[r], layer.rings[r + 1], x, y)) { inside = !inside; }
    }
    return inside;
  }

  // ------------------------------------------------------------------ the layer

  L.LandgisParcelTiles = L.GridLayer.extend({
    options: {
      batchUrl: "", version: "", layer: "parcels", maxNativeZoom: 16,
      cacheTiles: 256,
      batchSize: 32,
      keepCanvases: 160,  // drawn tiles kept off the map (256 kB each at 256 px)
      preload: 1,  // rings of tiles around the view drawn ahead while the browser is idle
      // style(k, landUse) -> colour; selected(parcelId) -> bool, or null: nothing is selected
      style: function () { return ""; }, selected: null,
      ready: null,  // a promise the first drawing waits for (the statuses that colour it)
      fillOpacity: 0.65, emptyFillOpacity: 0.15, lineColour: "#37474f",
      selectedColour: "#0d47a1",
    },

    initialize: function (options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._cache = new Map();  // source tile key -> {data, promise}; insertion order = age
      this._canvases = new Map();  // display tile key -> a drawn canvas not on the map
      this._generation = 0;  // moves with every restyle: older drawings are stale
      this._queue = [];  // display tiles to draw ahead, while the browser is idle
      this.on("tileunload", this._keepCanvas, this);
      this.on("load", this._preload, this);
    },

    _settle: function (entry, raw) {
      entry.raw = raw;  // inflated and decoded when first drawn (_data)
      entry.ready = true;
      entry.resolve(entry);
    },

    _fail: function (entry, err) {
      if (this._cache.get(entry.src.key) === entry) { this._cache.delete(entry.src.key); }
      entry.reject(err);
    },

    setVersion: function (version) {
      if (version === this.options.version) { return this; }
      this.options.version = version;
      this._cache.clear();
      this._canvases.clear();
      return this.redraw();
    },

    // A tile leaving the map (a zoom, a pan) keeps its drawing for when it comes back.
    _keepCanvas: function (e) {
      if (e.tile._landgisGeneration !== this._generation) { return; }
      var key = this._tileCoordsToKey(e.coords);
      this._canvases.delete(key);
      this._canvases.set(key, e.tile);
      while (this._canvases.size > this.options.keepCanvases) {
        this._canvases.delete(this._canvases.keys().next().value);
      }
    },

    _newCanvas: function () {
      var canvas = L.DomUtil.create("canvas", "leaflet-tile landgis-parcel-tile");
      var size = this.getTileSize(), ratio = L.Browser.retina ? 2 : 1;
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      return canvas;
    },

    // Once the view is drawn, the ring of tiles around it is fetched, decoded and drawn while
    // the browser is idle, so that a pan finds its tiles ready (OpenLayers' "preload").
    _preload: function () {
      var ring = this.options.preload;
      if (!ring || !this._map || this._tileZoom === undefined) { return; }
      var range = this._pxBoundsToTileRange(this._getTiledPixelBounds(this._map.getCenter()));
      var z = this._tileZoom, queue = [];
      for (var x = range.min.x - ring; x <= range.max.x + ring; x++) {
        for (var y = range.min.y - ring; y <= range.max.y + ring; y++) {
          var coords = L.point(x, y);
          coords.z = z;
          if (!this._isValidTile(coords)) { continue; }
          var key = this._tileCoordsToKey(coords);
          if (!this._tiles[key] && !this._canvases.has(key)) { queue.push(coords); }
        }
      }
      this._queue = queue;
      var self = this;
      queue.forEach(function (c) {  // batched: a few requests for the whole ring
        self._load(self._source(c), true).catch(function () { /* asked for again in view */ });
      });
      if (queue.length) { this._idle(this._preloadNext); }
    },

    _idle: function (fn) {
      var self = this;
      if (window.requestIdleCallback) {
        window.requestIdleCallback(function (deadline) { fn.call(self, deadline); },
                                   { timeout: 1000 });
      } else { window.setTimeout(function () { fn.call(self, null); }, 16); }
    },

    // Draws the ring's tiles, as many as fit in the idle time the browser grants.
    _preloadNext: function (deadline) {
      while (this._queue.length && this._map) {
        var coords = this._queue[0];
        if (coords.z !== this._tileZoom) { this._queue = []; return; }
        var key = this._tileCoordsToKey(coords), entry = this._cache.get(this._source(coords).key);
        if (!this._tiles[key] && !this._canvases.has(key)) {
          if (!entry) { this._queue.shift(); continue; }  // failed or dropped
          if (!entry.ready) {  // on its way: come back when it is here
            entry.promise.then(this._idle.bind(this, this._preloadNext), function () {});
            return;
          }
          var canvas = this._newCanvas();
          this._draw(canvas, coords);
          // a canvas rasterises its drawing when first shown or read: read a pixel now, so
          // that the work is done while idle and not in the frame of the pan that shows it
          canvas.getContext("2d").getImageData(0, 0, 1, 1);
          this._canvases.set(key, canvas);
        }
        this._queue.shift();
        if (deadline && deadline.timeRemaining() < 8) { break; }
      }
      if (this._queue.length) { this._idle(this._preloadNext); }
    },

    /** The tile of the pyramid a display tile is drawn from, and where in it. */
    _source: function (coords) {
      var dz = Math.max(0, coords.z - this.options.maxNativeZoom), f = 1 << dz;
      var x = Math.floor(coords.x / f), y = Math.floor(coords.y / f), z = coords.z - dz;
      return { key: z + "/" + x + "/" + y, z: z, x: x, y: y, f: f,
               ox: coords.x - x * f, oy: coords.y - y * f };
    },

    // A tile's decoded data, once. Tiles asked for in the same moment (a pan, a zoom, the ring
    // to preload) go to the server in one batch request: per request, a Python server spends
    // more than per tile.
    // `ahead`: for the preload ring, which leaves most connections to the tiles on the screen.
    _load: function (src, ahead) {
      var entry = this._cache.get(src.key);
      if (entry) {  // most recently used last
        this._cache.delete(src.key); this._cache.set(src.key, entry);
        return entry.promise;
      }
      entry = { ready: false, raw: undefined, data: null, promise: null, src: src,
                ahead: !!ahead };
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve; entry.reject = reject;
      });
      this._cache.set(src.key, entry);
      while (this._cache.size > this.options.cacheTiles) {
        var oldest = this._cache.keys().next().value;
        if (!this._cache.get(oldest).ready) { break; }  // still on its way
        this._cache.delete(oldest);
      }
      if (!this._pending) {
        this._pending = [];
        Promise.resolve().then(this._sendPending.bind(this));
      }
      this._pending.push(entry);
      return entry.promise;
    },

    // A tile is inflated (fflate) and decoded (mvt.js) when first drawn, not when it arrives:
    // tiles preloaded for later do not hold up the frames of the present. (A worker doing it
    // off the page's thread was measured slower on the bench's two cores: 25-45 ms a tile
    // against 5-6 ms here.)
    _data: function (entry) {
      if (entry.raw !== undefined) {
        var raw = entry.raw;
        entry.raw = undefined;
        var layer = raw ? landgisMVT.decodeTile(fflate.gunzipSync(raw))[this.options.layer] : null;
        entry.data = layer ? landgisMVT.attach(layer) : null;
      }
      return entry.data;
    },

    _sendPending: function () {
      var pending = this._pending, groups = {}, self = this;
      this._pending = null;
      pending.forEach(function (e) {
        var key = e.src.z + (e.ahead ? "a" : "");
        (groups[key] = groups[key] || []).push(e);
      });
      Object.keys(groups).forEach(function (key) {
        // spread over the browser's parallel connections (six per server), so that the
        // first tiles come, and are drawn, while the server looks up the others; the ring
        // takes two, leaving four to what a move reveals
        var list = groups[key], ahead = /a$/.test(key), ways = ahead ? 2 : 6;
        if (!ahead && list.length > ways) {  // Leaflet asks for the centre first: send it alone,
          self._fetchBatch(list[0].src.z, list.slice(0, 1));  // to be drawn while the rest come
          list = list.slice(1);
          ways -= 1;
        }
        var size = Math.min(self.options.batchSize, Math.max(1, Math.ceil(list.length / ways)));
        for (var i = 0; i < list.length; i += size) {
          self._fetchBatch(list[0].src.z, list.slice(i, i + size));
        }
      });
    },

    _fetchBatch: function (z, entries) {
      var self = this;
      var url = L.Util.template(this.options.batchUrl, { z: z }) + "?xy=" +
        entries.map(function (e) { return e.src.x + "," + e.src.y; }).join(";") +
        (this.options.version ? "&v=" + encodeURIComponent(this.options.version) : "");
      fetch(url).then(function (r) {
        if (!r.ok) { throw new Error("tiles " + z + ": HTTP " + r.status); }
        return r.arrayBuffer();
      }).then(function (buffer) {
        var view = new DataView(buffer), pos = 4, n = view.getUint32(0, true), found = {};
        for (var i = 0; i < n; i++) {
          var x = view.getUint32(pos, true), y = view.getUint32(pos + 4, true);
          var length = view.getUint32(pos + 8, true);
          pos += 12;
          found[x + "/" + y] = length ? new Uint8Array(buffer, pos, length) : null;
          pos += length;
        }
        entries.forEach(function (e) {  // each tile gzip-compressed, as the server stores it
          self._settle(e, found[e.src.x + "/" + e.src.y] || null);
        });
      }).catch(function (err) {
        entries.forEach(function (e) { self._fail(e, err); });
      });
    },

    createTile: function (coords, done) {
      var key = this._tileCoordsToKey(coords), kept = this._canvases.get(key);
      if (kept && kept._landgisGeneration === this._generation) {  // drawn before: reuse it
        this._canvases.delete(key);
        Promise.resolve().then(function () { done(null, kept); });
        return kept;
      }
      var canvas = this._newCanvas();
      var self = this, src = this._source(coords), entry = this._cache.get(src.key);
      if (entry && entry.ready) {  // here already: draw at once
        this._draw(canvas, coords);
        Promise.resolve().then(function () { done(null, canvas); });
      } else {
        this._load(src).then(function () { return self.options.ready; }).then(function () {
          self._draw(canvas, coords);
          done(null, canvas);
        }, function (err) { done(err, canvas); });
      }
      return canvas;
    },

    _draw: function (canvas, coords) {
      var src = this._source(coords), entry = this._cache.get(src.key);
      var ctx = canvas.getContext("2d");
      canvas._landgisGeneration = this._generation;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      var layer = entry && entry.ready ? this._data(entry) : null;
      if (!layer) { return; }
      var o = this.options, size = canvas.width, xy = layer.xy, ratio = size / this.getTileSize().x;
      var scale = size * src.f / layer.extent, offX = src.ox * size, offY = src.oy * size;
      // the tile's pixels in tile units, with a few pixels' margin for the outlines
      var loX = (offX - 4) / scale, hiX = (offX + size + 4) / scale;
      var loY = (offY - 4) / scale, hiY = (offY + size + 4) / scale;
      var groups = {}, picked = [], selected = o.selected, box = layer.box;
      for (var i = 0; i < layer.count; i++) {
        if (!layer.polygon[i] || box[4 * i + 2] < loX || box[4 * i] > hiX ||
            box[4 * i + 3] < loY || box[4 * i + 1] > hiY) { continue; }
        var colour = o.style(layer.k[i], layer.landUse[i]);
        if (colour === null) { continue; }  // filtered out
        (groups[colour] || (groups[colour] = [])).push(i);
        if (selected && selected(layer.parcelId(i))) { picked.push(i); }
      }
      // One path per colour, filled then outlined: a few canvas calls per tile, not per parcel.
      var rings = layer.rings, first = layer.first;
      function trace(list) {
        ctx.beginPath();
        for (var n = 0; n < list.length; n++) {
          for (var r = first[list[n]]; r < first[list[n] + 1]; r++) {
            var from = rings[r], to = rings[r + 1];
            var x0 = xy[from] * scale - offX, y0 = xy[from + 1] * scale - offY;
            ctx.moveTo(x0, y0);
            for (var k = from + 2; k < to; k += 2) {
              ctx.lineTo(xy[k] * scale - offX, xy[k + 1] * scale - offY);
            }
            ctx.lineTo(x0, y0);
          }
        }
      }
      ctx.strokeStyle = o.lineColour;
      ctx.lineWidth = (coords.z >= 16 ? 0.8 : 0.4) * ratio;
      Object.keys(groups).forEach(function (colour) {
        trace(groups[colour]);
        ctx.globalAlpha = colour ? o.fillOpacity : o.emptyFillOpacity;
        ctx.fillStyle = colour || "#ffffff";
        ctx.fill();
        ctx.globalAlpha = 0.9;
        ctx.stroke();
      });
      if (picked.length) {
        trace(picked);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = o.selectedColour;
        ctx.lineWidth = 3 * ratio;
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    },

    /** Draw the tiles on the map again from the cache (a status, filter or selection changed). */
    restyle: function () {
      this._generation++;
      this._canvases.clear();
      for (var key in this._tiles) {
        var tile = this._tiles[key];
        if (tile.loaded) { this._draw(tile.el, tile.coords); }
      }
      return this;
    },

    /** The properties of the parcel drawn under `latlng`, or null. */
    featureAt: function (latlng) {
      if (!this._map || this._tileZoom === undefined) { return null; }
      var z = this._tileZoom, p = this._map.project(latlng, z), size = this.getTileSize();
      var coords = L.point(Math.floor(p.x / size.x), Math.floor(p.y / size.y));
      coords.z = z;
      var src = this._source(coords), entry = this._cache.get(src.key);
      var layer = entry && entry.ready ? this._data(entry) : null;
      if (!layer) { return null; }
      var x = (p.x / size.x / src.f - src.x) * layer.extent;
      var y = (p.y / size.y / src.f - src.y) * layer.extent;
      for (var i = layer.count - 1; i >= 0; i--) {  // the one drawn last is on top
        if (layer.polygon[i] && contains(layer, i, x, y) &&
            this.options.style(layer.k[i], layer.landUse[i]) !== null) { return layer.props(i); }
      }
      return null;
    },
  });

  L.landgisParcelTiles = function (options) { return new L.LandgisParcelTiles(options); };
})();
