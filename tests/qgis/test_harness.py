"""The headless QGIS of the desktop-client tests is there and has the providers they need."""

from tests.qgis_harness import QgisError, qgis  # noqa: F401 (fixture)

import pytest


def test_qgis_runs_headless_with_the_oapif_and_vector_tile_providers(qgis):
    result = qgis("""
        result['version'] = Qgis.QGIS_VERSION_INT
        result['providers'] = QgsProviderRegistry.instance().providerList()
        result['platform'] = app.platformName()
    """)
    assert result["version"] >= 32200, result["version"]
    assert {"OAPIF", "vectortile", "WFS", "postgres"} <= set(result["providers"]), \
        result["providers"]


def test_a_failing_snippet_is_reported_with_its_traceback(qgis):
    with pytest.raises(QgisError, match="ZeroDivisionError"):
        qgis("result['x'] = 1 / 0")
