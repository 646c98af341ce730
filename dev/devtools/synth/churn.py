"""Churn: a two-stage hazard model whose drivers show in the data before the churn.

Stage 1, the decision to leave ("intent"): every active subscriber without intent starts
one with daily probability ``ONSET_BASE * prod(hazard ratios)`` (see ``onset_hazard``).
Stage 2, disengagement and execution: from the onset the subscriber's usage decays as
``max(0.2, exp(-k / 12))`` (k = days since onset), prepaid top-ups thin out, care tickets
(cancellation requests among them) come in and bills go unpaid more often; the daily
probability of leaving is ``EXEC_MAX * (1 - exp(-k / 7))`` (x1.5 after a cancellation
request). A few recover instead. Label noise: a small driver-less churn hazard, and
involuntary ``non_payment_disconnect`` of postpaid accounts 30+ days overdue (including
arrears from before the period, which the feeds do not show).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.population import Population
from devtools.synth.rng import BURN_IN, stream

NONE = -(10**9)
ONSET_BASE = 0.00034  # daily onset probability at hazard ratio 1
HR_DROP_PER_PP = 0.30  # log hazard per percentage point of dropped-call probability above 2%
HR_DROP_CLIP = (0.6, 20.0)
HR_CONTRACT_END = 3.0  # contract ends within 60 days or ended in the last 30
HR_OUT_OF_CONTRACT = 1.6  # contract ended more than 30 days ago
HR_BILL_SHOCK = 3.0  # an invoice >= 1.5x the usual bill (and >= 10 more) in the last 45 days
HR_LATE_PAYMENT = 2.0  # an invoice overdue now, or paid after its due date in the last 60 days
HR_COMPLAINT = 1.5  # per network / billing ticket in the last 30 days (at most 3 counted)
HR_PREPAID = 1.4
HR_NEW_CUSTOMER = 1.5  # tenure under a year
HR_LOYAL = 0.7  # tenure over five years
HR_PROTECTIVE = 0.8  # per protective add-on held (online_security, tech_support, broadband), floor 0.5
ENGAGEMENT_TAU = 12.0
ENGAGEMENT_FLOOR = 0.2
EXEC_MAX = 0.08
EXEC_TAU = 7.0
HR_CANCEL_REQUEST = 1.5
RECOVERY = 0.003  # daily probability that an intent fades without churn
NOISE_HAZARD = 0.00006  # daily driver-less churn (label noise)
NON_PAYMENT_DAYS = 30
NON_PAYMENT_HAZARD = 0.12
ARREARS_SHARE = 0.004  # postpaid accounts already in arrears before the period (invisible)
PORT_OUT_P = 0.55  # share of voluntary churn that ports out (+0.2 when network or contract driven)
BURN_IN_DAYS = 90
BURN_IN_DYNAMIC_HR = 1.2  # average effect of the dynamic drivers (bills, tickets) in steady state


@dataclass
class Drivers:
    """Observed churn drivers of every subscriber at the start of a day."""

    days_to_contract_end: np.ndarray  # large positive when no contract
    bill_shock: np.ndarray  # bool
    late_payment: np.ndarray  # bool
    complaints_30d: np.ndarray  # int
    overdue_days: np.ndarray  # int, 0 when nothing overdue


class ChurnModel:
    def __init__(self, pop: Population, eligible: np.ndarray, start_day: int, seed: int):
        self.pop = pop
        self.eligible = eligible  # fraudsters never churn
        n = pop.n
        self.since = np.full(n, NONE, dtype=np.int64)
        self.cancel_requested = np.zeros(n, dtype=bool)
        self.churn_day = np.full(n, -1, dtype=np.int64)
        self.churn_type = np.full(n, -1, dtype=np.int8)
        tenure_hr = np.where(start_day - pop.activation_day < 365, HR_NEW_CUSTOMER, 1.0)
        tenure_hr = np.where(start_day - pop.activation_day > 5 * 365, HR_LOYAL, tenure_hr)
        self.static_hr = (
            np.exp(np.clip(HR_DROP_PER_PP * (100 * pop.p_drop - 2.0), *np.log(HR_DROP_CLIP)))
            * np.where(pop.segment == cat.PREPAID, HR_PREPAID, 1.0)
            * np.maximum(HR_PROTECTIVE**pop.protective, 0.5)
        )
        self.tenure_hr = tenure_hr
        self._burn_in(start_day, seed)

    def _burn_in(self, start_day: int, seed: int) -> None:
        """Run the intent process for 90 days before the period so that it starts in steady state."""
        rng = stream(seed, BURN_IN)
        pop = self.pop
        existing = self.eligible & (pop.activation_day < start_day)
        to_end = np.where(pop.contract_end >= 0, pop.contract_end - start_day, 10**6)
        hr = self.static_hr * self.tenure_hr * self._contract_hr(to_end) * BURN_IN_DYNAMIC_HR
        for b in range(-BURN_IN_DAYS, 0):
            day = start_day + b
            alive = existing & (pop.activation_day <= day)
            idle = alive & (self.since == NONE)
            self.since[idle & (rng.random(pop.n) < ONSET_BASE * hr)] = day
            busy = alive & (self.since != NONE)
            leave = busy & (rng.random(pop.n) < self._exec_p(day))
            recover = busy & (rng.random(pop.n) < RECOVERY)
            self.since[leave | recover] = NONE  # a leaver is replaced by a fresh subscriber

    @staticmethod
    def _contract_hr(to_end: np.ndarray) -> np.ndarray:
        near = (to_end <= 60) & (to_end >= -30)
        return np.where(near, HR_CONTRACT_END, np.where(to_end < -30, HR_OUT_OF_CONTRACT, 1.0))

    def _exec_p(self, day: int) -> np.ndarray:
        k = day - self.since
        p = EXEC_MAX * (1 - np.exp(-np.maximum(k, 0) / EXEC_TAU))
        return np.where(self.cancel_requested, p * HR_CANCEL_REQUEST, p)

    def in_intent(self) -> np.ndarray:
        return self.since != NONE

    def engagement(self, day: int) -> np.ndarray:
        k = np.maximum(day - self.since, 0)
        e = np.maximum(ENGAGEMENT_FLOOR, np.exp(-k / ENGAGEMENT_TAU))
        return np.where(self.in_intent(), e, 1.0)

    def onset_hazard(self, day: int, d: Drivers) -> np.ndarray:
        tenure = day - self.pop.activation_day
        tenure_hr = np.where(tenure < 365, HR_NEW_CUSTOMER, np.where(tenure > 5 * 365, HR_LOYAL, 1.0))
        return (
            ONSET_BASE
            * self.static_hr
            * tenure_hr
            * self._contract_hr(d.days_to_contract_end)
            * np.where(d.bill_shock, HR_BILL_SHOCK, 1.0)
            * np.where(d.late_payment, HR_LATE_PAYMENT, 1.0)
            * HR_COMPLAINT ** np.minimum(d.complaints_30d, 3)
        )

    def step(self, rng: np.random.Generator, day: int, active: np.ndarray, d: Drivers):
        """Draw today's churners among ``active`` (bool); returns (indices, churn types)."""
        n = self.pop.n
        u = rng.random((5, n))
        live = active & self.eligible
        intent = self.in_intent()
        # involuntary first: accounts 30+ days overdue get disconnected
        nonpay = live & (d.overdue_days >= NON_PAYMENT_DAYS) & (u[0] < NON_PAYMENT_HAZARD)
        voluntary = live & ~nonpay & intent & (u[1] < self._exec_p(day))
        noise = live & ~nonpay & ~intent & (u[2] < NOISE_HAZARD)
        churn = nonpay | voluntary | noise
        network = (self.pop.p_drop > 0.04) | (
            (d.days_to_contract_end <= 60) & (d.days_to_contract_end >= -30)
        )
        port_p = np.where(noise, 0.5, PORT_OUT_P + 0.2 * network)
        ctype = np.where(nonpay, cat.NON_PAYMENT, np.where(u[3] < port_p, cat.PORT_OUT, cat.CANCELLATION))
        idx = np.flatnonzero(churn)
        self.churn_day[idx] = day
        self.churn_type[idx] = ctype[idx]
        # intents that fade, and new onsets among the rest
        recover = live & intent & ~churn & (u[4] < RECOVERY)
        self.since[recover | churn] = NONE
        self.cancel_requested[recover | churn] = False
        idle = live & ~churn & ~intent
        onset = idle & (rng.random(n) < self.onset_hazard(day, d))
        self.since[onset] = day
        return idx, ctype[idx].astype(np.int8)
