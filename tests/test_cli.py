"""The ``telco-risk`` command: an explicit table of job modules, each owning its flags."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from jobs.cli import STEPS, extra_steps, main

ROOT = Path(__file__).resolve().parents[1]


def test_every_step_is_a_job_module_with_its_own_entry_point():
    for name, (module_name, _) in STEPS.items():
        assert module_name.startswith("jobs."), name
        assert (ROOT / "jobs" / f"{module_name.split('.')[1]}.py").is_file(), name
        module = importlib.import_module(module_name)
        for attr in ("add_arguments", "handle", "main"):
            assert callable(getattr(module, attr)), f"{module_name}.{attr}"


def test_the_dev_install_adds_the_generator_and_the_benchmarks():
    assert extra_steps() == {
        "generate": "devtools.generate_world",
        "features-bench": "devtools.features_bench",
        "score-bench": "devtools.score_bench",
    }


def test_no_step_or_an_unknown_one_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "churn-list" in capsys.readouterr().out
    assert main(["scroe"]) == 2
    assert "unknown step 'scroe'" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_a_step_parses_its_own_flags_and_errors_in_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "--date", "2026-13-01"])
    assert exc.value.code == 2
    assert "not a date (YYYY-MM-DD): '2026-13-01'" in capsys.readouterr().err
    # a config error is the user's to fix: one line, exit 2, no traceback
    assert main(["validate", "--date", "2026-01-01", "--conf", "no_such.key=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("telco-risk validate: error:") and "Traceback" not in err
