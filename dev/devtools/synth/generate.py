"""Orchestration: simulate the operator day by day and write every feed's daily drop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from devtools.synth import arrowutil as au
from devtools.synth import landing_tables as tables
from devtools.synth import plan_catalog as cat
from devtools.synth.bill_run import Billing, day_of_month
from devtools.synth.care_tickets import Care
from devtools.synth.churn import ChurnModel, Drivers
from devtools.synth.drops import DropWriter, split_late
from devtools.synth.events import EventBlock, cdr_table
from devtools.synth.fraud import ORDINARY_KEPT, SUSPENDED_AFTER, fraud_usage, n_fraudsters, plan_fraud
from devtools.synth.network import build_network
from devtools.synth.outage_drift import Drift
from devtools.synth.population import build_population, imeis
from devtools.synth.rating import Allowances, rate
from devtools.synth.rng import (
    BILLING,
    CARE,
    CHURN,
    CORRUPT,
    FRAUD_USAGE,
    LATE,
    LIFE,
    POPULATION,
    TOPUP,
    USAGE,
    stream,
)
from devtools.synth.usage import DayContext, care_calls, ordinary_usage

CDR_FORMATS = ("csv.gz", "parquet")
LATE_BASE_P = 0.007  # share of CDRs delivered in the next day's drop ...
LATE_NIGHT_P = 0.04  # ... plus this for events after 22:00
TRIP_P = {cat.PREPAID: 0.0004, cat.POSTPAID: 0.001}  # daily probability of starting a trip abroad
DEVICE_CHANGE_P = 0.0005  # daily probability of a new handset (new IMEI)
RENEWAL_P = 0.35  # share of contracts renewed on their end date


@dataclass(frozen=True)
class GenerationSummary:
    subscribers: int
    days: int
    rows_written: dict[str, int]
    churners: int
    monthly_churn_rate: float
    fraudsters: dict[str, int]
    fraud_rate: float
    bad_rows: dict[str, dict[str, int]]
    corrupt_files: list[str]
    late_cdrs: int
    start: dt.date | None = None
    seed: int = 0
    churn_types: dict[str, int] = field(default_factory=dict)
    new_activations: int = 0
    false_positive_cases: int = 0
    unconfirmed_fraudsters: int = 0  # fraud running at the end whose case is not confirmed yet


def generate(
    landing: Path,
    subscribers: int,
    start: dt.date,
    days: int,
    seed: int,
    bad_row_rate: float = 0.002,
    corrupt_files: bool = True,
    cdr_format: str = "csv.gz",
    drift: dict[str, Any] | None = None,
) -> GenerationSummary:
    """Write ``days`` daily drops of every feed for a world of ``subscribers`` into ``landing``."""
    if subscribers < 20:
        raise ValueError("subscribers must be at least 20")
    if days < 1:
        raise ValueError("days must be at least 1")
    if cdr_format not in CDR_FORMATS:
        raise ValueError(f"cdr_format must be one of {CDR_FORMATS}")
    if not 0 <= bad_row_rate < 0.5:
        raise ValueError("bad_row_rate must be in [0, 0.5)")
    drift_spec = Drift.from_dict(drift)
    landing = Path(landing)
    n = int(subscribers)
    start_day = au.day_number(start)
    last_day = start_day + days - 1

    net = build_network(stream(seed, POPULATION, 1))
    pop = build_population(n, start_day, days, seed, net, n_fraudsters(n)[cat.SUBSCRIPTION])
    fplan = plan_fraud(pop, net, start_day, days, seed)
    churn = ChurnModel(pop, fplan.ftype < 0, start_day, seed)
    billing = Billing(pop, start_day, stream(seed, BILLING), never_pay=fplan.ftype == cat.SUBSCRIPTION)
    care = Care(n)
    allowances = Allowances(n)
    snaps = tables.Snapshots(pop)
    sub_id = snaps.sub_id
    plans_table = snaps.plans()

    status = np.where(pop.activation_day < start_day, cat.ACTIVE, cat.PENDING).astype(np.int8)
    plan = pop.plan.copy()
    contract_end = pop.contract_end.copy()
    device = pop.device.copy()
    imei = pop.imei.copy()
    prod_end = pop.prod_end.copy()
    trip = np.full(n, -1, dtype=np.int64)
    trip_end = np.full(n, -1, dtype=np.int64)
    corrupt_day = None
    if corrupt_files and days >= 2:
        corrupt_day = start_day + int(stream(seed, CORRUPT).integers(1, days))
    out = DropWriter(landing, seed, bad_row_rate, cdr_format, corrupt_day)
    late_carry = None
    active_days = 0
    churn_count = np.zeros(len(cat.CHURN_TYPES), dtype=np.int64)
    post = pop.segment == cat.POSTPAID

    for i in range(days):
        day = start_day + i
        weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
        dom = day_of_month(day)
        life = stream(seed, LIFE, day)
        # --- the day's status changes --------------------------------------------
        status[(status == cat.PENDING) & (pop.activation_day == day)] = cat.ACTIVE
        suspended = np.flatnonzero(
            (fplan.confirm == day) & np.isin(fplan.ftype, SUSPENDED_AFTER) & (status == cat.ACTIVE)
        )
        status[suspended] = cat.SUSPENDED
        renew = (
            (contract_end == day) & (status == cat.ACTIVE) & ~churn.in_intent() & (life.random(n) < RENEWAL_P)
        )
        contract_end[renew] += np.where(pop.contract_type[renew] == 1, 365, 730)
        overdue = billing.overdue_days(day)
        drivers = Drivers(
            days_to_contract_end=np.where(contract_end >= 0, contract_end - day, 10**6),
            bill_shock=billing.bill_shock(day),
            late_payment=billing.late_payment(day),
            complaints_30d=care.complaints_30d(),
            overdue_days=overdue,
        )
        churners, churn_types = churn.step(stream(seed, CHURN, day), day, status == cat.ACTIVE, drivers)
        status[churners] = cat.TERMINATED
        np.add.at(churn_count, churn_types, 1)
        gone = np.zeros(n, dtype=bool)
        gone[churners] = True
        prod_end[(prod_end < 0) & gone[pop.prod_sub]] = day
        # --- trips abroad, handset changes ------------------------------------------
        trip[trip_end < day] = -1
        is_active = status == cat.ACTIVE
        go = (
            is_active
            & (trip < 0)
            & (life.random(n) < np.where(post, TRIP_P[1], TRIP_P[0]))
            & (fplan.ftype < 0)
        )
        trip[go] = cat.TOURIST[life.choice(len(cat.TOURIST), int(go.sum()), p=cat.TOURIST_P)]
        trip_end[go] = day + life.integers(2, 10, int(go.sum()))
        change = np.flatnonzero(is_active & (life.random(n) < DEVICE_CHANGE_P))
        device[change] = life.choice(len(cat.DEVICES), len(change), p=cat.DEVICE_SHARE)
        imei[change] = imeis(cat.DEVICE_TAC[device[change]], life)
        # --- care ---------------------------------------------------------------------
        active = np.flatnonzero(is_active)
        intent = churn.in_intent()
        tk = care.tickets(
            stream(seed, CARE, day),
            day,
            last_day,
            pop,
            active,
            intent,
            drivers.bill_shock,
            overdue > 0,
            churn.cancel_requested,
        )
        # --- usage ----------------------------------------------------------------------
        running = fplan.window(day)
        running = running[is_active[running]]
        out_mult = drift_spec.usage_of(i, pop.region)
        in_mult = out_mult.copy()
        cells = pop.cells
        imei_today = imei
        if len(running):
            cells = pop.cells.copy()
            imei_today = imei.copy()
            for ftype, (o, m) in ORDINARY_KEPT.items():
                who = running[fplan.ftype[running] == ftype]
                out_mult[who] *= o
                in_mult[who] *= m
            swap = running[np.isin(fplan.ftype[running], (cat.SIMBOX, cat.WANGIRI, cat.ATO))]
            cells[swap] = fplan.fixed_cells[swap]
            imei_today[swap] = fplan.fraud_imei[swap]
        drop_scale = drift_spec.drop_scale_of(i, net.region_first, len(net.drop_p))
        ctx = DayContext(day, weekend, active, out_mult, in_mult, cells, trip, drop_scale)
        usage_rng = stream(seed, USAGE, day)
        phone = tk["channel"] == 0
        blocks = [
            ordinary_usage(usage_rng, pop, net, ctx, churn.engagement(day)),
            fraud_usage(stream(seed, FRAUD_USAGE, day), pop, net, fplan, ctx, running),
            care_calls(usage_rng, pop, net, ctx, tk["sub"][phone], tk["opened"][phone]),
        ]
        ev = EventBlock.concat(blocks)
        ev = ev.take(np.lexsort((ev.sub, ev.sec)))
        allowances.reset(np.flatnonzero(pop.billing_day == dom))
        charge = rate(ev, pop.segment, plan, pop.intl_free, allowances)
        spend = np.bincount(ev.sub, weights=charge, minlength=n)
        high_cost = (ev.otype == cat.INTL) & cat.COUNTRY_HIGH_COST[np.maximum(ev.country, 0)]
        unusual = ev.roaming | (ev.otype == cat.PREMIUM) | high_cost
        spend_unusual = np.bincount(ev.sub[unusual], weights=charge[unusual], minlength=n)
        # --- billing ------------------------------------------------------------------
        billing.oob[post] += spend[post]
        billing.oob_unusual[post] += spend_unusual[post]
        to_bill = np.flatnonzero(post & (status == cat.ACTIVE) & (pop.billing_day == dom))
        final = np.concatenate([churners, suspended])
        final = final[post[final]]
        inv = billing.invoice(stream(seed, BILLING, day), day, np.union1d(to_bill, final), intent)
        pay = billing.payments(day)
        prepaid_active = active[pop.segment[active] == cat.PREPAID]
        top = billing.topups(stream(seed, TOPUP, day), day, prepaid_active, spend, intent)
        # --- write the day's drops -------------------------------------------------------
        ids = au.id_strings("CDR", day, np.arange(len(ev)), 9)
        cdr = cdr_table(ev, charge, ids, pop.msisdn, imei_today, net)
        ontime, late = split_late(stream(seed, LATE, day), cdr, ev.sec, LATE_BASE_P, LATE_NIGHT_P)
        n_ev = len(ev)
        out.cdr(day, ontime, late_carry, _seq("CDR", day, n_ev, 9))
        late_carry = late if late.num_rows else None
        out.snapshot("subscribers", day, snaps.subscribers(status, plan, contract_end, device))
        out.snapshot("plans", day, plans_table)
        out.snapshot("subscriber_products", day, snaps.products(day, prod_end))
        inv_t = tables.invoices(sub_id, day, inv)
        out.event("invoices", day, inv_t, _codes("INV", day, inv_t.num_rows))
        pay_t = tables.payments(sub_id, day, pay)
        out.event("payments", day, pay_t, _seq("PAY", day, pay_t.num_rows, 7))
        top_t = tables.topups(sub_id, day, top)
        out.event("topups", day, top_t, _seq("TOP", day, top_t.num_rows, 7))
        tk_t = tables.tickets(sub_id, day, tk)
        out.event("tickets", day, tk_t, _seq("TKT", day, tk_t.num_rows, 6))
        out.event("churn_events", day, tables.churn_events(sub_id, day, churners, churn_types), None)
        c = np.flatnonzero(fplan.case_confirm == day)
        out.event(
            "fraud_cases",
            day,
            tables.fraud_cases(
                sub_id,
                day,
                fplan.case_sub[c],
                fplan.case_type[c],
                fplan.case_first_seen[c],
                fplan.case_confirm[c],
                fplan.case_disposition[c],
            ),
            None,
        )
        active_days += int((status == cat.ACTIVE).sum())

    # the last day's late CDRs would arrive after the period: they are not written
    return _summary(pop, fplan, out, churn_count, active_days, n, days, start, seed, last_day)


def _seq(prefix: str, day: int, first: int, width: int):
    return lambda k: au.id_strings(prefix, day, first + np.arange(k), width)


def _codes(prefix: str, day: int, first: int):
    return lambda k: au.code_ids(prefix, np.int64(au.yyyymmdd(day)) * 10**7 + first + np.arange(k))


def _summary(pop, fplan, out: DropWriter, churn_count, active_days, n, days, start, seed, last_day):
    written = fplan.case_confirm <= last_day
    confirmed = written & (fplan.case_disposition == 0)
    fraudsters = {
        name: len(np.unique(fplan.case_sub[confirmed & (fplan.case_type == t)]))
        for t, name in enumerate(cat.FRAUD_TYPES)
    }
    unconfirmed = (fplan.ftype >= 0) & (fplan.onset <= last_day) & (fplan.confirm > last_day)
    churners = int(churn_count.sum())
    mean_active = active_days / days
    return GenerationSummary(
        subscribers=n,
        days=days,
        rows_written=dict(out.rows),
        churners=churners,
        monthly_churn_rate=churners / mean_active * 30 / days if mean_active else 0.0,
        fraudsters=fraudsters,
        fraud_rate=len(np.unique(fplan.case_sub[confirmed])) / n,
        bad_rows={f: dict(k) for f, k in out.bad.items()},
        corrupt_files=list(out.corrupt_files),
        late_cdrs=out.late_cdrs,
        start=start,
        seed=seed,
        churn_types={name: int(churn_count[i]) for i, name in enumerate(cat.CHURN_TYPES)},
        new_activations=int((pop.activation_day >= pop.start_day).sum()),
        false_positive_cases=int((written & (fplan.case_disposition == 1)).sum()),
        unconfirmed_fraudsters=int(unconfirmed.sum()),
    )
