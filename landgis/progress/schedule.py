"""Investors' projects as of a date: milestones, capital, the schedule rules, revocation.

The computation behind :meth:`ProgressBook.investments <landgis.progress.book.ProgressBook.
investments>`, done on whole columns (one array per milestone over the register, events placed
by their row in the register): the cost grows with the events, not with a Python loop per
investment, so that 1,000 investments and ten years of events answer in milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landgis.vocabularies import INVESTMENT_MILESTONES, SCHEDULE_STATE

STATE_RANK = {"on_schedule": 0, "behind": 1, "revocable": 2, "revoked": 3}
_STATES = np.array(["on_schedule", "behind", "revocable", "revoked"], dtype=object)
_LABELS = np.array([SCHEDULE_STATE.label(s) for s in _STATES], dtype=object)
NAT = np.datetime64("NaT", "D")
REGISTER_COLUMNS = ["investment_id", "investor", "project_name", "zone_code", "plot_codes",
                    "parcel_ids", "leased_area_m2", "committed_capital_vnd", "certificate_no",
                    "certificate_date", "approval_kind", "source"]


def days(series) -> np.ndarray:
    """ISO text (or anything pandas reads as a date) as ``datetime64[D]``; NaT for none."""
    s = pd.Series(series, dtype=object).astype("string").str[:10]
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").to_numpy().astype(
        "datetime64[D]")


def as_days(column: pd.Series) -> np.ndarray:
    """A datetime column of a frame as ``datetime64[D]`` (pandas keeps seconds at least)."""
    return column.to_numpy().astype("datetime64[D]")


def iso(arr: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` as ISO text, None for NaT (an object array)."""
    out = np.datetime_as_string(arr, unit="D").astype(object)
    out[np.isnat(arr)] = None
    return out


def add_months(arr: np.ndarray, months: int) -> np.ndarray:
    """``arr`` moved by whole months, the day kept or the month's last day (as
    :class:`pandas.DateOffset` and the Civil Code count)."""
    if not months:
        return arr
    moved = pd.DatetimeIndex(arr.astype("datetime64[ns]")) + pd.DateOffset(months=months)
    return moved.to_numpy().astype("datetime64[D]")


def latest(frame: pd.DataFrame, n: int, values: str, *, where=None) -> np.ndarray:
    """Per register row, ``values`` of its last event in ``frame`` (sorted in ledger order),
    NaT / None where it has none."""
    if where is not None:
        frame = frame[where]
    last = frame.drop_duplicates("_pos", keep="last")
    col = last[values].to_numpy()
    if col.dtype.kind == "M":
        out = np.full(n, NAT)
        col = col.astype("datetime64[D]")
    else:
        out = np.full(n, None, dtype=object)
        col = col.astype(object)
    out[last["_pos"].to_numpy()] = col
    return out


class InvestmentRegister:
    """The investments register as arrays, made once per book."""

    def __init__(self, register: pd.DataFrame):
        self.frame = register
        self.n = len(register)
        self.certificate = days(register["certificate_date"])
        self.committed = {m: days(register[f"{m}_due"]) for m in INVESTMENT_MILESTONES}
        cap = pd.to_numeric(register["committed_capital_vnd"], errors="coerce").to_numpy(float)
        self.capital = np.where(cap > 0, cap, np.nan)
        self.approval = register["approval_kind"].to_numpy(dtype=object)
        self.zone = register["zone_code"].to_numpy(dtype=object)


