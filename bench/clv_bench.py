"""Bench of the customer-value models on 1,000,000 simulated customers, beside lifetimes.

The data are drawn from the models' own stories (`tenure.analytics.clv.simulation`), in
days, seeded: T uniform on whole days 1..730 and recency rounded to whole days, as day-level
data are. Each table is saved once as ``.npz`` in the bench workdir, and Tenure and lifetimes
both read that file, so they fit exactly the same numbers.

Issue 11 also asks for continuous times (recency and T as fractional days, as a summary of
timestamps in a finer unit gives): no two customers then share a row, so folding equal rows
saves nothing and the likelihood kernel itself is timed. BG/NBD (target 0.6 s), MBG/NBD and
Pareto/NBD are fitted on one such table of BG/NBD customers (T uniform on (1, 730) days,
recency not rounded): the models the customer-value step chooses among, on the same data.

Tenure's fits and scores run in the bench process: the data are read once into a pandas
table, and each call is timed alone (median of 3), as lifetimes' ``fit`` is, with no
interpreter start or import in the figure.

lifetimes 0.11.3 needs old numpy, pandas and scipy, so it is not a dependency of Tenure: the
bench creates a separate venv for it the first time (``bench/out/lifetimes-venv``, pinned
versions, reused afterwards) and runs each of its fits in a subprocess of that venv, which is
this very file started with ``--lifetimes-worker`` (the top-level imports are the standard
library and numpy for that reason). Each lifetimes fit runs once, under a time limit; one
that passes it is stopped and reported as such. Without the venv (no network), Tenure's
figures are printed alone and the notes say why. lifetimes is given one row per customer,
as in its documentation's ``fit(frequency, recency, T)``; Tenure folds equal rows itself.

Run alone: ``python bench/clv_bench.py [--customers N] [--lifetimes-timeout S]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rows import Row

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / "out" / "lifetimes-venv"
#: lifetimes 0.11.3 (2020) does not run on current numpy, pandas and scipy; it runs on these.
PINS = ("lifetimes==0.11.3", "numpy==1.26.4", "pandas==2.1.4", "scipy==1.11.4",
        "autograd==1.9.1", "dill==0.4.1")
INSTALL_TIMEOUT_S = 900

MAX_DAYS = 730
BG_TRUTH = {"r": 0.55, "alpha": 45.0, "a": 0.8, "b": 2.6}
PNBD_TRUTH = {"r": 0.55, "alpha": 74.2, "s": 0.61, "beta": 81.9}
#: lifetimes' CDNOW estimates (p, q, v), in dollars.
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}
RUNS = 3
HORIZON_DAYS = 90
CLV_MONTHS = 12
#: Below this largest relative difference of the parameters, both fits found one optimum.
SAME_OPTIMUM = 1e-3
#: A continuous-time fit still running after this many seconds is stopped and reported so.
STOP_AFTER_S = 120.0


@dataclass
class Fit:
    """Tenure's timings of one model's fit and what it found."""

    seconds: list[float]
    params: dict[str, float]
    log_likelihood: float
    customers: int
    warnings: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


# --- data ------------------------------------------------------------------------------

def write_tables(folder: Path, customers: int, seed: int) -> dict[str, Path]:
    """Return the saved BG/NBD (with spend) and Pareto/NBD tables, writing them the first time.

    ``bgnbd``: frequency, recency, T and monetary_value (Gamma-Gamma mean spend of the
    repeat purchases, 0 without any); ``pnbd``: frequency, recency, T.
    """
    from tenure.analytics.clv import simulation

    paths = {name: folder / f"clv-{name}-{customers}-seed{seed}.npz"
             for name in ("bgnbd", "pnbd", "continuous")}
    if all(p.exists() for p in paths.values()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    days = np.random.default_rng(seed).integers(1, MAX_DAYS + 1, customers).astype(float)
    bg = simulation.bg_nbd(customers, **BG_TRUTH, T=days, seed=seed + 1)
    spend = simulation.gamma_gamma(bg["frequency"].to_numpy(), **GG_TRUTH, seed=seed + 2)
    pnbd = simulation.pareto_nbd(customers, **PNBD_TRUTH, T=days, seed=seed + 3)
    fractional = np.random.default_rng(seed + 4).uniform(1, MAX_DAYS, customers)
    continuous = simulation.bg_nbd(customers, **BG_TRUTH, T=fractional, seed=seed + 5)
    tables = {"bgnbd": (bg, {"monetary_value": spend["monetary_value"].to_numpy()}),
              "pnbd": (pnbd, {}), "continuous": (continuous, {})}
    for name, (table, extra) in tables.items():
        recency = table["recency"].to_numpy()
        columns = {"frequency": table["frequency"].to_numpy(np.int64),
                   # Recency rounded to whole days, as in day-level data; T is whole already,
                   # so the rounded recency never passes it.
                   "recency": recency if name == "continuous" else np.round(recency),
                   "T": table["T"].to_numpy(), **extra}
        partial = paths[name].with_suffix(".partial.npz")
        np.savez(partial, **columns)
        partial.rename(paths[name])
    return paths


def load(path: Path):
    """Return the saved table as a pandas DataFrame (what a caller passes to the models)."""
    import pandas as pd

    with np.load(path) as saved:
        return pd.DataFrame({name: saved[name] for name in saved.files})


# --- Tenure ----------------------------------------------------------------------------

def timed(call: Callable[[], Any], runs: int = RUNS) -> tuple[list[float], Any]:
    """Return the wall seconds of each of ``runs`` calls and the last call's result."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def fit_tenure(model_class: type, data, runs: int = RUNS) -> tuple[Fit, Any]:
    """Fit ``model_class`` on ``data`` ``runs`` times; return the timings and the last model."""
    # Record the fit's warnings (did not converge, not identified) for the notes; only
    # inside this block, not for the process.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds, model = timed(lambda: model_class().fit(data), runs)
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return Fit(seconds, dict(model.params_), model.log_likelihood_,
               round(model.n_customers_), messages), model


