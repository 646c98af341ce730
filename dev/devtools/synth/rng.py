"""Independent random streams: one per (component, day), derived from the seed.

Every stream is ``Generator(PCG64(SeedSequence(seed, spawn_key=(component, *keys))))``,
so a stream never depends on how much randomness another component consumed or on the
order in which components run.
"""

from __future__ import annotations

import numpy as np

# Component numbers of the streams (never renumber: it would change every world).
POPULATION = 1
CONTACTS = 2
PRODUCTS = 3
BURN_IN = 4
FRAUD_PLAN = 5
USAGE = 10
FRAUD_USAGE = 11
CHURN = 12
CARE = 13
BILLING = 14
TOPUP = 15
LATE = 16
BREAKAGE = 17
CORRUPT = 18
LIFE = 19  # roaming trips, device changes, contract renewals


def stream(seed: int, component: int, *keys: int) -> np.random.Generator:
    """The random stream of one component (and day, when given)."""
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(component), *(int(k) for k in keys)))
    return np.random.Generator(np.random.PCG64(seq))
