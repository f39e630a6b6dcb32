"""Bench of ``tenure analyze``: the whole command on 10,000,000 purchases by 1,000,000 customers.

The Parquet file is generated once (seeded) and cached in the temporary directory. The
command runs as a subprocess, twice: with ``--no-churn`` (the retention tables and each
customer's value) and whole, with the churn model and its reasons. The targets are issue
11's: ``--no-churn`` within 12 s, the whole command within 45 s and 2.5 GiB of peak memory.
Beside each wall time stands the floor measured just before it in the same run: DuckDB's
time for one group-by of the same file (``SELECT customer_id, count(*), sum(amount) ...
GROUP BY 1``, median of 3). On a shared machine the wall times move with the load; the
ratio to the floor and the CPU seconds (user + system, from the child's rusage) move less.

Run alone: ``python bench/analyze_bench.py [--purchases N --customers N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BIN = Path(sys.executable).parent
DAYS = 3 * 365
FIRST_DAY = np.datetime64("2022-01-01T00:00:00", "s")
#: Issue 11's targets: wall seconds without and with the churn model, peak memory (MiB).
TARGET_S = 12.0
WHOLE_TARGET_S = 45.0
PEAK_TARGET_MIB = 2560
FLOOR_RUNS = 3
COLUMNS = ["--customer-col", "customer_id", "--date-col", "date", "--amount-col", "amount"]


@dataclass
class Result:
    purchases: int
    customers: int
    path: Path
    seconds: float
    peak_mib: int
    status: int
    floor_seconds: float
    out: Path
    log: Path
    churn: bool = True
    cpu_seconds: float = 0.0

    @property
    def target_s(self) -> float:
        return WHOLE_TARGET_S if self.churn else TARGET_S

    @property
    def met(self) -> bool:
        """Whether the run succeeded within its time target (and, whole, its memory)."""
        fast = self.status == 0 and self.seconds <= self.target_s
        return fast and (not self.churn or self.peak_mib <= PEAK_TARGET_MIB)

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else float("inf")


def purchases_file(purchases: int, customers: int, seed: int) -> Path:
    """Return the cached Parquet file of ``purchases`` rows, writing it the first time.

    Every customer buys at least once, from an acquisition day spread over three years;
    the other purchases go to a skewed minority (Pareto weights), at uniform times between
    the customer's acquisition and the end. About 1 % of rows are returns (negative).
    """
    folder = Path(tempfile.gettempdir()) / "tenure-bench-analyze"
    path = folder / f"purchases-{purchases}-{customers}-seed{seed}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.5, customers) + 1.0
    extra = rng.choice(customers, size=purchases - customers, p=weights / weights.sum())
    counts = 1 + np.bincount(extra, minlength=customers)
    who = np.repeat(np.arange(customers), counts)
    acquired = rng.uniform(0, DAYS, customers)
    start = acquired[who]
    day = start + rng.uniform(0, 1, purchases) * (DAYS - start)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    day[first] = acquired  # the first row of each customer is their first purchase
    times = FIRST_DAY + (day * 86_400).astype("timedelta64[s]")
    amounts = np.round(rng.lognormal(3.5, 0.8, purchases), 2)
    returns = rng.random(purchases) < 0.01
    returns[first] = False
    amounts[returns] *= -1
    order = np.argsort(times, kind="stable")  # in time order, like a shop's export
    ids = pa.array([f"C{i:07d}" for i in range(customers)])
    table = pa.table({
        "customer_id": pa.DictionaryArray.from_arrays(pa.array(who[order], pa.int32()), ids),
        "date": pa.array(times[order]),
        "amount": pa.array(amounts[order]),
    })
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial, row_group_size=1_000_000)
    partial.rename(path)
    return path


def duckdb_floor(path: Path, runs: int = FLOOR_RUNS) -> float:
    """Return the median of ``runs`` timings of one DuckDB group-by over the file."""
    import duckdb

    literal = str(path).replace("'", "''")
    sql = f"SELECT customer_id, count(*), sum(amount) FROM read_parquet('{literal}') GROUP BY 1"
    seconds = []
    with duckdb.connect() as con:
        for _ in range(runs):
            started = time.perf_counter()
            con.sql(sql).to_arrow_table()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def run_analyze(path: Path, out: Path, log: Path, *, churn: bool = True
                ) -> tuple[float, int, int, float]:
    """Run ``tenure analyze`` on ``path``; return wall seconds, peak RSS in MiB, exit status
    and CPU seconds (user + system)."""
    started = time.perf_counter()
    options = [] if churn else ["--no-churn"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "tenure"), "analyze", str(path), *COLUMNS, "--out", str(out),
             "--no-progress", *options], stdout=sink, stderr=subprocess.STDOUT,
            cwd=out.parent)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the maximum over
        # every child the bench ever started).
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    return (seconds, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime)


def bench(workdir: Path, *, purchases: int = 10_000_000, customers: int = 1_000_000,
          seed: int = 42) -> list[Result]:
    """Generate (or reuse) the file; time ``tenure analyze --no-churn`` and the whole
    command, each after its DuckDB floor."""
    path = purchases_file(purchases, customers, seed)
    results = []
    for churn in (False, True):
        name = "analyze" if churn else "analyze-no-churn"
        out, log = workdir / f"{name}-report", workdir / f"{name}.log"
        floor = duckdb_floor(path)
        seconds, peak, status, cpu = run_analyze(path, out, log, churn=churn)
        results.append(Result(purchases, customers, path, seconds, peak, status, floor, out,
                              log, churn, cpu))
    return results


def describe(result: Result) -> list[str]:
    """Return the lines that report a result."""
    name = "tenure analyze" if result.churn else "tenure analyze --no-churn"
    memory = f" (target <= {PEAK_TARGET_MIB} MiB)" if result.churn else ""
    lines = [f"{name}: {result.seconds:.1f} s (target <= {result.target_s:.0f} s), "
             f"peak {result.peak_mib} MiB{memory}, CPU {result.cpu_seconds:.1f} s, "
             f"exit status {result.status}; {result.purchases:,} purchases, "
             f"{result.customers:,} customers",
             f"DuckDB group-by floor just before: {result.floor_seconds:.2f} s (median of "
             f"{FLOOR_RUNS}); analyze / floor = {result.ratio:.0f}x",
             f"file: {result.path}"]
    log = result.log.read_text(errors="replace")
    lines += [line.strip() for line in log.splitlines() if line.startswith("seconds per step")]
    if result.status:
        tail = log.strip().splitlines()[-5:]
        lines += [f"FAILED; see {result.log}", *tail]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tenure-bench-") as tmp:
        results = bench(Path(tmp), purchases=args.purchases, customers=args.customers,
                        seed=args.seed)
        for result in results:
            print("\n".join(describe(result)))
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
