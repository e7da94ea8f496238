"""A Mapbox Vector Tile (specification 2.1) encoder for polygon layers, in numpy.

One tile is a handful of array operations whatever its size: the rings of every feature come
out of shapely at once (``get_parts``, ``get_rings``, ``get_coordinates`` with their indices),
the commands, deltas and zigzag integers are computed in bulk, and the protobuf bytes are
assembled by hand, every varint of the tile in one vectorised pass. No protobuf library.

The output is deterministic, so that a tile encoded on request, in a full pyramid build or in an
incremental update is the same bytes: features in the order given (the callers give ascending
``k`` / layer order), keys in the order of the columns given, values in first-seen order
(feature by feature, column by column), a layer's fields in field-number order.

The geometry is written as :mod:`mapbox_vector_tile` wrote it before (the previous encoder):
coordinates already on the tile grid and oriented (exterior rings of positive area with y down),
each ring without its closing point and without repeated consecutive points, a ring left with a
single point dropped (with its polygon when it is the exterior), a feature left with no polygon
dropped. The feature ``id`` is not set; a null value is omitted from a feature's tags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

#: Feature type POLYGON and the command integers of MoveTo(1) and ClosePath(1)
_POLYGON, _MOVE_TO_1, _CLOSE_PATH = 3, (1 << 3) | 1, (1 << 3) | 7
_LINE_TO = 2


def _sizes(v: np.ndarray) -> np.ndarray:
    """Bytes of each unsigned value as a protobuf varint."""
    n = np.ones(len(v), dtype=np.int64)
    if not len(v):
        return n
    top = int(v.max())
    k = 1
    while k < 10 and top >= (1 << (7 * k)):
        n += v >= np.uint64(1 << (7 * k))
        k += 1
    return n


def _varints(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The varint bytes (uint8) of every value of ``v`` (uint64), one after the other, and the
    number of bytes of each."""
    v = np.asarray(v, dtype=np.uint64)
    nb = _sizes(v)
    ends = np.cumsum(nb)
    out = np.empty(int(ends[-1]) if len(v) else 0, dtype=np.uint8)
    starts = ends - nb
    for k in range(int(nb.max()) if len(v) else 0):
        sel = slice(None) if k == 0 else np.flatnonzero(nb > k)
        byte = (v[sel] >> np.uint64(7 * k)) & np.uint64(0x7F)
        byte |= (nb[sel] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[sel] + k] = byte
    return out, nb


def _scatter(out: np.ndarray, dst: np.ndarray, src: np.ndarray, lengths: np.ndarray) -> None:
    """Copy consecutive pieces of ``src`` (of ``lengths`` bytes) to offsets ``dst`` of ``out``."""
    total = int(lengths.sum())
    if not total:
        return
    src_starts = np.cumsum(lengths) - lengths
    shift = np.repeat(dst - src_starts, lengths)
    out[np.arange(total) + shift] = src


def _zigzag(d: np.ndarray) -> np.ndarray:
    d = d.astype(np.int64)
    return ((d << 1) ^ (d >> 63)).astype(np.uint64)


