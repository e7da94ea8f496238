"""The half-year review written by landgis (issue 14): figures, sentences, and the Word,
Excel and PDF documents made from them; see :mod:`landgis.report.model`."""
