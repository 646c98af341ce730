"""The monitor -> nightly DAG hand-over file."""

from __future__ import annotations

import datetime as dt

import pytest

from models.monitoring.retrain_request import (
    RetrainRequest,
    clear_request,
    read_request,
    request_path,
    write_request,
)


def test_request_round_trips_and_maps_to_the_retrain_params(tmp_path):
    day = dt.date(2026, 3, 2)
    assert read_request(tmp_path, day) is None
    req = RetrainRequest(
        day=day,
        models=("churn", "fraud"),
        as_of=dt.date(2026, 3, 2),
        reasons=("psi data_bytes_30d 0.41 >= 0.25",),
        alert_id="a1",
        trials=3,
    )
    path = write_request(tmp_path, req)
    assert path == tmp_path / "reports" / "monitoring" / "2026-03-02" / "retrain_request.json"
    assert read_request(tmp_path, day) == req
    assert req.dag_conf() == {
        "model": "both",
        "as_of": "2026-03-02",
        "snapshots": None,
        "trials": 3,
        "promote": True,
        "reason": "psi data_bytes_30d 0.41 >= 0.25",
        "alert_id": "a1",
    }
    single = RetrainRequest(day=day, models=("fraud",), as_of=day, reasons=(), alert_id="a2")
    assert single.dag_conf()["model"] == "fraud"
    clear_request(tmp_path, day)
    assert not request_path(tmp_path, day).exists()


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="models among"):
        RetrainRequest(
            day=dt.date(2026, 1, 1), models=("upsell",), as_of=dt.date(2026, 1, 1), reasons=(), alert_id="x"
        )
