"""The progress of projects, investments and auction lots as of a date: replays of the ledger.

Nothing here is stored: every figure is computed from the registers (``projects``,
``investments``, ``auction_lots``) and the events of ``progress_events`` that take effect on or
before the date asked (an event dated later never counts), minus the corrected ones (as for
the status ledger, a correction names the event it voids and takes its place from its own date).

Between events of one subject with the same meaning, the latest effective date wins, then the
latest recorded: the approved total, each year's plan per capital source, each milestone's
planned date (``milestone_planned`` / ``milestone_replanned``; for investors ``extension``), the
auction result of a lot (a lot unsold and auctioned again is sold), a lot's payment schedule
known by the date. Money adds up: disbursements, capital contributed, payments.

:class:`ProgressBook` holds the frames once (the web app keeps one per data version), with the
events of each kind of subject placed by their row in its register; its ``projects``,
``investments`` and ``auctions`` methods answer for any date with whole-column operations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landgis import contract
from landgis.dates import iso_date, today_vn
from landgis.progress.rules import Rule, load_rules
from landgis.progress.schedule import (
    InvestmentRegister,
    as_days,
    days,
    investments_table,
    iso,
    latest,
)
from landgis.vocabularies import INVESTMENT_MILESTONES, PROJECT_MILESTONES

EVENT_COLUMNS = contract.PROGRESS_EVENTS.column_names
_ORDER = ["effective_date", "recorded_at", "event_id"]
_KEYS = {"project": ("projects_register", "project_code"),
         "investment": ("investments_register", "investment_id"),
         "lot": ("lots_register", "lot_code")}


def empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})


def _iso(value) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT or \
            (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10] or None


def as_of_date(as_of=None) -> str:
    """The date asked as ISO text; today in Viet Nam when none."""
    text = iso_date(as_of, "as_of", required=False)
    return text or today_vn().isoformat()


def _split(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]


def _positions(keys: pd.Series, ids: pd.Series) -> np.ndarray:
    """The row of each id in ``keys`` (the first when repeated), -1 for none."""
    first = pd.Series(np.arange(len(keys)), index=keys.astype(str).to_numpy())
    first = first[~first.index.duplicated()]
    return first.reindex(ids.astype(str).to_numpy()).fillna(-1).to_numpy(np.int64)


@dataclass
class ProgressBook:
    """The registers and the progress ledger, ready to be replayed as of any date."""

    projects_register: pd.DataFrame
    investments_register: pd.DataFrame
    lots_register: pd.DataFrame
    events: pd.DataFrame
    rules: tuple[Rule, ...] = ()
    zones: pd.DataFrame | None = None

    def __post_init__(self):
        ev = self.events.copy()
        for c in EVENT_COLUMNS:
            if c not in ev.columns:
                ev[c] = pd.Series(dtype=object, index=ev.index)
        for c in ("amount_vnd", "base_vnd", "year"):
            ev[c] = pd.to_numeric(ev[c], errors="coerce")
        ev["effective_date"] = ev["effective_date"].astype("string").str[:10]
        ev["planned_date"] = ev["planned_date"].astype("string").str[:10]
        voided = set(ev["corrects_event_id"].dropna().astype(str)) - {""}
        self.corrected = voided
        active = ev[~ev["event_id"].astype(str).isin(voided)]
        self._active = active.sort_values(_ORDER, kind="stable").reset_index(drop=True)
        self.events = ev
        if not self.rules:
            self.rules = load_rules()
        # registers: the columns the contract names, whatever the store returned
        for attr, layer in (("projects_register", contract.PROJECTS),
                            ("investments_register", contract.INVESTMENTS),
                            ("lots_register", contract.AUCTION_LOTS)):
            df = pd.DataFrame(getattr(self, attr)).drop(columns="geometry", errors="ignore")
            for c in layer.column_names:
                if c not in df.columns:
                    df[c] = pd.Series(dtype=object, index=df.index)
            setattr(self, attr, df.reset_index(drop=True))
        # each kind of subject's events, dated, placed by their subject's row in its register
        self._frames = {}
        for kind, (attr, key) in _KEYS.items():
            frame = self._active[self._active["subject_kind"] == kind].copy()
            frame["_day"] = days(frame["effective_date"])
            frame["_planned"] = days(frame["planned_date"])
            frame["_pos"] = _positions(getattr(self, attr)[key], frame["subject_id"])
            self._frames[kind] = frame
        self._investments = InvestmentRegister(self.investments_register)
        self._investment_events = self._frames["investment"][[
            "kind", "milestone", "amount_vnd", "note", "_day", "_planned", "_pos"]]

    # ----------------------------------------------------------------- helpers

    def active(self, as_of: str, subject_kind: str, kinds=None) -> pd.DataFrame:
        """The active events of ``subject_kind`` effective by ``as_of``, in ledger order."""
        ev = self._frames[subject_kind]
        mask = ev["_day"].to_numpy() <= np.datetime64(as_of, "D")
        if kinds is not None:
            mask &= ev["kind"].isin([kinds] if isinstance(kinds, str) else kinds).to_numpy()
        return ev[mask]

    def _of(self, subject_kind: str, day: str):
        """The events of registered subjects effective by ``day``, and a getter by kind."""
        ev = self._frames[subject_kind]
        ev = ev[(ev["_day"].to_numpy() <= np.datetime64(day, "D")) & (ev["_pos"] >= 0)]
        kinds = ev["kind"].to_numpy()
        return ev, (lambda kind: ev[kinds == kind])

    @staticmethod
    def _latest(ev: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return ev.groupby(by, sort=False).tail(1)

    def history(self, subject_kind: str, subject_id: str) -> pd.DataFrame:
        """Every event of one subject, corrected ones included (``corrected`` True), in the order
        they take effect."""
        ev = self.events[(self.events["subject_kind"] == subject_kind)
                         & (self.events["subject_id"].astype(str) == str(subject_id))]
        ev = ev.sort_values(_ORDER, kind="stable").copy()
        ev["corrected"] = ev["event_id"].astype(str).isin(self.corrected)
        return ev.reset_index(drop=True)

    # ---------------------------------------------------------------- projects

    def milestones(self, subject_kind: str, as_of: str, codes) -> pd.DataFrame:
        """Per subject and milestone: the planned date (latest plan), when it was planned, and
        the date reached; for investors the committed date stands until an extension."""
        planned_kinds = ("milestone_planned", "milestone_replanned", "extension")
        plans = self._latest(self.active(as_of, subject_kind, planned_kinds),
                             ["subject_id", "milestone"])
        plans = plans[["subject_id", "milestone", "planned_date", "effective_date",
                       "document_no"]].rename(columns={"effective_date": "planned_on",
                                                       "document_no": "plan_document"})
        reached = self._latest(self.active(as_of, subject_kind, "milestone_reached"),
                               ["subject_id", "milestone"])
        reached = reached[["subject_id", "milestone", "effective_date"]].rename(
            columns={"effective_date": "reached_date"})
        out = plans.merge(reached, on=["subject_id", "milestone"], how="outer")
        return out[out["milestone"].isin(codes)].reset_index(drop=True)

    def projects(self, as_of=None, *, zone: str | None = None) -> pd.DataFrame:
        """One row per project: total investment and its decision, the plan of the year of
        ``as_of`` and what was disbursed that year and in all, the share of the year's plan
        disbursed, and the milestones late (how many, the worst by how many days), the last
        reached and the next planned."""
        day = as_of_date(as_of)
        now, year = np.datetime64(day, "D"), int(day[:4])
        reg = self.projects_register
        n = len(reg)
        ev, of = self._of("project", day)
        out = reg[["project_code", "name_vi", "kind", "zone_code"]].copy()
        out.insert(1, "as_of", day)
        approved = of("investment_approved")
        out["total_investment_vnd"] = latest(approved, n, "amount_vnd").astype(float)
        out["investment_decision"] = latest(approved, n, "document_no")
        out["investment_decision_date"] = latest(approved, n, "document_date")

        plans = of("capital_plan")
        plans = plans[plans["year"].to_numpy() == year].drop_duplicates(["_pos", "source"],
                                                                        keep="last")
        pos = plans["_pos"].to_numpy()
        planned = np.bincount(pos, weights=plans["amount_vnd"].fillna(0).to_numpy(float),
                              minlength=n)
        out["plan_year_vnd"] = np.where(np.bincount(pos, minlength=n) > 0, planned, np.nan)
        sources = plans.groupby("_pos")["source"].agg(lambda s: ";".join(sorted(set(s.dropna()))))
        out["plan_sources"] = sources.reindex(range(n)).to_numpy(dtype=object)
        paid = of("disbursement")
        amounts = paid["amount_vnd"].fillna(0).to_numpy(float)
        this_year = paid["_day"].to_numpy() >= np.datetime64(f"{year}-01-01", "D")
        pos = paid["_pos"].to_numpy()
        out["disbursed_year_vnd"] = np.bincount(pos[this_year], weights=amounts[this_year],
                                                minlength=n)
        out["disbursed_total_vnd"] = np.bincount(pos, weights=amounts, minlength=n)
        over = this_year & paid["flags"].fillna("").astype(str).str.contains("over_plan") \
            .to_numpy()
        out["over_plan_events"] = np.bincount(pos[over], minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = out["disbursed_year_vnd"] / out["plan_year_vnd"] * 100
        out["disbursed_year_pct"] = pct.where(out["plan_year_vnd"] > 0).round(1)

        # milestones: the latest plan and the latest reaching of each
        plan = ev[ev["kind"].isin(("milestone_planned", "milestone_replanned")).to_numpy()]
        plan = plan.drop_duplicates(["_pos", "milestone"], keep="last")
        got = of("milestone_reached").drop_duplicates(["_pos", "milestone"], keep="last")
        late_n = np.zeros(n, dtype=np.int64)
        worst = np.zeros(n, dtype=np.int64)
        last_rank = np.full(n, -1)
        next_day, next_rank = np.full(n, np.datetime64("NaT", "D")), np.full(n, -1)
        for rank, m in enumerate(PROJECT_MILESTONES):
            rows = plan[plan["milestone"].to_numpy() == m]
            due = np.full(n, np.datetime64("NaT", "D"))
            due[rows["_pos"].to_numpy()] = as_days(rows["_planned"])
            done = np.zeros(n, dtype=bool)
            done[got.loc[got["milestone"].to_numpy() == m, "_pos"].to_numpy()] = True
            late = ~done & (due < now)
            late_n += late
            worst = np.where(late, np.maximum(worst, (now - due).astype(np.int64)), worst)
            last_rank = np.where(done, rank, last_rank)
            sooner = ~done & ~np.isnat(due) & (np.isnat(next_day) | (due < next_day))
            next_day = np.where(sooner, due, next_day)
            next_rank = np.where(sooner, rank, next_rank)
        codes = np.array([None, *PROJECT_MILESTONES], dtype=object)
        out["milestones_late"] = late_n
        out["max_days_late"] = worst
        out["last_milestone"] = codes[last_rank + 1]
        out["next_milestone"] = codes[next_rank + 1]
        out["next_milestone_date"] = iso(next_day)
        if zone:
            out = out[(reg["zone_code"] == zone).to_numpy()]
        return out.reset_index(drop=True)

    def project_milestones(self, project_code: str, as_of=None) -> list[dict]:
        day = as_of_date(as_of)
        ms = self.milestones("project", day, PROJECT_MILESTONES)
        ms = ms[ms["subject_id"] == project_code]
        return _milestone_rows(ms, day, PROJECT_MILESTONES)

    # ------------------------------------------------------------- investments

    def investments(self, as_of=None, *, zone: str | None = None) -> pd.DataFrame:
        """One row per investment registered by ``as_of``: its milestones, capital contributed,
        its state (``on_schedule``, ``behind``, ``revocable``, ``revoked``), days behind, and
        the rules that fired (``flags``: ids; ``flag_details``: list of dicts with the
        article each cites, the ``milestone``, ``since`` (the date the months count from) and
        ``days``: for ``late`` and ``unused`` rules the days since the limit passed, for
        ``extended`` ones how many days the due date lies beyond the cap).

        The capital milestone is reached the day the contributions add up to the committed
        capital (or on a ``milestone_reached`` event, whichever the ledger has)."""
        return investments_table(self._investments, self._investment_events, self.rules,
                                 as_of_date(as_of), zone)

    # ---------------------------------------------------------------- auctions

    def auctions(self, as_of=None, *, zone: str | None = None) -> pd.DataFrame:
        """One row per auction lot: the result as of ``as_of`` (date, starting and winning
        price, winner), the payments scheduled and due by then, collected, outstanding and
        overdue (never negative: a lot paid over owes nothing)."""
        day = as_of_date(as_of)
        reg = self.lots_register
        n = len(reg)
        ev, of = self._of("lot", day)
        out = reg[["lot_code", "zone_code", "name_vi", "parcel_ids", "area_m2",
                   "funds_project_code", "source"]].copy()
        out.insert(1, "as_of", day)
        out["parcels"] = [len(_split(v)) for v in reg["parcel_ids"]]
        result = of("auction_result")
        out["auction_date"] = iso(latest(result, n, "_day"))
        out["result"] = latest(result, n, "result")
        out["starting_price_vnd"] = latest(result, n, "base_vnd").astype(float)
        sold = (out["result"] == "sold").to_numpy()
        price = latest(result, n, "amount_vnd").astype(float)
        out["winning_price_vnd"] = np.where(sold, price, np.nan)
        out["winner"] = np.where(sold, latest(result, n, "party"), None)
        out["won_vnd"] = np.where(sold, np.nan_to_num(price), 0)
        dues = of("payment_due")  # a schedule known by the date
        pos, amounts = dues["_pos"].to_numpy(), dues["amount_vnd"].fillna(0).to_numpy(float)
        now = dues["_planned"].to_numpy() <= np.datetime64(day, "D")
        out["scheduled_vnd"] = np.bincount(pos, weights=amounts, minlength=n)
        out["due_vnd"] = np.bincount(pos[now], weights=amounts[now], minlength=n)
        paid = of("payment")
        out["collected_vnd"] = np.bincount(paid["_pos"].to_numpy(), weights=paid[
            "amount_vnd"].fillna(0).to_numpy(float), minlength=n)
        out["outstanding_vnd"] = (out["won_vnd"] - out["collected_vnd"]).clip(lower=0)
        out["overdue_vnd"] = (out["due_vnd"] - out["collected_vnd"]).clip(lower=0)
        if zone:
            out = out[(reg["zone_code"] == zone).to_numpy()]
        return out.reset_index(drop=True)

    def revenue(self, as_of=None, *, zone: str | None = None) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
        """Auction revenue as of ``as_of``: by zone (lots sold, won, collected, outstanding,
        overdue) and by the project it funds (won, collected)."""
        return revenue_of(self.auctions(as_of, zone=zone))


def revenue_of(lots: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:meth:`ProgressBook.revenue` from a table of :meth:`ProgressBook.auctions`."""
    money = ["won_vnd", "collected_vnd", "outstanding_vnd", "overdue_vnd"]
    lots = lots.assign(sold=(lots["result"] == "sold").astype(int))
    by_zone = lots.groupby("zone_code", as_index=False)[["sold"] + money].sum() \
        .rename(columns={"sold": "lots_sold"})
    funded = lots.assign(funds_project_code=lots["funds_project_code"].fillna(""))
    by_project = funded.groupby("funds_project_code", as_index=False)[
        ["won_vnd", "collected_vnd"]].sum()
    by_project = by_project[by_project["won_vnd"] > 0].reset_index(drop=True)
    return by_zone, by_project


