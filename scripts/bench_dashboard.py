"""The ``dashboard_page`` case of scripts/bench.py: the review dashboard's first render in
headless Chromium on the bench data (100,000 parcels by default), target under 1 s.

Timed from navigation start to the cards and every chart drawn (the page's
``landgisDashboard.state.ready``, its ``/api/dashboard`` answered and Chart.js done), in a new
browser context each time (no cache):

- ``dashboard_first``: on a server just started (``/healthz`` answering), the first visitor at
  once: the half-year's report built in the request, or by the warm-up thread racing it
  (the worst a visitor meets, right after a start or an import);
- ``dashboard_warm``: median of ``runs`` later visits (the answer kept per store version and
  revalidated by ETag, the page's scripts fetched again).

There is no reference tool for a dashboard: the reference column shows the target.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

READY = ("() => window.landgisDashboard && landgisDashboard.state.ready && "
         "document.querySelectorAll('figure.db-chart canvas').length > 0 && "
         "!document.getElementById('dashboard').hasAttribute('aria-busy')")
TARGET = 1.0


def _render(b, url: str) -> tuple[float, list[str]]:
    """Seconds from navigation start to the dashboard drawn, in a fresh context; the page's
    errors."""
    context = b.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(url, wait_until="commit", timeout=300_000)
        page.wait_for_function(READY, timeout=300_000, polling="raf")
        ms = page.evaluate("() => performance.now()")
    finally:
        context.close()
    return ms / 1000.0, errors


def dashboard_page(path: Path, repeat: int, runs: int):
    """The dashboard's first render, first visitor and warm (see the module)."""
    import _browser
    from bench import _web_files

    instance, basemap = _web_files(path)
    with _browser.Server(path, instance, basemap=basemap) as srv:
        url = srv.url + "/dashboard"
        with _browser.browser() as b:
            t0 = time.perf_counter()
            first, errors = _render(b, url)
            first_wall = time.perf_counter() - t0
            warm = []
            for _ in range(max(runs, 1)):
                seconds, more = _render(b, url)
                warm.append(seconds)
                errors += more
    if errors:
        print(f"dashboard_page: page errors: {errors[:3]}", flush=True)
    target = f"target < {TARGET:.0f} s"
    return [
        ("dashboard_first", first, target, None,
         f"new server, first visitor at once ({first_wall:.2f} s wall)", "s"),
        ("dashboard_warm", statistics.median(warm), target, None,
         f"median of {max(runs, 1)}, new browser context each", "s"),
    ]
