"""The ``progress_asof`` case of scripts/bench.py: the progress tables as of a date, warm,
against the same question asked of PostGIS in SQL.

Synthetic data (scripts/bench_progress_data.py, seeded): 1,000 investor projects with ten years
of events, 50 public projects and 300 auction lots. They are written through the stores' own
API into a temporary GeoPackage and into a schema of the bench database
(``landgis_bench.progress_bench``, rebuilt each run), the book is loaded from each, and the
tables of both and of the SQL are checked equal before anything is timed.

Timed warm, best of ``runs``: ``book.investments(as_of)`` against :func:`investments_sql` (state
per investment as of a date: latest extension per milestone, milestones reached, capital
reached the day contributions add up, every schedule rule's threshold generated from the same
rules table, revocation, counts and last report; with the rules' details as JSON), and the three
tables (investments, projects, auctions) against that query plus the projects' and lots' SQL.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from bench_progress_data import synthetic, write_store

from landgis.progress import load_book
from landgis.progress.rules import load_rules
from landgis.store import open_store
from landgis.vocabularies import INVESTMENT_MILESTONES, PROJECT_MILESTONES
from bench_timing import best_of  # noqa: E402

AS_OF = ("2024-12-31", "2020-06-30")
SCHEMA = "progress_bench"


# --------------------------------------------------------------------------- the SQL reference
# Written as a PostGIS user would ask the same tables (dates are ISO text in both stores), with
# the schedule rules' thresholds generated from the same rules table as the book's.

_EV = """ev AS MATERIALIZED (
  SELECT e.subject_id, e.kind, e.milestone, e.effective_date, e.recorded_at, e.event_id,
         e.planned_date, e.amount_vnd, e.base_vnd, e.year, e.source, e.result, e.party,
         e.flags, e.note, e.document_no, e.document_date
  FROM {s}.progress_events e
  WHERE e.subject_kind = '{kind}' AND e.effective_date <= %(d)s
    AND NOT EXISTS (SELECT 1 FROM {s}.progress_events c WHERE c.corrects_event_id = e.event_id))"""
_LATEST = "ORDER BY subject_id{by}, effective_date DESC, recorded_at DESC, event_id DESC"


def _rule_sql(rule, rank: int) -> str:
    """The investments a rule fires for, one SELECT per milestone, over the wide rows."""
    months = f"interval '{rule.months} months'"
    parts = []
    for m in rule.milestones:
        where = []
        if rule.approval_kind:
            where.append(f"w.approval_kind = '{rule.approval_kind}'")
        if rule.after:
            where.append(f"w.r_{rule.after} IS NOT NULL")
        if rule.condition == "late":
            since, limit = f"w.d_{m}", f"(w.d_{m} + {months})::date"
            past = f"%(d)s::date - {limit}"
            where += [f"w.r_{m} IS NULL", f"{limit} < %(d)s::date"]
        elif rule.condition == "unused":
            since, limit = f"w.r_{rule.after}", f"(w.r_{rule.after} + {months})::date"
            past = f"%(d)s::date - {limit}"
            where += [f"w.r_{m} IS NULL", f"{limit} < %(d)s::date"]
        else:
            since, limit = f"w.c_{m}", f"(w.c_{m} + {months})::date"
            past = f"w.d_{m} - {limit}"
            where += [f"w.d_{m} > {limit}"]
        parts.append(f"SELECT w.investment_id, {rank} AS rank, "
                     f"{INVESTMENT_MILESTONES.index(m)} AS m_rank, '{rule.rule_id}' AS rule_id, "
                     f"'{rule.state}' AS state, '{m}' AS milestone, {since} AS since, "
                     f"{past} AS days FROM w WHERE {' AND '.join(where)}")
    return "\n  UNION ALL ".join(parts)


def _pivot(column: str, prefix: str = "") -> str:
    return ", ".join(f"max({column}) FILTER (WHERE milestone = '{m}') AS {prefix}{m}"
                     for m in INVESTMENT_MILESTONES)


def investments_sql(schema: str, rules) -> str:
    """State per investment as of ``%(d)s`` (ISO text): what ``book.investments`` answers.

    One wide row per investment (committed, current due and reached date of each milestone),
    then one SELECT per rule and milestone over those rows: no self-join."""
    s, ms = schema, INVESTMENT_MILESTONES
    wide = ",\n    ".join(
        f"r.{m}_due::date AS c_{m}, COALESCE(x.{m}, r.{m}_due::date) AS d_{m}, "
        + (f"COALESCE(g.{m}, f.reached) AS r_{m}" if m == "capital" else f"g.{m} AS r_{m}")
        for m in ms)
    fired = "\n  UNION ALL ".join(_rule_sql(r, i) for i, r in enumerate(rules))
    behind = ", ".join(f"CASE WHEN w.r_{m} IS NULL AND w.d_{m} < %(d)s::date "
                       f"THEN %(d)s::date - w.d_{m} END" for m in ms)
    dates = ", ".join(f"w.d_{m} AS {m}_due, w.r_{m} AS {m}_reached" for m in ms)
    states = "ARRAY['on_schedule', 'behind', 'revocable']"
    return f"""WITH {_EV.format(s=s, kind='investment')},
