# landgis: `make run` serves the web map on the demo data, `make test` runs every test.
# Each target installs what it needs by itself (virtual environment, packages, demo layers).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSETS := webmap/node_modules/.installed
DB     := layers/kontum.gpkg
HOST   ?= 127.0.0.1
PORT   ?= 5000

# In CI a missing service fails the run instead of skipping its tests.
ifeq ($(CI),true)
export LANDGIS_REQUIRE_ALL := 1
endif

.PHONY: run test bench layers venv assets postgres report-tools clean

venv: $(STAMP)

# The browser libraries the page serves itself (no CDN on an office network with no internet).
$(ASSETS): webmap/package.json webmap/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --prefix webmap --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

assets: $(ASSETS)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(DB): $(STAMP) landgis_scripts/make_demo_layers.py $(wildcard landgis/demo/*.py layers/sources/*.csv)
	$(BIN)/python scripts/make_demo_layers.py --out $(DB)

layers: $(DB)

# waitress reads a whole body before the app sees it: beyond this it stops reading (the app's
# own bounds, LANDGIS_MAX_REQUEST_BYTES, LANDGIS_MAX_UPLOAD_BYTES and the survey upload's
# LANDGIS_MAX_SURVEY_UPLOAD_MB (50 MB), answer JSON below it)
MAX_BODY ?= 67108864
run: $(STAMP) $(ASSETS) $(DB) report-tools
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-dejavu-core)
	@echo "landgis: http://$(HOST):$(PORT)/"
	LANDGIS_WARM=1 $(BIN)/waitress-serve --listen=$(HOST):$(PORT) --threads=8 \
		--max-request-body-size=$(MAX_BODY) --call webmap:create_app

# The PostgreSQL + PostGIS server of the PostGIS tests: Debian's cluster 15/main, installed when
# missing, started when down, with a superuser role for this OS user (LANDGIS_TEST_POSTGRES_URL
# names another server). Outside CI a machine without it only skips those tests.
postgres: $(STAMP)
	test -e /usr/share/postgresql/15/extension/postgis.control || \
		(apt-get update -qq && apt-get install -y -qq postgresql-15-postgis-3) || \
		test "$(LANDGIS_REQUIRE_ALL)" != 1
	$(BIN)/python scripts/ensure_postgres.py

# The review report's PDF (scripts/report.py, the page's downloads): LibreOffice converts the
# Word document; Liberation Serif draws its Times New Roman with the Vietnamese letters
# (when missing: about 20 s and 200 MB on the dev machine)
report-tools:
	command -v soffice >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui)
	test -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-liberation2)

# The desktop clients of the OGC API and the vector tiles (tests/qgis_harness.py): QGIS 3.22
# headless under Debian's /usr/bin/python3, GDAL's ogrinfo/ogr2ogr (when missing: about 50 s
# and 85 MB on the dev machine)
test: $(STAMP) $(ASSETS) $(DB) postgres report-tools
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	command -v ogr2ogr >/dev/null || (apt-get update -qq && apt-get install -y -qq gdal-bin)
	command -v pdftoppm >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)
	dpkg -s python3-qgis qgis-providers >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq python3-qgis qgis-providers)
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-dejavu-core)
	$(BIN)/python -m pytest

bench: $(STAMP) $(ASSETS) $(DB) report-tools
	command -v ogr2ogr >/dev/null || (apt-get update -qq && apt-get install -y -qq gdal-bin)
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-dejavu-core)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	test -e /usr/share/postgresql/15/extension/postgis.control || \
		(apt-get update -qq && apt-get install -y -qq postgresql-15-postgis-3 gdal-bin)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) $(DB) webmap/node_modules bench-data test-artifacts .pytest_cache
