"""Land-fund accounting: the tables the Board reports upward.

Every table is a DataFrame in a long format (one row per zone and category) with hectares and
parcel counts, so that it prints, pivots and exports alike. Areas are plane areas on the storage
plane (the legal figure). Statuses come from the ledger, optionally "as of" a past date; lease
status comes from the zoning plots as they are now (the plots keep no lease history).

Definitions
-----------
occupancy (tỷ lệ lấp đầy)
    leased industrial land (plots of function ``factory`` or ``warehouse`` with lease status
    ``leased``) over leasable industrial land (all ``factory`` and ``warehouse`` plots).
clean land fund (quỹ đất sạch)
    parcels whose site is handed over, that are not leased (less than half their area in leased
    plots), not auctioned (auction status neither ``announced`` nor ``sold``: an announced lot
    is already committed to its auction) and not set aside by the plan for roads, green space,
    technical infrastructure or water (less than half their area in such plots).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import shapely

from landgis.contract import PLAN_FUNCTION, STATUS_FIELDS
from landgis.dates import iso_date
from landgis.ledger import current_status
from landgis.store.base import LayerNotFoundError

INDUSTRIAL = ("factory", "warehouse")
#: plan functions that are not land to lease or auction
NOT_LEASABLE = ("roads", "green", "technical", "water")
OUTSIDE_PLAN = "outside_plan"


def _ha(m2):
    return np.asarray(m2, dtype=float) / 10_000.0


@dataclass(eq=False)
class LandFund:
    """Parcels with their plane area and statuses, and their overlay with the zoning plots.

    Build it once with :func:`land_fund` (the web server keeps it per data version), then ask
    for the tables.
    """

    parcels: pd.DataFrame  # parcel_id, zone_code, commune_code, land_use_code, plane_area_m2, statuses
    overlay: pd.DataFrame  # parcel_id, zone_code, plot_code, function, lease_status, area_m2
    plots: pd.DataFrame    # plot_code, zone_code, function, lease_status, plane_area_m2
    targets: pd.DataFrame  # zone_code, function, planned_area_ha, source
    as_of: str | None = None

    def at(self, events: pd.DataFrame, as_of=None) -> "LandFund":
        """The same land fund with the statuses as they stood on ``as_of`` (None: today).

        Areas and the plot overlay are reused; only the statuses are read from the ledger again.
        """
        status = current_status(events, self.parcels["parcel_id"], as_of=as_of)
        parcels = self.parcels.copy()
        for field, vocab in STATUS_FIELDS.items():
            parcels[field] = pd.Categorical(status[field].to_numpy(), categories=vocab.codes)
        as_of_text = iso_date(as_of, "as_of", required=False)
        out = LandFund(parcels, self.overlay, self.plots, self.targets, as_of_text)
        out.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k in ("_function_totals", "_occupancy")})
        return out

    def filtered(self, *, zone=None, commune=None, land_use=None, status=None) -> "LandFund":
        """The same land fund restricted to some parcels (filters are lists or single values)."""
        if not (zone or commune or land_use or status):
            return self
        mask = np.ones(len(self.parcels), bool)
        for column, wanted in (("zone_code", zone), ("commune_code", commune),
                               ("land_use_code", land_use)):
            if wanted:
                wanted = [wanted] if isinstance(wanted, str) else list(wanted)
                mask &= self.parcels[column].isin(wanted).to_numpy()
        if status:
            wanted = [status] if isinstance(status, str) else list(status)
            mask &= (self.parcels["clearance_status"].isin(wanted)
                     | self.parcels["auction_status"].isin(wanted)).to_numpy()
        parcels = self.parcels[mask]
        overlay = self.overlay[self.overlay["parcel_id"].isin(parcels["parcel_id"])]
        plots, targets = self.plots, self.targets
        if zone:
            zones = [zone] if isinstance(zone, str) else list(zone)
            plots = plots[plots["zone_code"].isin(zones)]
            targets = targets[targets["zone_code"].isin(zones)]
        return LandFund(parcels, overlay, plots, targets, self.as_of)

    # ------------------------------------------------------------------ tables

    def by_status(self, field: str) -> pd.DataFrame:
        """Area and parcel count by zone × ``field`` (clearance_status or auction_status)."""
        vocab = STATUS_FIELDS[field]
        zones = self.parcels["zone_code"].cat
        status = self.parcels[field].cat
        n = len(vocab.codes)
        key = zones.codes.to_numpy().astype(np.int64) * n + status.codes.to_numpy()
        count, area = _tally(key, self.parcels["plane_area_m2"].to_numpy(),
                             len(zones.categories) * n)
        hit = np.flatnonzero(count)
        codes = np.asarray(vocab.codes, dtype=object)[hit % n]
        return pd.DataFrame({
            "zone_code": np.asarray(zones.categories, dtype=object)[hit // n],
            "status": codes,
            "status_vi": [vocab.label(c, "vi") for c in codes],
            "status_en": [vocab.label(c, "en") for c in codes],
            "parcels": count[hit],
            "area_ha": _ha(area[hit]),
        })

    def by_zone(self) -> pd.DataFrame:
        """Parcel count and area per zone (the sum of its parcels)."""
        return _count_and_area(self.parcels, np.ones(len(self.parcels), bool))

    def parcel_functions(self) -> pd.DataFrame:
        """How many m² of each parcel fall in each plan function (``outside_plan`` for the rest)."""
        return self.overlay[["parcel_id", "zone_code", "plot_code", "function", "area_m2"]]

    def function_totals(self) -> pd.DataFrame:
        """Per zone and plan function: the plots' area against the planned figure."""
        return self._function_totals.copy()

    @cached_property
    def _function_totals(self) -> pd.DataFrame:
        drawn = self.plots.groupby(["zone_code", "function"])["plane_area_m2"].sum() / 10_000
        targets = self.targets.set_index(["zone_code", "function"])
        out = pd.concat([drawn.rename("plots_ha"),
                         targets["planned_area_ha"].astype(float).rename("planned_ha"),
                         targets["source"].rename("planned_source")], axis=1).reset_index()
        out.columns = ["zone_code", "function", "plots_ha", "planned_ha", "planned_source"]
        out["plots_ha"] = out["plots_ha"].fillna(0.0)
        out["difference_ha"] = out["plots_ha"] - out["planned_ha"]
        out["function_vi"] = out["function"].map(lambda f: PLAN_FUNCTION.label(f, "vi"))
        return out.sort_values(["zone_code", "function"]).reset_index(drop=True)

    def occupancy(self) -> pd.DataFrame:
        """Per park: leasable and leased industrial land and the occupancy rate (%)."""
        return self._occupancy.copy()

    @cached_property
    def _occupancy(self) -> pd.DataFrame:
        ind = self.plots[self.plots["function"].isin(INDUSTRIAL)]
        rows = []
        for zone, group in ind.groupby("zone_code"):
            area = group["plane_area_m2"]
            status = group["lease_status"].fillna("vacant")
            leasable = area.sum()
            leased = area[status == "leased"].sum()
            rows.append({"zone_code": zone, "leasable_ha": _ha(leasable).item(),
                         "leased_ha": _ha(leased).item(),
                         "reserved_ha": _ha(area[status == "reserved"].sum()).item(),
                         "vacant_ha": _ha(area[status == "vacant"].sum()).item(),
                         "occupancy_pct": 100.0 * leased / leasable if leasable else np.nan})
        return pd.DataFrame(rows, columns=["zone_code", "leasable_ha", "leased_ha",
                                           "reserved_ha", "vacant_ha", "occupancy_pct"])

    def clean_parcels(self) -> pd.DataFrame:
        """The parcels of the clean land fund (see the module's definitions)."""
        p = self.parcels
        return p[self._clean_mask()]

    def _clean_mask(self) -> np.ndarray:
        p = self.parcels
        return ((p["clearance_status"].cat.codes.to_numpy() == self._code("clearance_status",
                                                                          "handed_over"))
                & ~np.isin(p["auction_status"].cat.codes.to_numpy(),
                           [self._code("auction_status", "announced"),
                            self._code("auction_status", "sold")])
                & (p["leased_share"].to_numpy() < 0.5)
                & (p["set_aside_share"].to_numpy() < 0.5))

    @staticmethod
    def _code(field: str, value: str) -> int:
        return STATUS_FIELDS[field].rank(value)

    def clean_fund(self) -> pd.DataFrame:
        """Per zone: parcels and hectares of the clean land fund."""
        return _count_and_area(self.parcels, self._clean_mask())

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by name (the sheet names of the XLSX export)."""
        return {
            "by_zone": self.by_zone(),
            "clearance": self.by_status("clearance_status"),
            "auction": self.by_status("auction_status"),
            "plan_functions": self.function_totals(),
            "occupancy": self.occupancy(),
            "clean_fund": self.clean_fund(),
        }


def _tally(key: np.ndarray, area: np.ndarray, size: int):
    """Counts and area sums per integer key (categorical codes): the group-by of the tables."""
    valid = key >= 0
    return (np.bincount(key[valid], minlength=size),
            np.bincount(key[valid], weights=area[valid], minlength=size))


def _count_and_area(parcels: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    zones = parcels["zone_code"].cat
    count, area = _tally(zones.codes.to_numpy()[mask].astype(np.int64),
                         parcels["plane_area_m2"].to_numpy()[mask], len(zones.categories))
    hit = np.flatnonzero(count)
    return pd.DataFrame({"zone_code": np.asarray(zones.categories, dtype=object)[hit],
                         "parcels": count[hit], "area_ha": _ha(area[hit])})


def _sum_at(positions: np.ndarray, values, n: int) -> np.ndarray:
    """Per parcel position 0..n-1, the sum of the values at it (0 where none). A pandas
    group-by sum, as by parcel id before, so the same rounding; integer keys are faster."""
    out = np.zeros(n)
    if len(positions):
        sums = pd.Series(np.asarray(values, dtype=float)).groupby(positions).sum()
        out[sums.index.to_numpy()] = sums.to_numpy()
    return out


def overlay_plots(parcels: pd.DataFrame, plots: pd.DataFrame) -> pd.DataFrame:
    """The pieces of each parcel in each zoning plot, plus an ``outside_plan`` remainder.

    The pieces of a parcel add up to its plane area (the remainder is the area not in any plot).
    """
    return _overlay(parcels, plots)[0]


def _overlay(parcels: pd.DataFrame, plots: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`overlay_plots` and, for each of its rows, the position of its parcel."""
    pg = np.asarray(parcels["geometry"].values, dtype=object)
    area = shapely.area(pg)
    ids = parcels["parcel_id"].to_numpy()
    zone = parcels["zone_code"].to_numpy()
    pieces = pd.DataFrame(columns=["parcel_id", "zone_code", "plot_code", "function",
                                   "lease_status", "area_m2"])
    parcel_idx = np.zeros(0, dtype=np.intp)
    if len(plots):
        tg = np.asarray(plots["geometry"].values, dtype=object)
        plot_idx, parcel_idx = shapely.STRtree(pg).query(tg, predicate="intersects")
        inter = shapely.area(shapely.intersection(pg[parcel_idx], tg[plot_idx]))
        keep = inter > 0
        plot_idx, parcel_idx, inter = plot_idx[keep], parcel_idx[keep], inter[keep]
        pieces = pd.DataFrame({
            "parcel_id": ids[parcel_idx], "zone_code": zone[parcel_idx],
            "plot_code": plots["plot_code"].to_numpy()[plot_idx],
            "function": plots["function"].to_numpy()[plot_idx],
            "lease_status": plots["lease_status"].to_numpy()[plot_idx],
            "area_m2": inter,
        })
    rest = area - _sum_at(parcel_idx, pieces["area_m2"], len(ids))
    outside = rest > 1e-6
    remainder = pd.DataFrame({"parcel_id": ids[outside], "zone_code": zone[outside],
                              "plot_code": None, "function": OUTSIDE_PLAN, "lease_status": None,
                              "area_m2": rest[outside]})
    frames = [f for f in (pieces, remainder) if len(f)]
    if not frames:
        return pieces, parcel_idx
    positions = np.concatenate([parcel_idx, np.flatnonzero(outside)])
    return pd.concat(frames, ignore_index=True), positions