reg AS (SELECT * FROM {s}.investments WHERE certificate_date <= %(d)s),
ext AS (SELECT subject_id, {_pivot('due')} FROM (
          SELECT DISTINCT ON (subject_id, milestone) subject_id, milestone,
                 planned_date::date AS due
          FROM ev WHERE kind = 'extension' {_LATEST.format(by=', milestone')}) e
        GROUP BY subject_id),
got AS (SELECT subject_id, {_pivot('reached')} FROM (
          SELECT DISTINCT ON (subject_id, milestone) subject_id, milestone,
                 effective_date::date AS reached
          FROM ev WHERE kind = 'milestone_reached' {_LATEST.format(by=', milestone')}) e
        GROUP BY subject_id),
paid AS (SELECT subject_id, effective_date, sum(amount_vnd) OVER (PARTITION BY subject_id
                ORDER BY effective_date, recorded_at, event_id) AS running
         FROM ev WHERE kind = 'capital_contributed'),
full_cap AS (SELECT DISTINCT ON (p.subject_id) p.subject_id, p.effective_date::date AS reached
             FROM paid p JOIN reg r ON r.investment_id = p.subject_id
             WHERE r.committed_capital_vnd > 0 AND p.running >= r.committed_capital_vnd
             ORDER BY p.subject_id, p.running),
w AS MATERIALIZED (
  SELECT r.investment_id, r.approval_kind,
    {wide}
  FROM reg r
  LEFT JOIN ext x ON x.subject_id = r.investment_id
  LEFT JOIN got g ON g.subject_id = r.investment_id
  LEFT JOIN full_cap f ON f.subject_id = r.investment_id),
fired AS ({fired}),
flagged AS (
  SELECT investment_id, max(array_position({states}, state)) AS worst,
         json_agg(json_build_object('rule_id', rule_id, 'state', state, 'milestone', milestone,
                  'since', since, 'days', days) ORDER BY rank, m_rank) AS flag_details
  FROM fired GROUP BY investment_id),
flag_ids AS (
  SELECT investment_id, string_agg(rule_id, ';' ORDER BY rank) AS flags
  FROM (SELECT DISTINCT investment_id, rule_id, rank FROM fired) f GROUP BY investment_id),
tally AS (
  SELECT subject_id, sum(amount_vnd) FILTER (WHERE kind = 'capital_contributed') AS contributed,
         count(*) FILTER (WHERE kind = 'violation') AS violations,
         count(*) FILTER (WHERE kind = 'inspection') AS inspections
  FROM ev GROUP BY subject_id),
revoked AS (SELECT DISTINCT ON (subject_id) subject_id, effective_date
            FROM ev WHERE kind = 'revocation' {_LATEST.format(by='')}),
report AS (SELECT DISTINCT ON (subject_id) subject_id, effective_date, note
           FROM ev WHERE kind = 'progress_report' {_LATEST.format(by='')})
