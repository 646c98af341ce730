"""Pure helpers of the XGBoost step: worker count, class weight, trial sampling, batch size."""

from __future__ import annotations

import pytest

from models.xgb_train import even_batch_size, positive_weight, sample_trials, worker_count

BASE = {"max_depth": 5, "learning_rate": 0.08}


def test_workers_never_exceed_free_slots():
    assert worker_count(4, 2) == 2
    assert worker_count(1, 2) == 1
    assert worker_count(2, 0) == 1


def test_positive_weight_is_the_class_ratio_capped():
    assert positive_weight(10, 90, 50) == pytest.approx(9.0)
    assert positive_weight(1, 999, 50) == pytest.approx(50.0)
    assert positive_weight(60, 40, 50) == pytest.approx(1.0)  # never below 1
    with pytest.raises(ValueError, match="no positive labels"):
        positive_weight(0, 100, 50)


def test_trials_start_from_the_base_and_are_distinct_and_repeatable():
    space = {"max_depth": [3, 4], "learning_rate": [0.05, 0.1]}
    trials = sample_trials(BASE, space, 4, seed=7)
    assert trials[0] == BASE and len(trials) == 4
    assert len({tuple(sorted(t.items())) for t in trials}) == 4
    assert all(t["max_depth"] in (3, 4) and isinstance(t["max_depth"], int) for t in trials[1:])
    assert sample_trials(BASE, space, 4, seed=7) == trials
    assert len(sample_trials(BASE, space, 10, seed=7)) == 5  # the base plus every combination
    with pytest.raises(ValueError, match="not searchable"):
        sample_trials(BASE, {"gamma": [1.0]}, 2, seed=7)


def test_even_batches_leave_no_small_tail():
    # 23546 rows on 2 workers: 11773 each -> 2 batches of 5886.5, +1% +16 -> 5962
    assert even_batch_size(23546, 2, 10_000) == 5962
    # 1000 rows on 2 workers: one batch of 500 (+1% +16)
    assert even_batch_size(1000, 2, 10_000) == 521
