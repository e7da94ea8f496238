"""Writing a review report: ``bao_cao.docx``, ``bao_cao.xlsx``, ``bao_cao.pdf``, the chart
images (``charts/``, the park maps too) and ``manifest.json``, all or nothing.

The report is built once (:func:`landgis.report.figures.build_report`) and then rendered into a
fresh temporary folder beside the target; only when every file is written is it renamed into
place, so a refusal or a failure (no LibreOffice, a bad zone) leaves nothing half-written. An
existing target is refused unless ``force``; even then only an empty folder or an earlier
report (it has a ``manifest.json``) is replaced, never a folder of other files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

from landgis import __version__
from landgis.dossier.export import _sha256, _store_label
from landgis.folders import swap_in
from landgis.report import charts as chartsmod
from landgis.report import maps as mapsmod
from landgis.report.docx import write_docx
from landgis.report.model import Report
from landgis.report.pdf import check_pdf_tools, docx_to_pdf
from landgis.report.xlsx import write_xlsx

LANGS = ("vi", "en")
FILES = ("bao_cao.docx", "bao_cao.xlsx", "bao_cao.pdf", "manifest.json")
VN_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


class OutputError(ValueError):
    """The output folder cannot be written (it exists, its parent does not); ``option`` names
    the setting that would allow it (``force``), where one would."""

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        self.option = option


def check_output(out, *, force: bool = False) -> Path:
    """The target folder, checked before anything is computed."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{out}: đã có tệp cùng tên / a file of that name exists")
        if not force:
            raise OutputError(f"{out}: thư mục đã có, chỉ ghi đè khi được phép / the folder "
                              "already exists; it is replaced only when overwriting is allowed",
                              option="force")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise OutputError(f"{out}: thư mục không trống và không phải báo cáo / the folder "
                              "is not empty and holds no earlier report (manifest.json)")
    elif not out.parent.is_dir():
        raise OutputError(f"{out.parent}: không có thư mục / no such folder")
    return out


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"ngôn ngữ không hỗ trợ / unsupported language {lang!r}; "
                         f"one of: {', '.join(LANGS)}")
    return lang


def render_files(report: Report, folder: Path, *, store=None, lang: str = "vi",
                 basemap: str | None = None, issued: dt.date | None = None,
                 pdf: bool = True) -> list[str]:
    """Write the report's files into the existing ``folder``; their relative paths."""
    chart_dir = folder / "charts"
    chart_dir.mkdir()
    images = {}
    for section in report.sections:
        for chart in section.charts:
            images[chart.name] = chartsmod.chart_png(report, chart,
                                                     chart_dir / f"{chart.name}.png", lang)
    figures = []
    if store is not None:
        for figure in report.maps:
            png = chart_dir / f"ban_do_{figure.zone_code}.png"
            figures.append((figure, mapsmod.map_png(store, figure, report.as_of, png,
                                                    lang=lang, basemap=basemap)))
    write_docx(report, folder / "bao_cao.docx", lang=lang, charts=images, maps=figures,
               issued=issued)
    write_xlsx(report, folder / "bao_cao.xlsx", lang=lang)
    if pdf:
        docx_to_pdf(folder / "bao_cao.docx", folder / "bao_cao.pdf")
    return sorted(str(f.relative_to(folder)).replace(os.sep, "/")
                  for f in folder.rglob("*") if f.is_file())


def _manifest(report: Report, folder: Path, files: list[str], *, store, lang: str,
              now: dt.datetime) -> dict:
    manifest = {
        "kind": "landgis review report / báo cáo sơ kết, tổng kết",
        "period": {"key": report.period.key, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat(), "label": report.period.label(lang)},
        "previous": {"key": report.previous.key, "start": report.previous.start.isoformat(),
                     "end": report.previous.end.isoformat()},
        "as_of": report.as_of,
        "zone": report.zone,
        "lang": lang,
        "empty": report.empty,
        "store": {**(_store_label(store) if store is not None else {}),
                  "data_version": report.data_version},
        "written_at": now.isoformat(timespec="seconds"),
        "landgis_version": __version__,
        "tables": [t.name for s in report.sections for t in s.tables],
        "files": [{"path": f, "bytes": (folder / f).stat().st_size,
                   "sha256": _sha256(folder / f)} for f in files],
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def render_report(report: Report, out_dir, *, store=None, lang: str = "vi",
                  force: bool = False, basemap: str | None = None,
                  now: dt.datetime | None = None) -> dict:
    """Write a built report's files into ``out_dir`` (all or nothing); the manifest."""
    _check_lang(lang)
    out = check_output(out_dir, force=force)
    check_pdf_tools()
    now = now or dt.datetime.now(VN_TIME)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        folder = work / "report"
        folder.mkdir()
        files = render_files(report, folder, store=store, lang=lang, basemap=basemap,
                             issued=now.date())
        manifest = _manifest(report, folder, files, store=store, lang=lang, now=now)
        swap_in(folder, out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def write_report(store, period, *, zone: str | None = None, lang: str = "vi", out_dir,
                 force: bool = False, settings=None, basemap: str | None = None,
                 now: dt.datetime | None = None) -> dict:
    """Build the report of ``period`` (and ``zone``) from ``store`` and write its files into
    ``out_dir``: the manifest (data version, period, zone, language, files with SHA-256).
    ``basemap`` (else ``settings.basemap_raster``) is the raster under the park maps."""
    from landgis.report.figures import build_report

    _check_lang(lang)
    check_output(out_dir, force=force)
    check_pdf_tools()
    if basemap is None and settings is not None:
        basemap = settings.basemap_raster or None
    report = build_report(store, period, zone=zone,
                          rules_file=settings.schedule_rules if settings is not None else None)
    return render_report(report, out_dir, store=store, lang=lang, force=force,
                         basemap=basemap, now=now)
