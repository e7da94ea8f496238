/* landgis parcel tiles: a Leaflet GridLayer that draws the parcels' vector tiles on canvas.
 *
 * Why not Leaflet.VectorGrid: it made a Leaflet path object per parcel and per tile (with its
 * events, bounds and style), read every tile through a Blob and a FileReader and turned every
 * vertex into an object; at zoom 15 a screen holds about 20,000 parcels, and a pan or a zoom
 * spent a second in that bookkeeping. Here a tile is decoded once into flat arrays (Mapbox
 * Vector Tile 2.1 over pbf's protobuf reader), kept in a small cache, and drawn with one path
 * per colour; a click is answered by a point-in-polygon test on the decoded tile.
 *
 * - Tiles come from the pyramid up to `maxNativeZoom` and are drawn sharp above it from their
 *   parent tile (vector data needs no resampling).
 * - The address carries the data version (`?v=`), so the browser keeps a tile for good and
 *   zooming back costs neither a request nor a decode.
 * - `style(props)` says how a parcel is drawn: a fill colour, "" (no status: faint white) or
 *   null (filtered out); `selected(props)` draws a heavy outline. `restyle()` redraws the tiles
 *   from the cache after a status, filter or selection change. A tile loaded before the
 *   promise `ready` has settled waits for it, so the parcels first appear in their colours.
 *
 * - Drawn tiles that leave the map are kept (a zoom out and back in redraws nothing), and
 *   once the view is complete the ring of tiles around it is fetched and drawn while the
 *   browser is idle, so that a pan mostly finds its tiles ready.
 *
 * Events: the GridLayer's own (`tileload`, `load`, …); `featureAt(latlng)` gives the parcel's
 * properties under a point of the map, or null.
 */
