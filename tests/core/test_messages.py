"""The core's messages speak of data: no command-line flag, no script name in its strings.

The scripts add their flags (``option`` of the core's errors -> a flag) and the web page its
form fields; a flag written in the core would reach the web page, where it means nothing.
Docstrings may name the scripts that call a function; every other string literal may not.
"""

import ast
import re
from pathlib import Path

from landgis.config import PROJECT_DIR

#: a flag (``--sheet``), a script file (``import_layer.py``, ``scripts/``) or command
NAMES_A_SCRIPT = re.compile(r"(?<![\w-])--[a-z]|\b\w+\.py\b|\bscripts/|\blandgis-(import|status|"
                            r"area|dossier|versions|users|init-db|demo)\b")


def _docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def core_strings():
    for path in sorted((PROJECT_DIR / "landgis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs):
                yield path.relative_to(PROJECT_DIR), node.lineno, node.value


def test_the_scan_finds_what_it_looks_for():
    for text in ("give --sheet NAME", "run scripts/init_db.py", "(use import_layer.py)",
                 "landgis-status"):
        assert NAMES_A_SCRIPT.search(text), text
    for text in ("a -- b", "1-2-3", "--", "parcel_area_m2", "x.pyc", "SELECT 1 -- c"):
        assert not NAMES_A_SCRIPT.search(text), text


def test_no_core_string_names_a_flag_or_a_script():
    found = [f"{path}:{line}: {text[:80]!r}" for path, line, text in core_strings()
             if NAMES_A_SCRIPT.search(text)]
    assert not found, "\n".join(found)


def test_the_scan_reads_the_core():
    files = {path for path, _line, _text in core_strings()}
    assert Path("landgis/ingest/status_read.py") in files and len(files) > 30
