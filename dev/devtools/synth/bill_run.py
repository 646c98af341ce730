"""Postpaid invoices and payments, prepaid balances and top-ups.

Invoices: on each postpaid subscriber's billing day (and a final one when the line is
terminated or suspended) for the period since the previous bill: monthly fee (pro rata
for a partial period) plus the out-of-bundle charges rated in the period; due 14 days
after the bill date. Payment behaviour per payer class: reliable (by due date: direct
debit on the due date, card 0-12 days, transfer 3-14 days after the bill), late payer
(3-35 days after the due date), defaulter (60% never, else 30-60 days late). A subscriber
who has decided to leave pays late (30%) or never (30%) more often; subscription
fraudsters never pay. 3% of payments are partial and 3% carry no invoice_id.
"""

from __future__ import annotations

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.arrowutil import yyyymmdd
from devtools.synth.population import DEFAULTER, LATE_PAYER, Population

DUE_DAYS = 14
# bill shock: the bill is >= 1.5x the usual one and >= 10 above it. The usual bill is an
# EMA (0.7 old / 0.3 new) of the previous bills; at the first bill of the period it is that
# bill without its roaming, premium and high-cost international charges.
SHOCK_RATIO = 1.5
SHOCK_MIN_EXTRA = 10.0
SHOCK_MEMORY_DAYS = 45
LATE_MEMORY_DAYS = 60
DEFAULTER_NEVER = 0.6
NEVER = 10**9
TOPUP_AMOUNTS = np.array([5.0, 10.0, 20.0, 50.0])
TOPUP_LOW_BALANCE = 3.0
TOPUP_P_LOW = 0.5  # daily top-up probability when the balance is low
TOPUP_P_ROUTINE = 0.012  # otherwise
TOPUP_INTENT_FACTOR = 0.35  # subscribers about to leave top up less
TOPUP_CHANNEL_P = np.array([0.30, 0.15, 0.30, 0.10, 0.10, 0.05])


def day_of_month(day: int) -> int:
    return int((np.datetime64(day, "D") - np.datetime64(day, "D").astype("datetime64[M]")).astype(int)) + 1


def previous_bill_day(billing_day: np.ndarray, before: int) -> np.ndarray:
    """The last date strictly before ``before`` whose day of month is ``billing_day``."""
    month = np.datetime64(before, "D").astype("datetime64[M]")
    this = (month.astype("datetime64[D]") - np.datetime64(0, "D")).astype(np.int64) + billing_day - 1
    prev_month = month - np.timedelta64(1, "M")
    prev = (prev_month.astype("datetime64[D]") - np.datetime64(0, "D")).astype(np.int64) + billing_day - 1
    return np.where(this < before, this, prev)


