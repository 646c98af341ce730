"""Customer care tickets: a base rate plus complaints caused by the churn drivers.

Daily ticket probabilities per active subscriber:
- base ``0.004 * care_propensity`` (lognormal, mean 1): billing 25%, network 12%,
  device 18%, plan_change 20%, other 25%;
- network: ``+0.12 * (dropped-call probability - 1%) * care_propensity``;
- billing: ``+0.04`` in the 10 days after a bill shock, ``+0.01`` while overdue;
- after the decision to leave: ``+0.02`` (network 40%, billing 30%, plan_change 10%,
  other 20%) and one cancellation_request at ``0.04`` a day (postpaid) / ``0.01`` (prepaid).
Tickets opened by phone also leave a call to customer care in the CDRs.
"""

from __future__ import annotations

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.population import Population

BASE = 0.004
BASE_MIX = np.array([0.25, 0.12, 0.18, 0.20, 0.0, 0.25])
NETWORK_PER_DROP = 0.12
SHOCK_BILLING = 0.04
OVERDUE_BILLING = 0.01
INTENT = 0.02
INTENT_MIX = np.array([0.3, 0.4, 0.0, 0.1, 0.0, 0.2])
CANCEL_POSTPAID = 0.04
CANCEL_PREPAID = 0.01
CHANNEL_P = np.array([0.5, 0.2, 0.1, 0.2])  # call, web, store, chat
CANCEL_CHANNEL_P = np.array([0.6, 0.05, 0.25, 0.1])
SATISFACTION_HAPPY = np.array([0.04, 0.07, 0.17, 0.37, 0.35])
SATISFACTION_UNHAPPY = np.array([0.30, 0.30, 0.20, 0.12, 0.08])
SATISFACTION_PRESENT = 0.65
UNRESOLVED = 0.04
COMPLAINTS = (cat.T_BILLING, cat.T_NETWORK)
_OFFICE = np.array([0.0] * 8 + [1.0] * 12 + [0.0] * 4)
_ANYTIME = np.array([0.2] * 7 + [1.0] * 15 + [0.5, 0.3])


class Care:
    def __init__(self, n: int):
        self.complaints = np.zeros((30, n), dtype=np.int8)  # ring buffer: network/billing tickets per day

    def complaints_30d(self) -> np.ndarray:
        return self.complaints.sum(axis=0)

    def tickets(
        self,
        rng,
        day: int,
        last_day: int,
        pop: Population,
        active: np.ndarray,
        intent: np.ndarray,
        shock_recent: np.ndarray,
        overdue: np.ndarray,
        cancel_requested: np.ndarray,
    ):
        """Tickets opened on ``day`` by ``active`` subscribers (indices)."""
        s = active
        m = len(s)
        care = pop.care_prop[s]
        p_base = BASE * care
        p_net = NETWORK_PER_DROP * np.maximum(pop.p_drop[s] - 0.01, 0) * care
        p_bill = np.where(shock_recent[s], SHOCK_BILLING, 0.0) + np.where(overdue[s], OVERDUE_BILLING, 0.0)
        p_int = np.where(intent[s], INTENT, 0.0)
        p_cancel = np.where(
            intent[s] & ~cancel_requested[s],
            np.where(pop.segment[s] == cat.POSTPAID, CANCEL_POSTPAID, CANCEL_PREPAID),
            0.0,
        )
        u = rng.random((5, m))
        subs: list[np.ndarray] = []
        cats: list[np.ndarray] = []
        for p, fixed, mix in (
            (p_base, None, BASE_MIX),
            (p_net, cat.T_NETWORK, None),
            (p_bill, cat.T_BILLING, None),
            (p_int, None, INTENT_MIX),
            (p_cancel, cat.T_CANCEL, None),
        ):
            hit = s[u[len(subs)] < p]
            subs.append(hit)
            if mix is not None:
                cats.append(rng.choice(6, len(hit), p=mix / mix.sum()))
            else:
                cats.append(np.full(len(hit), fixed, dtype=np.int8))
        sub = np.concatenate(subs)
        category = np.concatenate(cats).astype(np.int8)
        k = len(sub)
        cancel_requested[sub[category == cat.T_CANCEL]] = True
        channel = np.where(
            category == cat.T_CANCEL,
            rng.choice(4, k, p=CANCEL_CHANNEL_P),
            rng.choice(4, k, p=CHANNEL_P),
        ).astype(np.int8)
        office = np.isin(channel, (0, 2))  # call centre and stores keep office hours
        hour = np.where(
            office,
            rng.choice(24, k, p=_OFFICE / _OFFICE.sum()),
            rng.choice(24, k, p=_ANYTIME / _ANYTIME.sum()),
        )
        opened = day * 86400 + hour * 3600 + rng.integers(0, 3600, k)
        hours_to_fix = rng.lognormal(np.log(18), 1.2, k) * np.where(category == cat.T_NETWORK, 2.0, 1.0)
        resolved = opened + (np.minimum(hours_to_fix, 20 * 24) * 3600).astype(np.int64)
        unresolved = (rng.random(k) < UNRESOLVED) | (resolved >= (last_day + 1) * 86400)
        unhappy = intent[sub] | np.isin(category, (cat.T_NETWORK, cat.T_CANCEL)) | shock_recent[sub]
        p_sat = np.where(unhappy[:, None], SATISFACTION_UNHAPPY, SATISFACTION_HAPPY).cumsum(axis=1)
        score = 1 + (rng.random(k)[:, None] > p_sat).sum(axis=1)
        score = np.where((rng.random(k) < SATISFACTION_PRESENT) & ~unresolved, np.minimum(score, 5), -1)
        order = np.argsort(opened, kind="stable")
        # complaint memory for the churn drivers
        self.complaints[day % 30] = 0
        comp = np.isin(category, COMPLAINTS)
        np.add.at(self.complaints[day % 30], sub[comp], 1)
        return {
            "sub": sub[order],
            "opened": opened[order],
            "channel": channel[order],
            "category": category[order],
            "resolved": resolved[order],
            "unresolved": unresolved[order],
            "satisfaction": score[order],
        }
