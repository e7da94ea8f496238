"""Writing a lot's dossier: the files, the manifest, a folder or a zip, all or nothing.

Every file is first written into a fresh temporary folder beside the target; only when all are
written is the folder renamed into place (or zipped to a temporary file renamed into place). A
refusal or a failure leaves nothing behind. An existing target folder is replaced only when it
is empty or holds an earlier dossier (a ``manifest.json``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyogrio

from landgis import __version__, crs as crsmod
from landgis.dossier import coords, geojson, sheet
from landgis.dossier.selection import DossierError, Lot, select_lot
from landgis.folders import swap_in

VN_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
FORMATS = ("shp", "kml")
CORE_FILES = ("lot.geojson", "lot.gpkg", "toa_do.xlsx", "toa_do.csv", "ho_so.pdf",
              "manifest.json")
SHAPEFILE_DIR = "lot_shp"
#: Shapefile field names (at most 10 characters)
SHP_FIELDS = {"parcel_id": "parcel_id", "commune_code": "commune", "commune_name": "comm_name",
              "sheet_no": "sheet_no", "parcel_no": "parcel_no", "land_use_code": "land_use",
              "zone_code": "zone_code", "plane_area_m2": "plane_m2",
              "ellipsoidal_area_m2": "ellips_m2", "legal_area_m2": "legal_m2",
              "clearance_status": "clearance", "auction_status": "auction"}


@dataclass
class Dossier:
    """What an export wrote: the target, the files (relative paths) and the manifest."""

    path: Path
    files: list[str]
    manifest: dict
    lot: Lot


def check_formats(formats) -> list[str]:
    """The optional formats asked for (``shp``, ``kml``), checked."""
    if isinstance(formats, str):
        formats = formats.split(",")
    out = []
    for f in formats or ():
        f = str(f).strip().lower()
        if not f:
            continue
        if f not in FORMATS:
            raise DossierError(f"định dạng không hỗ trợ / unsupported format {f!r}; "
                               f"optional formats: {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _store_label(store) -> dict:
    """Which store a dossier came from, without the server's folders or the database's user,
    password, host or port (a dossier leaves the office): the GeoPackage's file name, or the
    PostGIS database and schema."""
    schema = getattr(store, "schema", None)
    if schema is not None:
        return {"backend": "postgis", "database": urlsplit(str(store.url)).path.lstrip("/"),
                "schema": schema}
    return {"backend": "geopackage", "file": Path(str(store.url)).name}


def _neighbours(store, lot: Lot):
    """The store's parcels around the lot (for the sketches)."""
    w, s, e, n = lot.parcels.total_bounds
    pad = max(30.0, 0.15 * max(e - w, n - s))
    return store.read_layer("parcels", bbox=(w - pad, s - pad, e + pad, n + pad),
                            columns=["parcel_id", "parcel_no"])


