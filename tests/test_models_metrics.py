"""Evaluation metrics, calibration and risk bands on hand-made arrays; expected values
computed by hand (in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from models import metrics as M
from models.calibration import Calibrator, fit_calibrator
from models.risk_bands import risk_bands

Y4 = np.array([0, 0, 1, 1])
S4 = np.array([0.1, 0.4, 0.35, 0.8])
# 10 rows, 3 positives, already in descending score order.
Y10 = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
S10 = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_roc_auc_counts_ordered_pairs_and_half_ties():
    # pairs (pos, neg): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, 0.1) yes, (0.8, 0.4) yes -> 3/4
    assert M.roc_auc(Y4, S4) == pytest.approx(0.75)
    assert M.roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert M.roc_auc(np.array([0, 0, 1]), np.array([0.2, 0.6, 0.6])) == pytest.approx(0.75)  # (1 + 0.5) / 2


def test_average_precision_sums_precision_at_each_recall_step():
    # by score: 0.8 (pos) P=1 R=.5; 0.4 (neg); 0.35 (pos) P=2/3 R=1  ->  .5 * 1 + .5 * 2/3
    assert M.average_precision(Y4, S4) == pytest.approx(0.5 + 1 / 3)
    # one tied threshold: P = 1/2 at R = 1
    assert M.average_precision(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)


def test_lift_capture_and_precision_at_the_top():
    # top 10% = 1 row (pos): precision 1, base rate .3 -> lift 10/3, capture 1/3
    assert M.lift_at(Y10, S10, 0.1) == pytest.approx(10 / 3)
    assert M.capture_rate_at(Y10, S10, 0.1) == pytest.approx(1 / 3)
    # top 50% = 5 rows with 2 positives: precision .4 -> lift 4/3, capture 2/3
    assert M.lift_at(Y10, S10, 0.5) == pytest.approx(4 / 3)
    assert M.capture_rate_at(Y10, S10, 0.5) == pytest.approx(2 / 3)
    assert M.precision_at_k(Y10, S10, 4) == pytest.approx(0.5)
    assert M.precision_at_k(Y10, S10, 100) == pytest.approx(0.3)  # k beyond n: every row
    # order of the input does not matter, only the scores
    perm = np.array([9, 3, 0, 5, 1, 8, 2, 7, 4, 6])
    assert M.capture_rate_at(Y10[perm], S10[perm], 0.5) == pytest.approx(2 / 3)


def test_top_count_rounds_up_and_ignores_float_noise():
    assert M.top_count(10, 0.01) == 1
    assert M.top_count(1000, 0.01) == 10
    assert M.top_count(250, 0.1) == 25  # 0.1 * 250 = 25.000000000000004 in floating point
    assert M.top_count(7, 0.5) == 4


def test_brier_and_expected_calibration_error():
    assert M.brier_score(np.array([0, 1]), np.array([0.2, 0.6])) == pytest.approx((0.04 + 0.16) / 2)
    p = np.array([0.05, 0.15, 0.12, 0.95])
    y = np.array([0, 1, 0, 1])
    # bins of 0.1: [0.05] vs 0 -> .05 (weight .25); [0.15, 0.12] mean .135 vs .5 -> .365 (weight .5);
    # [.95] vs 1 -> .05 (weight .25)
    assert M.expected_calibration_error(y, p, 10) == pytest.approx(0.25 * 0.05 + 0.5 * 0.365 + 0.25 * 0.05)
    # p = 1.0 falls in the last bin; perfectly calibrated extremes give 0
    assert M.expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]), 10) == pytest.approx(0.0)


def test_gain_curve_starts_at_zero_and_ends_at_one():
    share, captured = M.gain_curve(Y10, S10)
    assert share[0] == 0 and captured[0] == 0
    assert captured[1] == pytest.approx(1 / 3) and captured[4] == pytest.approx(2 / 3)
    assert share[-1] == 1 and captured[-1] == 1


def test_evaluate_names_every_metric_and_refuses_one_class():
    out = M.evaluate(Y10, S10, [0.01, 0.1], [3], 10)
    assert out["roc_auc"] == pytest.approx(M.roc_auc(Y10, S10))
    assert {
        "lift_at_1pct",
        "capture_at_10pct",
        "precision_at_3",
        "brier",
        "expected_calibration_error",
        "pr_auc",
        "base_rate",
    } <= set(out)
    assert out["precision_at_3"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="both positive and negative"):
        M.roc_auc(np.array([0, 0]), np.array([0.1, 0.2]))


def test_isotonic_calibrator_pools_violators_and_clips():
    # scores .1 .2 .3 .4 with labels 0 1 0 1: the middle pair pools to .5
    cal = fit_calibrator(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]), "isotonic")
    assert cal.predict(np.array([0.05, 0.1, 0.25, 0.4, 0.9])) == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])
    assert Calibrator.from_dict(cal.to_dict()) == cal


def test_platt_calibrator_recovers_a_known_logit_map():
    rng = np.random.default_rng(0)
    s = rng.uniform(0.02, 0.98, 40_000)
    true_p = 1 / (1 + np.exp(-(2.0 * np.log(s / (1 - s)) - 0.5)))
    y = (rng.random(len(s)) < true_p).astype(int)
    cal = fit_calibrator(s, y, "platt")
    assert cal.a == pytest.approx(2.0, abs=0.1) and cal.b == pytest.approx(-0.5, abs=0.1)
    assert M.expected_calibration_error(y, cal.predict(s), 10) < 0.02


def test_risk_bands_use_the_cut_offs_inclusively():
    bands = risk_bands(np.array([0.6, 0.4, 0.2, 0.15, 0.1]), high=0.4, medium=0.15)
    assert list(bands) == ["high", "high", "medium", "medium", "low"]
