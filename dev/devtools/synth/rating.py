"""Rating: the charge of every event, with monthly allowances consumed in time order.

Domestic voice to mobile/fixed numbers, sms to mobile numbers and data at home count
against the plan's allowance (reset on the subscriber's billing day); beyond it they are
charged at the segment's rate. Premium, high-cost international, short codes and
roaming are always charged; standard international is free on plans that include it
and with the intl_pack add-on.
Incoming events are free except when roaming.
"""

from __future__ import annotations

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.events import EventBlock


class Allowances:
    """Minutes, sms and MB used in the current allowance cycle, per subscriber."""

    def __init__(self, n: int):
        self.minutes = np.zeros(n)
        self.sms = np.zeros(n)
        self.mb = np.zeros(n)

    def reset(self, subs: np.ndarray) -> None:
        self.minutes[subs] = 0
        self.sms[subs] = 0
        self.mb[subs] = 0


def _overage(
    sub_sorted: np.ndarray, amount: np.ndarray, used: np.ndarray, allowance: np.ndarray
) -> np.ndarray:
    """Part of each (time-ordered) amount beyond the subscriber's allowance; updates ``used``."""
    if len(amount) == 0:
        return amount
    cum = np.cumsum(amount)
    starts = np.flatnonzero(np.r_[True, sub_sorted[1:] != sub_sorted[:-1]])
    group = np.cumsum(np.r_[True, sub_sorted[1:] != sub_sorted[:-1]]) - 1
    base = np.r_[0.0, cum][starts][group]
    after = cum - base + used[sub_sorted]
    before = after - amount
    allow = allowance[sub_sorted]
    over = np.maximum(after - allow, 0) - np.maximum(before - allow, 0)
    last = np.r_[starts[1:], len(amount)] - 1
    used[sub_sorted[last]] = after[last]
    return over


def rate(
    ev: EventBlock, segment: np.ndarray, plan: np.ndarray, intl_free: np.ndarray, used: Allowances
) -> np.ndarray:
    """Charge of each event (float, currency units)."""
    n = len(ev)
    order = np.lexsort((ev.sec, ev.sub))
    sub = ev.sub[order]
    seg = segment[sub]
    et, dr, ot = ev.etype[order], ev.direction[order], ev.otype[order]
    roam = ev.roaming[order]
    minutes = np.ceil(ev.dur[order] / 60.0)
    answered = ev.dur[order] > 0
    high = np.zeros(n, dtype=bool)
    intl = ot == cat.INTL
    high[intl] = cat.COUNTRY_HIGH_COST[ev.country[order][intl]]
    charge = np.zeros(n)
    voice_out = (et == cat.VOICE) & (dr == cat.OUT)
    sms_out = (et == cat.SMS) & (dr == cat.OUT)
    is_data = et == cat.DATA
    # allowance-based domestic usage
    dom_voice = voice_out & ~roam & np.isin(ot, (cat.MOBILE, cat.FIXED))
    idx = np.flatnonzero(dom_voice)
    charge[idx] = (
        _overage(sub[idx], minutes[idx], used.minutes, cat.PLAN_MIN[plan]) * cat.RATE_VOICE[seg[idx]]
    )
    dom_sms = sms_out & ~roam & (ot == cat.MOBILE)
    idx = np.flatnonzero(dom_sms)
    charge[idx] = _overage(sub[idx], np.ones(len(idx)), used.sms, cat.PLAN_SMS[plan]) * cat.RATE_SMS[seg[idx]]
    dom_data = is_data & ~roam
    idx = np.flatnonzero(dom_data)
    mb = (ev.up[order][idx] + ev.down[order][idx]) / 1e6
    charge[idx] = _overage(sub[idx], mb, used.mb, cat.PLAN_MB[plan]) * cat.RATE_MB[seg[idx]]
    # always charged
    prem = voice_out & (ot == cat.PREMIUM)
    charge[prem] = minutes[prem] * cat.RATE_PREMIUM + np.where(answered[prem], cat.PREMIUM_SETUP, 0.0)
    vi = voice_out & intl
    std_rate = np.where(intl_free[sub], 0.0, cat.RATE_INTL_STD)
    charge[vi] = minutes[vi] * np.where(high[vi], cat.RATE_INTL_HIGH, std_rate[vi])
    charge[sms_out & intl] = cat.RATE_INTL_SMS
    short = (voice_out | sms_out) & (ot == cat.SHORT) & (answered | sms_out)
    charge[short] = cat.RATE_SHORT
    # roaming surcharges
    charge[voice_out & roam & ~np.isin(ot, (cat.VOICEMAIL, cat.CARE))] += (
        cat.RATE_ROAM_VOICE_OUT * minutes[voice_out & roam & ~np.isin(ot, (cat.VOICEMAIL, cat.CARE))]
    )
    vin_roam = (et == cat.VOICE) & (dr == cat.IN) & roam
    charge[vin_roam] = minutes[vin_roam] * cat.RATE_ROAM_VOICE_IN
    charge[sms_out & roam & (ot == cat.MOBILE)] = cat.RATE_ROAM_SMS
    dr_idx = is_data & roam
    charge[dr_idx] = (ev.up[order][dr_idx] + ev.down[order][dr_idx]) / 1e6 * cat.RATE_ROAM_MB
    out = np.empty(n)
    out[order] = np.round(charge, 4)
    return out
