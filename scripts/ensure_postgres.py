#!/usr/bin/env python
"""Make the local PostgreSQL + PostGIS server ready for the tests (``make test`` runs this).

Starts Debian's cluster 15/main when it is down and makes a superuser role for the current OS
user, so that ``postgresql:///postgres`` (the default ``LANDGIS_TEST_POSTGRES_URL``) connects
over the local socket. The Makefile installs ``postgresql-15-postgis-3`` first when it is
missing. With ``LANDGIS_REQUIRE_ALL=1`` (CI) a server that cannot be made ready fails (exit 1);
otherwise this prints a warning and the PostGIS tests skip.
"""

from __future__ import annotations

import os
import subprocess
import sys

import _postgis


def main() -> int:
    required = os.environ.get("LANDGIS_REQUIRE_ALL") == "1"
    if os.environ.get("LANDGIS_TEST_POSTGRES_URL"):
        print("PostgreSQL for the tests: LANDGIS_TEST_POSTGRES_URL is set; using that server")
        return 0
    try:
        _postgis.ensure_cluster()
        with _postgis.ensure_role() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            postgis = conn.execute("SELECT default_version FROM pg_available_extensions "
                                   "WHERE name = 'postgis'").fetchone()
    except (SystemExit, OSError, subprocess.CalledProcessError,
            _postgis.psycopg.Error) as exc:
        detail = getattr(exc, "stderr", None) or exc
        print(f"PostgreSQL for the tests is not ready: {str(detail).strip()}", file=sys.stderr)
        return 1 if required else 0
    if postgis is None:
        print("PostgreSQL for the tests has no PostGIS: apt-get install -y "
              "postgresql-15-postgis-3", file=sys.stderr)
        return 1 if required else 0
    print(f"PostgreSQL {version} with PostGIS {postgis[0]} ready on {_postgis.SOCKET_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
