"""Ordinary subscriber usage for one day: voice, sms and data events.

Rates per subscriber-day at activity 1 (activity is lognormal with mean 1):
voice out 3.0, voice in 2.6, sms out 1.2, sms in 1.8, data sessions 6.0 (about 14.6
events). Weekends: voice x0.8, sms x0.9, data x1.15. Daily gamma noise (shape 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.events import DATA_HOURS, SMS_HOURS, VOICE_HOURS, EventBlock, hour_p
from devtools.synth.network import Network
from devtools.synth.outage_drift import MAX_DROP_P
from devtools.synth.population import Population, random_numbers

BASE_RATES = {"voice_out": 3.0, "voice_in": 2.6, "sms_out": 1.2, "sms_in": 1.8, "data": 6.0}
WEEKEND = {"voice": 0.8, "sms": 0.9, "data": 1.15}
# voice out destinations: contact, voicemail, care, premium, short code, random mobile, random fixed
VOICE_OUT_P = np.array([0.84, 0.035, 0.006, 0.0025, 0.004, 0.085, 0.0275])
CELL_P_DAY = np.array([0.4, 0.3, 0.1, 0.1, 0.1])  # home, work, three others
CELL_P_NIGHT = np.array([0.8, 0.05, 0.05, 0.05, 0.05])
OUT_FAIL, OUT_BUSY, OUT_NOANSWER = 0.012, 0.02, 0.06
IN_BUSY, IN_NOANSWER = 0.01, 0.09
SMS_FAIL = 0.005


@dataclass
class DayContext:
    """What the usage of one day depends on, beyond the population."""

    day: int  # day number
    weekend: bool
    active: np.ndarray  # indices of subscribers with ordinary usage today
    out_mult: np.ndarray  # (n,) multiplier of outgoing voice/sms and data
    in_mult: np.ndarray  # (n,) multiplier of incoming voice/sms
    cells: np.ndarray  # (n, 5) cells in use today
    trip: np.ndarray  # (n,) country index while roaming, -1 at home
    drop_scale: float | np.ndarray = 1.0  # dropped-call multiplier: one, or one per cell


def seconds(rng: np.random.Generator, day: int, n: int, p_hours: np.ndarray) -> np.ndarray:
    hours = rng.choice(24, n, p=p_hours)
    return day * 86400 + hours * 3600 + rng.integers(0, 3600, n)


def place(rng: np.random.Generator, ctx: DayContext, net: Network, sub: np.ndarray, sec: np.ndarray):
    """(cell, roaming) of each event: home at night, else spread over the five cells."""
    hour = (sec % 86400) // 3600
    night = (hour < 7) | (hour >= 21)
    u = rng.random(len(sub))
    col = np.where(
        night,
        np.searchsorted(np.cumsum(CELL_P_NIGHT)[:-1], u, side="right"),
        np.searchsorted(np.cumsum(CELL_P_DAY)[:-1], u, side="right"),
    )
    cell = ctx.cells[sub, col]
    country = ctx.trip[sub]
    roaming = country > 0
    if roaming.any():
        pick = rng.integers(0, cat.ROAMING_CELLS_PER_COUNTRY, int(roaming.sum()))
        cell[roaming] = net.roaming_cell(country[roaming], pick)
    return cell, roaming


def terminate(
    rng, direction: np.ndarray, cell: np.ndarray, net: Network, drop_scale: float | np.ndarray
) -> np.ndarray:
    u = rng.random(len(cell))
    scale = drop_scale[cell] if isinstance(drop_scale, np.ndarray) else drop_scale
    p_drop = np.minimum(net.drop_p[cell] * scale, MAX_DROP_P)
    out = direction == cat.OUT
    fail = np.where(out, OUT_FAIL, 0.0)
    busy = np.where(out, OUT_BUSY, IN_BUSY)
    noans = np.where(out, OUT_NOANSWER, IN_NOANSWER)
    term = np.full(len(cell), cat.NORMAL, dtype=np.int8)
    edges = np.cumsum(np.vstack([p_drop, fail, busy, noans]), axis=0)
    for code, edge in zip((cat.NO_ANSWER, cat.BUSY, cat.FAILED, cat.DROPPED), edges[::-1], strict=True):
        term[u < edge] = code
    return term


def finish_voice(rng, ev_dur: np.ndarray, term: np.ndarray) -> np.ndarray:
    dur = np.where(term == cat.DROPPED, ev_dur * rng.uniform(0.05, 0.9, len(ev_dur)), ev_dur)
    dur = np.where(np.isin(term, (cat.FAILED, cat.BUSY, cat.NO_ANSWER)), 0, dur)
    return np.maximum(np.rint(dur), 0).astype(np.int64)


def _contact(rng, pop: Population, sub: np.ndarray, skew: float = 2.2):
    slot = (pop.n_contacts[sub] * rng.random(len(sub)) ** skew).astype(np.int64)
    return pop.contacts[sub, slot], pop.contact_type[sub, slot], pop.contact_country[sub, slot]


def _random_mobile(rng, pop: Population, n: int) -> np.ndarray:
    onnet = rng.random(n) < 0.35
    return np.where(
        onnet, pop.msisdn[rng.integers(0, pop.n, n)], random_numbers(rng, n, cat.OFFNET_PREFIXES, 10**8)
    )


def _country(otype: np.ndarray, country: np.ndarray) -> np.ndarray:
    return np.where(otype == cat.INTL, country, np.where(otype >= 0, cat.GB, -1)).astype(np.int16)


def voice_out(rng, pop: Population, net: Network, ctx: DayContext, sub: np.ndarray, hours: np.ndarray):
    n = len(sub)
    sec = seconds(rng, ctx.day, n, hours)
    kind = np.searchsorted(np.cumsum(VOICE_OUT_P)[:-1], rng.random(n), side="right")
    num, otype, country = _contact(rng, pop, sub)
    otype = otype.copy()
    num = np.where(kind == 1, cat.VOICEMAIL_NUMBER, num)
    num = np.where(kind == 2, cat.CARE_NUMBER, num)
    num = np.where(kind == 3, cat.PREMIUM_PREFIX + rng.integers(0, 10**8, n), num)
    num = np.where(kind == 4, cat.SHORT_CODES[rng.integers(0, len(cat.SHORT_CODES), n)], num)
    num = np.where(kind == 5, _random_mobile(rng, pop, n), num)
    num = np.where(kind == 6, random_numbers(rng, n, cat.FIXED_PREFIXES, 10**7), num)
    kind_type = np.array([-1, cat.VOICEMAIL, cat.CARE, cat.PREMIUM, cat.SHORT, cat.MOBILE, cat.FIXED])
    otype = np.where(kind > 0, kind_type[kind], otype).astype(np.int8)
    dur = rng.lognormal(np.log(75), 1.0, n)
    dur = np.where(otype == cat.INTL, rng.lognormal(np.log(420), 0.9, n), dur)
    dur = np.where(otype == cat.VOICEMAIL, rng.uniform(10, 60, n), dur)
    dur = np.where(otype == cat.CARE, rng.lognormal(np.log(400), 0.6, n), dur)
    dur = np.where(otype == cat.PREMIUM, rng.lognormal(np.log(180), 0.8, n), dur)
    dur = np.clip(dur, 1, 7200)
    cell, roaming = place(rng, ctx, net, sub, sec)
    direction = np.full(n, cat.OUT, dtype=np.int8)
    term = terminate(rng, direction, cell, net, ctx.drop_scale)
    service = np.isin(otype, (cat.VOICEMAIL, cat.CARE, cat.SHORT))
    term = np.where(service & (term != cat.DROPPED), cat.NORMAL, term).astype(np.int8)
    return EventBlock.make(
        sub,
        cat.VOICE,
        direction,
        sec,
        other=num,
        otype=otype,
        country=_country(otype, country),
        dur=finish_voice(rng, dur, term),
        cell=cell,
        roaming=roaming,
        term=term,
    )


def voice_in(rng, pop: Population, net: Network, ctx: DayContext, sub: np.ndarray, hours: np.ndarray):
    n = len(sub)
    sec = seconds(rng, ctx.day, n, hours)
    num, otype, country = _contact(rng, pop, sub)
    u = rng.random(n)
    num = np.where(u > 0.86, _random_mobile(rng, pop, n), num)
    num = np.where(u > 0.96, random_numbers(rng, n, cat.FIXED_PREFIXES, 10**7), num)
    otype = np.where(u > 0.86, np.where(u > 0.96, cat.FIXED, cat.MOBILE), otype).astype(np.int8)
    dur = np.where(otype == cat.INTL, rng.lognormal(np.log(420), 0.9, n), rng.lognormal(np.log(70), 1.0, n))
    cell, roaming = place(rng, ctx, net, sub, sec)
    direction = np.full(n, cat.IN, dtype=np.int8)
    term = terminate(rng, direction, cell, net, ctx.drop_scale)
    return EventBlock.make(
        sub,
        cat.VOICE,
        direction,
        sec,
        other=num,
        otype=otype,
        country=_country(otype, country),
        dur=finish_voice(rng, np.clip(dur, 1, 7200), term),
        cell=cell,
        roaming=roaming,
        term=term,
    )


def sms(rng, pop: Population, net: Network, ctx: DayContext, sub: np.ndarray, hours, direction: int):
    n = len(sub)
    sec = seconds(rng, ctx.day, n, hours)
    num, otype, country = _contact(rng, pop, sub, skew=2.6)
    u = rng.random(n)
    short_p = 0.03 if direction == cat.OUT else 0.27
    num = np.where(u < short_p, cat.SHORT_CODES[rng.integers(0, len(cat.SHORT_CODES), n)], num)
    otype = np.where(u < short_p, cat.SHORT, otype)
    rand = u > 0.93
    num = np.where(rand, _random_mobile(rng, pop, n), num)
    otype = np.where(rand, cat.MOBILE, otype).astype(np.int8)
    cell, roaming = place(rng, ctx, net, sub, sec)
    term = np.where(rng.random(n) < SMS_FAIL, cat.FAILED, cat.NORMAL).astype(np.int8)
    return EventBlock.make(
        sub,
        cat.SMS,
        direction,
        sec,
        other=num,
        otype=otype,
        country=_country(otype, country),
        cell=cell,
        roaming=roaming,
        term=term,
    )


def data(rng, pop: Population, net: Network, ctx: DayContext, sub: np.ndarray, hours, size_mult=1.0):
    n = len(sub)
    sec = seconds(rng, ctx.day, n, hours)
    scale = np.sqrt(np.maximum(pop.data_mult[sub], 0.05)) * size_mult
    down = (rng.lognormal(np.log(8e6), 1.2, n) * scale).astype(np.int64)
    up = (down * rng.uniform(0.04, 0.2, n)).astype(np.int64)
    cell, roaming = place(rng, ctx, net, sub, sec)
    return EventBlock.make(sub, cat.DATA, cat.OUT, sec, up=up, down=down, cell=cell, roaming=roaming)


def ordinary_usage(
    rng: np.random.Generator, pop: Population, net: Network, ctx: DayContext, engagement
) -> EventBlock:
    """Every ordinary event of the day for the subscribers in ``ctx.active``."""
    s = ctx.active
    noise = rng.gamma(4.0, 0.25, len(s))
    level = pop.activity[s] * noise
    eng = engagement[s]
    wk = WEEKEND if ctx.weekend else {"voice": 1.0, "sms": 1.0, "data": 1.0}
    out = ctx.out_mult[s] * eng
    inc = ctx.in_mult[s] * np.sqrt(eng)
    lam = {
        "voice_out": BASE_RATES["voice_out"] * level * pop.voice_mult[s] * wk["voice"] * out,
        "voice_in": BASE_RATES["voice_in"] * level * pop.voice_mult[s] * wk["voice"] * inc,
        "sms_out": BASE_RATES["sms_out"] * level * pop.sms_mult[s] * wk["sms"] * out,
        "sms_in": BASE_RATES["sms_in"] * level * pop.sms_mult[s] * wk["sms"] * inc,
        "data": BASE_RATES["data"] * level * pop.data_mult[s] * wk["data"] * out,
    }
    subs = {k: np.repeat(s, rng.poisson(v)) for k, v in lam.items()}
    vh = hour_p(VOICE_HOURS, ctx.weekend)
    sh = hour_p(SMS_HOURS, ctx.weekend)
    dh = hour_p(DATA_HOURS, ctx.weekend)
    return EventBlock.concat(
        [
            voice_out(rng, pop, net, ctx, subs["voice_out"], vh),
            voice_in(rng, pop, net, ctx, subs["voice_in"], vh),
            sms(rng, pop, net, ctx, subs["sms_out"], sh, cat.OUT),
            sms(rng, pop, net, ctx, subs["sms_in"], sh, cat.IN),
            data(rng, pop, net, ctx, subs["data"], dh),
        ]
    )


def care_calls(
    rng, pop: Population, net: Network, ctx: DayContext, sub: np.ndarray, opened: np.ndarray
) -> EventBlock:
    """The call to customer care that opened a ticket (ends when the ticket opens)."""
    n = len(sub)
    dur = np.clip(rng.lognormal(np.log(420), 0.5, n), 60, 3600).astype(np.int64)
    sec = np.maximum(opened - dur, ctx.day * 86400)
    cell, roaming = place(rng, ctx, net, sub, sec)
    return EventBlock.make(
        sub,
        cat.VOICE,
        cat.OUT,
        sec,
        other=cat.CARE_NUMBER,
        otype=cat.CARE,
        country=cat.GB,
        dur=dur,
        cell=cell,
        roaming=roaming,
        term=cat.NORMAL,
    )
