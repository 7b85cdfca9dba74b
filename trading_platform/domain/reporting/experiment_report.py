"""The experiment report: one self-contained HTML page (inline CSS, charts as base64 PNG, text
escaped) of a parameter search.

Sections: the summary (trials, success rate, time, what ran on what data); the gate panel (each
criterion with its number, threshold and verdict); the top 10 by the objective; parameter
importance (with the method named); the two most important parameters as a heatmap of the mean
test objective; each parameter against the test objective; the walk-forward folds; and every
run whose train Sharpe beats its test Sharpe by more than the gate's gap, flagged.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trading_platform.domain.reporting.charts import png_bytes
from trading_platform.domain.research.assessment import Assessment
from trading_platform.domain.research.importance import METHOD, parameter_importance
from trading_platform.domain.research.trials import TrialResult

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 64em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
.pass { background: #e3f4e8; color: #1b5e20; } .fail { background: #fde0e0; color: #b71c1c; }
.meta { color: #666; font-size: 0.85em; } img { max-width: 100%; }
"""


def experiment_html(experiment: str, info: dict[str, Any], trials: list[TrialResult],
                    result: Assessment, objective: str) -> str:
    """The report page (module doc)."""
    done = [t for t in trials if t.status == "done"]
    importance = parameter_importance([t.params for t in done],
                                      np.array([t.objective for t in done]))
    parts = [f"<h1>Experiment {_e(experiment)}</h1>", _summary(info, trials),
             _gate(result), _top(done, objective), _importance(importance)]
    ranked = list(importance)
    if len(ranked) >= 2:
        parts.append(_img(_heatmap(done, ranked[0], ranked[1], objective)))
    parts += [_img(_scatter(done, name, objective)) for name in ranked]
    parts += [_folds(result), _flags(result, done)]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(experiment)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def _summary(info: dict[str, Any], trials: list[TrialResult]) -> str:
    done = sum(t.status == "done" for t in trials)
    pruned = sum(t.status == "pruned" for t in trials)
    rate = 100 * done / max(len(trials), 1)
    return (f"<p>{_e(info['method'])} search of <b>{_e(info['strategy'])}</b> "
            f"[{_e(info['spec_hash'])}] on {_e(info['commodities'])}: {len(trials)} trials, "
            f"{done} finished ({rate:.0f} %), {pruned} pruned, {len(trials) - done - pruned} "
            f"failed, "
            f"{info['seconds']:.1f} s. Objective: test {_e(info['objective'])}; seed "
            f"{info['seed']}.</p><p class='meta'>split {_e(info['split'])}; data "
            f"{_e(info['data_version'])}; code {_e(info['code_version'])}</p>")


def _gate(result: Assessment) -> str:
    rows = "".join(
        f"<tr class='{'pass' if c.passed else 'fail'}'><td>{_e(c.name)}</td>"
        f"<td>{_n(c.value)}</td><td>{_e(c.rule)} {c.threshold:g}</td>"
        f"<td>{'pass' if c.passed else 'FAIL'}</td></tr>" for c in result.gate.criteria)
    verdict = "passes the gate" if result.gate.passed else "is refused by the gate"
    return (f"<h2>Overfitting gate: run #{result.chosen} {verdict}</h2><table><tr>"
            f"<th>criterion</th><th>value</th><th>rule</th><th>verdict</th></tr>{rows}</table>"
            f"<p class='meta'>{result.trials_run} trials counted for the DSR (failed ones "
            f"included); luck benchmark {_n(result.dsr.expected_max)} per day.</p>")


def _top(done: list[TrialResult], objective: str) -> str:
    best = sorted(done, key=lambda t: -t.objective)[:10]
    rows = "".join(f"<tr><td>{t.number}</td><td>{_e(t.params)}</td><td>{_n(t.objective)}</td>"
                   f"<td>{_n(t.train_objective)}</td><td>{_n(t.test['max_drawdown'])}</td>"
                   f"</tr>" for t in best)
    return (f"<h2>Top {len(best)} by test {_e(objective)}</h2><table><tr><th>#</th>"
            f"<th>parameters</th><th>test</th><th>train</th><th>test max drawdown</th></tr>"
            f"{rows}</table>")


def _importance(importance: dict[str, float]) -> str:
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{v:.3f}</td></tr>" for k, v in importance.items())
    return (f"<h2>Parameter importance</h2><p class='meta'>{_e(METHOD)}</p><table><tr>"
            f"<th>parameter</th><th>share</th></tr>{rows}</table>")


def _folds(result: Assessment) -> str:
    if not result.fold_sharpes:
        return "<h2>Walk-forward folds</h2><p>No folds defined for this search.</p>"
    cells = "".join(f"<td class='{'pass' if s > 0 else 'fail'}'>{_n(s)}</td>"
                    for s in result.fold_sharpes)
    return ("<h2>Walk-forward folds</h2><p class='meta'>Out-of-sample Sharpe of the run "
            f"picked on each fold's training days.</p><table><tr>{cells}</tr></table>")


def _flags(result: Assessment, done: list[TrialResult]) -> str:
    flagged = [t for t in done if t.number in set(result.gap_flagged)]
    if not flagged:
        return "<h2>Overfitting warnings</h2><p>No run's train Sharpe beats its test Sharpe " \
            "by more than the gate's gap.</p>"
    rows = "".join(f"<tr class='fail'><td>{t.number}</td><td>{_e(t.params)}</td>"
                   f"<td>{_n(t.train['sharpe'])}</td><td>{_n(t.test['sharpe'])}</td></tr>"
                   for t in flagged)
    return (f"<h2>Overfitting warnings: {len(flagged)} runs</h2><table><tr><th>#</th>"
            f"<th>parameters</th><th>train Sharpe</th><th>test Sharpe</th></tr>{rows}</table>")


def _heatmap(done: list[TrialResult], x: str, y: str, objective: str) -> bytes:
    xs = sorted({t.params[x] for t in done}, key=str)
    ys = sorted({t.params[y] for t in done}, key=str)
    grid = np.full((len(ys), len(xs)), np.nan)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            values = [t.objective for t in done if t.params[x] == xv and t.params[y] == yv]
            grid[i, j] = np.mean(values) if values else np.nan
    figure = Figure(figsize=(7, 4), dpi=80)
    ax = figure.subplots()
    image = ax.imshow(grid, aspect="auto", cmap="RdYlGn", origin="lower")
    ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=7)
    ax.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=7)
    ax.set_xlabel(x), ax.set_ylabel(y)
    ax.set_title(f"mean test {objective} by {x} and {y}", fontsize=9)
    figure.colorbar(image, ax=ax)
    figure.tight_layout()
    return png_bytes(figure)


def _scatter(done: list[TrialResult], name: str, objective: str) -> bytes:
    figure = Figure(figsize=(7, 2.6), dpi=80)
    ax = figure.subplots()
    labels = [t.params[name] for t in done]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in labels)
    xs = labels if numeric else [sorted(set(map(str, labels))).index(str(v)) for v in labels]
    ax.scatter(xs, [t.objective for t in done], s=10, alpha=0.7)
    ax.set_xlabel(name), ax.set_ylabel(f"test {objective}")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return png_bytes(figure)


def _img(png: bytes) -> str:
    return f"<img src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _e(value: object) -> str:
    return html.escape(str(value))


def _n(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"