/* global L, Pbf */
(function () {
  "use strict";

  // ------------------------------------------------------------------ decoding

  function readValue(pbf) {
    var end = pbf.readVarint() + pbf.pos, value = null;
    while (pbf.pos < end) {
      var tag = pbf.readVarint() >> 3;
      if (tag === 1) { value = pbf.readString(); }
      else if (tag === 2) { value = pbf.readFloat(); }
      else if (tag === 3) { value = pbf.readDouble(); }
      else if (tag === 4) { value = pbf.readVarint(true); }
      else if (tag === 5) { value = pbf.readVarint(); }
      else if (tag === 6) { value = pbf.readSVarint(); }
      else if (tag === 7) { value = pbf.readBoolean(); }
      else { value = null; }
    }
    return value;
  }

  function readGeometry(pbf, f, xy) {
    var end = pbf.readVarint() + pbf.pos, cmd = 1, count = 0, x = 0, y = 0;
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    f.rings = [];
    while (pbf.pos < end) {
      if (count <= 0) { var c = pbf.readVarint(); cmd = c & 7; count = c >> 3; }
      count--;
      if (cmd === 1 || cmd === 2) {
        x += pbf.readSVarint(); y += pbf.readSVarint();
        if (cmd === 1) { f.rings.push(xy.length); }
        xy.push(x, y);
        if (x < minX) { minX = x; } if (x > maxX) { maxX = x; }
        if (y < minY) { minY = y; } if (y > maxY) { maxY = y; }
      }  // 7, ClosePath: a ring is drawn closed anyway
    }
    f.end = xy.length;
    f.box = [minX, minY, maxX, maxY];
  }

  function readFeature(pbf, layer, xy) {
    var end = pbf.readVarint() + pbf.pos, f = { props: {}, type: 0, rings: [], end: 0, box: null };
    while (pbf.pos < end) {
      var val = pbf.readVarint(), tag = val >> 3;
      if (tag === 2) {
        var tagsEnd = pbf.readVarint() + pbf.pos;
        while (pbf.pos < tagsEnd) {
          var key = layer.keys[pbf.readVarint()];
          f.props[key] = layer.values[pbf.readVarint()];
        }
      } else if (tag === 3) { f.type = pbf.readVarint(); }
      else if (tag === 4) { readGeometry(pbf, f, xy); }
      else { pbf.type = val & 7; pbf.skip(val); }
    }
    return f;
  }

  function readLayer(pbf, end) {
    var layer = { name: "", extent: 4096, keys: [], values: [], at: [] };
    pbf.readFields(function (tag, l, p) {
      if (tag === 1) { l.name = p.readString(); }
      else if (tag === 5) { l.extent = p.readVarint(); }
      else if (tag === 2) { l.at.push(p.pos); }  // read below, once keys and values are known
      else if (tag === 3) { l.keys.push(p.readString()); }
      else if (tag === 4) { l.values.push(readValue(p)); }
    }, layer, end);
    var xy = [];
    layer.features = layer.at.map(function (pos) {
      pbf.pos = pos;
      return readFeature(pbf, layer, xy);
    }).filter(function (f) { return f.type === 3 && f.rings.length; });
    pbf.pos = end;  // past the layer, wherever its last feature was
    layer.xy = Int32Array.from(xy);
    delete layer.at; delete layer.keys; delete layer.values;
    return layer;
  }

  /** The layers of an MVT tile: {name: {extent, features: [{props, rings, end, box}], xy}}. */
  function decodeTile(buffer) {
    var pbf = new Pbf(new Uint8Array(buffer)), layers = {};
    pbf.readFields(function (tag, out, p) {
      if (tag === 3) { var layer = readLayer(p, p.readVarint() + p.pos); out[layer.name] = layer; }
    }, layers);
    return layers;
  }

  // ------------------------------------------------------------------ geometry helpers

  function inRing(xy, from, to, x, y) {
    var inside = false;
    for (var i = from, j = to - 2; i < to; j = i, i += 2) {
      var xi = xy[i], yi = xy[i + 1], xj = xy[j], yj = xy[j + 1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }

  function contains(layer, f, x, y) {
    var b = f.box;
    if (x < b[0] || x > b[2] || y < b[1] || y > b[3]) { return false; }
    var inside = false;  // even-odd over every ring: holes and multipolygons alike
    for (var r = 0; r < f.rings.length; r++) {
      if (inRing(layer.xy, f.rings[r], r + 1 < f.rings.length ? f.rings[r + 1] : f.end, x, y)) {
        inside = !inside;
      }
    }
    return inside;
  }

  // ------------------------------------------------------------------ the layer

  L.LandgisParcelTiles = L.GridLayer.extend({
    options: {
      url: "", version: "", layer: "parcels", maxNativeZoom: 16, cacheTiles: 256,
      keepCanvases: 160,  // drawn tiles kept off the map (256 kB each at 256 px)
      preload: 1,  // rings of tiles around the view drawn ahead while the browser is idle
      style: function () { return ""; }, selected: null,  // null: nothing is selected
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
      if (queue.length) { this._idle(this._preloadNext); }
    },

    _idle: function (fn) {
      var self = this;
      if (window.requestIdleCallback) {
        window.requestIdleCallback(function () { fn.call(self); }, { timeout: 1000 });
      } else { window.setTimeout(function () { fn.call(self); }, 16); }
    },

    _preloadNext: function () {
      var coords = this._queue.shift();
      if (!coords || !this._map || coords.z !== this._tileZoom) { return; }
      var self = this, key = this._tileCoordsToKey(coords), generation = this._generation;
      this._load(this._source(coords)).then(function () {
        if (self._tiles[key] || self._canvases.has(key) || generation !== self._generation) {
          return;
        }
        var canvas = self._newCanvas();
        self._draw(canvas, coords);
        self._canvases.set(key, canvas);
      }).catch(function () { /* asked for again when it comes into view */ })
        .then(function () { if (self._queue.length) { self._idle(self._preloadNext); } });
    },

    /** The tile of the pyramid a display tile is drawn from, and where in it. */
    _source: function (coords) {
      var dz = Math.max(0, coords.z - this.options.maxNativeZoom), f = 1 << dz;
      var x = Math.floor(coords.x / f), y = Math.floor(coords.y / f), z = coords.z - dz;
      return { key: z + "/" + x + "/" + y, z: z, x: x, y: y, f: f,
               ox: coords.x - x * f, oy: coords.y - y * f };
    },

    _load: function (src) {
      var entry = this._cache.get(src.key);
      if (entry) {  // most recently used last
        this._cache.delete(src.key); this._cache.set(src.key, entry);
        return entry.promise;
      }
      var url = L.Util.template(this.options.url, { z: src.z, x: src.x, y: src.y }) +
        (this.options.version ? "?v=" + encodeURIComponent(this.options.version) : "");
      var cache = this._cache, name = this.options.layer;
      entry = { data: undefined, promise: null };
      entry.promise = fetch(url).then(function (r) {
        if (r.status === 204) { return null; }
        if (!r.ok) { throw new Error("tile " + src.key + ": HTTP " + r.status); }
        return r.arrayBuffer();
      }).then(function (buffer) {
        entry.data = buffer ? (decodeTile(buffer)[name] || null) : null;
        return entry.data;
      }, function (err) { cache.delete(src.key); throw err; });
      cache.set(src.key, entry);
      while (cache.size > this.options.cacheTiles) { cache.delete(cache.keys().next().value); }
      return entry.promise;
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
      if (entry && entry.data !== undefined) {  // decoded already: draw at once
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
      var layer = entry && entry.data;
      if (!layer) { return; }
      var o = this.options, size = canvas.width, xy = layer.xy, ratio = size / this.getTileSize().x;
      var scale = size * src.f / layer.extent, offX = src.ox * size, offY = src.oy * size;
      // the tile's pixels in tile units, with a few pixels' margin for the outlines
      var loX = (offX - 4) / scale, hiX = (offX + size + 4) / scale;
      var loY = (offY - 4) / scale, hiY = (offY + size + 4) / scale;
      var groups = {}, picked = [], features = layer.features, selected = o.selected;
      for (var i = 0; i < features.length; i++) {
        var f = features[i], b = f.box;
        if (b[2] < loX || b[0] > hiX || b[3] < loY || b[1] > hiY) { continue; }
        var colour = o.style(f.props);
        if (colour === null) { continue; }  // filtered out
        (groups[colour] || (groups[colour] = [])).push(f);
        if (selected && selected(f.props)) { picked.push(f); }
      }
      // One path per colour, filled then outlined: a few canvas calls per tile, not per parcel.
      function trace(list) {
        ctx.beginPath();
        for (var n = 0; n < list.length; n++) {
          var g = list[n];
          for (var r = 0; r < g.rings.length; r++) {
            var from = g.rings[r], to = r + 1 < g.rings.length ? g.rings[r + 1] : g.end;
            var x0 = xy[from] * scale - offX, y0 = xy[from + 1] * scale - offY;
            ctx.moveTo(x0, y0);
            for (var k = from + 2; k < to; k += 2) { ctx.lineTo(xy[k] * scale - offX, xy[k + 1] * scale - offY); }
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
      var layer = entry && entry.data;
      if (!layer) { return null; }
      var x = (p.x / size.x / src.f - src.x) * layer.extent;
      var y = (p.y / size.y / src.f - src.y) * layer.extent;
      for (var i = layer.features.length - 1; i >= 0; i--) {  // the one drawn last is on top
        var f = layer.features[i];
        if (contains(layer, f, x, y) && this.options.style(f.props) !== null) { return f.props; }
      }
      return null;
    },
  });

  L.landgisParcelTiles = function (options) { return new L.LandgisParcelTiles(options); };
  L.LandgisParcelTiles.decodeTile = decodeTile;
})();
