"""Usage events as columns of numpy arrays, and their conversion to the cdr table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from devtools.synth import arrowutil as au
from devtools.synth import plan_catalog as cat
from devtools.synth.network import Network

# Hour-of-day profiles (relative weights, index = hour). Voice and sms are low at night
# and peak late morning and early evening; data runs all day with an evening peak.
VOICE_HOURS = np.array(
    [
        0.3,
        0.15,
        0.1,
        0.08,
        0.08,
        0.15,
        0.5,
        1.5,
        2.8,
        4.0,
        5.0,
        5.5,
        5.2,
        4.8,
        4.5,
        4.6,
        5.0,
        5.8,
        6.2,
        5.5,
        4.2,
        3.0,
        1.8,
        0.8,
    ]
)
SMS_HOURS = np.array(
    [
        0.6,
        0.3,
        0.15,
        0.1,
        0.1,
        0.2,
        0.6,
        1.6,
        2.8,
        3.5,
        4.0,
        4.3,
        4.5,
        4.3,
        4.0,
        4.0,
        4.3,
        4.8,
        5.2,
        5.4,
        5.2,
        4.6,
        3.2,
        1.6,
    ]
)
DATA_HOURS = np.array(
    [
        1.6,
        0.9,
        0.6,
        0.45,
        0.45,
        0.6,
        1.2,
        2.4,
        3.2,
        3.4,
        3.5,
        3.6,
        3.9,
        3.7,
        3.5,
        3.5,
        3.7,
        4.1,
        4.6,
        5.2,
        5.6,
        5.4,
        4.3,
        2.8,
    ]
)
NIGHT_HOURS = np.array([6.0, 7.0, 7.0, 6.5, 6.0, 4.0] + [0.8] * 17 + [3.0])  # IRSF bursts
WORK_HOURS = np.array([0.2] * 7 + [2.0] * 15 + [0.6, 0.3])  # simbox / wangiri gateways
WEEKEND_SHIFT = np.array([1.4] * 7 + [0.7] * 3 + [1.0] * 14)  # later mornings at weekends


def hour_p(profile: np.ndarray, weekend: bool) -> np.ndarray:
    p = profile * (WEEKEND_SHIFT if weekend else 1.0)
    return p / p.sum()


@dataclass
class EventBlock:
    sub: np.ndarray
    etype: np.ndarray
    direction: np.ndarray
    other: np.ndarray  # number, -1 = none
    otype: np.ndarray  # party type, -1 = none
    country: np.ndarray  # country index, -1 = none
    sec: np.ndarray  # epoch seconds
    dur: np.ndarray
    up: np.ndarray  # -1 = none
    down: np.ndarray  # -1 = none
    cell: np.ndarray  # -1 = none
    roaming: np.ndarray
    term: np.ndarray  # -1 = none

    def __len__(self) -> int:
        return len(self.sub)

    def take(self, idx: np.ndarray) -> EventBlock:
        return EventBlock(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def concat(blocks: Sequence[EventBlock | None]) -> EventBlock:
        present = [b for b in blocks if b is not None]
        return EventBlock(
            *(np.concatenate([getattr(b, f.name) for b in present]) for f in fields(EventBlock))
        )

    @staticmethod
    def make(
        sub,
        etype,
        direction,
        sec,
        *,
        other=None,
        otype=None,
        country=None,
        dur=None,
        up=None,
        down=None,
        cell=None,
        roaming=None,
        term=None,
    ) -> EventBlock:
        n = len(sub)

        def full(v, fill, dtype):
            if v is None:
                return np.full(n, fill, dtype=dtype)
            return np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()

        return EventBlock(
            sub=np.asarray(sub, dtype=np.int64),
            etype=full(etype, 0, np.int8),
            direction=full(direction, 0, np.int8),
            other=full(other, -1, np.int64),
            otype=full(otype, -1, np.int8),
            country=full(country, -1, np.int16),
            sec=np.asarray(sec, dtype=np.int64),
            dur=full(dur, 0, np.int64),
            up=full(up, -1, np.int64),
            down=full(down, -1, np.int64),
            cell=full(cell, -1, np.int32),
            roaming=full(roaming, False, bool),
            term=full(term, -1, np.int8),
        )


def cdr_table(
    ev: EventBlock,
    charge: np.ndarray,
    record_ids: pa.Array,
    msisdn: np.ndarray,
    imei: np.ndarray,
    net: Network,
) -> pa.Table:
    """The typed cdr table (contract column order) of a block of events."""
    return pa.table(
        {
            "record_id": record_ids,
            "msisdn": au.digit_strings(msisdn[ev.sub]),
            "event_type": au.enum_strings(ev.etype, cat.EVENT_TYPES),
            "direction": au.enum_strings(ev.direction, cat.DIRECTIONS),
            "other_party": au.digit_strings(ev.other),
            "other_party_type": au.enum_strings(ev.otype, cat.PARTY_TYPES),
            "other_party_country": au.enum_strings(ev.country, cat.COUNTRY_ISO),
            "start_time": au.timestamps(ev.sec),
            "duration_s": pa.array(ev.dur.astype(np.int32)),
            "bytes_up": pa.array(ev.up, mask=ev.up < 0),
            "bytes_down": pa.array(ev.down, mask=ev.down < 0),
            "cell_id": net.names.take(pa.array(ev.cell, mask=ev.cell < 0)),
            "imei": au.digit_strings(imei[ev.sub]),
            "roaming": pa.array(ev.roaming),
            "termination": au.enum_strings(ev.term, cat.TERMINATIONS),
            "charge": au.decimals(charge, 4),
        }
    )
