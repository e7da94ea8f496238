/* landgis MVT decoding: a Mapbox Vector Tile (2.1) read with pbf into flat typed arrays, for
 * the parcel layer (parcel-tiles.js).
 *
 * decodeTile(bytes) -> {layerName: layer}; a layer holds count, extent, keys, values, typed
 * arrays xy, rings, first, box, polygon, tags, tagAt, k, id, and landUse; bytes keeps the tile
 * for the strings not read yet. attach(layer) gives it parcelId(i) and props(i), which read
 * those strings on first use.
 */
/* global Pbf */
var landgisMVT = (function () {
  "use strict";

  // A value of the layer's table. Strings are only located here and read when first asked for
  // (TextDecoder costs about a microsecond a string, and most parcel ids are never shown).
  function readValue(pbf, lazy) {
    var end = pbf.readVarint() + pbf.pos, value = null;
    while (pbf.pos < end) {
      var tag = pbf.readVarint() >> 3;
      if (tag === 1) {
        var length = pbf.readVarint();
        value = { from: pbf.pos, to: pbf.pos + length };
        lazy.push(value);
        pbf.pos += length;
      }
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

  var utf8 = new TextDecoder("utf-8");

  // A layer is decoded into flat arrays, not an object per feature: feature i has rings
  // first[i] .. first[i + 1] - 1; ring r has the x, y pairs xy[rings[r]] .. xy[rings[r + 1] - 1];
  // its box is box[4i .. 4i + 3]; its tags (key, value index pairs) are tags[tagAt[i] ..
  // tagAt[i + 1] - 1]. k and landUse hold what drawing needs; parcelId(i) and props(i) read the
  // rest when asked.
  function readFeature(pbf, g, i) {
    var end = pbf.readVarint() + pbf.pos, type = 0, xy = g.xy, rings = g.rings;
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    g.tagAt[i] = g.nTags;
    g.first[i] = g.nRings;
    while (pbf.pos < end) {
      var val = pbf.readVarint(), tag = val >> 3;
      if (tag === 2) {
        var tagsEnd = pbf.readVarint() + pbf.pos;
        while (pbf.pos < tagsEnd) { g.tags[g.nTags++] = pbf.readVarint(); }
      } else if (tag === 3) { type = pbf.readVarint(); }
      else if (tag === 4) {
        var geomEnd = pbf.readVarint() + pbf.pos, cmd = 1, count = 0, x = 0, y = 0, n = g.nXY;
        while (pbf.pos < geomEnd) {
          if (count <= 0) { var c = pbf.readVarint(); cmd = c & 7; count = c >> 3; }
          count--;
          if (cmd === 1 || cmd === 2) {
            x += pbf.readSVarint(); y += pbf.readSVarint();
            if (cmd === 1) { rings[g.nRings++] = n; }
            xy[n++] = x; xy[n++] = y;
            if (x < minX) { minX = x; } if (x > maxX) { maxX = x; }
            if (y < minY) { minY = y; } if (y > maxY) { maxY = y; }
          }  // 7, ClosePath: a ring is drawn closed anyway
        }
        g.nXY = n;
      } else { pbf.type = val & 7; pbf.skip(val); }
    }
    g.polygon[i] = type === 3 && g.nRings > g.first[i] ? 1 : 0;
    g.box[4 * i] = minX; g.box[4 * i + 1] = minY; g.box[4 * i + 2] = maxX; g.box[4 * i + 3] = maxY;
  }

  function readLayer(pbf, end) {
    var meta = { name: "", extent: 4096, keys: [], values: [], at: [], lazy: [] };
    var start = pbf.pos;
    pbf.readFields(function (tag, l, p) {
      if (tag === 1) { l.name = p.readString(); }
      else if (tag === 5) { l.extent = p.readVarint(); }
      else if (tag === 2) { l.at.push(p.pos); }  // read below, once keys and values are known
      else if (tag === 3) { l.keys.push(p.readString()); }
      else if (tag === 4) { l.values.push(readValue(p, l.lazy)); }
    }, meta, end);
    // every coordinate, ring start and tag takes at least one byte of the layer: its length
    // bounds the arrays, which are filled by index (no growing arrays, no copies)
    var n = meta.at.length, size = end - start + 1;
    var g = { xy: new Int32Array(size), nXY: 0, rings: new Int32Array(size), nRings: 0,
              tags: new Int32Array(size), nTags: 0, first: new Int32Array(n + 1),
              tagAt: new Int32Array(n + 1), box: new Float64Array(4 * n),
              polygon: new Uint8Array(n) };
    for (var i = 0; i < n; i++) { pbf.pos = meta.at[i]; readFeature(pbf, g, i); }
    pbf.pos = end;  // past the layer, wherever its last feature was
    g.first[n] = g.nRings;
    g.tagAt[n] = g.nTags;
    g.rings[g.nRings] = g.nXY;  // the end of the last ring
    var layer = { name: meta.name, extent: meta.extent, count: n, keys: meta.keys,
                  values: meta.values, xy: g.xy.subarray(0, g.nXY),
                  rings: g.rings.subarray(0, g.nRings + 1), first: g.first, box: g.box,
                  polygon: g.polygon, tags: g.tags.subarray(0, g.nTags), tagAt: g.tagAt,
                  k: new Int32Array(n).fill(-1), id: new Int32Array(n).fill(-1),
                  landUse: new Array(n) };
    var values = meta.values, seen = {};
    var kKey = meta.keys.indexOf("k"), idKey = meta.keys.indexOf("parcel_id");
    var luKey = meta.keys.indexOf("land_use_code"), tags = layer.tags;
    for (i = 0; i < n; i++) {
      for (var t = layer.tagAt[i]; t < layer.tagAt[i + 1]; t += 2) {
        var key = tags[t], j = tags[t + 1];
        if (key === kKey) { layer.k[i] = values[j]; }
        else if (key === idKey) { layer.id[i] = j; }  // the value's index, read when asked for
        else if (key === luKey) {  // a few dozen codes: read once each
          if (seen[j] === undefined) { seen[j] = stringAt(values, j, pbf.buf); }
          layer.landUse[i] = seen[j];
        }
      }
    }
    layer.bytes = pbf.buf;  // where the unread strings are
    return layer;
  }

  function stringAt(values, j, bytes) {
    var v = values[j];
    if (v !== null && typeof v === "object") {
      v = values[j] = utf8.decode(bytes.subarray(v.from, v.to));
    }
    return v;
  }

  /** The layers of an MVT tile, each decoded into flat arrays (see readFeature). */
  function decodeTile(buffer) {
    var pbf = new Pbf(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer)), layers = {};
    pbf.readFields(function (tag, out, p) {
      if (tag === 3) { var layer = readLayer(p, p.readVarint() + p.pos); out[layer.name] = layer; }
    }, layers);
    return layers;
  }

  function attach(layer) {
    layer.parcelId = function (f) {
      return this.id[f] < 0 ? null : stringAt(this.values, this.id[f], this.bytes);
    };
    layer.props = function (f) {
      var props = {};
      for (var u = this.tagAt[f]; u < this.tagAt[f + 1]; u += 2) {
        props[this.keys[this.tags[u]]] = stringAt(this.values, this.tags[u + 1], this.bytes);
      }
      return props;
    };
    return layer;
  }

  return { decodeTile: decodeTile, attach: attach };
})();