def _milestone_rows(ms: pd.DataFrame, day: str, codes) -> list[dict]:
    now = pd.Timestamp(day)
    rows = []
    by = ms.set_index("milestone")
    for m in codes:
        if m not in by.index:
            continue
        r = by.loc[m]
        planned, reached = _iso(r.get("planned_date")), _iso(r.get("reached_date"))
        late = 0
        if planned and not reached and pd.Timestamp(planned) < now:
            late = (now - pd.Timestamp(planned)).days
        rows.append({"milestone": m, "planned_date": planned, "reached_date": reached,
                     "days_late": late,
                     "reached_late_days": max(0, (pd.Timestamp(reached) - pd.Timestamp(planned))
                                              .days) if planned and reached else 0})
    return rows


def investment_milestones(row: pd.Series) -> list[dict]:
    """The milestones of one row of :meth:`ProgressBook.investments`."""
    now = pd.Timestamp(row["as_of"])
    out = []
    for m in INVESTMENT_MILESTONES:
        due, reached = row.get(f"{m}_due"), row.get(f"{m}_reached")
        if not due and not reached:
            continue
        late = (now - pd.Timestamp(due)).days if due and not reached and \
            pd.Timestamp(due) < now else 0
        out.append({"milestone": m, "due_date": due, "reached_date": reached,
                    "days_late": late})
    return out
