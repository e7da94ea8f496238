"""landgis: the land-fund and zoning GIS of the Kon Tum economic zone board.

The core package: data contract, CRS, storage, and the land-fund computations. It imports no web
or command-line framework and can be used from a notebook.
"""

__version__ = "0.1.0"