class Billing:
    def __init__(self, pop: Population, start_day: int, rng: np.random.Generator, never_pay: np.ndarray):
        n = pop.n
        self.pop = pop
        self.start_day = start_day
        self.never_pay = never_pay  # subscription fraudsters
        self.oob = np.zeros(n)  # out-of-bundle charges since the last bill
        self.last_bill = np.maximum(previous_bill_day(pop.billing_day, start_day), pop.activation_day)
        self.oob_unusual = np.zeros(n)  # of which roaming, premium and high-cost international
        self.reference = np.full(n, np.nan)  # the subscriber's usual bill (unknown before the first one)
        self.last_shock = np.full(n, -NEVER, dtype=np.int64)
        existing_post = (pop.segment == cat.POSTPAID) & (pop.activation_day < start_day - 60)
        # defaulters already behind with a bill from before the period (not in the feeds)
        arrears = existing_post & (pop.pay_class == DEFAULTER) & (rng.random(n) < DEFAULTER_NEVER)
        self.arrears_since = np.where(arrears, start_day - rng.integers(0, 30, n), NEVER)
        self.balance = rng.uniform(1.0, 20.0, n)
        self.spend30 = np.full(n, 15.0)  # EMA of prepaid monthly spend
        # every invoice issued in the period
        self.inv_sub = np.zeros(0, dtype=np.int64)
        self.inv_due = np.zeros(0, dtype=np.int64)
        self.inv_paid = np.zeros(0, dtype=np.int64)  # day the (first) payment arrives, NEVER = never
        # pending payments
        self.pay_sub = np.zeros(0, dtype=np.int64)
        self.pay_day = np.zeros(0, dtype=np.int64)
        self.pay_sec = np.zeros(0, dtype=np.int64)
        self.pay_amount = np.zeros(0)
        self.pay_invoice = np.zeros(0, dtype=np.int64)  # invoice code, -1 = not quoted

    # --- drivers -------------------------------------------------------------------
    def overdue_days(self, day: int) -> np.ndarray:
        """Days since the oldest unpaid due date (0 when nothing is overdue)."""
        n = self.pop.n
        oldest = np.full(n, NEVER, dtype=np.int64)
        unpaid = (self.inv_due < day) & (self.inv_paid >= day)
        np.minimum.at(oldest, self.inv_sub[unpaid], self.inv_due[unpaid])
        oldest = np.minimum(oldest, self.arrears_since)
        return np.where(oldest < day, day - oldest, 0)

    def late_payment(self, day: int) -> np.ndarray:
        late = np.zeros(self.pop.n, dtype=bool)
        recent_late = (
            (self.inv_paid > self.inv_due) & (self.inv_paid < day) & (self.inv_paid >= day - LATE_MEMORY_DAYS)
        )
        late[self.inv_sub[recent_late]] = True
        return late | (self.overdue_days(day) > 0)

    def bill_shock(self, day: int) -> np.ndarray:
        return self.last_shock >= day - SHOCK_MEMORY_DAYS

    # --- invoices and payments --------------------------------------------------------
    def invoice(self, rng: np.random.Generator, day: int, subs: np.ndarray, intent: np.ndarray):
        """Bill ``subs`` today; returns invoice columns and schedules their payments."""
        pop = self.pop
        subs = subs[self.last_bill[subs] < day]
        k = len(subs)
        start = self.last_bill[subs]
        period = day - start
        fee = cat.PLAN_FEE[pop.plan[subs]] * np.minimum(period / 30.0, 1.0)
        # a period that began before the simulation: its earlier part is charged at the pace of
        # the part seen (ordinary charges only; unusual ones are taken as they came)
        seen = day - np.maximum(start, self.start_day)
        scale = np.where(seen >= 7, period / np.maximum(seen, 1), 1.0)
        ordinary = (self.oob[subs] - self.oob_unusual[subs]) * scale
        amount = np.round(fee + ordinary + self.oob_unusual[subs], 2)
        # the usual bill: known from earlier bills, else this bill without its unusual charges
        known = ~np.isnan(self.reference[subs])
        regular = (fee + ordinary) * np.maximum(30.0 / np.maximum(period, 1), 1.0)
        judged = known | (seen >= 7)
        ref = np.where(known, self.reference[subs], np.maximum(regular, 1.0))
        shock = judged & (amount >= SHOCK_RATIO * ref) & (amount - ref >= SHOCK_MIN_EXTRA)
        self.last_shock[subs[shock]] = day
        ema = np.where(period >= 28, 0.7 * ref + 0.3 * amount, ref)
        self.reference[subs] = np.where(known, ema, np.where(judged, ref, np.nan))
        self.oob[subs] = 0.0
        self.oob_unusual[subs] = 0.0
        self.last_bill[subs] = day
        codes = np.arange(k, dtype=np.int64)
        due = day + DUE_DAYS
        # payment behaviour
        u = rng.random((4, k))
        method = pop.payment_method[subs]
        on_time = np.where(
            method == cat.DIRECT_DEBIT,
            DUE_DAYS,
            np.where(method == cat.CREDIT_CARD, rng.integers(0, 13, k), rng.integers(3, 15, k)),
        )
        late = DUE_DAYS + rng.integers(3, 36, k)
        very_late = DUE_DAYS + rng.integers(30, 61, k)
        cls = pop.pay_class[subs]
        delay = np.where(cls == LATE_PAYER, late, on_time)
        delay = np.where(cls == DEFAULTER, np.where(u[0] < DEFAULTER_NEVER, NEVER, very_late), delay)
        leaving = intent[subs]
        delay = np.where(leaving & (u[1] < 0.3), late, delay)
        delay = np.where(leaving & (u[1] >= 0.3) & (u[1] < 0.6), NEVER, delay)
        delay = np.where(self.never_pay[subs] | (amount <= 0), NEVER, delay)
        paid_day = np.where(delay >= NEVER, NEVER, day + delay)
        pays = paid_day < NEVER
        hour = np.where(method == cat.DIRECT_DEBIT, rng.integers(2, 7, k), rng.integers(8, 23, k))
        sec = paid_day * 86400 + hour * 3600 + rng.integers(0, 3600, k)
        partial = u[2] < 0.03
        paid_amount = np.round(np.where(partial, amount * rng.uniform(0.3, 0.9, k), amount), 2)
        self.inv_sub = np.concatenate([self.inv_sub, subs])
        self.inv_due = np.concatenate([self.inv_due, np.full(k, due)])
        self.inv_paid = np.concatenate([self.inv_paid, paid_day])
        self.pay_sub = np.concatenate([self.pay_sub, subs[pays]])
        self.pay_day = np.concatenate([self.pay_day, paid_day[pays]])
        self.pay_sec = np.concatenate([self.pay_sec, sec[pays]])
        self.pay_amount = np.concatenate([self.pay_amount, paid_amount[pays]])
        inv_code = np.int64(yyyymmdd(day)) * 10**7 + codes
        self.pay_invoice = np.concatenate([self.pay_invoice, np.where(u[3][pays] < 0.03, -1, inv_code[pays])])
        return {
            "sub": subs,
            "code": inv_code,
            "period_start": start,
            "period_end": np.full(k, day - 1),
            "amount": amount,
            "due": np.full(k, due),
        }

    def payments(self, day: int):
        today = np.flatnonzero(self.pay_day == day)
        order = today[np.argsort(self.pay_sec[today], kind="stable")]
        return {
            "sub": self.pay_sub[order],
            "sec": self.pay_sec[order],
            "amount": self.pay_amount[order],
            "invoice": self.pay_invoice[order],
            "method": self.pop.payment_method[self.pay_sub[order]],
        }

    # --- prepaid -----------------------------------------------------------------------
    def topups(
        self, rng: np.random.Generator, day: int, subs: np.ndarray, spend: np.ndarray, intent: np.ndarray
    ):
        """Charge today's prepaid spend and draw today's top-ups among ``subs``."""
        self.balance[subs] -= spend[subs]
        self.spend30[subs] = 0.95 * self.spend30[subs] + 0.05 * 30 * spend[subs]
        p = np.where(self.balance[subs] < TOPUP_LOW_BALANCE, TOPUP_P_LOW, TOPUP_P_ROUTINE)
        p = np.where(intent[subs], p * TOPUP_INTENT_FACTOR, p)
        who = subs[rng.random(len(subs)) < p]
        k = len(who)
        level = np.digitize(self.spend30[who], [10.0, 30.0])
        probs = np.array([[0.5, 0.35, 0.12, 0.03], [0.15, 0.45, 0.3, 0.1], [0.05, 0.2, 0.4, 0.35]])
        cum = probs.cumsum(axis=1)[level]
        pick = (rng.random(k)[:, None] > cum).sum(axis=1)
        amount = TOPUP_AMOUNTS[np.minimum(pick, 3)]
        amount = np.where(self.balance[who] < -5.0, 50.0, amount)  # a drained balance takes the big voucher
        self.balance[who] += amount
        channel = rng.choice(len(cat.TOPUP_CHANNELS), k, p=TOPUP_CHANNEL_P)
        channel = np.where(rng.random(k) < 0.05, -1, channel)
        hour = rng.choice(24, k, p=_TOPUP_HOURS)
        sec = day * 86400 + hour * 3600 + rng.integers(0, 3600, k)
        order = np.argsort(sec, kind="stable")
        return {"sub": who[order], "sec": sec[order], "amount": amount[order], "channel": channel[order]}


_TOPUP_HOURS = np.array(
    [
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.4,
        1.2,
        2.5,
        3.5,
        4.0,
        4.2,
        4.5,
        4.2,
        4.0,
        4.0,
        4.2,
        4.6,
        4.8,
        4.5,
        3.8,
        2.8,
        1.5,
        0.6,
    ]
)
_TOPUP_HOURS = _TOPUP_HOURS / _TOPUP_HOURS.sum()