class _Stopped(Exception):
    pass


def _stopped_fit(model_class: type, data, seconds: float) -> Fit | float:
    """Fit once under a time limit; return the fit, or the limit when it was stopped.

    SIGALRM raises in the main thread between two numpy calls: the kernels work in blocks,
    so the stop comes within one block.
    """
    def stop(signum, frame):
        raise _Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fit_tenure(model_class, data, runs=1)[0]
    except _Stopped:
        return seconds
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bench_tenure(tables: dict[str, Path]) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Time Tenure's three fits and its scoring of every customer."""
    from tenure.analytics.clv import (
        BetaGeo,
        GammaGamma,
        ModifiedBetaGeo,
        ParetoNBD,
        customer_lifetime_value,
    )

    bg_data, pnbd_data = load(tables["bgnbd"]), load(tables["pnbd"])
    continuous = load(tables["continuous"])
    fits = {}
    fits["bgnbd"], bg = fit_tenure(BetaGeo, bg_data)
    fits["pnbd"], pnbd = fit_tenure(ParetoNBD, pnbd_data)
    fits["gg"], gg = fit_tenure(GammaGamma, bg_data)
    fits["bgnbd-continuous"], _ = fit_tenure(BetaGeo, continuous)
    fits["mbgnbd-continuous"], _ = fit_tenure(ModifiedBetaGeo, continuous)
    # Pareto/NBD integrates a tail per distinct (x, t) pair: with continuous times that is
    # two integrals per customer, so one run is timed, not three, and it is stopped after
    # STOP_AFTER_S.
    fits["pnbd-continuous"] = _stopped_fit(ParetoNBD, continuous, STOP_AFTER_S)
    scores = {
        "alive": timed(lambda: bg.probability_alive(bg_data))[0],
        "alive pnbd": timed(lambda: pnbd.probability_alive(pnbd_data))[0],
        "expected": timed(lambda: bg.expected_purchases(bg_data, HORIZON_DAYS))[0],
        "expected pnbd": timed(lambda: pnbd.expected_purchases(pnbd_data, HORIZON_DAYS))[0],
        "clv": timed(lambda: customer_lifetime_value(bg, gg, bg_data, months=CLV_MONTHS))[0],
    }
    return fits, scores


# --- lifetimes -------------------------------------------------------------------------

