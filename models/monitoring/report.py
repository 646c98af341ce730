"""The monitoring report of a date: ``<lakehouse>/reports/monitoring/<D>/index.html``.

Per model: the alert (if any), the drifted features against their training reference
(``<model>_drift.png``), the score distribution now and over the last
``monitoring.report_history_days`` days (``<model>_scores.png``), the realised performance
of matured score dates (``<model>_performance.png``) and a table of the largest PSIs.
Inputs are ``gold.monitoring`` rows (dicts, ``jobs.monitor.MONITORING_SCHEMA``); the PNGs
lie beside the page, which needs no network.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from models.monitoring.monitor_results import effective_status
from telco_risk.config import Config

if TYPE_CHECKING:
    from models.monitoring.monitor_results import MonitorResult

Row = dict[str, Any]
DPI = 80
TABLE_ROWS = 15
STATUS_COLOURS = {"act": "#c0392b", "warn": "#e67e22", "ok": "#2e7d32", "insufficient": "#7f8c8d"}


def report_dir(lakehouse: str | Path, day: dt.date) -> Path:
    return Path(lakehouse) / "reports" / "monitoring" / day.isoformat()


def _save(fig: Figure, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path.name


def drifted(rows: list[Row], limit: int) -> tuple[list[Row], bool]:
    """The features to plot: warn/act ones by PSI, else the largest PSIs (and False)."""
    features = sorted((r for r in rows if r["role"] == "feature"), key=lambda r: -(r["psi"] or 0.0))
    hits = [r for r in features if effective_status(r) in ("warn", "act")]
    return (hits[:limit], True) if hits else (features[: min(limit, 3)], False)


def drift_figure(rows: list[Row], title: str, path: Path) -> str:
    """Reference vs current shares per bin, one panel per feature."""
    cols = min(3, len(rows))
    lines = -(-len(rows) // cols)
    fig, axes = plt.subplots(lines, cols, figsize=(4.2 * cols, 3.0 * lines), squeeze=False)
    for ax, r in zip(axes.flat, rows, strict=False):
        x = np.arange(len(r["bins"]))
        ax.bar(x - 0.2, r["reference_share"], width=0.4, label="reference", color="#95a5a6")
        ax.bar(
            x + 0.2, r["current_share"], width=0.4, label="current", color=STATUS_COLOURS[effective_status(r)]
        )
        ax.set_xticks(x, r["bins"], rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{r['feature']} (PSI {r['psi']:.2f})", fontsize=9)
        ax.set_ylabel("share", fontsize=8)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def scores_figure(current: Row, history: list[Row], bands: list[Row], title: str, path: Path) -> str:
    """Score bins now vs the reference, score-bin shares over time, band shares and PSI over time."""
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(14, 3.6))
    x = np.arange(len(current["bins"]))
    a.bar(x - 0.2, current["reference_share"], width=0.4, label="reference", color="#95a5a6")
    a.bar(x + 0.2, current["current_share"], width=0.4, label=str(current["monitor_date"]), color="#2874a6")
    a.set_xticks(x, current["bins"], rotation=45, ha="right", fontsize=7)
    a.set_title(f"score distribution (PSI {current['psi']:.2f})", fontsize=9)
    a.legend(fontsize=7)
    ordered = sorted(history, key=lambda r: r["monitor_date"])
    dates = [r["monitor_date"] for r in ordered]
    matrix = np.asarray([r["current_share"] for r in ordered if len(r["current_share"]) == len(x)])
    if len(matrix) == len(dates) and len(dates) > 0:
        b.stackplot(dates, matrix.T, labels=current["bins"], alpha=0.85)
        b.set_ylim(0, 1)
    b.set_title("score-bin shares over time", fontsize=9)
    b.tick_params(axis="x", labelrotation=45, labelsize=7)
    band_rows = sorted(bands, key=lambda r: r["monitor_date"])
    for i, name in enumerate(("high", "medium")):
        c.plot(
            [r["monitor_date"] for r in band_rows],
            [r["current_share"][i] for r in band_rows],
            marker="o",
            label=f"{name} band share",
        )
    c.plot(dates, [r["psi"] for r in ordered], marker="s", color="black", label="score PSI")
    c.set_title("bands and score PSI over time", fontsize=9)
    c.tick_params(axis="x", labelrotation=45, labelsize=7)
    c.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def performance_figure(history: list[Row], floor: tuple[float, float] | None, title: str, path: Path) -> str:
    """Realised AUC, high-band precision and ECE by score date."""
    ordered = sorted(history, key=lambda r: r["label_date"])
    dates = [r["label_date"] for r in ordered]
    fig, ax = plt.subplots(figsize=(7, 3.4))

    def series(key: str) -> list[float]:
        return [np.nan if r[key] is None else r[key] for r in ordered]

    ax.plot(dates, series("realised_auc"), marker="o", label="realised AUC")
    ax.plot(dates, series("precision_high"), marker="^", label="precision (high band)")
    ax.plot(dates, series("ece"), marker="s", label="ECE")
    if floor is not None:
        ax.axhline(floor[0], color=STATUS_COLOURS["warn"], linestyle="--", label=f"AUC warn {floor[0]:g}")
        ax.axhline(floor[1], color=STATUS_COLOURS["act"], linestyle="--", label=f"AUC act {floor[1]:g}")
    ax.set_ylim(0, 1)
    ax.set_xlabel("score date (labels complete)", fontsize=8)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def _fmt(value: Any, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return format(value, spec)


def _table(rows: list[Row]) -> str:
    names = (
        "feature",
        "gain rank",
        "PSI",
        "chi-square p",
        "missing ref -> now",
        "zeros ref -> now",
        "status",
    )
    head = "<tr>" + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>"
    body = []
    for r in rows:
        status = effective_status(r)
        body.append(
            "<tr>"
            f"<td>{html.escape(r['feature'])}</td><td>{_fmt(r['importance_rank'], 'd')}</td>"
            f"<td>{_fmt(r['psi'])}</td><td>{_fmt(r['p_value'], '.1e')}</td>"
            f"<td>{_fmt(r['reference_missing_rate'], '.1%')} -> {_fmt(r['missing_rate'], '.1%')}</td>"
            f"<td>{_fmt(r['reference_zero_rate'], '.1%')} -> {_fmt(r['zero_rate'], '.1%')}</td>"
            f"<td class='{status}'>{status}{' (can act)' if r['can_act'] and status == 'act' else ''}</td>"
            "</tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _image(name: str, alt: str) -> str:
    src, text = html.escape(name), html.escape(alt)
    return f'<figure><img src="{src}" alt="{text}"><figcaption>{text}</figcaption></figure>'


def model_section(
    model: str, rows: list[Row], history: list[Row], alerts: list[Any], out: Path, cfg: Config
) -> str:
    """The HTML of one model on one date, writing its PNGs into ``out``."""
    first = rows[0]
    parts = [f"<h2>{model} v{html.escape(str(first['model_version']))}</h2>"]
    score = next((r for r in rows if r["role"] == "score"), None)
    parts.append(
        f"<p>training set <code>{html.escape(str(first['training_set_id']))}</code>;"
        f" {score['rows'] if score else 0} scored rows</p>"
    )
    for a in alerts:
        verdict = (
            "retrain requested"
            if a.retrain_requested
            else f"retrain held by the cool-down ({a.suppressed_by})"
        )
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in a.reasons)
        parts.append(
            f"<div class='alert'><b>ALERT {html.escape(a.alert_id)}</b>: {verdict}<ul>{reasons}</ul></div>"
        )
    plotted, any_drift = drifted(rows, cfg.monitoring.report_features)
    if plotted:
        title = (
            f"{model}: drifted features vs the training reference"
            if any_drift
            else f"{model}: largest PSI (no feature drifted)"
        )
        parts.append(_image(drift_figure(plotted, title, out / f"{model}_drift.png"), title))
    if score is not None:
        scores = [r for r in history if r["role"] == "score"] or [score]
        bands = [r for r in history if r["role"] == "band"]
        title = f"{model}: score distribution"
        parts.append(_image(scores_figure(score, scores, bands, title, out / f"{model}_scores.png"), title))
    perf = [r for r in history if r["role"] == "performance" and r["realised_auc"] is not None]
    if perf:
        floor = cfg.monitoring.realised.auc_floor.get(model)  # type: ignore[call-overload]
        levels = (floor.warn, floor.act) if floor is not None else None
        title = f"{model}: realised performance of past scores"
        parts.append(_image(performance_figure(perf, levels, title, out / f"{model}_performance.png"), title))
    else:
        parts.append("<p>No score date has complete labels yet: no realised performance.</p>")
    top = sorted((r for r in rows if r["role"] != "performance"), key=lambda r: -(r["psi"] or 0.0))
    parts.append(f"<h3>Largest PSI</h3>{_table(top[:TABLE_ROWS])}")
    return "\n".join(parts)


STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
.act { color: #c0392b; font-weight: bold; } .warn { color: #e67e22; } .ok { color: #2e7d32; }
.alert { border-left: 4px solid #c0392b; background: #fdecea; padding: 0.5em 1em; margin: 1em 0; }
figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #ddd; }
"""


def render(day: dt.date, rows: list[Row], history: list[Row], result: MonitorResult, cfg: Config) -> Path:
    """Write the report of ``day`` (its rows, and history rows of roles score/band/performance)."""
    out = report_dir(cfg.paths.lakehouse, day)
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    for model in sorted({r["model"] for r in rows}):
        mine = [r for r in rows if r["model"] == model]
        past = [r for r in history if r["model"] == model]
        alerts = [a for a in result.alerts if a.model == model and a.monitor_date == day]
        sections.append(model_section(model, mine, past, alerts, out, cfg))
    skipped = "".join(f"<li>{html.escape(m)}: {html.escape(why)}</li>" for m, why in result.skipped.items())
    request = result.requests.get(day)
    link = (
        f'<p>Retrain request: <a href="{request.name}">{request.name}</a></p>'
        if request is not None
        else "<p>No retrain request for this date.</p>"
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>telco-risk monitoring {day}</title><style>{STYLE}</style></head><body>"
        f"<h1>Model monitoring: scores of {day}</h1>{link}"
        + (f"<p>Not monitored:</p><ul>{skipped}</ul>" if skipped else "")
        + "".join(sections)
        + "</body></html>"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
