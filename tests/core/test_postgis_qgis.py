"""QGIS itself (Debian's python3-qgis, headless) opens ``parcels_status`` through its
``postgres`` provider as the read-only role: the layer is valid, MultiPolygon in EPSG:9216,
holds every parcel, and a parcel's status is the ledger's (issue 15, item 5).

One QGIS process runs every check (tests/qgis_harness.py)."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from landgis.ledger import current_status
from landgis.store import pg_views
from tests.conftest import event
from tests.core.test_postgis_views import drop_role
from tests.qgis_harness import qgis  # noqa: F401 (the fixture)

pytestmark = pytest.mark.backends("postgis")

# Fills ``result`` with the layer as QGIS sees it (tests/qgis_harness.py runs it).
SNIPPET = r"""
import os
layer = QgsVectorLayer(os.environ["LANDGIS_TEST_URI"], "parcels", "postgres")
result["valid"] = layer.isValid()
if layer.isValid():
    result["count"] = layer.featureCount()
    result["crs"] = layer.crs().authid()
    result["geometry"] = QgsWkbTypes.displayString(layer.wkbType())
    result["fields"] = [f.name() for f in layer.fields()]
    statuses, areas = {}, {}
    for f in layer.getFeatures():
        statuses[f["parcel_id"]] = [f["clearance_status"], f["auction_status"],
                                    f["clearance_status_document"] or None]
        areas[f["parcel_id"]] = f.geometry().area()
    result["statuses"], result["areas"] = statuses, areas
    expr = QgsFeatureRequest().setFilterExpression("\"clearance_status\" = 'compensated'")
    result["compensated"] = sorted(f["parcel_id"] for f in layer.getFeatures(expr))
"""


def test_qgis_opens_the_status_view_as_the_reader(store, postgres_database, qgis):
    from psycopg.conninfo import conninfo_to_dict

    from landgis.store.postgis import split_url

    store.append_events(pd.DataFrame([
        event("23296-1-4", "clearance_status", "compensated", "2020-01-01", 20),
        {**event("23296-1-1", "clearance_status", "inventoried", "2019-06-01", 21),
         "corrects_event_id": "t-2"}]))
    role = f"landgis_reader_{uuid.uuid4().hex[:8]}"
    base = conninfo_to_dict(split_url(postgres_database)[0])
    try:
        pg_views.grant_reader(store, role, "qgis-pw")
        uri = (f"dbname='{base['dbname']}' host=127.0.0.1 port={base.get('port', 5432)} "
               f"user='{role}' password='qgis-pw' sslmode=disable key='parcel_id' srid=9216 "
               f"type=MultiPolygon checkPrimaryKeyUnicity='0' "
               f"table=\"{store.schema}\".\"parcels_status\" (geom)")
        got = qgis(SNIPPET, env={"LANDGIS_TEST_URI": uri})
    finally:
        drop_role(store, role)
    assert got["valid"], "QGIS could not open the view as the reader"
    parcels = store.read_layer("parcels")
    ledger = current_status(store.read_layer("status_events"), parcels["parcel_id"])
    assert got["count"] == len(parcels)
    assert got["crs"] == "EPSG:9216" and got["geometry"] == "MultiPolygon"
    assert {"legal_area_m2", "zone_code", "clearance_status_date"} <= set(got["fields"])
    for pid, row in ledger.iterrows():
        document = row["clearance_status_document"]
        assert got["statuses"][pid] == [row["clearance_status"], row["auction_status"],
                                        None if pd.isna(document) else document], pid
    assert got["compensated"] == sorted(ledger.index[ledger["clearance_status"] == "compensated"])
    areas = parcels.set_index("parcel_id").geometry.area
    assert all(abs(got["areas"][pid] - areas[pid]) < 1e-6 for pid in areas.index)
