"""`make demo`: generate a small operator world and run the pipeline on embedded defaults.

Everything lands under ``scratch/demo`` (landing zone, lakehouse, MLflow, BSS SQLite).
Re-running reuses the generated world and skips drops that were already ingested.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from telco_risk.cli import main as cli

DEMO_ROOT = Path("scratch/demo")
WORLD: dict[str, int | str] = {"subscribers": 2000, "start": "2026-01-01", "days": 45, "seed": 7}


def _ensure_world(landing: Path) -> None:
    marker = landing / ".world.json"
    if marker.is_file() and json.loads(marker.read_text()) == WORLD:
        print(f"demo: reusing the generated world in {landing}")
        return
    args = [f"--{k}={v}" for k, v in WORLD.items()]
    if cli(["generate", f"--landing={landing}", *args]) != 0:
        raise SystemExit("demo: generation failed")
    marker.write_text(json.dumps(WORLD))


def main() -> int:
    started = time.monotonic()
    landing = DEMO_ROOT / "landing"
    _ensure_world(landing)
    first = dt.date.fromisoformat(str(WORLD["start"]))
    last = first + dt.timedelta(days=int(WORLD["days"]) - 1)
    rc = cli(["ingest", f"--from={first}", f"--to={last}"])
    print(f"demo: finished in {time.monotonic() - started:.0f} s")
    print(f"demo: lakehouse at {DEMO_ROOT / 'lakehouse'}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
