"""``bao_cao.pdf``: the Word document converted by LibreOffice without a display.

LibreOffice runs with its own profile in a temporary folder (``-env:UserInstallation``), so two
conversions at once, or a user's open LibreOffice, never share a profile lock, and with a time
limit. The document's Times New Roman is drawn with a metric-compatible font that has the
Vietnamese glyphs (Liberation Serif, Debian's ``fonts-liberation2``, else DejaVu Serif); when
there is neither, or no converter, the conversion is refused with a clear message rather than a
PDF with boxes in place of letters.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERTERS = ("soffice", "libreoffice")
#: fonts that stand in for Times New Roman with every Vietnamese letter (by preference)
VIETNAMESE_SERIFS = ("Times New Roman", "Liberation Serif", "DejaVu Serif")
FONT_FILES = (Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
              Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
              Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
TIMEOUT_S = 180


class PdfError(ValueError):
    """The PDF cannot be made (no converter, no font, the conversion failed)."""


def find_converter() -> str:
    """The LibreOffice program, or :class:`PdfError` naming the package that installs it."""
    for name in CONVERTERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("không tìm thấy LibreOffice để chuyển sang PDF / no LibreOffice to convert "
                   "the report to PDF (Debian: apt-get install libreoffice-writer-nogui)")


def vietnamese_font() -> str:
    """The family that will draw the document's text, or :class:`PdfError`."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=vi", "family"], capture_output=True,
                                 text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        families = {f.strip() for line in out.splitlines() for f in line.split(",")}
        for family in VIETNAMESE_SERIFS:
            if family in families:
                return family
    for path in FONT_FILES:
        if path.is_file():
            return path.stem.split("-")[0]
    raise PdfError("không có phông chữ có dấu tiếng Việt / no font with the Vietnamese glyphs "
                   "(Times New Roman, Liberation Serif or DejaVu Serif; Debian: apt-get install "
                   "fonts-liberation2 fonts-dejavu-core); the PDF would show boxes")


def check_pdf_tools() -> tuple[str, str]:
    """Both checks at once, before anything is written: (converter, font family)."""
    return find_converter(), vietnamese_font()


def _options(name: str, *values: str) -> list[str]:
    """One of LibreOffice's own command-line options (argv of the converter, never a message
    to the user: the core's messages name no flag)."""
    return ["-" * 2 + name, *values]


def docx_to_pdf(docx, pdf, *, timeout: float = TIMEOUT_S, converter: str | None = None) -> Path:
    """Convert ``docx`` into ``pdf`` (a file path); :class:`PdfError` on any failure."""
    converter = converter or find_converter()
    vietnamese_font()
    docx, pdf = Path(docx), Path(pdf)
    with tempfile.TemporaryDirectory(prefix="landgis-lo-") as tmp:
        profile = Path(tmp) / "profile"
        outdir = Path(tmp) / "out"
        outdir.mkdir()
        cmd = [converter, f"-env:UserInstallation={profile.as_uri()}", *_options("headless"),
               *_options("norestore"), *_options("convert-to", "pdf"),
               *_options("outdir", str(outdir)), str(docx)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"chuyển sang PDF quá {timeout:g} giây / the PDF conversion took "
                           f"more than {timeout:g} s") from None
        made = outdir / (docx.stem + ".pdf")
        if done.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
            detail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or [""]
            raise PdfError(f"chuyển sang PDF không thành công / the PDF conversion failed "
                           f"(exit {done.returncode}): {detail[0]}")
        shutil.move(str(made), str(pdf))
    return pdf
