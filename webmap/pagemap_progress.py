"""The progress overlays of the map page: investor projects drawn on their plots, coloured by
schedule state, and public investment projects with the share of the year's capital plan
disbursed (issue 13).

Neither is embedded: each is a layer of ``static/progress-layers.js`` that asks
``/api/map/investments`` or ``/api/map/projects`` for the date chosen in the page's panel when
it is switched on, so the page stays the same whatever the ledger holds. The layer switch lists
them like the parcels; the panel gives their legend and date (:func:`progress_vocab` gives the
labels and colours).
"""

from __future__ import annotations

import json

import folium
from jinja2 import Template

from landgis.vocabularies import (
    APPROVAL_KIND,
    CAPITAL_SOURCE,
    MILESTONE,
    PROGRESS_KIND,
    SCHEDULE_STATE,
)

#: The schedule states in the Okabe-Ito palette, told apart with any colour vision: blue,
#: orange, vermillion, and a dark grey (drawn dashed) for revoked.
SCHEDULE_COLOURS = {"on_schedule": "#0072b2", "behind": "#e69f00", "revocable": "#d55e00",
                    "revoked": "#555555"}
#: The pane the overlays draw in: above the parcels' canvas (450), so that a click on an
#: investment opens the investment, below the markers (600).
PANE = "progress"

INVESTMENTS_NAME = "Dự án nhà đầu tư / Investor projects"
PROJECTS_NAME = "Dự án đầu tư công / Public projects"


def progress_vocab(labels) -> dict:
    """The vocabularies the overlays' popups and legend use (``labels``: pagemap's
    ``_labels``)."""
    return {
        "schedule_state": labels(SCHEDULE_STATE, SCHEDULE_COLOURS),
        "milestone": labels(MILESTONE),
        "event_kind": labels(PROGRESS_KIND),
        "capital_source": labels(CAPITAL_SOURCE),
        "approval_kind": labels(APPROVAL_KIND),
    }


class ProgressOverlay(folium.map.Layer):
    """One progress overlay: a layer of ``static/progress-layers.js`` fed by ``url``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.landgisProgressLayer({{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, name: str, *, kind: str, url: str, show: bool):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ProgressOverlay"
        options = {"kind": kind, "url": url, "pane": PANE}
        self.options_json = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")


def add_progress_layers(m: folium.Map) -> None:
    """The two overlays, their pane, script and style sheet, on map ``m`` (the public projects
    shown on opening, as the projects always were; the investors on request)."""
    folium.map.CustomPane(PANE, z_index=460).add_to(m)
    ProgressOverlay(PROJECTS_NAME, kind="projects", url="/api/map/projects",
                    show=True).add_to(m)
    ProgressOverlay(INVESTMENTS_NAME, kind="investments", url="/api/map/investments",
                    show=False).add_to(m)
    root = m.get_root()
    root.header.add_child(folium.CssLink("/static/progress-layers.css"))
    # the overlays' class extends Leaflet's: loaded after it, before the map's script
    root.html.add_child(folium.JavascriptLink("/static/progress-layers.js"))
