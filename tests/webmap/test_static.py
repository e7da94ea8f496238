"""The page's own scripts carry nothing dead: every name a script exports is used by another
script, by the page the server writes or by the browser tests, and every script a comment
names is one the server has."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "webmap" / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))


def module_exports(path: Path) -> tuple[str, list[str]]:
    """``var NAME = (function () { … return { a: a, b: b }; })();``: NAME and its exports."""
    text = path.read_text()
    name = re.search(r"^var (\w+) = \(function", text, re.M)
    exports = re.findall(r"^  return \{([^}]*)\};\n\}\)\(\);", text, re.M)
    if not name or not exports:
        return "", []
    return name.group(1), re.findall(r"(\w+)\s*:", exports[-1])


def users(path: Path) -> str:
    """Everything that may call into ``path``'s exports."""
    others = [p for p in SCRIPTS if p != path]
    others += list((ROOT / "webmap").glob("*.py"))
    others += list((ROOT / "webmap" / "templates").glob("*"))
    others += list((ROOT / "tests" / "webmap").glob("*.py"))
    return "\n".join(p.read_text() for p in others)


@pytest.mark.parametrize("path", [p for p in SCRIPTS if module_exports(p)[1]], ids=lambda p: p.name)
def test_every_export_is_used(path):
    name, exports = module_exports(path)
    text = users(path)
    unused = [e for e in exports if not re.search(rf"\b{name}\.{e}\b", text)]
    assert not unused, f"{path.name} exports {', '.join(unused)}, which nothing calls"


def test_scripts_named_in_comments_exist():
    named = {m for p in SCRIPTS for m in re.findall(r"\b([\w-]+\.js)\b", p.read_text())}
    assert named and named <= {p.name for p in SCRIPTS}, named - {p.name for p in SCRIPTS}
