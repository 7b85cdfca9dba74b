"""Keep the MLflow SQLite store usable after its data directory is copied or moved.

MLflow writes absolute artifact URIs into ``mlflow.db`` (it cannot store relative ones: it would
resolve them against the working directory). A copied data directory therefore keeps writing
artifacts into the directory it was copied from. ``reroot_mlflow_store`` rewrites those URIs to
the store's own artifact root; the tracker and the registry call it before MLflow opens the store.
Plain sqlite3, no mlflow import: it runs before MLflow touches the database.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

logger = logging.getLogger(__name__)

# Every column of an MLflow 3 SQLite store that holds an artifact URI, as found by creating a
# store with a run, an artifact, a logged model and a registered model version (MLflow 3.17).
# The Default experiment's location (<working dir>/mlruns/0) is not under the artifact root and
# is left as it is: the platform never logs to it.
LOCATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "source"),
    ("model_versions", "storage_location"),
)


def reroot_mlflow_store(db_path: Path, artifact_root: Path) -> int:
    """Point every artifact location in ``db_path`` that lies under another copy's artifact root
    at ``artifact_root`` instead; returns the number of values rewritten.

    Why: after ``cp -r data copy`` the copy's mlflow.db still names ``data/mlflow/artifacts``,
    so new runs would write into (and read from) the original directory. A location belongs to
    some copy's root when it contains ``/<root parent name>/<root name>/`` (``/mlflow/artifacts/``).
    One transaction; idempotent; a store already rooted here costs a few SELECTs and no lock.
    """
    if not db_path.exists():
        return 0  # MLflow creates the store on first use, with locations under artifact_root
    with closing(sqlite3.connect(db_path, timeout=60, isolation_level=None)) as db:
        columns = _present_columns(db)
        if not _foreign_prefixes(db, columns, artifact_root):
            return 0
        db.execute("BEGIN IMMEDIATE")  # take the write lock before deciding what to rewrite
        try:
            # Read again under the lock: another process may have re-rooted in between.
            prefixes = _foreign_prefixes(db, columns, artifact_root)
            changed = sum(_rewrite(db, columns, old, new) for old, new in prefixes.items())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    if changed:
        logger.info("re-rooted MLflow store %s: %d artifact locations moved from %s to %s",
                    db_path, changed, ", ".join(sorted(prefixes)), artifact_root)
    return changed


def _present_columns(db: sqlite3.Connection) -> list[tuple[str, str]]:
    # Older or newer MLflow schemas may lack a table (logged_models came with MLflow 3).
    present = []
    for table, column in LOCATION_COLUMNS:
        names = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
        if column in names:
            present.append((table, column))
    return present


def _foreign_prefixes(db: sqlite3.Connection, columns: list[tuple[str, str]],
                      artifact_root: Path) -> dict[str, str]:
    """Map each stored root prefix that is not ``artifact_root`` to its replacement here."""
    marker = f"/{artifact_root.parent.name}/{artifact_root.name}/"
    uri, path = artifact_root.as_uri() + "/", str(artifact_root) + "/"
    found: dict[str, str] = {}
    for table, column in columns:
        # Values already under this root are skipped even if the marker occurs earlier in
        # this root's own path (e.g. /x/mlflow/artifacts/data/mlflow/artifacts): idempotent.
        rows = db.execute(
            f'SELECT DISTINCT substr("{column}", 1, instr("{column}", ?1) + length(?1) - 1) '
            f'FROM "{table}" WHERE instr("{column}", ?1) > 0 '
            f'AND substr("{column}", 1, length(?2)) <> ?2 '
            f'AND substr("{column}", 1, length(?3)) <> ?3', (marker, uri, path),
        )
        for (prefix,) in rows:
            # Keep each value's form: a file URI stays a URI, a plain path stays a path.
            found[prefix] = uri if prefix.startswith("file:") else path
    return found


def _rewrite(db: sqlite3.Connection, columns: list[tuple[str, str]], old: str, new: str) -> int:
    changed = 0
    for table, column in columns:
        # substr comparison, not LIKE: paths may hold the LIKE wildcards _ and %.
        cursor = db.execute(
            f'UPDATE "{table}" SET "{column}" = ?2 || substr("{column}", length(?1) + 1) '
            f'WHERE substr("{column}", 1, length(?1)) = ?1 '
            f'AND substr("{column}", 1, length(?2)) <> ?2', (old, new),
        )
        changed += cursor.rowcount
    return changed
