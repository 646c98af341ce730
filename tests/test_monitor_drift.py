"""Drift and realised-performance maths on hand-made counts, computed by hand (no Spark)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import metrics
from models.monitoring.drift import (
    PSI_FLOOR,
    categorical_labels,
    chi_square,
    compare,
    numeric_labels,
    psi,
    shares,
    unique_edges,
)
from models.monitoring.performance import SCORE_BINS, binned_auc, binned_ece, realised


def test_psi_of_hand_made_distributions():
    # (c - r) * ln(c / r) per bin:
    # (0.5 - 0.25) ln 2 + (0.25 - 0.25) ln 1 + (0.25 - 0.5) ln(1/2) = 0.25 ln 2 + 0.25 ln 2 = 0.5 ln 2
    assert psi([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]) == pytest.approx(0.5 * math.log(2))
    assert psi([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]) == pytest.approx(0.346574, abs=1e-6)
    # (0.3 - 0.1) ln 3 + (0.2 - 0.4) ln(1/2) + (0.5 - 0.5) ln 1 = 0.2 ln 3 + 0.2 ln 2 = 0.2 ln 6
    assert psi([0.1, 0.4, 0.5], [0.3, 0.2, 0.5]) == pytest.approx(0.2 * math.log(6))
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # symmetric in its arguments
    assert psi([0.5, 0.5], [0.9, 0.1]) == pytest.approx(psi([0.9, 0.1], [0.5, 0.5]))


def test_psi_counts_an_empty_bin_as_the_floor():
    # the third bin is empty in the reference: its share counts as 1e-4
    # 2 x (0.4 - 0.5) ln(0.8) + (0.2 - 0.0001) ln(0.2 / 0.0001)
    expected = 2 * (-0.1) * math.log(0.8) + (0.2 - PSI_FLOOR) * math.log(0.2 / PSI_FLOOR)
    assert psi([0.5, 0.5, 0.0], [0.4, 0.4, 0.2]) == pytest.approx(expected)
    assert expected == pytest.approx(0.044629 + 1.519420, abs=1e-6)  # 0.2 x 0.223144 + 0.1999 x 7.600902


def test_chi_square_on_a_two_by_two_table():
    # reference 30 / 70, current 50 / 50: expected 40 / 60 in both rows
    # (10^2 / 40 + 10^2 / 60) x 2 = 2.5 + 1.6667 + 2.5 + 1.6667 = 25 / 3, one degree of freedom,
    # p = P(chi2_1 > 25/3) = erfc(sqrt(25/6))
    test = chi_square([30, 70], [50, 50])
    assert test.statistic == pytest.approx(25 / 3)
    assert test.dof == 1
    assert test.p_value == pytest.approx(math.erfc(math.sqrt(25 / 6)))
    assert test.p_value == pytest.approx(0.003892, abs=1e-6)
    # bins empty in both samples are left out; nothing left to test: p = 1
    assert chi_square([30, 0, 70], [50, 0, 50]).dof == 1
    assert chi_square([10, 0], [0, 0]).p_value == 1.0


def test_compare_rates_and_shares():
    # bins: <= 0, (0, 1], > 1, missing
    drift = compare([5, 3, 1, 1], [2, 2, 2, 4], reference_zeros=4, current_zeros=1)
    assert (drift.rows, drift.reference_missing_rate, drift.missing_rate) == (10, 0.1, 0.4)
    assert drift.missing_rate_change == pytest.approx(0.3)
    assert (drift.reference_zero_rate, drift.zero_rate) == (0.4, 0.1)
    assert drift.zero_rate_change == pytest.approx(-0.3)
    assert drift.psi == pytest.approx(psi(shares([5, 3, 1, 1]), shares([2, 2, 2, 4])))
    categorical = compare([6, 4, 0, 0], [6, 4, 0, 0])
    assert (categorical.psi, categorical.zero_rate, categorical.p_value) == (0.0, None, 1.0)
    assert compare([6, 4], [0, 0]).rows == 0


def test_edges_and_labels():
    # ties of a discrete column collapse; None (no value) and NaN are dropped
    assert unique_edges([0.0, 0.0, 0.0, 1.0, 1.0, 2.0, None, float("nan")]) == [0.0, 1.0, 2.0]
    assert numeric_labels([0.0, 1.5]) == ["<= 0", "(0, 1.5]", "> 1.5", "missing"]
    assert numeric_labels([]) == ["all", "missing"]
    assert categorical_labels(["prepaid", "postpaid"]) == ["prepaid", "postpaid", "other", "missing"]


def test_auc_from_binned_counts():
    # bins in ascending score: positives 0, 1, 1; negatives 2, 1, 0
    # positive in bin 1: beats the 2 negatives of bin 0, ties the 1 of bin 1 -> 2.5
    # positive in bin 2: beats all 3 negatives -> 3; AUC = 5.5 / (2 x 3)
    assert binned_auc(np.array([0, 1, 1]), np.array([2, 1, 0])) == pytest.approx(5.5 / 6)
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.1, 0.2, 0.2, 0.3])  # the same rows, scores as bins
    assert binned_auc(np.array([0, 1, 1]), np.array([2, 1, 0])) == pytest.approx(metrics.roc_auc(y, s))
    assert binned_auc(np.array([0, 0]), np.array([3, 1])) is None


def test_realised_metrics_of_a_score_date():
    # six rows: (score, label, band)
    rows = [
        (0.05, 0, "low"),
        (0.05, 1, "low"),
        (0.12, 0, "low"),
        (0.45, 1, "high"),
        (0.45, 0, "high"),
        (0.8, 1, "high"),
    ]
    fine = np.array([math.floor(s * SCORE_BINS) for s, _, _ in rows])
    perf = realised(
        fine,
        np.ones(6),
        np.array([y for _, y, _ in rows], dtype=float),
        np.array([s for s, _, _ in rows]),
        high_rows=3,
        high_positives=2,
        ece_bins=10,
    )
    y = np.array([y for _, y, _ in rows])
    s = np.array([s for s, _, _ in rows])
    assert (perf.rows, perf.positives, perf.high_rows) == (6, 3, 3)
    assert perf.auc == pytest.approx(metrics.roc_auc(y, s))
    assert perf.precision_high == pytest.approx(2 / 3)
    # ECE by hand, bins of width 0.1: [0, 0.1): 2 rows, mean 0.05, rate 0.5 -> 0.45;
    # [0.1, 0.2): 1 row, 0.12 vs 0 -> 0.12; [0.4, 0.5): 2 rows, 0.45 vs 0.5 -> 0.05;
    # [0.8, 0.9): 1 row, 0.8 vs 1 -> 0.2. Weighted: (2 x 0.45 + 0.12 + 2 x 0.05 + 0.2) / 6
    assert perf.ece == pytest.approx((2 * 0.45 + 0.12 + 2 * 0.05 + 0.2) / 6)
    assert perf.ece == pytest.approx(metrics.expected_calibration_error(y, s, 10))
    assert binned_ece(np.array([], dtype=np.int64), np.array([]), np.array([]), np.array([]), 10) is None