SELECT r.investment_id, r.investor, r.project_name, r.zone_code, r.plot_codes, r.parcel_ids,
       r.leased_area_m2, r.committed_capital_vnd, r.certificate_no, r.certificate_date,
       r.approval_kind, r.source, COALESCE(t.contributed, 0) AS capital_contributed_vnd,
       {dates}, COALESCE(GREATEST({behind}), 0) AS days_behind,
       CASE WHEN v.subject_id IS NOT NULL THEN 'revoked'
            ELSE ({states})[COALESCE(fl.worst, 1)] END AS state,
       v.effective_date AS revoked_date, COALESCE(fi.flags, '') AS flags, fl.flag_details,
       COALESCE(t.violations, 0) AS violations, COALESCE(t.inspections, 0) AS inspections,
       p.effective_date AS last_report_date, p.note AS last_report_note
FROM reg r
JOIN w ON w.investment_id = r.investment_id
LEFT JOIN flagged fl ON fl.investment_id = r.investment_id
LEFT JOIN flag_ids fi ON fi.investment_id = r.investment_id
LEFT JOIN tally t ON t.subject_id = r.investment_id
LEFT JOIN revoked v ON v.subject_id = r.investment_id
LEFT JOIN report p ON p.subject_id = r.investment_id
ORDER BY r.investment_id"""


def projects_sql(schema: str) -> str:
    """Per project as of ``%(d)s``: what ``book.projects`` answers (``%(y0)s``: 1 January of
    the year, ``%(y)s`` the year)."""
    codes = ", ".join(f"'{m}'" for m in PROJECT_MILESTONES)
    return f"""WITH {_EV.format(s=schema, kind='project')},
appr AS (SELECT DISTINCT ON (subject_id) subject_id, amount_vnd, document_no, document_date
         FROM ev WHERE kind = 'investment_approved' {_LATEST.format(by='')}),
plans AS (SELECT DISTINCT ON (subject_id, source) subject_id, source, amount_vnd
          FROM ev WHERE kind = 'capital_plan' AND year = %(y)s
          {_LATEST.format(by=', source')}),
plan AS (SELECT subject_id, sum(amount_vnd) AS plan,
                string_agg(DISTINCT source, ';' ORDER BY source) AS sources
         FROM plans GROUP BY subject_id),
paid AS (SELECT subject_id, sum(amount_vnd) AS total,
                sum(amount_vnd) FILTER (WHERE effective_date >= %(y0)s) AS this_year,
                count(*) FILTER (WHERE effective_date >= %(y0)s AND flags LIKE '%%over_plan%%')
                  AS over_plan
         FROM ev WHERE kind = 'disbursement' GROUP BY subject_id),
pl AS (SELECT DISTINCT ON (subject_id, milestone) subject_id, milestone,
              planned_date::date AS due
       FROM ev WHERE kind IN ('milestone_planned', 'milestone_replanned')
       {_LATEST.format(by=', milestone')}),
got AS (SELECT DISTINCT subject_id, milestone FROM ev WHERE kind = 'milestone_reached'),
ms AS (SELECT COALESCE(pl.subject_id, got.subject_id) AS subject_id,
              COALESCE(pl.milestone, got.milestone) AS milestone, pl.due,
              got.subject_id IS NOT NULL AS done,
              array_position(ARRAY[{codes}], COALESCE(pl.milestone, got.milestone)) AS rank
       FROM pl FULL JOIN got ON got.subject_id = pl.subject_id AND got.milestone = pl.milestone),
m AS (SELECT subject_id,
             count(*) FILTER (WHERE NOT done AND due < %(d)s::date) AS late,
             COALESCE(max(%(d)s::date - due) FILTER (WHERE NOT done AND due < %(d)s::date), 0)
               AS worst,
             (array_agg(milestone ORDER BY rank DESC) FILTER (WHERE done))[1] AS last_m,
             (array_agg(milestone ORDER BY due, rank) FILTER (WHERE NOT done AND due IS NOT NULL)
               )[1] AS next_m,
             min(due) FILTER (WHERE NOT done) AS next_d
      FROM ms WHERE rank IS NOT NULL GROUP BY subject_id)
