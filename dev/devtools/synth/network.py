"""Radio network: domestic cells per region with their dropped-call probability, roaming cells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from devtools.synth import plan_catalog as cat


@dataclass(frozen=True)
class Network:
    names: pa.Array  # cell_id text of every cell (domestic, then roaming)
    drop_p: np.ndarray  # dropped-call probability per cell
    region_first: np.ndarray  # first domestic cell index of each region
    n_domestic: int
    roam_first: int  # first roaming cell index; country c (>0) owns ROAMING_CELLS_PER_COUNTRY cells

    def roaming_cell(self, country: np.ndarray, pick: np.ndarray) -> np.ndarray:
        """Cell index of roaming cell ``pick`` in ``country`` (country code index >= 1)."""
        return self.roam_first + (country - 1) * cat.ROAMING_CELLS_PER_COUNTRY + pick


def build_network(rng: np.random.Generator) -> Network:
    per = cat.CELLS_PER_REGION
    names: list[str] = []
    drop: list[np.ndarray] = []
    for _, prefix, _, median_drop in cat.REGIONS:
        names.extend(f"{prefix}-{i:04d}" for i in range(1, per + 1))
        p = median_drop * rng.lognormal(0.0, 0.35, per)
        p[rng.random(per) < cat.FAULTY_CELL_SHARE] *= cat.FAULTY_CELL_FACTOR
        drop.append(p)
    n_dom = len(names)
    for iso in cat.COUNTRY_ISO[1:]:
        names.extend(f"{iso}-ROAM-{k:02d}" for k in range(1, cat.ROAMING_CELLS_PER_COUNTRY + 1))
    roam = np.full(len(names) - n_dom, 0.015)
    return Network(
        names=pa.array(names, pa.string()),
        drop_p=np.clip(np.concatenate([*drop, roam]), 0.002, 0.3),
        region_first=np.arange(len(cat.REGIONS)) * per,
        n_domestic=n_dom,
        roam_first=n_dom,
    )