def lifetimes_python(log: Path) -> tuple[Path | None, str]:
    """Return the lifetimes venv's python, creating the venv the first time; or None and why."""
    python = VENV / "bin" / "python"
    marker = VENV / "tenure-bench-pins.txt"
    wanted = "\n".join(PINS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python, f"reused {VENV.relative_to(ROOT)}"
    base = shutil.which("python3.11")
    if base is None:
        return None, "python3.11 not found to create lifetimes' venv"
    shutil.rmtree(VENV, ignore_errors=True)
    # A short pip timeout: offline, the install fails in a minute instead of retrying for 15.
    steps = [[base, "-m", "venv", str(VENV)],
             [str(python), "-m", "pip", "install", "--quiet", "--timeout", "30",
              "--retries", "1", *PINS]]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        for step in steps:
            try:
                status = subprocess.call(step, stdout=sink, stderr=subprocess.STDOUT,
                                         timeout=INSTALL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                status = f"no end after {INSTALL_TIMEOUT_S} s"
            if status:
                return None, (f"could not create lifetimes' venv (`{' '.join(step[1:4])}` "
                              f"exited {status}; no network?): {_last_line(log)}")
    marker.write_text(wanted)
    return python, f"created {VENV.relative_to(ROOT)} ({', '.join(PINS)})"


def run_lifetimes(python: Path, model: str, table: Path, tenure_params: dict[str, float],
                  timeout: float, workdir: Path) -> dict:
    """Fit one lifetimes model in its venv; return the worker's report, or why it has none.

    The worker says on stdout when its ``fit`` starts; the time limit counts from there, so
    a stopped fit ran at least ``timeout`` seconds.
    """
    out, log = workdir / f"lifetimes-{model}.json", workdir / f"lifetimes-{model}.log"
    out.unlink(missing_ok=True)
    command = [str(python), str(Path(__file__).resolve()), "--lifetimes-worker", model,
               str(table), str(out), json.dumps(tenure_params)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=sink)
        if not process.stdout.readline():
            status = process.wait()
            return {"error": f"lifetimes worker exited {status} before fitting: "
                             f"{_last_line(log)}"}
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return {"stopped": timeout}
        finally:
            process.stdout.close()
    if status or not out.exists():
        return {"error": f"lifetimes worker exited {status}: {_last_line(log)}"}
    return json.loads(out.read_text())


def _last_line(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines()
    return (lines[-1][:200] if lines else "no output") + f" (see {log})"


def lifetimes_worker(model: str, table: Path, out: Path, tenure_params: dict) -> None:
    """Fit one lifetimes model on the saved table and write what it found (in lifetimes' venv).

    lifetimes' objective differs from Tenure's log-likelihood in form: BG/NBD and
    Gamma-Gamma return the mean negative log-likelihood per customer, Pareto/NBD the sum,
    and BG/NBD and Pareto/NBD work in time scaled to max T = 1, which shifts a rate's
    log-likelihood by x log(scale) per customer. Both are turned into Tenure's form (the
    sum over customers, in days), and the objective is also evaluated at Tenure's
    estimate, so the two optima are compared on one function.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    with np.load(table) as saved:
        x, tx, t_cal = saved["frequency"], saved["recency"], saved["T"]
        spend = saved["monetary_value"] if model == "gg" else None
    if model == "gg":
        repeat = x > 0  # the rows Tenure's GammaGamma fits: repeat buyers (all spent > 0)
        x, spend = x[repeat], spend[repeat]
    np.random.seed(0)  # ParetoNBDFitter draws its starting point from numpy's global state
    print("fitting", flush=True)
    os.dup2(2, 1)  # lifetimes prints on failure: to the log, not to the parent's pipe
    started = time.perf_counter()
    try:
        if model == "bgnbd":
            fitter = BetaGeoFitter().fit(x, tx, t_cal)
        elif model == "pnbd":
            fitter = ParetoNBDFitter().fit(x, tx, t_cal)
        else:
            fitter = GammaGammaFitter().fit(x, spend)
    except Exception as error:  # reported to the parent, which prints it
        out.write_text(json.dumps({"error": f"lifetimes raised {error!r}".strip(),
                                   "seconds": time.perf_counter() - started}))
        return
    seconds = time.perf_counter() - started
    params = {k: float(v) for k, v in fitter.params_.items()}
    n, weights = len(x), np.ones(len(x))
    if model == "gg":
        def objective(p):
            return GammaGammaFitter._negative_log_likelihood(
                np.log([p["p"], p["q"], p["v"]]), x, spend, weights, 0.0) * n
        shift = 0.0
    else:
        scale = fitter._scale
        names = ("r", "alpha", "a", "b") if model == "bgnbd" else ("r", "alpha", "s", "beta")
        rescaled = ("alpha",) if model == "bgnbd" else ("alpha", "beta")

        def objective(p):
            point = np.array([p[k] * (scale if k in rescaled else 1.0) for k in names])
            if model == "bgnbd":
                return BetaGeoFitter._negative_log_likelihood(
                    np.log(point), x, tx * scale, t_cal * scale, weights, 0.0) * n
            return ParetoNBDFitter._negative_log_likelihood(
                point, x, tx * scale, t_cal * scale, weights, 0.0)
        shift = float(x.sum()) * math.log(scale)
    own = float(fitter._negative_log_likelihood_)
    out.write_text(json.dumps({
        "seconds": seconds, "customers": n, "params": params, "objective": own,
        "objective_kind": "a sum" if model == "pnbd" else "a mean per customer",
        "log_likelihood": -(own if model == "pnbd" else own * n) + shift,
        "at_tenure": -float(objective(tenure_params)) + shift,
        "at_lifetimes": -float(objective(params)) + shift,
        "penalizer": float(fitter.penalizer_coef),
        **({"scale": fitter._scale} if model != "gg" else {})}))


# --- report ----------------------------------------------------------------------------

MODELS = {"bgnbd": ("BG/NBD", 1.0, 0.5), "pnbd": ("Pareto/NBD", 5.0, None),
          "gg": ("Gamma-Gamma", 1.0, None)}
#: Fits without a lifetimes counterpart: label, target in seconds (None: no target).
CONTINUOUS = {"bgnbd-continuous": ("BG/NBD fit, continuous times", 0.6),
              "mbgnbd-continuous": ("MBG/NBD fit, continuous times", None),
              "pnbd-continuous": ("Pareto/NBD fit, continuous times", None)}


def bench(workdir: Path, *, customers: int = 1_000_000, seed: int = 42,
          lifetimes: bool = True, lifetimes_timeout: float = 600.0) -> list[Row]:
    """Generate (or reuse) the tables, time Tenure, then lifetimes on the same files."""
    tables = write_tables(workdir / "clv", customers, seed)
    fits, scores = bench_tenure(tables)
    found: dict[str, dict] = {}
    if not lifetimes:
        how = "not run (--no-lifetimes)"
    else:
        python, how = lifetimes_python(VENV.parent / "lifetimes-venv.log")
        for model in MODELS if python else ():
            table = tables["pnbd" if model == "pnbd" else "bgnbd"]
            print(f"   lifetimes {MODELS[model][0]} fit (at most {lifetimes_timeout:.0f} s)",
                  flush=True)
            found[model] = run_lifetimes(python, model, table, fits[model].params,
                                         lifetimes_timeout, workdir)
    size = f"{customers:,} customers"
    lines = [_fit_line(model, fits[model], found.get(model, {"error": how}), size, customers)
             for model in MODELS]
    if found:
        lines[0].notes.append(f"lifetimes' venv: {how}")
    lines += [_continuous_line(model, fits[model], size) for model in CONTINUOUS]
    lines += _score_lines(scores, size)
    return lines


def _fit_line(model: str, fit: Fit, theirs: dict, size: str, customers: int) -> Row:
    label, target, aim = MODELS[model]
    if model == "gg":
        size = f"{fit.customers:,} repeat buyers of {customers:,} customers"
    line = Row(f"{label} fit", size, f"{fit.median:.2f} s",
                f"<= {target:g} s" + (f" (aim {aim:g})" if aim else ""), fit.median <= target)
    line.notes.append(f"Tenure, median of {len(fit.seconds)}: "
                      + ", ".join(f"{s:.2f}" for s in fit.seconds) + " s; "
                      + _params(fit.params) + f"; log-lik. {fit.log_likelihood:,.2f}")
    line.notes += fit.warnings
    line.notes += _lifetimes_notes(fit, theirs)
    return line


def _continuous_line(model: str, fit: Fit | float, size: str) -> Row:
    label, target = CONTINUOUS[model]
    if not isinstance(fit, Fit):
        return Row(label, f"{size}, fractional days", f"> {fit:.0f} s (stopped)",
                   f"<= {target:g} s" if target else "(none)", False if target else None)
    line = Row(label, f"{size}, fractional days", f"{fit.median:.2f} s",
               f"<= {target:g} s" if target else "(none)",
               fit.median <= target if target else None)
    line.notes.append(f"Tenure, median of {len(fit.seconds)}: "
                      + ", ".join(f"{s:.2f}" for s in fit.seconds) + " s; "
                      + _params(fit.params) + f"; log-lik. {fit.log_likelihood:,.2f}")
    line.notes += fit.warnings
    return line


def _lifetimes_notes(fit: Fit, theirs: dict) -> list[str]:
    """Return the notes that set lifetimes' fit beside Tenure's."""
    if "stopped" in theirs:
        limit = theirs["stopped"]
        return [f"lifetimes > {limit:.0f} s (stopped), Tenure > {limit / fit.median:.0f}x "
                f"faster; no estimate of lifetimes' to compare"]
    if "params" not in theirs:
        spent = f" after {theirs['seconds']:.1f} s" if "seconds" in theirs else ""
        return [f"lifetimes: no figure{spent}: {theirs['error']}"]
    seconds = theirs["seconds"]
    ratio = seconds / fit.median
    speed = f"{ratio:.0f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
    diff = max(abs(theirs["params"][k] - v) / abs(v) for k, v in fit.params.items())
    verdict = "same optimum" if diff <= SAME_OPTIMUM else "estimates differ"
    notes = [f"lifetimes {seconds:.1f} s (one run), Tenure {speed}; {verdict} "
             f"(max rel. param diff {diff:.1g})"]
    if theirs["customers"] != fit.customers:
        notes.append(f"ROWS DIFFER: Tenure fitted {fit.customers:,} customers, lifetimes "
                     f"{theirs['customers']:,}")
    scaled = ", time scaled to max T = 1" if "scale" in theirs else ""
    notes.append(f"lifetimes: {_params(theirs['params'])}; log-lik. "
                 f"{theirs['log_likelihood']:,.2f} (from its objective "
                 f"{theirs['objective']:.6g}: {theirs['objective_kind']}{scaled}, penalizer "
                 f"{theirs['penalizer']:g})")
    gap = theirs["at_tenure"] - theirs["at_lifetimes"]
    where = "equal to" if gap == 0 else f"{abs(gap):.2g} {'above' if gap > 0 else 'below'}"
    notes.append(f"lifetimes' own likelihood at Tenure's estimate: {where} its value at "
                 f"lifetimes' estimate")
    return notes


def _params(params: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.5g}" for k, v in params.items())


def _score_lines(scores: dict[str, list[float]], size: str) -> list[Row]:
    def median(key: str) -> float:
        return statistics.median(scores[key])

    def runs(key: str) -> str:
        return ", ".join(f"{s:.2f}" for s in scores[key]) + " s"

    return [
        Row("P(alive), all customers", size, f"{median('alive'):.2f} s", "(none)", None,
             [f"BG/NBD, median of {RUNS}: {runs('alive')}; Pareto/NBD "
              f"{median('alive pnbd'):.2f} s"]),
        Row(f"expected purchases {HORIZON_DAYS} d", size, f"{median('expected'):.2f} s",
             "(none)", None,
             [f"BG/NBD, median of {RUNS}: {runs('expected')}; Pareto/NBD "
              f"{median('expected pnbd'):.2f} s"]),
        Row(f"CLV {CLV_MONTHS} months", size, f"{median('clv'):.2f} s", "(none)", None,
             [f"BG/NBD + Gamma-Gamma, monthly discount 1 %, median of {RUNS}: "
              f"{runs('clv')}"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--lifetimes-timeout", type=float, default=600.0,
                        help="seconds each lifetimes fit may take before it is stopped")
    parser.add_argument("--no-lifetimes", action="store_true")
    parser.add_argument("--lifetimes-worker", nargs=4, metavar=("MODEL", "TABLE", "OUT", "P"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lifetimes_worker:
        model, table, out, params = args.lifetimes_worker
        lifetimes_worker(model, Path(table), Path(out), json.loads(params))
        return 0
    with tempfile.TemporaryDirectory(prefix="tenure-bench-") as tmp:
        lines = bench(Path(tmp), customers=args.customers, seed=args.seed,
                      lifetimes=not args.no_lifetimes,
                      lifetimes_timeout=args.lifetimes_timeout)
    for line in lines:
        print(" | ".join((line.figure, line.size, line.value, line.target,
                          {True: "yes", False: "NO", None: "-"}[line.met])))
        for note in line.notes:
            print("    " + note)
    return 0 if all(line.met is not False for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