SELECT r.project_code, r.name_vi, r.kind, r.zone_code, a.amount_vnd AS total_investment_vnd,
       a.document_no AS investment_decision, a.document_date AS investment_decision_date,
       p.plan AS plan_year_vnd, p.sources AS plan_sources,
       COALESCE(d.this_year, 0) AS disbursed_year_vnd, COALESCE(d.total, 0) AS disbursed_total_vnd,
       COALESCE(d.over_plan, 0) AS over_plan_events,
       CASE WHEN p.plan > 0 THEN round(100.0 * COALESCE(d.this_year, 0) / p.plan, 1) END
         AS disbursed_year_pct,
       COALESCE(m.late, 0) AS milestones_late, COALESCE(m.worst, 0) AS max_days_late,
       m.last_m AS last_milestone, m.next_m AS next_milestone, m.next_d AS next_milestone_date
FROM {schema}.projects r
LEFT JOIN appr a ON a.subject_id = r.project_code
LEFT JOIN plan p ON p.subject_id = r.project_code
LEFT JOIN paid d ON d.subject_id = r.project_code
LEFT JOIN m ON m.subject_id = r.project_code
ORDER BY r.project_code"""


def auctions_sql(schema: str) -> str:
    """Per lot as of ``%(d)s``: what ``book.auctions`` answers."""
    return f"""WITH {_EV.format(s=schema, kind='lot')},
res AS (SELECT DISTINCT ON (subject_id) subject_id, effective_date, result, base_vnd,
               amount_vnd, party
        FROM ev WHERE kind = 'auction_result' {_LATEST.format(by='')}),
dues AS (SELECT subject_id, sum(amount_vnd) AS scheduled,
                COALESCE(sum(amount_vnd) FILTER (WHERE planned_date <= %(d)s), 0) AS due
         FROM ev WHERE kind = 'payment_due' GROUP BY subject_id),
paid AS (SELECT subject_id, sum(amount_vnd) AS collected
         FROM ev WHERE kind = 'payment' GROUP BY subject_id),
lots AS (
  SELECT l.lot_code, l.zone_code, l.name_vi, l.parcel_ids, l.area_m2, l.funds_project_code,
         l.source, cardinality(array_remove(string_to_array(l.parcel_ids, ';'), '')) AS parcels,
         r.effective_date AS auction_date, r.result, r.base_vnd AS starting_price_vnd,
         CASE WHEN r.result = 'sold' THEN r.amount_vnd END AS winning_price_vnd,
         CASE WHEN r.result = 'sold' THEN r.party END AS winner,
         CASE WHEN r.result = 'sold' THEN COALESCE(r.amount_vnd, 0) ELSE 0 END AS won_vnd,
         COALESCE(d.scheduled, 0) AS scheduled_vnd, COALESCE(d.due, 0) AS due_vnd,
         COALESCE(p.collected, 0) AS collected_vnd
  FROM {schema}.auction_lots l
  LEFT JOIN res r ON r.subject_id = l.lot_code
  LEFT JOIN dues d ON d.subject_id = l.lot_code
  LEFT JOIN paid p ON p.subject_id = l.lot_code)
SELECT *, GREATEST(won_vnd - collected_vnd, 0) AS outstanding_vnd,
       GREATEST(due_vnd - collected_vnd, 0) AS overdue_vnd
FROM lots ORDER BY lot_code"""


# --------------------------------------------------------------------------- the case

#: columns compared between the book and the SQL (both sides as text, numbers rounded)
SAME = {
    "investments": ["state", "days_behind", "flags", "capital_contributed_vnd", "violations",
                    "inspections", "revoked_date", "last_report_date",
                    *[f"{m}_{k}" for m in INVESTMENT_MILESTONES for k in ("due", "reached")]],
    "projects": ["total_investment_vnd", "plan_year_vnd", "plan_sources", "disbursed_year_vnd",
                 "disbursed_total_vnd", "over_plan_events", "disbursed_year_pct",
                 "milestones_late", "max_days_late", "last_milestone", "next_milestone",
                 "next_milestone_date"],
    "auctions": ["auction_date", "result", "starting_price_vnd", "winning_price_vnd", "winner",
                 "won_vnd", "scheduled_vnd", "due_vnd", "collected_vnd", "outstanding_vnd",
                 "overdue_vnd", "parcels"],
}
KEYS = {"investments": "investment_id", "projects": "project_code", "auctions": "lot_code"}


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        return f"{float(value):.1f}"
    return str(value)[:10]


def differences(ours: pd.DataFrame, theirs: pd.DataFrame, table: str) -> list[str]:
    """What differs between a book table and the SQL's rows (empty: the same figures)."""
    key = KEYS[table]
    a, b = ours.set_index(key), theirs.set_index(key)
    if sorted(a.index) != sorted(b.index):
        return [f"{table}: rows differ ({len(a)} vs {len(b)})"]
    b = b.loc[a.index]
    out = []
    for col in SAME[table]:
        pairs = [(i, _text(p), _text(q)) for i, p, q in zip(a.index, a[col], b[col])]
        bad = [(i, p, q) for i, p, q in pairs if p != q]  # None == None, unlike pandas
        if bad:
            i, p, q = bad[0]
            out.append(f"{table}.{col}: {len(bad)} rows, e.g. {i}: {p!r} vs {q!r}")
    return out


