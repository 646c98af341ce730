"""Fraud: who commits which fraud when, what it looks like in the CDRs, and the case feed.

About 0.5% of subscribers are fraudsters (at least one per type). Fraud starts on a day
inside the period (never the first three days), is first seen 1-5 days later and
confirmed 2-10 days after that; then the SIM is suspended (account takeover: the owner
gets the account back; ``other``: no action). Revenue assurance also closes cases as
``false_positive`` on ordinary subscribers (label noise) and confirms a few ``other``
cases without a usage signature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.events import NIGHT_HOURS, VOICE_HOURS, WORK_HOURS, EventBlock, hour_p
from devtools.synth.network import Network
from devtools.synth.population import Population, imeis, intl_numbers, random_numbers
from devtools.synth.rng import FRAUD_PLAN, stream
from devtools.synth.usage import DayContext, data, finish_voice, place, seconds, terminate

FRAUD_SHARE = 0.005  # fraudsters per subscriber (simbox..account_takeover)
TYPE_SHARE = {cat.SIMBOX: 0.25, cat.IRSF: 0.20, cat.SUBSCRIPTION: 0.20, cat.WANGIRI: 0.15, cat.ATO: 0.20}
OTHER_SHARE = 0.08  # extra confirmed 'other' cases, per fraudster
FALSE_POSITIVE_SHARE = 0.40  # false-positive cases, per fraudster
FIRST_SEEN_LAG = {
    cat.SIMBOX: (1, 3),
    cat.IRSF: (1, 3),
    cat.SUBSCRIPTION: (2, 5),
    cat.WANGIRI: (1, 2),
    cat.ATO: (2, 5),
}
CONFIRM_LAG = (2, 10)
SUSPENDED_AFTER = (cat.SIMBOX, cat.IRSF, cat.SUBSCRIPTION, cat.WANGIRI)
# ordinary usage kept during the fraud window: (outgoing and data, incoming)
ORDINARY_KEPT = {
    cat.SIMBOX: (0.0, 0.0),
    cat.WANGIRI: (0.0, 0.0),
    cat.IRSF: (0.3, 0.5),
    cat.SUBSCRIPTION: (1.0, 1.0),
    cat.ATO: (0.3, 0.6),
}


def n_fraudsters(n: int) -> dict[int, int]:
    total = max(5, round(FRAUD_SHARE * n))
    return {t: max(1, round(share * total)) for t, share in TYPE_SHARE.items()}


@dataclass
class FraudPlan:
    ftype: np.ndarray  # (n,) fraud type or -1
    onset: np.ndarray  # (n,) day number (fraudsters only)
    first_seen: np.ndarray
    confirm: np.ndarray
    intensity: np.ndarray  # (n,) calls per day at full strength
    fixed_cells: np.ndarray  # (n, 5) cells in use while the fraud runs
    fraud_imei: np.ndarray  # (n,) IMEI while the fraud runs (simbox gateway, takeover device)
    destinations: np.ndarray  # (n, 6) IRSF numbers called again and again
    dest_type: np.ndarray
    dest_country: np.ndarray
    # every case (fraudsters, 'other' and false positives)
    case_sub: np.ndarray
    case_type: np.ndarray
    case_first_seen: np.ndarray
    case_confirm: np.ndarray
    case_disposition: np.ndarray

    def window(self, day: int) -> np.ndarray:
        """Fraudsters whose fraud runs on ``day``."""
        return np.flatnonzero((self.ftype >= 0) & (self.onset <= day) & (day < self.confirm))


def plan_fraud(pop: Population, net: Network, start_day: int, days: int, seed: int) -> FraudPlan:
    rng = stream(seed, FRAUD_PLAN)
    n = pop.n
    quota = n_fraudsters(n)
    ftype = np.full(n, -1, dtype=np.int8)
    onset = np.full(n, 10**6, dtype=np.int64)
    lo, hi = start_day + 3, start_day + max(days - 12, 4)
    taken = np.zeros(n, dtype=bool)
    prepaid = pop.segment == cat.PREPAID
    newish = pop.activation_day >= start_day - 120
    existing_post = (pop.segment == cat.POSTPAID) & (pop.activation_day < start_day - 365)

    def pick(k: int, prefer: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        chosen: list[int] = []
        for pool in (prefer, fallback, np.ones(n, dtype=bool)):
            cand = np.flatnonzero(pool & ~taken & (pop.activation_day < hi - 1))
            need = k - len(chosen)
            if need <= 0 or len(cand) == 0:
                continue
            got = rng.choice(cand, min(need, len(cand)), replace=False)
            taken[got] = True
            chosen.extend(got.tolist())
        return np.array(sorted(chosen), dtype=np.int64)

    sub_fraud = pop.subscription_fraud[: quota[cat.SUBSCRIPTION]]
    taken[sub_fraud] = True
    members = {
        cat.SUBSCRIPTION: sub_fraud,
        cat.SIMBOX: pick(quota[cat.SIMBOX], prepaid & newish, prepaid),
        cat.WANGIRI: pick(quota[cat.WANGIRI], prepaid & newish, prepaid),
        cat.IRSF: pick(quota[cat.IRSF], prepaid, np.ones(n, dtype=bool)),
        cat.ATO: pick(quota[cat.ATO], existing_post, pop.segment == cat.POSTPAID),
    }
    first_seen = np.full(n, 10**6, dtype=np.int64)
    for t, idx in members.items():
        ftype[idx] = t
        if t == cat.SUBSCRIPTION:
            onset[idx] = pop.activation_day[idx] + rng.integers(0, 2, len(idx))
        else:
            onset[idx] = np.maximum(rng.integers(lo, hi + 1, len(idx)), pop.activation_day[idx] + 1)
        a, b = FIRST_SEEN_LAG[t]
        first_seen[idx] = onset[idx] + rng.integers(a, b + 1, len(idx))
    confirm = first_seen + rng.integers(CONFIRM_LAG[0], CONFIRM_LAG[1] + 1, n)
    intensity = np.zeros(n)
    for t, (a, b) in {
        cat.SIMBOX: (150, 400),
        cat.WANGIRI: (300, 900),
        cat.IRSF: (15, 60),
        cat.SUBSCRIPTION: (25, 50),
        cat.ATO: (10, 30),
    }.items():
        idx = members[t]
        intensity[idx] = rng.uniform(a, b, len(idx))
    # where the fraud happens: a gateway's one or two cells; a takeover's other region
    fixed_cells = pop.cells.copy()
    for t in (cat.SIMBOX, cat.WANGIRI):
        idx = members[t]
        box = pop.cells[idx][:, [0, 1]]
        fixed_cells[idx] = box[:, [0, 0, 0, 1, 0]]
    ato = members[cat.ATO]
    other_region = (pop.region[ato] + rng.integers(1, len(cat.REGIONS), len(ato))) % len(cat.REGIONS)
    fixed_cells[ato] = net.region_first[other_region][:, None] + rng.integers(
        0, cat.CELLS_PER_REGION, (len(ato), 5)
    )
    fraud_imei = pop.imei.copy()
    gw = np.concatenate([members[cat.SIMBOX]])
    fraud_imei[gw] = imeis(np.full(len(gw), cat.SIMBOX_TAC), rng)
    fraud_imei[ato] = imeis(cat.DEVICE_TAC[rng.integers(0, len(cat.DEVICES) - 1, len(ato))], rng)
    # IRSF: a handful of premium / high-cost numbers called again and again
    k = 6
    dest_country = cat.HIGH_COST[rng.integers(0, len(cat.HIGH_COST), (n, k))].astype(np.int16)
    prem = rng.random((n, k)) < 0.3
    dest = np.where(
        prem,
        cat.PREMIUM_PREFIX + rng.integers(0, 10**8, (n, k)),
        intl_numbers(rng, dest_country.ravel()).reshape(n, k),
    )
    dest_type = np.where(prem, cat.PREMIUM, cat.INTL).astype(np.int8)
    dest_country = np.where(prem, cat.GB, dest_country).astype(np.int16)
    # cases: fraudsters, 'other' confirmed cases, false positives
    fraudsters = np.flatnonzero(ftype >= 0)
    n_f = len(fraudsters)
    others = pick(round(OTHER_SHARE * n_f), np.ones(n, dtype=bool), np.ones(n, dtype=bool))
    weight = (1 + 3 * pop.intl + pop.activity) * ~taken * (pop.activation_day < hi)
    n_fp = min(round(FALSE_POSITIVE_SHARE * n_f), int((weight > 0).sum()))
    fps = (
        np.sort(rng.choice(n, n_fp, replace=False, p=weight / weight.sum()))
        if n_fp
        else np.array([], np.int64)
    )
    extra = np.concatenate([others, fps])
    extra_first = np.maximum(rng.integers(lo, hi + 8, len(extra)), pop.activation_day[extra] + 1)
    extra_confirm = extra_first + rng.integers(CONFIRM_LAG[0], CONFIRM_LAG[1] + 1, len(extra))
    fp_type = rng.choice(list(TYPE_SHARE), len(fps))
    case_sub = np.concatenate([fraudsters, extra])
    order = np.lexsort((case_sub, np.concatenate([confirm[fraudsters], extra_confirm])))
    return FraudPlan(
        ftype=ftype,
        onset=onset,
        first_seen=first_seen,
        confirm=np.where(ftype >= 0, confirm, 10**6),
        intensity=intensity,
        fixed_cells=fixed_cells.astype(np.int32),
        fraud_imei=fraud_imei,
        destinations=dest.astype(np.int64),
        dest_type=dest_type,
        dest_country=dest_country,
        case_sub=case_sub[order],
        case_type=np.concatenate([ftype[fraudsters], np.full(len(others), cat.OTHER_FRAUD), fp_type])[
            order
        ].astype(np.int8),
        case_first_seen=np.concatenate([first_seen[fraudsters], extra_first])[order],
        case_confirm=np.concatenate([confirm[fraudsters], extra_confirm])[order],
        case_disposition=np.concatenate(
            [np.zeros(n_f + len(others), dtype=np.int8), np.ones(len(fps), dtype=np.int8)]
        )[order],
    )


def _calls(rng, ctx: DayContext, net: Network, sub, sec, num, otype, country, dur, term=None) -> EventBlock:
    cell, roaming = place(rng, ctx, net, sub, sec)
    direction = np.full(len(sub), cat.OUT, dtype=np.int8)
    if term is None:
        term = terminate(rng, direction, cell, net, ctx.drop_scale)
    return EventBlock.make(
        sub,
        cat.VOICE,
        direction,
        sec,
        other=num,
        otype=otype,
        country=country,
        dur=finish_voice(rng, dur, term),
        cell=cell,
        roaming=roaming,
        term=term,
    )


def fraud_usage(
    rng: np.random.Generator,
    pop: Population,
    net: Network,
    plan: FraudPlan,
    ctx: DayContext,
    running: np.ndarray,
) -> EventBlock | None:
    """The fraudulent events of the day of every fraudster in ``running``."""
    if len(running) == 0:
        return None
    t = plan.ftype[running]
    ramp = np.where(ctx.day - plan.onset[running] < 2, 0.5, 1.0)  # the first two days run at half pace
    # account takeover: the new device and cells come first, the abuse from the next day
    ramp = np.where((t == cat.ATO) & (ctx.day == plan.onset[running]), 0.0, ramp)
    lam = plan.intensity[running] * ramp
    blocks: list[EventBlock] = []
    wh = hour_p(WORK_HOURS, False)
    # simbox: terminating grey international traffic onto local mobiles -> new numbers every call
    s = np.repeat(running[t == cat.SIMBOX], rng.poisson(lam[t == cat.SIMBOX]))
    if len(s):
        n = len(s)
        num = np.where(
            rng.random(n) < 0.35,
            pop.msisdn[rng.integers(0, pop.n, n)],
            random_numbers(rng, n, cat.OFFNET_PREFIXES, 10**8),
        )
        dur = np.clip(rng.lognormal(np.log(80), 0.8, n), 5, 1800)
        blocks.append(_calls(rng, ctx, net, s, seconds(rng, ctx.day, n, wh), num, cat.MOBILE, cat.GB, dur))
        back = np.repeat(running[t == cat.SIMBOX], rng.poisson(0.3, int((t == cat.SIMBOX).sum())))
        if len(back):
            m = len(back)
            b = _calls(
                rng,
                ctx,
                net,
                back,
                seconds(rng, ctx.day, m, wh),
                random_numbers(rng, m, cat.OFFNET_PREFIXES, 10**8),
                cat.MOBILE,
                cat.GB,
                rng.lognormal(np.log(30), 0.8, m),
            )
            b.direction[:] = cat.IN
            blocks.append(b)
    # wangiri: one-ring calls to many (mostly international) numbers
    s = np.repeat(running[t == cat.WANGIRI], rng.poisson(lam[t == cat.WANGIRI]))
    if len(s):
        n = len(s)
        intl = rng.random(n) < 0.85
        country = np.where(
            intl,
            np.where(
                rng.random(n) < 0.3,
                cat.HIGH_COST[rng.integers(0, len(cat.HIGH_COST), n)],
                cat.STANDARD_INTL[rng.integers(0, len(cat.STANDARD_INTL), n)],
            ),
            cat.GB,
        )
        num = np.where(intl, intl_numbers(rng, country), random_numbers(rng, n, cat.OFFNET_PREFIXES, 10**8))
        u = rng.random(n)
        term = np.where(u < 0.75, cat.NO_ANSWER, np.where(u < 0.83, cat.FAILED, cat.NORMAL)).astype(np.int8)
        dur = rng.integers(1, 4, n).astype(float)
        blocks.append(
            _calls(
                rng,
                ctx,
                net,
                s,
                seconds(rng, ctx.day, n, wh),
                num,
                np.where(intl, cat.INTL, cat.MOBILE),
                country,
                dur,
                term,
            )
        )
    # IRSF: bursts of long calls to a few premium / high-cost numbers, mostly at night
    irsf = running[t == cat.IRSF]
    burst = irsf[rng.random(len(irsf)) < 0.65]
    s = np.repeat(burst, rng.poisson(plan.intensity[burst]))
    if len(s):
        n = len(s)
        slot = rng.integers(0, plan.destinations.shape[1], n)
        dur = np.clip(rng.lognormal(np.log(900), 0.6, n), 60, 7200)
        term = np.where(rng.random(n) < 0.92, cat.NORMAL, cat.DROPPED).astype(np.int8)
        blocks.append(
            _calls(
                rng,
                ctx,
                net,
                s,
                seconds(rng, ctx.day, n, hour_p(NIGHT_HOURS, False)),
                plan.destinations[s, slot],
                plan.dest_type[s, slot],
                plan.dest_country[s, slot],
                dur,
                term,
            )
        )
    # subscription fraud and account takeover: premium / international calls and heavy data
    for ftype, prem_p, data_rate, size in ((cat.SUBSCRIPTION, 0.15, 25, 3.0), (cat.ATO, 0.5, 15, 2.0)):
        who = running[t == ftype]
        s = np.repeat(who, rng.poisson(lam[t == ftype]))
        if len(s):
            n = len(s)
            u = rng.random(n)
            high = rng.random(n) < 0.4
            country = np.where(
                high,
                cat.HIGH_COST[rng.integers(0, len(cat.HIGH_COST), n)],
                cat.STANDARD_INTL[rng.integers(0, len(cat.STANDARD_INTL), n)],
            ).astype(np.int16)
            prem = u < prem_p
            local = (u >= prem_p) & (u < prem_p + (0.45 if ftype == cat.SUBSCRIPTION else 0.0))
            num = np.where(prem, cat.PREMIUM_PREFIX + rng.integers(0, 10**8, n), intl_numbers(rng, country))
            num = np.where(local, random_numbers(rng, n, cat.OFFNET_PREFIXES, 10**8), num)
            otype = np.where(prem, cat.PREMIUM, np.where(local, cat.MOBILE, cat.INTL))
            country = np.where(otype == cat.INTL, country, cat.GB)
            dur = np.clip(rng.lognormal(np.log(350), 0.8, n), 10, 7200)
            blocks.append(
                _calls(
                    rng,
                    ctx,
                    net,
                    s,
                    seconds(rng, ctx.day, n, hour_p(VOICE_HOURS, False)),
                    num,
                    otype,
                    country,
                    dur,
                )
            )
        d = np.repeat(who, rng.poisson(data_rate * ramp[t == ftype]))
        if len(d):
            blocks.append(data(rng, pop, net, ctx, d, hour_p(VOICE_HOURS, False), size_mult=size))
    return EventBlock.concat(blocks) if blocks else None
