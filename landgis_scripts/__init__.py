"""The landgis commands (``landgis-import``, ``landgis-area`` …, see pyproject.toml): each
module parses its arguments, calls one core function of :mod:`landgis` and presents the
result. ``scripts/<name>.py`` runs the same command from a checkout."""