def write_files(store, lot: Lot, folder: Path, *, formats=(), user=None, now=None,
                font_dir=sheet.FONT_DIR) -> dict:
    """Write every file of the dossier into ``folder`` (which exists); returns the manifest."""
    folder = Path(folder)
    now = (now or dt.datetime.now(VN_TIME))
    if now.tzinfo is None:
        now = now.replace(tzinfo=VN_TIME)
    now = now.astimezone(VN_TIME)
    totals = lot.totals()
    p = lot.parcels
    data_version = store.version()

    geojson.write_geojson(p, folder / "lot.geojson", properties=[
        c for c in p.columns if c != "geometry"],
        foreign={"lot": {"code": lot.code, "name": lot.name or None, **totals,
                         "crs_of_areas": "EPSG:9216"}})
    pyogrio.write_dataframe(p, folder / "lot.gpkg", layer="lot", driver="GPKG")
    table = coords.vertex_table(p)
    coords.write_csv(table, folder / "toa_do.csv")
    coords.write_xlsx(table, lot, folder / "toa_do.xlsx", crs_statement=sheet.CRS_STATEMENT)
    sheet.write_pdf(lot, table, _neighbours(store, lot), folder / "ho_so.pdf",
                    date_text=now.strftime("%d/%m/%Y"), font_dir=font_dir)
    if "shp" in formats:
        shp_dir = folder / SHAPEFILE_DIR
        shp_dir.mkdir()
        pyogrio.write_dataframe(p.rename(columns=SHP_FIELDS), shp_dir / "lot.shp",
                                driver="ESRI Shapefile", encoding="UTF-8")
    if "kml" in formats:
        ll = crsmod.to_wgs84(p)
        ll["Name"] = ll["parcel_id"]
        ll["Description"] = [f"Tờ {s} thửa {n}, {lu}, {a:.1f} m²" for s, n, lu, a in zip(
            ll["sheet_no"], ll["parcel_no"], ll["land_use_code"], ll["plane_area_m2"])]
        pyogrio.write_dataframe(ll[["Name", "Description", *[c for c in p.columns
                                                             if c != "geometry"], "geometry"]],
                                folder / "lot.kml", driver="KML", layer="lot")

    files = sorted(str(f.relative_to(folder)).replace(os.sep, "/")
                   for f in folder.rglob("*") if f.is_file())
    manifest = {
        "kind": "landgis auction lot dossier / hồ sơ lô đất đấu giá",
        "lot": {"code": lot.code, "name": lot.name or None},
        "parcel_ids": lot.parcel_ids,
        "totals": totals,
        "selection": lot.selection,
        "store": {**_store_label(store), "data_version": data_version},
        "exported_at": now.isoformat(timespec="seconds"),
        "user": user or None,
        "landgis_version": __version__,
        "crs": {"plane": "EPSG:9216 VN-2000 / TM-3 107-30 (lot.gpkg, toa_do, ho_so.pdf, areas)",
                "geojson": "EPSG:4326 WGS 84 lon/lat via EPSG:6960 (lot.geojson, lot.kml)",
                "statement": sheet.CRS_STATEMENT},
        "geojson_lot_totals": "the FeatureCollection's foreign member 'lot'",
        "formats": ["geojson", "gpkg", "xlsx", "csv", "pdf", *formats],
        "files": [{"path": f, "bytes": (folder / f).stat().st_size,
                   "sha256": _sha256(folder / f)} for f in files],
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, default=_json_default) + "\n",
        encoding="utf-8")
    return manifest


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _check_target(out: Path) -> None:
    if out.suffix.lower() == ".zip":
        if out.is_dir():
            raise DossierError(f"{out}: là thư mục / is a folder", kind="output")
        if not out.parent.is_dir():
            raise DossierError(f"{out.parent}: không có thư mục / no such folder", kind="output")
        return
    if out.exists():
        if not out.is_dir():
            raise DossierError(f"{out}: đã có tệp cùng tên / a file of that name exists",
                               kind="output")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise DossierError(f"{out}: thư mục không trống và không phải hồ sơ / the folder is "
                               "not empty and holds no earlier dossier (manifest.json)",
                               kind="output")
    elif not out.parent.is_dir():
        raise DossierError(f"{out.parent}: không có thư mục / no such folder", kind="output")


def zip_folder(folder: Path, target: Path) -> None:
    """Zip ``folder``'s files (paths relative to it, sorted) into ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(f, str(f.relative_to(folder)).replace(os.sep, "/"))


def export_dossier(store, out, *, code, name=None, parcels=None, zones=None, statuses=None,
                   land_uses=None, polygon=None, allow_uncleared: bool = False, formats=(),
                   user=None, now=None, font_dir=sheet.FONT_DIR, min_share: float = 0.5,
                   max_parcels: int | None = None) -> Dossier:
    """Select a lot (:func:`landgis.dossier.select_lot`) and write its dossier to ``out``:
    a folder, or a ``.zip`` file. Raises :class:`DossierError` (nothing written) on refusals,
    :class:`~landgis.dossier.selection.LotTooLarge` for more than ``max_parcels`` parcels.

    Files: ``lot.geojson``, ``lot.gpkg``, ``toa_do.xlsx``, ``toa_do.csv``, ``ho_so.pdf``,
    ``manifest.json``, and with ``formats`` ``lot_shp/lot.*`` (Shapefile) and ``lot.kml``.
    """
    out = Path(out)
    formats = check_formats(formats)
    sheet.check_fonts(font_dir)
    _check_target(out)
    lot = select_lot(store, code=code, name=name, parcels=parcels, zones=zones,
                     statuses=statuses, land_uses=land_uses, polygon=polygon,
                     allow_uncleared=allow_uncleared, min_share=min_share,
                     max_parcels=max_parcels)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        folder = work / "dossier"
        folder.mkdir()
        manifest = write_files(store, lot, folder, formats=formats, user=user, now=now,
                               font_dir=font_dir)
        files = sorted(str(f.relative_to(folder)).replace(os.sep, "/")
                       for f in folder.rglob("*") if f.is_file())
        if out.suffix.lower() == ".zip":
            tmp_zip = work / "dossier.zip"
            zip_folder(folder, tmp_zip)
            os.replace(tmp_zip, out)
        else:
            swap_in(folder, out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Dossier(out, files, manifest, lot)
