"""A small generated world of daily subscriber feature snapshots for the monitoring tests.

Running the whole pipeline (landing -> bronze -> features) costs about 10 s per daily
snapshot, too slow for the 40 daily snapshots the monitoring tests need, so this world is
simulated one level up: the daily behaviour of each subscriber (calls, minutes, data,
dropped calls, charges, care tickets) in vectorised numpy, turned into the snapshot
columns a nightly run holds (sums and rates over 3/7/14-day windows, a trend, BSS state).
Names follow ``features/catalog.py``.

Churn follows a daily hazard driven by the dropped-call rate of the last 7 days, network
tickets, a contract end near and the segment, so a model trained on it has real signal;
a churner leaves the snapshots from its churn date (a ``churn_events`` row) and a new
activation replaces it, so the population stays stationary. Fourteen days are simulated
before the first snapshot so that every window is full from day 0.

``Outage(regions, start, ...)``: from ``start`` the dropped-call probability in those
regions is multiplied by ``dropped_call_scale`` (at most 0.6) and their usage by
``usage_scale`` (a network outage).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

WINDOWS = (3, 7, 14)
PRE_DAYS = 14
REGIONS = {  # share of subscribers, median dropped-call probability
    "London": (0.22, 0.015),
    "South East": (0.20, 0.010),
    "Midlands": (0.18, 0.020),
    "North West": (0.16, 0.022),
    "Scotland": (0.12, 0.035),
    "Wales": (0.12, 0.026),
}
PLANS = {  # plan -> (segment, monthly fee, weight within the segment)
    "PRE_PAYG": ("prepaid", 0.0, 0.4),
    "PRE_SMART": ("prepaid", 0.0, 0.4),
    "PRE_DATA": ("prepaid", 0.0, 0.2),
    "POST_S": ("postpaid", 10.0, 0.3),
    "POST_M": ("postpaid", 20.0, 0.35),
    "POST_L": ("postpaid", 35.0, 0.25),
    "POST_XL": ("postpaid", 60.0, 0.1),
}
CATEGORICAL = ["segment", "plan_id", "region"]


@dataclass(frozen=True)
class Outage:
    regions: tuple[str, ...]
    start: dt.date
    dropped_call_scale: float = 30.0
    usage_scale: float = 0.5


@dataclass(frozen=True)
class World:
    features: pd.DataFrame  # subscriber_id, snapshot_date, feature_columns()
    churn_events: pd.DataFrame  # subscriber_id, event_date, churn_type


def feature_columns() -> list[str]:
    windowed = [
        f"{name}_{w}d"
        for w in WINDOWS
        for name in ("voice_out_calls", "voice_minutes", "data_mb", "dropped_call_rate", "charge")
    ]
    return [
        *windowed,
        "active_days_7d",
        "events_trend_3v4",
        "tickets_network_14d",
        "tickets_billing_14d",
        "tenure_days",
        "days_to_contract_end",
        "plan_monthly_fee",
        *CATEGORICAL,
    ]


def feature_schema() -> str:
    types = {c: "string" if c in CATEGORICAL else "double" for c in feature_columns()}
    for c in ("active_days_7d", "tickets_network_14d", "tickets_billing_14d", "tenure_days"):
        types[c] = "int"
    types["days_to_contract_end"] = "int"
    for w in WINDOWS:
        types[f"voice_out_calls_{w}d"] = "int"
    columns = ", ".join(f"{c} {t}" for c, t in types.items())
    context = "monthly_revenue double, fraud_exposure_7d double"
    return f"subscriber_id string, snapshot_date date, {columns}, {context}"


class _Population:
    """Static traits of every subscription ever active (grown as activations arrive)."""

    def __init__(self, rng: np.random.Generator, capacity: int) -> None:
        self.rng = rng
        n = capacity
        names = list(REGIONS)
        self.region = rng.choice(len(names), size=n, p=[REGIONS[r][0] for r in names])
        base = np.asarray([REGIONS[r][1] for r in names])[self.region]
        self.p_drop = np.clip(base * rng.lognormal(0.0, 0.35, n), 0.001, 0.3)
        self.prepaid = rng.random(n) < 0.6
        plans = list(PLANS)
        pre = [p for p in plans if PLANS[p][0] == "prepaid"]
        post = [p for p in plans if PLANS[p][0] == "postpaid"]
        pre_w = np.asarray([PLANS[p][2] for p in pre])
        post_w = np.asarray([PLANS[p][2] for p in post])
        self.plan = np.where(
            self.prepaid,
            rng.choice(pre, size=n, p=pre_w / pre_w.sum()),
            rng.choice(post, size=n, p=post_w / post_w.sum()),
        )
        self.activity = rng.lognormal(-0.18, 0.6, n)
        self.has_data = rng.random(n) < 0.9
        self.care = rng.lognormal(0.0, 0.5, n)
        self.contract_end = rng.integers(0, 720, n)  # day index; renewed at the end or not
        self.activated = np.full(n, 1_000_000)  # day index of activation (unused slots: never)
        self.churned = np.full(n, 1_000_000)  # day index of churn (absent from then on)
        self.leaving = np.zeros(n, dtype=bool)  # decided to leave: usage falls, churn follows
        self.tenure0 = rng.exponential(1100, n).astype(int)  # tenure on day index 0 of the run


def generate_world(
    start: dt.date, days: int, subscribers: int, seed: int = 7, outage: Outage | None = None
) -> World:
    """Daily snapshots ``start`` .. ``start + days - 1`` of about ``subscribers`` active lines."""
    rng = np.random.default_rng(seed)
    total = PRE_DAYS + days
    capacity = subscribers * 3
    pop = _Population(rng, capacity)
    pop.activated[:subscribers] = -PRE_DAYS - pop.tenure0[:subscribers]
    next_id = subscribers
    shape = (capacity, total)
    calls = np.zeros(shape)
    minutes = np.zeros(shape)
    data = np.zeros(shape)
    dropped = np.zeros(shape)
    charge = np.zeros(shape)
    net_tickets = np.zeros(shape)
    bill_tickets = np.zeros(shape)
    region_names = list(REGIONS)
    events = []
    for t in range(total):
        day = t - PRE_DAYS  # day index relative to start
        alive = (pop.activated <= day) & (pop.churned > day)
        usage = np.ones(capacity)
        drop_scale = np.ones(capacity)
        if outage is not None and start + dt.timedelta(days=day) >= outage.start:
            hit = np.isin(pop.region, [region_names.index(r) for r in outage.regions])
            usage[hit] = outage.usage_scale
            drop_scale[hit] = outage.dropped_call_scale
        usage = usage * np.where(pop.leaving, 0.25, 1.0)
        c = rng.poisson(5.0 * pop.activity * usage) * alive
        calls[:, t] = c
        minutes[:, t] = c * rng.gamma(2.0, 1.2, capacity)
        data[:, t] = rng.gamma(2.0, 120.0 * pop.activity * usage) * pop.has_data * alive
        p = np.clip(pop.p_drop * drop_scale, 0.0, 0.6)
        dropped[:, t] = rng.binomial(c.astype(int), p)
        charge[:, t] = minutes[:, t] * np.where(pop.prepaid, 0.08, 0.02) + data[:, t] * 0.002
        net_tickets[:, t] = rng.poisson((0.003 + 0.2 * np.maximum(p - 0.01, 0)) * pop.care) * alive
        bill_tickets[:, t] = rng.poisson(0.002 * pop.care) * alive
        # Stage 1, the decision to leave, from the state up to today; stage 2, churn a few
        # days later (usage has fallen meanwhile); a churner is absent from the next day on.
        lo = max(0, t - 6)
        rate7 = dropped[:, lo : t + 1].sum(axis=1) / np.maximum(calls[:, lo : t + 1].sum(axis=1), 1)
        tickets14 = net_tickets[:, max(0, t - 13) : t + 1].sum(axis=1)
        to_end = pop.contract_end - day
        near = ~pop.prepaid & (to_end <= 60)
        hazard = (
            0.0008
            * np.exp(np.clip(60.0 * (rate7 - 0.02), -1.0, 3.0))
            * 2.0 ** np.minimum(tickets14, 3)
            * np.where(near, 4.0, 1.0)
            * np.where(pop.prepaid, 1.5, 1.0)
        )
        pop.leaving |= alive & (rng.random(capacity) < np.minimum(hazard, 0.2))
        leaving = alive & pop.leaving & (rng.random(capacity) < 0.15)
        pop.churned[leaving] = day + 1
        if day + 1 >= 0:
            for i in np.flatnonzero(leaving):
                events.append((f"W{i:06d}", start + dt.timedelta(days=day + 1), "port_out"))
        renew = ~pop.prepaid & (to_end == 0) & (rng.random(capacity) < 0.4)
        pop.contract_end[renew] += 730
        arrivals = int(leaving.sum())
        if arrivals and next_id + arrivals <= capacity:
            new = np.arange(next_id, next_id + arrivals)
            pop.activated[new] = day + 1
            pop.tenure0[new] = -(day + 1)
            pop.contract_end[new] = day + 1 + np.where(rng.random(arrivals) < 0.35, 365, 730)
            next_id += arrivals
    return World(
        _snapshots(pop, start, days, calls, minutes, data, dropped, charge, net_tickets, bill_tickets),
        pd.DataFrame(events, columns=["subscriber_id", "event_date", "churn_type"]),
    )


def _window(values: np.ndarray, t: int, w: int) -> np.ndarray:
    return values[:, max(0, t - w + 1) : t + 1].sum(axis=1)


def _snapshots(
    pop: _Population,
    start: dt.date,
    days: int,
    calls: np.ndarray,
    minutes: np.ndarray,
    data: np.ndarray,
    dropped: np.ndarray,
    charge: np.ndarray,
    net_tickets: np.ndarray,
    bill_tickets: np.ndarray,
) -> pd.DataFrame:
    frames = []
    region_names = np.asarray(list(REGIONS))
    fees = {p: PLANS[p][1] for p in PLANS}
    for day in range(days):
        t = day + PRE_DAYS
        alive = np.flatnonzero((pop.activated <= day) & (pop.churned > day))
        tenure = day - pop.activated[alive]
        cols: dict[str, object] = {
            "subscriber_id": [f"W{i:06d}" for i in alive],
            "snapshot_date": start + dt.timedelta(days=day),
        }
        for w in WINDOWS:
            c = _window(calls, t, w)[alive]
            cols[f"voice_out_calls_{w}d"] = c.astype("int32")
            cols[f"voice_minutes_{w}d"] = _window(minutes, t, w)[alive]
            cols[f"data_mb_{w}d"] = _window(data, t, w)[alive]
            cols[f"dropped_call_rate_{w}d"] = np.where(
                c > 0, _window(dropped, t, w)[alive] / np.maximum(c, 1), 0.0
            )
            cols[f"charge_{w}d"] = _window(charge, t, w)[alive]
        active = (calls[alive, max(0, t - 6) : t + 1] + data[alive, max(0, t - 6) : t + 1]) > 0
        cols["active_days_7d"] = active.sum(axis=1).astype("int32")
        recent = _window(calls, t, 3)[alive] / 3
        before = (_window(calls, t, 7)[alive] - _window(calls, t, 3)[alive]) / 4
        both = recent + before
        trend = np.where(both > 0, (recent - before) / np.where(both > 0, both, 1), 0.0)
        cols["events_trend_3v4"] = np.where(tenure >= 3, trend, np.nan)
        cols["tickets_network_14d"] = _window(net_tickets, t, 14)[alive].astype("int32")
        cols["tickets_billing_14d"] = _window(bill_tickets, t, 14)[alive].astype("int32")
        cols["tenure_days"] = tenure.astype("int32")
        to_end = (pop.contract_end[alive] - day).astype("float64")
        cols["days_to_contract_end"] = np.where(pop.prepaid[alive], np.nan, to_end)
        cols["plan_monthly_fee"] = np.asarray([fees[p] for p in pop.plan[alive]])
        cols["segment"] = np.where(pop.prepaid[alive], "prepaid", "postpaid")
        cols["plan_id"] = pop.plan[alive]
        cols["region"] = region_names[pop.region[alive]]
        # context columns of the feature table (not model features)
        fee, charge_14d = np.asarray(cols["plan_monthly_fee"]), np.asarray(cols["charge_14d"])
        cols["monthly_revenue"] = fee + 30 / 14 * charge_14d
        cols["fraud_exposure_7d"] = 0.0
        frames.append(pd.DataFrame(cols))
    out = pd.concat(frames, ignore_index=True)
    out["days_to_contract_end"] = out["days_to_contract_end"].astype("Int32")
    out["events_trend_3v4"] = out["events_trend_3v4"].astype("float64")
    return out