def investments_table(reg: InvestmentRegister, events: pd.DataFrame, rules, day: str,
                      zone: str | None) -> pd.DataFrame:
    """One row per investment certified by ``day``; ``events``: the investments' active events
    with ``_day``, ``_planned`` (``datetime64[D]``) and ``_pos`` (row in the register)."""
    now = np.datetime64(day, "D")
    n = reg.n
    ev = events[(events["_day"].to_numpy() <= now) & (events["_pos"].to_numpy() >= 0)]
    kinds = ev["kind"].to_numpy()

    def of(kind):
        return ev[kinds == kind]

    committed = reg.committed
    due, reached = {}, {}
    moves = of("extension")
    moves = moves[moves["_planned"].notna().to_numpy()].drop_duplicates(["_pos", "milestone"],
                                                                         keep="last")
    got = of("milestone_reached").drop_duplicates(["_pos", "milestone"], keep="last")
    for m in INVESTMENT_MILESTONES:
        due[m] = committed[m].copy()
        rows = moves[moves["milestone"].to_numpy() == m]
        due[m][rows["_pos"].to_numpy()] = as_days(rows["_planned"])
        reached[m] = np.full(n, NAT)
        rows = got[got["milestone"].to_numpy() == m]
        reached[m][rows["_pos"].to_numpy()] = as_days(rows["_day"])

    # capital is reached the day the contributions add up to the committed capital
    paid = of("capital_contributed")
    pos = paid["_pos"].to_numpy()
    amount = paid["amount_vnd"].to_numpy(float)
    contributed = np.bincount(pos, weights=np.nan_to_num(amount), minlength=n)
    running = paid.groupby("_pos", sort=False)["amount_vnd"].cumsum().to_numpy(float)
    full = paid[running >= reg.capital[pos]].drop_duplicates("_pos", keep="first")
    cap_day = np.full(n, NAT)
    cap_day[full["_pos"].to_numpy()] = as_days(full["_day"])
    reached["capital"] = np.where(np.isnat(reached["capital"]), cap_day, reached["capital"])

    behind = np.zeros(n, dtype=np.int64)
    for m in INVESTMENT_MILESTONES:
        late = np.isnat(reached[m]) & (due[m] < now)
        behind = np.where(late, np.maximum(behind, (now - due[m]).astype(np.int64)), behind)

    worst = np.zeros(n, dtype=np.int64)
    fired: list[list[dict]] = [[] for _ in range(n)]
    for rule in rules:
        applies = np.ones(n, dtype=bool)
        if rule.approval_kind:
            applies &= reg.approval == rule.approval_kind
        if rule.after:
            applies &= ~np.isnat(reached[rule.after])
        head = rule.as_dict()
        rank = STATE_RANK[rule.state]
        for m in rule.milestones:
            if rule.condition == "extended":
                since = committed[m]
                limit = add_months(since, rule.months)
                hit, past = due[m] > limit, due[m] - limit
            else:
                since = due[m] if rule.condition == "late" else reached[rule.after]
                limit = add_months(since, rule.months)
                hit, past = np.isnat(reached[m]) & (limit < now), now - limit
            idx = np.flatnonzero(hit & applies)
            if not len(idx):
                continue
            worst[idx] = np.maximum(worst[idx], rank)
            for i, s, d in zip(idx.tolist(), iso(since[idx]), past[idx].astype(np.int64).tolist()):
                fired[i].append({**head, "milestone": m, "since": s, "days": d})

    revoked = latest(of("revocation"), n, "_day")
    worst = np.where(np.isnat(revoked), worst, STATE_RANK["revoked"])
    reports = of("progress_report")
    keep = ~np.isnat(reg.certificate) & (reg.certificate <= now)
    if zone:
        keep &= reg.zone == zone
    out = reg.frame.loc[keep, REGISTER_COLUMNS].copy()
    out.insert(1, "as_of", day)
    out["capital_contributed_vnd"] = contributed[keep]
    for m in INVESTMENT_MILESTONES:
        out[f"{m}_due"] = iso(due[m][keep])
        out[f"{m}_reached"] = iso(reached[m][keep])
    out["days_behind"] = behind[keep]
    out["state"] = _STATES[worst[keep]]
    out["state_label_vi"] = _LABELS[worst[keep]]
    out["revoked_date"] = iso(revoked[keep])
    kept = np.flatnonzero(keep)
    out["flags"] = [";".join(dict.fromkeys(f["rule_id"] for f in fired[i])) for i in kept]
    out["flag_details"] = [fired[i] for i in kept]
    for kind, column in (("violation", "violations"), ("inspection", "inspections")):
        out[column] = np.bincount(of(kind)["_pos"].to_numpy(), minlength=n)[keep]
    out["last_report_date"] = iso(latest(reports, n, "_day")[keep])
    out["last_report_note"] = latest(reports, n, "note")[keep]
    return out.reset_index(drop=True)
