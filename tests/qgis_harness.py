"""Headless QGIS for the tests: run a Python snippet in Debian's QGIS and get its answer back.

QGIS (Debian's ``python3-qgis`` + ``qgis-providers``, QGIS 3.22; ``make test`` installs them)
lives in the system's ``/usr/bin/python3``, not in the virtual environment, so a snippet runs in
a child process: ``QT_QPA_PLATFORM=offscreen``, ``QgsApplication`` initialised with the prefix
``/usr``. The snippet sees ``from qgis.core import *`` and ``QgsApplication``'s instance as
``app``, fills the dict ``result``, and :func:`run_qgis` returns that dict (sent back as JSON on
the last line of the output). Keep the checks of one test in one snippet: starting QGIS costs
a second or two.

``need_qgis()`` skips a test when QGIS is missing, or fails it under ``LANDGIS_REQUIRE_ALL=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import need

#: Debian's Python, the one ``python3-qgis`` installs its ``qgis`` package for
QGIS_PYTHON = os.environ.get("LANDGIS_QGIS_PYTHON", "/usr/bin/python3")
#: the last line of a snippet's output starts with this, then the result as JSON
MARKER = "@@landgis-qgis-result@@"
#: the key of the result holding the traceback of a snippet that raised
TRACEBACK = "__traceback__"

_PROLOGUE = """\
import json, sys, traceback
from qgis.core import *
QgsApplication.setPrefixPath('/usr', True)
app = QgsApplication([], False)
app.initQgis()
result = {}
try:
"""

_EPILOGUE = """
except BaseException:
    result[%r] = traceback.format_exc()
print()
print(%r + json.dumps(result, default=str))
sys.stdout.flush()
app.exitQgis()
""" % (TRACEBACK, MARKER)


class QgisError(RuntimeError):
    """The snippet raised, or QGIS did not answer (the message holds what it printed)."""


def qgis_available() -> bool:
    """True when Debian's Python imports ``qgis.core``."""
    if not os.path.exists(QGIS_PYTHON):
        return False
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=60)
    return probe.returncode == 0


def need_qgis() -> None:
    """Skip (or fail under LANDGIS_REQUIRE_ALL=1) when QGIS is not installed."""
    need(qgis_available(), "QGIS is missing: apt-get install python3-qgis qgis-providers "
                           "(make test)")


def run_qgis(code: str, *, timeout: float = 120, env: dict | None = None) -> dict:
    """Run ``code`` in headless QGIS and return the ``result`` dict it fills.

    Raises :class:`QgisError` when the snippet raised (with its traceback) or QGIS exited
    without an answer. ``env`` adds to the environment (e.g. a server's URL).
    """
    script = _PROLOGUE + textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ") \
        + _EPILOGUE
    child_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    # the venv's Python path would shadow Debian's packages (numpy, sip) in the QGIS process
    child_env.pop("PYTHONPATH", None)
    child_env.pop("VIRTUAL_ENV", None)
    done = subprocess.run([QGIS_PYTHON, "-c", script], capture_output=True, text=True,
                          env=child_env, timeout=timeout, cwd="/")
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise QgisError(f"QGIS gave no answer (exit {done.returncode}):\n"
                        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result = json.loads(lines[-1][len(MARKER):])
    if TRACEBACK in result:
        raise QgisError(f"the QGIS snippet failed:\n{result[TRACEBACK]}\n{done.stderr[-2000:]}")
    return result


# --------------------------------------------------------------------------- fixtures
# Import them into a test module (``from tests.qgis_harness import qgis, demo_server``) or a
# conftest.py; pytest registers an imported fixture like one defined there.

#: the embedded demo (``make layers``) and its basemap
DEMO_GPKG = Path(__file__).resolve().parents[1] / "layers" / "kontum.gpkg"
DEMO_BASEMAP = DEMO_GPKG.with_name("hillshade.tif")


@pytest.fixture(scope="session")
def qgis():
    """Headless QGIS is there (else skip, or fail under LANDGIS_REQUIRE_ALL=1); gives
    :func:`run_qgis`."""
    need_qgis()
    return run_qgis


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The app on a copy of the embedded demo (6,440 parcels, its hillshade as the basemap),
    served by waitress on 127.0.0.1 and a free port, open to read (no login) as ``make run``
    serves it; yields the :class:`~tests.webmap.browser.LiveServer` (``.url``, ``.app``).
    Tiles are encoded on request (no pyramid built in a child process)."""
    from tests.webmap.browser import LiveServer
    from webmap import create_app

    need(DEMO_GPKG.exists(), f"{DEMO_GPKG} is missing: make layers")
    folder = tmp_path_factory.mktemp("qgis-demo")
    shutil.copyfile(DEMO_GPKG, folder / "kontum.gpkg")
    config = {"database_url": str(folder / "kontum.gpkg"),
              "instance_dir": str(folder / "instance"), "tiles_build": "off"}
    if DEMO_BASEMAP.exists():
        config["basemap_raster"] = str(DEMO_BASEMAP)
    app = create_app(config)
    with LiveServer(app) as live:
        live.app = app
        yield live
