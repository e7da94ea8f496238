"""The progress of projects, investments and auction lots as of a date: replays of the ledger.

Nothing here is stored: every figure is computed from the registers (``projects``,
``investments``, ``auction_lots``) and the events of ``progress_events`` that take effect on or
before the date asked, minus the corrected ones (as for the status ledger, a correction names
the event it voids and takes its place from its own date).

Between events of one subject with the same meaning, the latest effective date wins, then the
latest recorded: the approved total, each year's plan per capital source, each milestone's
planned date (``milestone_planned`` / ``milestone_replanned``; for investors ``extension``), the
auction result of a lot. Money adds up: disbursements, capital contributed, payments.

:class:`ProgressBook` holds the frames once (the web app keeps one per data version); its
``projects``, ``investments`` and ``auctions`` methods answer for any date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landgis import contract
from landgis.dates import iso_date
from landgis.progress.rules import Rule, load_rules
from landgis.vocabularies import INVESTMENT_MILESTONES, PROJECT_MILESTONES, SCHEDULE_STATE

EVENT_COLUMNS = contract.PROGRESS_EVENTS.column_names
_ORDER = ["effective_date", "recorded_at", "event_id"]
_STATE_RANK = {"on_schedule": 0, "behind": 1, "revocable": 2, "revoked": 3}


def empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})


def _dates(series: pd.Series) -> pd.Series:
    """ISO text to datetime64 (NaT for empty)."""
    return pd.to_datetime(series.astype("string").str[:10], format="%Y-%m-%d", errors="coerce")


def _iso(value) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT or \
            (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10] or None


def _int(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def as_of_date(as_of=None) -> str:
    """The date asked as ISO text; today when none."""
    text = iso_date(as_of, "as_of", required=False)
    return text or dt.date.today().isoformat()


def _split(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]


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

    # ----------------------------------------------------------------- helpers

    def active(self, as_of: str, subject_kind: str, kinds=None) -> pd.DataFrame:
        ev = self._active
        mask = (ev["subject_kind"] == subject_kind) & (ev["effective_date"] <= as_of)
        if kinds is not None:
            mask &= ev["kind"].isin([kinds] if isinstance(kinds, str) else kinds)
        return ev[mask]

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
        disbursed, and the milestones late (how many, the worst by how many days)."""
        day = as_of_date(as_of)
        year = int(day[:4])
        reg = self.projects_register
        if zone:
            reg = reg[reg["zone_code"] == zone]
        out = reg[["project_code", "name_vi", "kind", "zone_code"]].copy().set_index(
            "project_code")
        approved = self._latest(self.active(day, "project", "investment_approved"),
                                ["subject_id"]).set_index("subject_id")
        out["total_investment_vnd"] = approved["amount_vnd"].reindex(out.index)
        out["investment_decision"] = approved["document_no"].reindex(out.index)
        out["investment_decision_date"] = approved["document_date"].reindex(out.index)

        plans = self.active(day, "project", "capital_plan")
        plans = self._latest(plans[plans["year"] == year], ["subject_id", "source"])
        out["plan_year_vnd"] = plans.groupby("subject_id")["amount_vnd"].sum().reindex(out.index)
        out["plan_sources"] = plans.groupby("subject_id")["source"].agg(
            lambda s: ";".join(sorted(set(s.dropna())))).reindex(out.index)
        paid = self.active(day, "project", "disbursement")
        this_year = paid[paid["effective_date"].str[:4] == str(year)]
        out["disbursed_year_vnd"] = this_year.groupby("subject_id")["amount_vnd"].sum() \
            .reindex(out.index).fillna(0)
        out["disbursed_total_vnd"] = paid.groupby("subject_id")["amount_vnd"].sum() \
            .reindex(out.index).fillna(0)
        over = this_year[this_year["flags"].fillna("").str.contains("over_plan")]
        out["over_plan_events"] = over.groupby("subject_id").size().reindex(out.index) \
            .fillna(0).astype(int)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = out["disbursed_year_vnd"] / out["plan_year_vnd"] * 100
        out["disbursed_year_pct"] = pct.where(out["plan_year_vnd"] > 0).round(1)

        ms = self.milestones("project", day, PROJECT_MILESTONES)
        ms = ms[ms["subject_id"].isin(out.index)]
        now = pd.Timestamp(day)
        planned = _dates(ms["planned_date"])
        late = ms["reached_date"].isna() & (planned < now)
        ms = ms.assign(days_late=np.where(late, (now - planned).dt.days, 0))
        out["milestones_late"] = ms[late].groupby("subject_id").size().reindex(out.index) \
            .fillna(0).astype(int)
        out["max_days_late"] = ms.groupby("subject_id")["days_late"].max().reindex(out.index) \
            .fillna(0).astype(int)
        reached = ms.dropna(subset=["reached_date"])
        order = {m: i for i, m in enumerate(PROJECT_MILESTONES)}
        reached = reached.assign(rank=reached["milestone"].map(order)).sort_values("rank")
        out["last_milestone"] = reached.groupby("subject_id")["milestone"].last() \
            .reindex(out.index)
        pending = ms[ms["reached_date"].isna()].sort_values("planned_date")
        nxt = pending.groupby("subject_id").head(1).set_index("subject_id")
        out["next_milestone"] = nxt["milestone"].reindex(out.index)
        out["next_milestone_date"] = nxt["planned_date"].reindex(out.index)
        out.insert(0, "as_of", day)
        return out.reset_index()

    def project_milestones(self, project_code: str, as_of=None) -> list[dict]:
        day = as_of_date(as_of)
        ms = self.milestones("project", day, PROJECT_MILESTONES)
        ms = ms[ms["subject_id"] == project_code]
        return _milestone_rows(ms, day, PROJECT_MILESTONES)

    # ------------------------------------------------------------- investments

    def _due_dates(self, reg: pd.DataFrame, day: str) -> tuple[dict, dict, dict]:
        """Per milestone: committed due, current due (after extensions), reached (Series by
        investment id, datetime64)."""
        ms = self.milestones("investment", day, INVESTMENT_MILESTONES)
        ids = reg["investment_id"]
        committed, due, reached = {}, {}, {}
        for m in INVESTMENT_MILESTONES:
            base = _dates(reg[f"{m}_due"]).set_axis(ids)
            rows = ms[ms["milestone"] == m].set_index("subject_id")
            moved = _dates(rows["planned_date"]).reindex(ids)
            committed[m] = base
            due[m] = moved.fillna(base)
            reached[m] = _dates(rows["reached_date"]).reindex(ids)
        return committed, due, reached

    def investments(self, as_of=None, *, zone: str | None = None) -> pd.DataFrame:
        """One row per investment registered by ``as_of``: its milestones, capital contributed,
        its state (``on_schedule``, ``behind``, ``revocable``, ``revoked``), days behind, and
        the rules that fired (``flags``: ids; ``flag_details``: list of dicts with the
        article each cites, the ``milestone``, ``since`` (the date the months count from) and
        ``days``: for ``late`` and ``unused`` rules the days since the limit passed, for
        ``extended`` ones how many days the due date lies beyond the cap).

        The capital milestone is reached the day the contributions add up to the committed
        capital (or on a ``milestone_reached`` event, whichever the ledger has)."""
        day = as_of_date(as_of)
        now = pd.Timestamp(day)
        reg = self.investments_register
        reg = reg[reg["certificate_date"].astype("string").str[:10] <= day]
        if zone:
            reg = reg[reg["zone_code"] == zone]
        reg = reg.reset_index(drop=True)
        ids = reg["investment_id"]
        out = reg[["investment_id", "investor", "project_name", "zone_code", "plot_codes",
                   "parcel_ids", "leased_area_m2", "committed_capital_vnd", "certificate_no",
                   "certificate_date", "approval_kind", "source"]].copy().set_index(
            "investment_id")

        contributed = self.active(day, "investment", "capital_contributed")
        sums = contributed.groupby("subject_id")["amount_vnd"].sum()
        out["capital_contributed_vnd"] = sums.reindex(ids).fillna(0).to_numpy()
        committed, due, reached = self._due_dates(reg, day)
        # capital is reached the day the contributions add up to the committed capital
        cap = pd.to_numeric(reg["committed_capital_vnd"], errors="coerce").set_axis(ids)
        owed = cap.where(cap > 0).reindex(contributed["subject_id"]).to_numpy()
        running = contributed.groupby("subject_id")["amount_vnd"].cumsum().to_numpy()
        full = contributed[running >= owed].groupby("subject_id")["effective_date"].first()
        reached["capital"] = reached["capital"].fillna(_dates(full.reindex(ids)))
        for m in INVESTMENT_MILESTONES:
            out[f"{m}_due"] = [_iso(v) for v in due[m]]
            out[f"{m}_reached"] = [_iso(v) for v in reached[m]]

        # days behind: the most overdue milestone not reached
        behind = np.zeros(len(reg), dtype=np.int64)
        for m in INVESTMENT_MILESTONES:
            late = (reached[m].isna() & (due[m] < now)).to_numpy()
            days = (now - due[m]).dt.days.fillna(0).to_numpy().astype(np.int64)
            behind = np.where(late & (days > behind), days, behind)
        out["days_behind"] = behind

        fired: list[list[dict]] = [[] for _ in range(len(reg))]
        approval = reg["approval_kind"].to_numpy()
        for rule in self.rules:
            applies = np.ones(len(reg), dtype=bool)
            if rule.approval_kind:
                applies &= approval == rule.approval_kind
            if rule.after:
                applies &= reached[rule.after].notna().to_numpy()
            for m in rule.milestones:
                if rule.condition == "late":
                    limit = due[m] + pd.DateOffset(months=rule.months)
                    hit = reached[m].isna() & (limit < now)
                    since = due[m]
                elif rule.condition == "unused":
                    start = reached[rule.after]
                    limit = start + pd.DateOffset(months=rule.months)
                    hit = reached[m].isna() & (limit < now)
                    since = start
                else:  # extended: days = how far the due date lies beyond the cap
                    limit = committed[m] + pd.DateOffset(months=rule.months)
                    hit = due[m] > limit
                    since = committed[m]
                past = (due[m] if rule.condition == "extended" else now) - limit
                hit = hit.to_numpy() & applies
                for i in np.flatnonzero(hit):
                    fired[i].append({**rule.as_dict(), "milestone": m,
                                     "since": _iso(since.iloc[i]),
                                     "days": int(past.iloc[i].days)})
        revoked = self._latest(self.active(day, "investment", "revocation"), ["subject_id"]) \
            .set_index("subject_id")
        states = []
        for i, inv in enumerate(ids):
            if inv in revoked.index:
                states.append("revoked")
            else:
                states.append(max((f["state"] for f in fired[i]), key=_STATE_RANK.get,
                                  default="on_schedule"))
        out["state"] = states
        out["state_label_vi"] = [SCHEDULE_STATE.label(s) for s in states]
        out["revoked_date"] = revoked["effective_date"].reindex(ids).to_numpy()
        out["flags"] = [";".join(dict.fromkeys(f["rule_id"] for f in fs)) for fs in fired]
        out["flag_details"] = fired

        for kind, column in (("violation", "violations"), ("inspection", "inspections")):
            n = self.active(day, "investment", kind).groupby("subject_id").size()
            out[column] = n.reindex(ids).fillna(0).astype(int).to_numpy()
        reports = self._latest(self.active(day, "investment", "progress_report"),
                               ["subject_id"]).set_index("subject_id")
        out["last_report_date"] = reports["effective_date"].reindex(ids).to_numpy()
        out["last_report_note"] = reports["note"].reindex(ids).to_numpy()
        out.insert(0, "as_of", day)
        return out.reset_index()

    # ---------------------------------------------------------------- auctions

    def auctions(self, as_of=None, *, zone: str | None = None) -> pd.DataFrame:
        """One row per auction lot: the result as of ``as_of`` (date, starting and winning
        price, winner), what was due by then, collected, outstanding and overdue."""
        day = as_of_date(as_of)
        reg = self.lots_register
        if zone:
            reg = reg[reg["zone_code"] == zone]
        ids = reg["lot_code"]
        out = reg[["lot_code", "zone_code", "name_vi", "parcel_ids", "area_m2",
                   "funds_project_code", "source"]].copy().set_index("lot_code")
        out["parcels"] = [len(_split(v)) for v in reg["parcel_ids"]]
        result = self._latest(self.active(day, "lot", "auction_result"), ["subject_id"]) \
            .set_index("subject_id")
        out["auction_date"] = result["effective_date"].reindex(ids).to_numpy()
        out["result"] = result["result"].reindex(ids).to_numpy()
        out["starting_price_vnd"] = result["base_vnd"].reindex(ids).to_numpy()
        sold = (out["result"] == "sold").to_numpy()
        price = result["amount_vnd"].reindex(ids).to_numpy()
        out["winning_price_vnd"] = np.where(sold, price, np.nan)
        out["winner"] = np.where(sold, result["party"].reindex(ids).to_numpy(), None)
        out["won_vnd"] = np.where(sold, np.nan_to_num(price), 0)
        dues = self.active(day, "lot", "payment_due")  # a schedule known by the date
        due_now = dues[dues["planned_date"] <= day]
        out["scheduled_vnd"] = dues.groupby("subject_id")["amount_vnd"].sum().reindex(ids) \
            .fillna(0).to_numpy()
        out["due_vnd"] = due_now.groupby("subject_id")["amount_vnd"].sum().reindex(ids) \
            .fillna(0).to_numpy()
        paid = self.active(day, "lot", "payment")
        out["collected_vnd"] = paid.groupby("subject_id")["amount_vnd"].sum().reindex(ids) \
            .fillna(0).to_numpy()
        out["outstanding_vnd"] = (out["won_vnd"] - out["collected_vnd"]).clip(lower=0)
        out["overdue_vnd"] = (out["due_vnd"] - out["collected_vnd"]).clip(lower=0)
        out.insert(0, "as_of", day)
        return out.reset_index()

    def revenue(self, as_of=None, *, zone: str | None = None) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
        """Auction revenue as of ``as_of``: by zone (lots sold, won, collected, outstanding,
        overdue) and by the project it funds (won, collected)."""
        lots = self.auctions(as_of, zone=zone)
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
