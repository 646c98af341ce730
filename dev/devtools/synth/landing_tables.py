"""Typed pyarrow tables of the snapshot feeds and the small event feeds."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from devtools.synth import arrowutil as au
from devtools.synth import plan_catalog as cat
from devtools.synth.population import Population


class Snapshots:
    """Builds the daily ``subscribers`` / ``plans`` / ``subscriber_products`` snapshots."""

    def __init__(self, pop: Population):
        n = pop.n
        self.pop = pop
        self.sub_id = pa.array([f"S{i:07d}" for i in range(1, n + 1)], pa.string())
        self.msisdn = au.digit_strings(pop.msisdn)
        self.customer = pa.array([f"C{i:07d}" for i in range(1, n + 1)], pa.string()).take(
            pa.array(pop.customer)
        )
        self.segment = au.enum_strings(pop.segment, cat.SEGMENTS)
        self.activation = au.dates(pop.activation_day)
        self.contract_type = au.enum_strings(pop.contract_type, cat.CONTRACT_TYPES)
        self.payment = au.enum_strings(pop.payment_method, cat.PAYMENT_METHODS)
        self.paperless = pa.array(pop.paperless)
        self.region = au.enum_strings(pop.region, [r[0] for r in cat.REGIONS])
        self.birth = au.dates(np.maximum(pop.birth_day, 0), null=pop.birth_day < 0)
        self.plan_ids = [p[0] for p in cat.PLANS]

    def subscribers(self, status: np.ndarray, plan: np.ndarray, contract_end: np.ndarray, device: np.ndarray):
        rows = np.flatnonzero(status != cat.PENDING)
        idx = pa.array(rows)
        end = contract_end[rows]
        return pa.table(
            {
                "subscriber_id": self.sub_id.take(idx),
                "msisdn": self.msisdn.take(idx),
                "customer_id": self.customer.take(idx),
                "status": au.enum_strings(status[rows], cat.STATUSES),
                "segment": self.segment.take(idx),
                "plan_id": au.enum_strings(plan[rows], self.plan_ids),
                "activation_date": self.activation.take(idx),
                "contract_type": self.contract_type.take(idx),
                "contract_end_date": au.dates(np.maximum(end, 0), null=end < 0),
                "payment_method": self.payment.take(idx),
                "paperless_billing": self.paperless.take(idx),
                "region": self.region.take(idx),
                "device_model": au.enum_strings(device[rows], [d[0] for d in cat.DEVICES]),
                "birth_date": self.birth.take(idx),
            }
        )

    @staticmethod
    def plans() -> pa.Table:
        return pa.table(
            {
                "plan_id": [p[0] for p in cat.PLANS],
                "plan_name": [p[1] for p in cat.PLANS],
                "segment": [cat.SEGMENTS[p[2]] for p in cat.PLANS],
                "monthly_fee": au.decimals(cat.PLAN_FEE, 2),
                "included_minutes": pa.array([p[4] for p in cat.PLANS], pa.int32()),
                "included_sms": pa.array([p[5] for p in cat.PLANS], pa.int32()),
                "included_data_mb": pa.array([p[6] for p in cat.PLANS], pa.int32()),
                "international_included": [p[7] for p in cat.PLANS],
                "voicemail_included": [p[8] for p in cat.PLANS],
            }
        )

    def products(self, day: int, prod_end: np.ndarray) -> pa.Table:
        pop = self.pop
        rows = np.flatnonzero(pop.prod_start <= day)
        end = prod_end[rows]
        return pa.table(
            {
                "subscriber_id": self.sub_id.take(pa.array(pop.prod_sub[rows])),
                "product_code": au.enum_strings(pop.prod_code[rows], cat.PRODUCT_CODES),
                "start_date": au.dates(pop.prod_start[rows]),
                "end_date": au.dates(np.maximum(end, 0), null=(end < 0) | (end > day)),
            }
        )


def invoices(sub_id: pa.Array, day: int, inv: dict) -> pa.Table:
    return pa.table(
        {
            "invoice_id": au.code_ids("INV", inv["code"]),
            "subscriber_id": sub_id.take(pa.array(inv["sub"])),
            "bill_date": au.dates(np.full(len(inv["sub"]), day)),
            "period_start": au.dates(inv["period_start"]),
            "period_end": au.dates(inv["period_end"]),
            "amount_due": au.decimals(inv["amount"], 2),
            "due_date": au.dates(inv["due"]),
        }
    )


def payments(sub_id: pa.Array, day: int, pay: dict) -> pa.Table:
    k = len(pay["sub"])
    return pa.table(
        {
            "payment_id": au.id_strings("PAY", day, np.arange(k), 7),
            "subscriber_id": sub_id.take(pa.array(pay["sub"])),
            "invoice_id": au.code_ids("INV", pay["invoice"]),
            "paid_at": au.timestamps(pay["sec"]),
            "amount": au.decimals(pay["amount"], 2),
            "method": au.enum_strings(pay["method"], cat.PAYMENT_METHODS),
        }
    )


def topups(sub_id: pa.Array, day: int, top: dict) -> pa.Table:
    k = len(top["sub"])
    return pa.table(
        {
            "topup_id": au.id_strings("TOP", day, np.arange(k), 7),
            "subscriber_id": sub_id.take(pa.array(top["sub"])),
            "topup_time": au.timestamps(top["sec"]),
            "amount": au.decimals(top["amount"], 2),
            "channel": au.enum_strings(top["channel"], cat.TOPUP_CHANNELS),
        }
    )


def tickets(sub_id: pa.Array, day: int, tk: dict) -> pa.Table:
    k = len(tk["sub"])
    sat = tk["satisfaction"]
    return pa.table(
        {
            "ticket_id": au.id_strings("TKT", day, np.arange(k), 6),
            "subscriber_id": sub_id.take(pa.array(tk["sub"])),
            "opened_at": au.timestamps(tk["opened"]),
            "channel": au.enum_strings(tk["channel"], cat.TICKET_CHANNELS),
            "category": au.enum_strings(tk["category"], cat.TICKET_CATEGORIES),
            "resolved_at": au.timestamps(tk["resolved"], null=tk["unresolved"]),
            "satisfaction": pa.array(np.maximum(sat, 0).astype(np.int32), mask=sat < 0),
        }
    )


def churn_events(sub_id: pa.Array, day: int, subs: np.ndarray, types: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "subscriber_id": sub_id.take(pa.array(subs)),
            "event_date": au.dates(np.full(len(subs), day)),
            "churn_type": au.enum_strings(types, cat.CHURN_TYPES),
        }
    )


def fraud_cases(sub_id: pa.Array, day: int, subs, ftype, first_seen, confirm, disposition) -> pa.Table:
    return pa.table(
        {
            "case_id": au.id_strings("FC", day, np.arange(len(subs)), 5),
            "subscriber_id": sub_id.take(pa.array(subs)),
            "fraud_type": au.enum_strings(ftype, cat.FRAUD_TYPES),
            "first_seen_date": au.dates(first_seen),
            "confirmed_date": au.dates(confirm),
            "disposition": au.enum_strings(disposition, cat.DISPOSITIONS),
        }
    )
