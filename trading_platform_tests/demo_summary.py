"""A canonical JSON summary of a demo data directory: what the restructure must not change.

``python -m trading_platform_tests.demo_summary DATA_DIR [OUT.json]`` summarises the outputs
of ``demo --as-of D`` in DATA_DIR: the champion per commodity, the recommendations, a hash of
every warehouse table, the check outcomes recorded in the Dagster instance, and a hash of every
report file and stored forecast. Two demo runs of the same code and as-of give the same JSON;
a change of any figure changes it.

What is left out, because it differs between two runs of the same code: TIMESTAMP columns
(ingestion and selection times), wall-clock durations (columns named ``seconds``), MLflow run
ids and Dagster run ids (32-hex and UUID strings become ``<ID>``), clock times in text
(``<TIME>``), the data directory's own path (``<DATA>``) and the hash of the feature code a
forecast records (``<CODE>``: it names code, and changes when the code moves). Floats are
rounded to 10 significant digits before hashing, so a last-bit difference in a BLAS sum does
not count but any real change does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

SIGNIFICANT_DIGITS = 10
VOLATILE_COLUMNS = {"seconds"}  # wall-clock durations of a replay
TEXT_SUFFIXES = {".csv", ".html", ".json", ".md", ".txt"}
# MLflow run ids (32 hex) and Dagster run ids (UUIDs)
_RUN_ID = re.compile(r"\b[0-9a-f]{32}\b"
                     r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# A code identity, not an output: the hash of the feature code a forecast was made with.
_CODE_HASH = re.compile(r'"feature_hash": "[0-9a-f]+"')
_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")


def _sanitise(text: str, data_dir: Path) -> str:
    text = _CODE_HASH.sub('"feature_hash": "<CODE>"', text.replace(str(data_dir), "<DATA>"))
    return _CLOCK.sub("<TIME>", _RUN_ID.sub("<ID>", text))


def _sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def canonical_frame(frame: pl.DataFrame, data_dir: Path) -> pl.DataFrame:
    """Volatile columns dropped, floats rounded, strings sanitised, rows sorted."""
    columns = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime) or name in VOLATILE_COLUMNS:
            continue
        column = pl.col(name)
        if dtype.is_float():
            column = column.round_sig_figs(SIGNIFICANT_DIGITS)
        elif isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("|")
        elif dtype == pl.String:
            column = column.map_elements(lambda value: _sanitise(value, data_dir),
                                         return_dtype=pl.String)
        columns.append(column.alias(name))
    canonical = frame.select(columns)
    return canonical.sort(canonical.columns, nulls_last=True) if canonical.width else canonical


def _frame_hash(frame: pl.DataFrame) -> str:
    return _sha(frame.write_csv(float_precision=None).encode("utf-8"))


def summarise_tables(warehouse: Path, data_dir: Path) -> tuple[dict, dict, list[dict]]:
    """(every table's rows/columns/hash, champions, recommendations) from the warehouse."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "ORDER BY table_schema, table_name").fetchall()
        tables, frames = {}, {}
        for schema, table in names:
            frame = connection.sql(f'SELECT * FROM "{schema}"."{table}"').pl()
            canonical = canonical_frame(frame, data_dir)
            frames[f"{schema}.{table}"] = canonical
            tables[f"{schema}.{table}"] = {"rows": frame.height, "columns": canonical.columns,
                                           "sha256": _frame_hash(canonical)}
    finally:
        connection.close()
    champions = {row["commodity"]: {key: row[key] for key in
                                    ("model", "strategy", "status", "score", "spec_hash")}
                 for row in frames.get("research.champions", pl.DataFrame()).iter_rows(named=True)}
    recommendation_columns = ["commodity", "date", "status", "action", "quantity",
                              "reference_price", "net_proceeds", "model", "strategy",
                              "champion_status", "halted_reason"]
    recommendations = frames.get("trading.recommendations", pl.DataFrame())
    rows = ([{key: (str(value) if key == "date" else value) for key, value in row.items()}
             for row in recommendations.select(recommendation_columns).iter_rows(named=True)]
            if recommendations.width else [])
    return tables, champions, rows


def summarise_checks(dagster_home: Path) -> dict:
    """Every asset check evaluation in the instance: counts by outcome and a hash of the list."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    outcomes = []
    # The instance's dagster.yaml reads its base_dir from DAGSTER_HOME; set it while reading.
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            records = instance.event_log_storage.get_event_records(
                dg.EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION),
                ascending=True)
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        outcomes.append((evaluation.asset_key.to_user_string(), evaluation.check_name,
                         evaluation.partition or "", bool(evaluation.passed),
                         evaluation.severity.value))
    counts: dict[str, int] = {}
    for asset, check, _, passed, severity in outcomes:
        key = f"{asset}.{check}: {'passed' if passed else 'failed ' + severity}"
        counts[key] = counts.get(key, 0) + 1
    listing = "\n".join("\t".join(map(str, outcome)) for outcome in sorted(outcomes))
    return {"evaluations": len(outcomes), "counts": dict(sorted(counts.items())),
            "sha256": _sha(listing.encode("utf-8"))}


def file_hash(path: Path, data_dir: Path) -> str:
    """Text files sanitised, arrays by content, parquet by canonical frame, others by bytes."""
    if path.suffix in TEXT_SUFFIXES:
        return _sha(_sanitise(path.read_text(encoding="utf-8"), data_dir).encode("utf-8"))
    if path.suffix == ".npy":
        array = np.load(path, allow_pickle=False)
        return _sha(f"{array.dtype}{array.shape}".encode() + np.ascontiguousarray(array).tobytes())
    if path.suffix == ".parquet":
        return _frame_hash(canonical_frame(pl.read_parquet(path), data_dir))
    return _sha(path.read_bytes())


def summarise_files(folder: Path, data_dir: Path) -> dict[str, str]:
    """Every file's hash by relative path, except kept model fits (``<commodity>/fits/``): a
    cache of fitted models, named by code and library versions, not a result."""
    if not folder.exists():
        return {}
    return {str(path.relative_to(folder)): file_hash(path, data_dir)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and "fits" not in path.relative_to(folder).parts[1:2]}


def summarise(data_dir: Path) -> dict:
    """The whole summary of one demo data directory."""
    data_dir = data_dir.resolve()
    tables, champions, recommendations = summarise_tables(data_dir / "warehouse.duckdb", data_dir)
    return {"champions": champions, "recommendations": recommendations,
            "checks": summarise_checks(data_dir / "dagster_home"), "tables": tables,
            "reports": summarise_files(data_dir / "reports", data_dir),
            "forecasts": summarise_files(data_dir / "forecasts", data_dir)}


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: python -m trading_platform_tests.demo_summary DATA_DIR [OUT.json]",
              file=sys.stderr)
        return 2
    text = json.dumps(summarise(Path(argv[0])), indent=1, sort_keys=True) + "\n"
    if len(argv) == 2:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
