"""scripts/report.py as the Board's staff run it (issue 14): the folder of files, an existing
folder refused unless --force, a period in the future refused with nothing written."""

import json

import pytest
from docx import Document


@pytest.mark.backends("gpkg")  # the files' form; the figures are tested on both backends
def test_report_script_writes_the_folder_and_refuses_to_overwrite(store, script, tmp_path):
    out = tmp_path / "outs" / "bao-cao"
    out.parent.mkdir()
    done = script("report.py", "--db", store.url, "--period", "2019-H1", "--out", out)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"]["key"] == "2019-H1" and manifest["lang"] == "vi"
    names = {f["path"] for f in manifest["files"]}
    assert {"bao_cao.docx", "bao_cao.xlsx", "bao_cao.pdf"} <= names
    assert f"đã ghi / written: {out}/bao_cao.pdf" in done.stdout
    doc = Document(str(out / "bao_cao.docx"))
    assert "BÁO CÁO" in [p.text for p in doc.paragraphs]

    again = script("report.py", "--db", store.url, "--period", "2019-H1", "--out", out,
                   "--lang", "en")
    assert again.returncode == 1
    assert again.stderr.startswith("lỗi / error: ") and "--force" in again.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["lang"] == "vi"

    forced = script("report.py", "--db", store.url, "--period", "2019-H1", "--out", out,
                    "--lang", "en", "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["lang"] == "en"


@pytest.mark.backends("gpkg")
def test_report_script_refuses_a_period_in_the_future(store, script, tmp_path):
    out = tmp_path / "outs" / "r"
    out.parent.mkdir()
    done = script("report.py", "--db", store.url, "--period", "2099-H1", "--out", out)
    assert done.returncode != 0 and "lỗi / error" in done.stderr
    assert list(out.parent.iterdir()) == []
