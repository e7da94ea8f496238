"""The ``status_events`` ledger of the demo: the story told by the Board's 2019 review.

Illustrative histories, parcel by parcel, in the order of the clearance vocabulary:

- KCN Hòa Bình phase 1: every parcel inventoried, plan approved, compensated and handed over
  (2013-2016);
- KCN Hòa Bình phase 2: clearance under way (2017-2019), parcels spread over the steps, a few
  disputed after the inventory or the plan;
- the Bờ Y sub-areas: mostly handed over (2016-2017); the parcels of the auction lots and of
  the investors there are all handed over, and each lot's parcels are planned for auction,
  get their dossier and are announced before the lot's first auction (2018-2026). The
  results (sold, unsold) are not written here: recording a lot's auction result writes them
  (:mod:`landgis.demo.progress`);
- the other parks partly cleared, the operating cluster handed over, the planned park untouched.

Decisions and minutes come in batches, one per map sheet (per auction for the lots); payments
and complaints one per parcel. Document numbers look real but are invented: every event's note
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS
from landgis.demo.progress import DEMO_TODAY

NOTE = "minh họa / illustrative"
RECORDED_BY = "demo"

CLEARANCE_STEPS = ("inventoried", "plan_approved", "compensated", "handed_over")
#: The auction steps before a lot's first auction, and how many days before it each is taken.
LOT_STEPS = (("planned", 150), ("dossier_ready", 90), ("announced", 35))

#: Document number pattern of each step, and whether one document covers a batch (a sheet).
DOCUMENTS = {
    "inventoried": ("{n}/BB-KKHT", True),
    "plan_approved": ("{n}/QĐ-UBND", True),
    "compensated": ("{n}/PC-HĐBT", False),
    "handed_over": ("{n}/BB-BGMB", True),
    "disputed": ("{n}/ĐKN", False),
    "planned": ("{n}/KH-UBND", True),
    "dossier_ready": ("{n}/TTr-BQLKKT", True),
    "announced": ("{n}/TB-ĐGTS", True),
    "sold": ("{n}/QĐ-UBND", False),
    "unsold": ("{n}/BB-ĐGKT", True),
}


@dataclass(frozen=True)
class Story:
    """How far the parcels of one area got, and when."""

    start: str
    end: str
    final: dict[str, float]  # final clearance status -> share ("not_started": no events)


STORIES = {
    "HB1": Story("2013-07-15", "2016-12-20", {"handed_over": 1.0}),
    "HB2": Story("2017-03-01", "2019-06-28",
                 {"inventoried": 0.14, "plan_approved": 0.2, "compensated": 0.24,
                  "handed_over": 0.38, "disputed": 0.04}),
    "BOY-TT": Story("2016-04-01", "2017-12-29",
                    {"handed_over": 0.86, "compensated": 0.07, "plan_approved": 0.04,
                     "disputed": 0.03}),
    "BOY-PK": Story("2016-06-01", "2017-12-29",
                    {"handed_over": 0.9, "compensated": 0.05, "plan_approved": 0.03,
                     "disputed": 0.02}),
    "SM": Story("2016-09-01", "2019-06-28",
                {"not_started": 0.35, "inventoried": 0.12, "plan_approved": 0.1,
                 "compensated": 0.13, "handed_over": 0.3}),
    "DT": Story("2017-05-01", "2019-06-28",
                {"not_started": 0.5, "inventoried": 0.15, "plan_approved": 0.1,
                 "compensated": 0.1, "handed_over": 0.15}),
    "DLA": Story("2011-03-01", "2014-12-26", {"handed_over": 1.0}),
    "NMDC": Story("2022-03-01", "2024-12-27",
                  {"not_started": 0.3, "inventoried": 0.15, "plan_approved": 0.15,
                   "compensated": 0.15, "handed_over": 0.22, "disputed": 0.03}),
}

COLUMNS = ("event_id", "parcel_id", "field", "value", "effective_date", "document_no",
           "document_date", "note", "recorded_by", "recorded_at")


def _days(start: str, end: str) -> tuple[np.datetime64, int]:
    d0 = np.datetime64(start, "D")
    return d0, int((np.datetime64(end, "D") - d0).astype(int))


def _documents(step: str, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pattern, per_batch = DOCUMENTS[step]
    if per_batch:
        keys, inverse = np.unique(batch, return_inverse=True)
        numbers = rng.integers(100, 3000, len(keys))[inverse]
    else:
        numbers = rng.integers(10, 9000, len(batch))
    return np.array([pattern.format(n=n) for n in numbers], dtype=object)


def _path_events(ids, batch, final, steps, start, end, field_name, rng):
    """Events for parcels walking ``steps`` up to their ``final`` value (or disputed)."""
    d0, span = _days(start, end)
    keys, inverse = np.unique(batch, return_inverse=True)
    nb = len(keys)
    # batch times as fractions of the span: t1 < t2 < t3 < t4, gaps of at least 5 %
    t = np.cumsum(np.column_stack([rng.uniform(0.0, 0.4, nb)]
                                  + [rng.uniform(0.05, g, nb) for g in (0.2, 0.15, 0.2)]), axis=1)
    times = t[inverse] + np.column_stack([np.zeros(len(ids)), np.zeros(len(ids)),
                                          rng.uniform(0, 0.03, len(ids)),
                                          rng.uniform(0, 0.03, len(ids))])
    level = np.array([steps.index(f) if f in steps else -1 for f in final])
    rows = []
    for k, step in enumerate(steps):
        idx = np.flatnonzero(level >= k)
        if not len(idx):
            continue
        dates = d0 + np.round(times[idx, k] * span).astype("timedelta64[D]")
        rows.append((ids[idx], field_name, np.full(len(idx), step, dtype=object), dates,
                     _documents(step, batch[idx], rng)))
    disputed = np.flatnonzero(final == "disputed")
    if len(disputed):
        depth = rng.integers(1, 3, len(disputed))  # after the inventory or the plan
        base = times[disputed, depth - 1] + rng.uniform(0.01, 0.04, len(disputed))
        dates = d0 + np.round(base * span).astype("timedelta64[D]")
        rows.append((ids[disputed], field_name, np.full(len(disputed), "disputed", object), dates,
                     _documents("disputed", batch[disputed], rng)))
        # their path: the steps before the complaint
        for k in range(2):
            idx = disputed[depth > k]
            dates = d0 + np.round(times[idx, k] * span).astype("timedelta64[D]")
            rows.append((ids[idx], field_name, np.full(len(idx), steps[k], object), dates,
                         _documents(steps[k], batch[idx], rng)))
    return rows


def _draw(shares: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    values = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), float)
    return rng.choice(values, size=n, p=p / p.sum())


def _lot_events(claims: pd.DataFrame, auctions: pd.DataFrame, today: str,
                rng: np.random.Generator) -> list:
    """The auction steps of the lots' parcels before each lot's first auction (none after
    ``today``); one document per step and auction date."""
    lots = claims[claims["holder_kind"] == "lot"].merge(
        auctions, left_on="holder_id", right_on="lot_code")
    if lots.empty:
        return []
    ids = lots["parcel_id"].to_numpy(dtype=object)
    auction = lots["auction_date"].to_numpy().astype("datetime64[D]")
    batch = lots["auction_date"].to_numpy(dtype=object)
    rows = []
    for step, days in LOT_STEPS:
        dates = auction - np.timedelta64(days, "D")
        due = dates <= np.datetime64(today, "D")
        if due.any():
            rows.append((ids[due], "auction_status", np.full(int(due.sum()), step, object),
                         dates[due], _documents(step, batch[due], rng)))
    return rows


def build_status_events(parcels: pd.DataFrame, seed: int, claims: pd.DataFrame | None = None,
                        auctions: pd.DataFrame | None = None,
                        today: str = DEMO_TODAY) -> pd.DataFrame:
    """The ``status_events`` ledger of the demo parcels.

    Parameters
    ----------
    parcels : pandas.DataFrame
        The ``parcels`` layer (``parcel_id``, ``area_code``, ``commune_code``, ``sheet_no``).
    seed : int
        The build seed.
    claims : pandas.DataFrame, optional
        The parcels auction lots and investors hold (``holder_kind`` ``lot`` or
        ``investment``, ``holder_id``, ``parcel_id``): all handed over.
    auctions : pandas.DataFrame, optional
        Each lot's first auction (``lot_code``, ``auction_date``): its parcels' auction steps
        lead up to it.
    today : str
        No event after this day.

    Returns
    -------
    pandas.DataFrame
        The contract columns; dates as ISO text, ``recorded_at`` with the +07:00 offset.
    """
    rows = []
    for k, (area, story) in enumerate(STORIES.items()):
        sel = parcels[parcels["area_code"] == area]
        if sel.empty:
            continue
        rng = np.random.default_rng([seed, 17, k])
        ids = sel["parcel_id"].to_numpy(dtype=object)
        batch = (sel["commune_code"].astype(str) + "/" + sel["sheet_no"].astype(str)).to_numpy()
        final = _draw(story.final, len(ids), rng)
        if claims is not None:
            final[np.isin(ids, claims["parcel_id"].to_numpy(dtype=object))] = "handed_over"
        rows += _path_events(ids, batch, final, CLEARANCE_STEPS, story.start, story.end,
                             "clearance_status", rng)
    if claims is not None and auctions is not None:
        rows += _lot_events(claims, auctions, today, np.random.default_rng([seed, 23]))
    return _frame(rows, seed)


def _frame(rows, seed: int) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    df = pd.DataFrame({
        "parcel_id": np.concatenate([r[0] for r in rows]),
        "field": np.concatenate([np.full(len(r[0]), r[1], dtype=object) for r in rows]),
        "value": np.concatenate([r[2] for r in rows]),
        "date": np.concatenate([r[3] for r in rows]),
        "document_no": np.concatenate([r[4] for r in rows]),
    })
    vocab = {"clearance_status": CLEARANCE_STATUS, "auction_status": AUCTION_STATUS}
    df["rank"] = [vocab[f].rank(v) for f, v in zip(df["field"], df["value"])]
    df = df.sort_values(["date", "parcel_id", "field", "rank"], kind="stable")
    rng = np.random.default_rng([seed, 19])
    n = len(df)
    recorded = (df["date"].to_numpy() + rng.integers(1, 15, n).astype("timedelta64[D]")
                ).astype("datetime64[s]")
    recorded += (rng.integers(8 * 3600, 17 * 3600, n)).astype("timedelta64[s]")
    dates = np.datetime_as_string(df["date"].to_numpy(), unit="D")
    width = max(6, len(str(n)))
    return pd.DataFrame({
        "event_id": [f"demo-{i:0{width}d}" for i in range(1, n + 1)],
        "parcel_id": df["parcel_id"].to_numpy(dtype=object),
        "field": df["field"].to_numpy(dtype=object),
        "value": df["value"].to_numpy(dtype=object),
        "effective_date": dates.astype(object),
        "document_no": df["document_no"].to_numpy(dtype=object),
        "document_date": dates.astype(object),
        "note": NOTE,
        "recorded_by": RECORDED_BY,
        "recorded_at": np.char.add(np.datetime_as_string(recorded, unit="s"), "+07:00")
        .astype(object),
    })