def _geometry(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The geometry integers of every feature, one after the other (uint64), and each one's
    feature (position in ``geoms``). Rings are oriented here: exterior rings of positive area
    in tile units (clockwise on screen, y down), interior rings negative, a ring of the wrong
    sense reversed as a whole (as ``shapely.orient_polygons`` does)."""
    polys, pfeat = shapely.get_parts(geoms, return_index=True)
    rings, rpoly = shapely.get_rings(polys, return_index=True)
    xy, rix = shapely.get_coordinates(rings, return_index=True)
    nring = len(rings)
    n_r = np.bincount(rix, minlength=nring)
    first = np.cumsum(n_r) - n_r
    pos = np.arange(len(xy)) - first[rix]
    last = pos == n_r[rix] - 1
    is_ext = np.ones(nring, dtype=bool)
    is_ext[1:] = rpoly[1:] != rpoly[:-1]
    if len(xy) > 1:  # the signed area of each ring (shoelace), from the exact coordinates
        cross = xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]
        area = np.bincount(rix[:-1][~last[:-1]], weights=cross[~last[:-1]], minlength=nring)
        flip = np.where(is_ext, area < 0, area > 0)
        if flip.any():
            src = np.arange(len(xy))
            turn = flip[rix]
            src[turn] = (first[rix] + n_r[rix] - 1 - pos)[turn]
            xy = xy[src]
    xy = np.rint(xy).astype(np.int64)  # whole units (make_valid may add fractional ones)
    keep = ~last  # a ring's closing point is implied (ClosePath)
    if len(xy) > 1:  # repeated consecutive points are skipped
        keep[1:] &= ~((xy[1:] == xy[:-1]).all(axis=1) & (rix[1:] == rix[:-1]))
    ring_ok = np.bincount(rix[keep], minlength=nring) >= 2
    poly_ok = np.ones(len(polys), dtype=bool)
    poly_ok[rpoly[is_ext]] = ring_ok[is_ext]  # no exterior: no polygon
    ring_ok &= poly_ok[rpoly]
    keep &= ring_ok[rix]
    pts, prix = xy[keep], rix[keep]
    ok = np.flatnonzero(ring_ok)
    count = np.bincount(prix, minlength=nring)[ok]
    rfeat = pfeat[rpoly[ok]]
    rlen = 2 * count + 3
    rstart = np.cumsum(rlen) - rlen
    out = np.empty(int(rlen.sum()), dtype=np.uint64)
    out[rstart] = _MOVE_TO_1
    out[rstart + 3] = ((count - 1) << 3) | _LINE_TO
    out[rstart + rlen - 1] = _CLOSE_PATH
    # deltas from the previous point of the same feature (the cursor starts at 0, 0)
    ok_rank = np.cumsum(ring_ok) - 1
    pr = ok_rank[prix]
    pfe = rfeat[pr]
    d = pts.copy()
    same = np.zeros(len(pts), dtype=bool)
    same[1:] = pfe[1:] == pfe[:-1]
    d[1:][same[1:]] -= pts[:-1][same[1:]]
    t = np.arange(len(pts)) - (np.cumsum(count) - count)[pr]  # rank in its ring
    at = rstart[pr] + np.where(t == 0, 1, 2 + 2 * t)
    out[at] = _zigzag(d[:, 0])
    out[at + 1] = _zigzag(d[:, 1])
    return out, np.repeat(rfeat, rlen)


def _strings(values: list) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of ``values`` (str), one after the other, and each one's length."""
    if not values:
        return np.empty(0, np.uint8), np.empty(0, np.int64)
    joined = "\x00".join(values)
    raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    cuts = np.flatnonzero(raw == 0)
    if len(cuts) != len(values) - 1:  # a NUL inside a value: the slow way
        parts = [v.encode("utf-8") for v in values]
        return (np.frombuffer(b"".join(parts), dtype=np.uint8),
                np.array([len(p) for p in parts], dtype=np.int64))
    bounds = np.concatenate(([-1], cuts, [len(raw)]))
    lengths = np.diff(bounds) - 1
    return raw[raw != 0] if len(cuts) else raw, lengths.astype(np.int64)


def _messages(head: np.ndarray, width: int, body: np.ndarray | None = None,
              body_len: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Items made of ``width`` varints each (``head``, flat) followed by raw ``body`` bytes:
    their bytes one after the other and each one's length."""
    hb, hs = _varints(head)
    hlen = hs.reshape(-1, width).sum(axis=1)
    if body is None:
        return hb, hlen
    lengths = hlen + body_len
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    _scatter(out, starts, hb, hlen)
    _scatter(out, starts + hlen, body, body_len)
    return out, lengths


#: pandas' inferred kind of a column -> the Value field its values are written to
_KINDS = {"string": "string", "boolean": "bool", "integer": "int", "floating": "double",
          "mixed-integer-float": "double"}


def _kind_messages(kind: str, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``values`` fields (tag 4, a Value message each) of ``uniques`` of one kind: their
    bytes one after the other and each one's length."""
    n = len(uniques)
    if kind == "string":
        body, blen = _strings(list(uniques))
        inner = 1 + _sizes(blen.astype(np.uint64)) + blen
        head = np.column_stack([np.full(n, 0x22), inner, np.full(n, 0x0A), blen])
        return _messages(head.astype(np.uint64).ravel(), 4, body, blen)
    if kind == "double":
        dbl = np.asarray(uniques, dtype="<f8").view(np.uint8).reshape(-1, 8)
        body = np.column_stack([np.full((n, 3), (0x22, 9, 0x19), dtype=np.uint8), dbl])
        return body.ravel(), np.full(n, 11, dtype=np.int64)
    if kind == "bool":
        field, vals = 0x38, np.asarray(uniques, dtype=bool).astype(np.uint64)
    else:  # int: int_value when >= 0, sint_value (zigzag) below
        ints = np.asarray(uniques, dtype=np.int64)
        neg = ints < 0
        field = np.where(neg, 0x30, 0x20).astype(np.uint64)
        vals = np.where(neg, _zigzag(ints), ints.astype(np.uint64))
    head = np.column_stack([np.full(n, 0x22, dtype=np.uint64), 1 + _sizes(vals).astype(np.uint64),
                            np.broadcast_to(np.asarray(field, dtype=np.uint64), (n,)), vals])
    return _messages(head.ravel(), 4)


def _tags(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, bytes]:
    """The tags of every feature (flat uint64: key index, value index, column by column, null
    values left out), each tag's feature, which columns are keys, and the layer's ``values``
    fields in first-seen order."""
    nc = len(columns)
    nf = len(columns[0]) if nc else 0
    groups: dict[str, list[int]] = {}
    for c, v in enumerate(columns):
        kind = pd.api.types.infer_dtype(v, skipna=True)
        if kind == "empty":
            continue
        if kind not in _KINDS:  # not a value a tile can hold (dates, mixed): as text
            columns[c] = v = np.array([None if x is None else str(x) for x in v], dtype=object)
            kind = "string"
        groups.setdefault(_KINDS[kind], []).append(c)
    pos_parts, col_parts, code_parts, firsts, messages = [], [], [], [], []
    offset = 0
    for kind, cols in groups.items():
        block = np.column_stack([columns[c] for c in cols]).ravel()  # feature by feature
        gpos = (np.repeat(np.arange(nf) * nc, len(cols))
                + np.tile(np.asarray(cols), nf))
        ok = ~pd.isna(block)
        block, gpos = block[ok], gpos[ok]
        gcol = gpos % nc
        if kind == "int":
            block = block.astype(np.int64)
        elif kind == "double":
            block = block.astype(np.float64)
        elif kind == "bool":
            block = block.astype(bool)
        codes, uniques = pd.factorize(block, sort=False)
        first_at = np.unique(codes, return_index=True)[1]  # codes are in first-seen order
        pos_parts.append(gpos)
        col_parts.append(gcol)
        code_parts.append(codes + offset)
        firsts.append(gpos[first_at])
        messages.append(_kind_messages(kind, np.asarray(uniques)))
        offset += len(uniques)
    if not pos_parts:
        return (np.empty(0, np.uint64), np.empty(0, np.int64), np.zeros(nc, bool), b"")
    gpos, gcol, codes = (np.concatenate(p) for p in (pos_parts, col_parts, code_parts))
    rank = np.empty(offset, dtype=np.int64)
    rank[np.argsort(np.concatenate(firsts), kind="stable")] = np.arange(offset)
    used = np.zeros(nc, dtype=bool)
    used[gcol] = True
    key_index = np.cumsum(used) - 1
    order = np.argsort(gpos, kind="stable")
    tags = np.column_stack([key_index[gcol[order]], rank[codes[order]]]).astype(np.uint64)
    # the values, each at its rank
    lengths = np.empty(offset, dtype=np.int64)
    at = 0
    for _, mlen in messages:
        lengths[rank[at:at + len(mlen)]] = mlen
        at += len(mlen)
    starts = np.cumsum(lengths) - lengths
    data = np.empty(int(lengths.sum()), dtype=np.uint8)
    at = 0
    for mbytes, mlen in messages:
        _scatter(data, starts[rank[at:at + len(mlen)]], mbytes, mlen)
        at += len(mlen)
    return tags.ravel(), np.repeat(gpos[order] // nc, 2), used, data.tobytes()


def _field(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _varints(np.array([len(payload)], dtype=np.uint64))[0].tobytes() \
        + payload


def encode_layer(name: str, extent: int, geoms: np.ndarray,
                 columns: list[tuple[str, np.ndarray]]) -> bytes | None:
    """The MVT bytes of a one-layer tile: ``geoms`` (Polygon or MultiPolygon, in tile units;
    oriented here) with the values of ``columns`` (name, object array with None for null) of the
    same features; None when no feature is left."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return None
    geom, gfeat = _geometry(geoms)
    nf = len(geoms)
    ngeom = np.bincount(gfeat, minlength=nf)
    present = ngeom > 0
    if not present.any():
        return None
    names = [c for c, _ in columns]
    tags, tag_feat, used, values = _tags(
        [np.asarray(v, dtype=object)[present] for _, v in columns])
    # keep only the features with a geometry, renumbered
    renum = np.cumsum(present) - 1
    gfeat = renum[gfeat]
    nf = int(present.sum())
    ngeom = ngeom[present]
    ntag = np.bincount(tag_feat, minlength=nf)
    tag_bytes = np.bincount(tag_feat, weights=_sizes(tags), minlength=nf).astype(np.int64)
    geom_bytes = np.bincount(gfeat, weights=_sizes(geom), minlength=nf).astype(np.int64)
    has_tags = ntag > 0
    tag_field = np.where(has_tags, 1 + _sizes(tag_bytes.astype(np.uint64)) + tag_bytes, 0)
    feat_len = tag_field + 2 + 1 + _sizes(geom_bytes.astype(np.uint64)) + geom_bytes
    # one stream of varints: per feature [0x12 len] [0x12 taglen tags] [0x18 3 0x22 geomlen geom]
    nhead = np.where(has_tags, 4, 2)
    per = nhead + ntag + 4 + ngeom
    start = np.cumsum(per) - per
    stream = np.empty(int(per.sum()), dtype=np.uint64)
    stream[start] = 0x12
    stream[start + 1] = feat_len
    ht = start[has_tags]
    stream[ht + 2] = 0x12
    stream[ht + 3] = tag_bytes[has_tags]
    tag_rank = np.arange(len(tags)) - (np.cumsum(ntag) - ntag)[tag_feat]
    stream[start[tag_feat] + nhead[tag_feat] + tag_rank] = tags
    mid = start + nhead + ntag
    stream[mid] = 0x18
    stream[mid + 1] = _POLYGON
    stream[mid + 2] = 0x22
    stream[mid + 3] = geom_bytes
    geom_rank = np.arange(len(geom)) - (np.cumsum(ngeom) - ngeom)[gfeat]
    stream[mid[gfeat] + 4 + geom_rank] = geom
    features = _varints(stream)[0].tobytes()
    keys = b"".join(_field(0x1A, names[i].encode("utf-8")) for i in np.flatnonzero(used))
    layer = (_field(0x0A, name.encode("utf-8")) + features + keys + values
             + bytes([0x28]) + _varints(np.array([extent], dtype=np.uint64))[0].tobytes()
             + b"\x78\x02")
    return _field(0x1A, layer)