def _query(conn, sql: str, params: dict) -> pd.DataFrame:
    cur = conn.execute(sql, params)
    return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])




def progress_asof(path, repeat: int, runs: int):
    """The progress tables as of a date for 1,000 investments and ten years of events (book
    loaded: warm), against the same questions in PostGIS SQL on the same tables (warm,
    psycopg), best of ``runs``; rows for the investments table alone and for the three."""
    import _postgis  # psycopg and a PostgreSQL cluster only for this case

    data = synthetic()
    print(f"progress_asof: {len(data['investments']):,} investments, {len(data['projects'])} "
          f"projects, {len(data['auction_lots'])} lots, {len(data['progress_events']):,} "
          "events (2015-2024)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="landgis-bench-progress-"))
    _postgis.ensure_database()
    with _postgis.connect(autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA}, {SCHEMA}_history CASCADE")
    url = f"postgresql:///{_postgis.DBNAME}?host={_postgis.SOCKET_DIR}&schema={SCHEMA}"
    rows = []
    try:
        books = {}
        for name, target in (("gpkg", str(work / "progress.gpkg")), ("pg", url)):
            store = open_store(target, create=True)
            write_store(store, data)
            started = time.perf_counter()
            books[name] = load_book(store)
            rows.append((f"progress_load_{name}", time.perf_counter() - started, "—", None,
                         "load_book: registers and ledger read, once per data version", "s"))
            store.close()
        book = books["pg"]
        rules = load_rules()
        sqls = {"investments": investments_sql(SCHEMA, rules), "projects": projects_sql(SCHEMA),
                "auctions": auctions_sql(SCHEMA)}
        with _postgis.connect(autocommit=True) as conn:
            for table in ("investments", "projects", "auction_lots", "progress_events"):
                conn.execute(f"ANALYZE {SCHEMA}.{table}")
            for day in AS_OF:
                params = {"d": day, "y": int(day[:4]), "y0": f"{day[:4]}-01-01"}
                problems = []
                for table, sql in sqls.items():
                    ours = getattr(book, table)(day)
                    other = getattr(books["gpkg"], table)(day)
                    problems += [f"gpkg/postgis {p}" for p in differences(ours, other, table)]
                    problems += differences(ours, _query(conn, sql, params), table)
                if problems:
                    raise SystemExit("progress_asof: the book and the SQL differ:\n  "
                                     + "\n  ".join(problems))
            print(f"  same figures from the book (GeoPackage and PostGIS) and the SQL as of "
                  f"{' and '.join(AS_OF)}", flush=True)
            day = AS_OF[0]
            params = {"d": day, "y": int(day[:4]), "y0": f"{day[:4]}-01-01"}
            ours = best_of(runs, lambda: book.investments(day))
            ref = best_of(runs, lambda: conn.execute(sqls["investments"], params).fetchall())
            rows.append(("progress_investments", ours * 1000, "PostGIS SQL (warm)", ref * 1000,
                         f"best of {runs}, as of {day}; target ≤ 2", "ms"))
            ours = best_of(runs, lambda: [getattr(book, t)(day) for t in sqls])
            ref = best_of(runs, lambda: [conn.execute(sql, params).fetchall()
                                         for sql in sqls.values()])
            rows.append(("progress_tables", ours * 1000, "PostGIS SQL ×3 (warm)", ref * 1000,
                         f"best of {runs}: investments, projects, lots", "ms"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows
