"""The commands of pyproject.toml, as ``pip install -e .`` installs them (``make test`` does
it again whenever pyproject.toml changes)."""

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.scripts.conftest import ROOT

#: the command -> its file in scripts/ (which runs the same code from a checkout)
COMMANDS = {
    "landgis-import": "import_layer", "landgis-status": "import_status",
    "landgis-area": "parcel_area", "landgis-dossier": "export_dossier",
    "landgis-versions": "layer_versions", "landgis-users": "manage_users",
    "landgis-init-db": "init_db", "landgis-demo": "make_demo_layers",
    "landgis-import-progress": "import_progress", "landgis-progress": "progress",
    "landgis-report": "report", "landgis-qgis": "export_qgis_project",
}


def test_pyproject_declares_every_command():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert {name: target.split(":")[0].rsplit(".", 1)[1]
            for name, target in declared.items()} == COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_installed_command_runs(name):
    installed = {ep.name for ep in importlib.metadata.entry_points(group="console_scripts")}
    assert name in installed, f"{name} is not installed: pip install -e . (make test does it)"
    command = Path(sys.executable).parent / name
    out = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--db" in out.stdout and out.stdout.startswith(f"usage: {name}")
    # the same options as the script in scripts/ shows
    script = subprocess.run([sys.executable, str(ROOT / "scripts" / f"{COMMANDS[name]}.py"),
                             "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert script.returncode == 0, script.stderr
    assert script.stdout.split("\n\n", 1)[1] == out.stdout.split("\n\n", 1)[1]