def land_fund(
    parcels: pd.DataFrame,
    events: pd.DataFrame,
    *,
    plots: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    as_of=None,
) -> LandFund:
    """Everything the land-fund tables need, computed once.

    Parameters
    ----------
    parcels : DataFrame
        The parcels, their ``geometry`` in the storage CRS (a GeoDataFrame or the plain frame
        of :meth:`Store.read_table`).
    events : DataFrame
        The ledger.
    plots, targets : optional
        The zoning plots and the planned area per function (``plan_targets``).
    as_of : date-like, optional
        Statuses as they stood on this date.
    """
    status = current_status(events, parcels["parcel_id"], as_of=as_of)
    frame = pd.DataFrame({
        "parcel_id": parcels["parcel_id"].to_numpy(),
        "zone_code": parcels["zone_code"].to_numpy(),
        "commune_code": parcels["commune_code"].to_numpy(),
        "land_use_code": parcels["land_use_code"].to_numpy(),
        "plane_area_m2": shapely.area(np.asarray(parcels["geometry"].values, dtype=object)),
    })
    for field, vocab in STATUS_FIELDS.items():
        frame[field] = pd.Categorical(status[field].to_numpy(), categories=vocab.codes)
    for column in ("zone_code", "commune_code", "land_use_code"):
        frame[column] = frame[column].astype("category")
    if plots is None:
        plots = pd.DataFrame(columns=["plot_code", "zone_code", "function", "lease_status",
                                      "geometry"])
    overlay, at = _overlay(parcels, plots)
    area, m2 = frame["plane_area_m2"].to_numpy(), overlay["area_m2"].to_numpy()
    # per parcel, the share of its area leased, and set aside by the plan
    for column, rows in (("leased_share", (overlay["lease_status"] == "leased").to_numpy()),
                         ("set_aside_share", overlay["function"].isin(NOT_LEASABLE).to_numpy())):
        frame[column] = _sum_at(at[rows], m2[rows], len(frame)) / area
    plot_table = pd.DataFrame({
        "plot_code": plots["plot_code"].to_numpy(), "zone_code": plots["zone_code"].to_numpy(),
        "function": plots["function"].to_numpy(), "lease_status": plots["lease_status"].to_numpy(),
        "plane_area_m2": shapely.area(np.asarray(plots["geometry"].values, dtype=object)),
    })
    if targets is None:
        targets = pd.DataFrame(columns=["zone_code", "function", "planned_area_ha", "source"])
    if "source" not in targets.columns:
        targets = targets.assign(source=None)
    as_of_text = iso_date(as_of, "as_of", required=False)
    return LandFund(frame, overlay, plot_table,
                    targets[["zone_code", "function", "planned_area_ha", "source"]], as_of_text)


def load_land_fund(store, *, as_of=None) -> LandFund:
    """:func:`land_fund` over the layers of a store (plots and targets when it has them),
    reading only the columns it needs as plain frames (:meth:`Store.read_table`)."""
    parcels = store.read_table("parcels", columns=["parcel_id", "zone_code", "commune_code",
                                                   "land_use_code"])
    events = store.read_table("status_events")
    plots = _optional(store, "zoning_plots",
                      columns=["plot_code", "zone_code", "function", "lease_status"])
    targets = _optional(store, "plan_targets")
    return land_fund(parcels, events, plots=plots, targets=targets, as_of=as_of)


def _optional(store, name: str, columns=None) -> pd.DataFrame | None:
    try:
        return store.read_table(name, columns=columns)
    except LayerNotFoundError:
        return None
