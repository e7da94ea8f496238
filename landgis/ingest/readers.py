"""Read a planner's file into a GeoDataFrame, refusing what GDAL would read silently wrong.

Formats: Shapefile (also zipped), GeoPackage, GeoJSON, KML, FlatGeobuf, DXF and DGN v7
(boundary lines plus text labels, see :mod:`landgis.ingest.cad`), and CSV with a WKT column or
X/Y columns. GDAL opens a zipped Shapefile with no .dbf, a truncated .shp or a .dbf in a legacy
Vietnamese encoding without complaint; these checks happen here, before anything is stored.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from landgis.crs import resolve_crs

SUFFIXES = {
    ".shp": "ESRI Shapefile", ".zip": "ESRI Shapefile", ".gpkg": "GPKG",
    ".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".fgb": "FlatGeobuf",
    ".dxf": "DXF", ".dgn": "DGN", ".csv": "CSV",
}
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "hinhhoc")
X_COLUMNS = ("x", "easting", "lon", "lng", "longitude", "kinhdo")
Y_COLUMNS = ("y", "northing", "lat", "latitude", "vido")


#: What the importer is given besides the file (``option`` of :class:`SourceError`): each
#: adapter names them its own way (a command-line flag, a form field).
OPTIONS = ("crs", "encoding", "field_map", "constants", "source_layer")


class SourceError(ValueError):
    """A file that cannot be imported; the message names the file and what is wrong.

    ``option`` is the one of :data:`OPTIONS` that would put it right (a CRS for a file with
    none, another encoding …), None when only another file would.
    """

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        assert option is None or option in OPTIONS, option
        self.option = option


@dataclass
class Source:
    """What was read: the features, the CRS they claim (None if the file says nothing),
    the text encoding used, and notes for the report."""

    path: Path
    frame: gpd.GeoDataFrame
    crs: CRS | None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    cad_report: object | None = None


def _check_name(path: Path) -> None:
    if any(part == ".." for part in PurePosixPath(path.as_posix()).parts):
        raise SourceError(f"{path}: a file name with '..' is refused; give the file's own path")


def _shp_truncated(shp: bytes) -> str | None:
    """Why a .shp's bytes are short of what its header declares, or None."""
    if len(shp) < 100:
        return f"only {len(shp)} bytes, less than the 100-byte header"
    if struct.unpack(">i", shp[:4])[0] != 9994:
        return "no Shapefile header (file code 9994)"
    declared = struct.unpack(">i", shp[24:28])[0] * 2
    if declared != len(shp):
        return f"the header declares {declared:,} bytes but the file has {len(shp):,}"
    return None


def unsafe_member(name: str) -> bool:
    """Whether a zip member's name would land outside the folder it is unpacked in: an
    absolute path (``/x``, ``\\x``, ``C:x``) or one with ``..``, with either slash."""
    posix = name.replace("\\", "/")
    return (posix.startswith("/") or bool(re.match(r"[A-Za-z]:", posix))
            or ".." in PurePosixPath(posix).parts)


def _zip_members(path: Path) -> dict[str, str]:
    """The Shapefile parts inside a zip, by suffix; refuses the zip when any member's name is
    unsafe (:func:`unsafe_member`), whether or not it is a part."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceError(f"{path}: not a readable zip file") from None
    with zf:
        names = zf.namelist()
        for name in names:
            if unsafe_member(name):
                raise SourceError(f"{path}: tên không an toàn trong tệp zip / the zip holds an "
                                  f"unsafe name {name!r} (a path outside its folder); refused")
        shps = [n for n in names if n.lower().endswith(".shp")]
        if len(shps) != 1:
            raise SourceError(f"{path}: the zip must hold exactly one .shp, it holds "
                              f"{len(shps)} ({', '.join(shps) or 'none'})")
        stem = shps[0][:-4]
        parts = {}
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            match = [n for n in names if n.lower() == (stem + suffix).lower()]
            if match:
                parts[suffix] = match[0]
        for needed, why in ((".dbf", "the attributes"), (".shx", "the index")):
            if needed not in parts:
                raise SourceError(f"{path}: the zip has no {stem}{needed} ({why}); "
                                  "add it and zip again")
        reason = _shp_truncated(zf.read(parts[".shp"]))
        if reason:
            raise SourceError(f"{path}: {parts['.shp']} is truncated: {reason}")
    return parts


def _shapefile_parts(path: Path) -> dict[str, Path]:
    parts = {}
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
            if candidate.exists():
                parts[suffix] = candidate
    for needed, why in ((".dbf", "the attributes"), (".shx", "the index")):
        if needed not in parts:
            raise SourceError(f"{path}: no {path.with_suffix(needed).name} beside it ({why})")
    reason = _shp_truncated(parts[".shp"].read_bytes())
    if reason:
        raise SourceError(f"{path}: truncated: {reason}")
    return parts


def _decode_columns(df: pd.DataFrame, encoding: str) -> pd.DataFrame:
    """Text read as latin-1 (byte for byte) decoded in a legacy encoding, then NFC."""
    from landgis.ingest.encodings import decode_bytes
    from landgis.ingest.fields import map_distinct

    out = df.copy()
    for col in out.columns:
        if col != "geometry" and out[col].dtype == object:
            out[col] = map_distinct(out[col], lambda v: decode_bytes(v.encode("latin-1"), encoding)
                                    if isinstance(v, str) else v).where(out[col].notna(), None)
    return out


def _nfc(df: pd.DataFrame) -> pd.DataFrame:
    from landgis.ingest.fields import map_distinct

    for col in df.columns:
        if col != "geometry" and df[col].dtype == object:
            df[col] = map_distinct(df[col], lambda v: unicodedata.normalize("NFC", v)
                                   if isinstance(v, str) else v).where(df[col].notna(), None)
    return df


def _read_shapefile(path: Path, encoding: str | None, notes: list[str]):
    from landgis.ingest.encodings import detect_encoding, read_dbf_strings

    if path.suffix.lower() == ".zip":
        parts = _zip_members(path)
        gdal_path = f"/vsizip/{path.resolve()}/{parts['.shp']}"
        with zipfile.ZipFile(path) as zf:
            cpg = zf.read(parts[".cpg"]).decode("ascii", "replace").strip() \
                if ".cpg" in parts else None
            dbf_bytes = zf.read(parts[".dbf"])
    else:
        parts = _shapefile_parts(path)
        gdal_path = str(path)
        cpg = parts[".cpg"].read_text("ascii", "replace").strip() if ".cpg" in parts else None
        dbf_bytes = parts[".dbf"].read_bytes()
    if encoding is None:
        if cpg:
            encoding = {"65001": "utf-8", "utf8": "utf-8", "1258": "cp1258"}.get(
                cpg.lower().replace("-", ""), cpg.lower())
            notes.append(f"encoding from the .cpg file: {encoding}")
        else:
            samples = [v for values in read_dbf_strings(dbf_bytes).values() for v in values]
            encoding, confidence = detect_encoding(samples)
            notes.append(f"no .cpg: text encoding detected as {encoding} "
                         f"(confidence {confidence:.0%}); another encoding may be given")
    legacy = encoding in ("tcvn3", "vni", "cp1258")
    df = pyogrio.read_dataframe(gdal_path, encoding="ISO-8859-1" if legacy else encoding,
                                use_arrow=not legacy)
    if legacy:
        df = _decode_columns(df, encoding)
    return df, encoding


def _read_csv(path: Path, crs: CRS | None, notes: list[str]) -> gpd.GeoDataFrame:
    from landgis.ingest.fields import fold

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    folded = {fold(c): c for c in df.columns}
    wkt = next((folded[n] for n in WKT_COLUMNS if n in folded), None)
    if wkt is not None:
        try:
            geoms = shapely.from_wkt(df[wkt].replace("", None))
        except shapely.errors.GEOSException as exc:
            raise SourceError(f"{path}: column {wkt!r} holds text that is not WKT: {exc}") from None
        return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=geoms, crs=crs)
    xc = next((folded[n] for n in X_COLUMNS if n in folded), None)
    yc = next((folded[n] for n in Y_COLUMNS if n in folded), None)
    if xc is None or yc is None:
        raise SourceError(f"{path}: no WKT column ({', '.join(WKT_COLUMNS)}) and no X/Y "
                          f"columns; the columns are: {', '.join(df.columns)}")
    try:
        x = pd.to_numeric(df[xc].str.replace(",", ".", regex=False))
        y = pd.to_numeric(df[yc].str.replace(",", ".", regex=False))
    except ValueError as exc:
        raise SourceError(f"{path}: columns {xc!r}/{yc!r} are not numbers: {exc}") from None
    if fold(xc) == "x" and crs is not None and crs.is_projected and \
            x.min() > 1_000_000 > y.max():
        # Vietnamese survey tables write X for the northing and Y for the easting.
        x, y = y, x
        notes.append(f"columns {xc}/{yc} follow the survey convention (X = northing); "
                     "read as northing/easting")
    return gpd.GeoDataFrame(df.drop(columns=[xc, yc]), geometry=shapely.points(x, y), crs=crs)


def _unreadable_geometries(path: Path, layer: str | None, exc: Exception) -> str:
    """Name the features whose geometry GEOS refuses (an unclosed ring fails the whole read)."""
    try:
        _meta, _fids, wkb, fields = pyogrio.raw.read(path, layer=layer)
    except Exception:
        return f"a geometry cannot be read: {exc}"
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    bad = np.flatnonzero(shapely.is_missing(geoms) & np.array([w is not None for w in wkb]))
    names = []
    for i in bad[:10]:
        first = next((f"{col}={values[i]}" for col, values in zip(_meta["fields"], fields)), "")
        names.append(f"feature {i + 1}" + (f" ({first})" if first else ""))
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    return (f"{len(bad)} geometry(ies) cannot be read ({exc}): {', '.join(names)}{more}; "
            "fix them (e.g. close the rings) and export again")


def read_source(path, *, crs=None, encoding: str | None = None, layer: str | None = None
                ) -> Source:
    """Read ``path`` into a :class:`Source`, or raise :class:`SourceError` saying why not.

    Parameters
    ----------
    path : str or Path
    crs : CRS-like, optional
        The CRS of a file that has none. A file's own CRS (its .prj) wins and a
        conflicting ``crs`` is noted in the report.
    encoding : str, optional
        The text encoding of a Shapefile's .dbf: ``utf-8``, ``cp1258``, ``tcvn3``, ``vni``;
        detected when missing and there is no .cpg.
    layer : str, optional
        The layer to read in a multi-layer source (GeoPackage, KML, CAD level).
    """
    path = Path(path)
    _check_name(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(f"{path}: unknown kind of file {suffix!r}; accepted: "
                          f"{', '.join(sorted(SUFFIXES))}")
    try:
        given = resolve_crs(crs) if crs is not None else None
    except Exception as exc:  # noqa: BLE001 - pyproj's CRSError is no ValueError
        raise SourceError(f"{path}: {exc}", "crs") from None
    notes: list[str] = []
    cad_report = None
    try:
        if suffix in (".shp", ".zip"):
            df, encoding = _read_shapefile(path, encoding, notes)
        elif suffix == ".csv":
            df = _read_csv(path, given, notes)
        elif suffix in (".dxf", ".dgn"):
            from landgis.ingest.cad import cad_to_parcels

            df, cad_report = cad_to_parcels(path, layers=[layer] if layer else None)
        else:
            df = pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except SourceError:
        raise
    except pyogrio.errors.DataLayerError as exc:
        raise SourceError(f"{path}: GDAL cannot read it as {SUFFIXES[suffix]}: {exc}",
                          "source_layer" if layer else None) from None
    except pyogrio.errors.DataSourceError as exc:
        raise SourceError(f"{path}: GDAL cannot read it as {SUFFIXES[suffix]}: {exc}") from None
    except shapely.errors.GEOSException as exc:
        raise SourceError(f"{path}: {_unreadable_geometries(path, layer, exc)}") from None
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: the text is not in {encoding}: {exc}; "
                          "another encoding is needed", "encoding") from None
    if not isinstance(df, gpd.GeoDataFrame) or df.geometry.name not in df:
        raise SourceError(f"{path}: no geometry in the file")
    if len(df) == 0:
        if cad_report is not None:
            raise SourceError(f"{path}: the drawing's lines close into no polygon with one "
                              f"label; nothing to import.\n{cad_report}")
        raise SourceError(f"{path}: the file holds no features")
    missing = shapely.is_missing(df.geometry.values)
    if missing.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing)[:10])
        raise SourceError(f"{path}: {int(missing.sum())} feature(s) have no geometry "
                          f"(rows {rows}); the file may be truncated or damaged")
    file_crs = df.crs
    if file_crs is None and given is not None:
        df = df.set_crs(given)
    elif file_crs is not None and given is not None and file_crs != given:
        notes.append(f"the file says {file_crs.name}; the CRS given, {given.name}, is ignored")
    return Source(path, _nfc(df), df.crs, encoding, notes, cad_report)
