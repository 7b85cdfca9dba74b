"""What a file-drop folder holds that is new, what each new file covers, and where bad files go.

The folder (``data/incoming/``) receives vendor market files. Each sensor tick calls
``process_incoming``, which

1. **scans** (``scan_incoming``) the folder and its sub-folders for data files: ``.csv .tsv .txt
   .parquet .pq``, or one of them compressed (``.gz``, or a ``.zip`` holding one), in any case.
   Every other file gets an outcome too, never silence: hidden names (a ``.`` prefix, as
   rsync's in-flight copies have), partial uploads (``.part .tmp .partial .crdownload
   .filepart .download``) and files modified less than ``settle_ns`` ago wait for a later tick
   (and say so in the tick log); anything else is rejected as ``unsupported_format``.
   ``rejected/`` is not scanned. A file in a sub-folder named after a commodity
   (``incoming/coffee/prices.csv``) holds that commodity, whatever its name says.
   A file whose size and mtime equal its cursor fingerprint is unchanged and is neither hashed
   nor read; others are hashed, and only a new sha256 makes them new or changed (a ``touch``
   only refreshes the fingerprint).
2. **refuses** paths that could escape the folder (rule ``path_escape``): any symbolic link, even
   one pointing inside, a name containing ``..``, a path that resolves outside. They are never
   opened.
3. **plans** (``plan_file``) each new or changed file: it is ingested in full, and its accepted
   rows give the commodity x date rectangle of its run, whose run key is
   ``<name>:<sha256[:16]>``; oldest first, at most ``max_files`` per tick. A whole-file refusal
   (``IngestError``) or a file with no accepted row (rule ``no_accepted_rows``) is rejected.
4. **rejects** (``reject_file``) refused files: moved into ``rejected/`` under a name that never
   overwrites an earlier rejected file, beside ``<name>.reason.txt`` (rule, reason, time, sha256).

The cursor maps names relative to the folder (POSIX separators) to ``Fingerprint``s: every file
still in the folder that was handled, plus the files rejected this tick. Names that left the
folder are dropped, so the cursor stays the size of the folder. A file that cannot be opened, or
vanishes mid-tick, is not recorded and is tried again on the next tick.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.batch import refusal_quarantine
from trading_platform.domain.market.ingest import IngestError, IngestResult
from trading_platform.resources.market_sources import ingest_file

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz", ".zip")
IN_FLIGHT_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".filepart", ".download")
REASON_SUFFIX = ".reason.txt"
REASON_ROWS = 50
REJECTED_DIR = "rejected"
CURSOR_VERSION = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one version of a file: size and mtime (cheap) and content hash."""

    size: int
    mtime_ns: int
    sha256: str

    def __post_init__(self) -> None:
        if self.size < 0 or not _SHA256.match(self.sha256):
            raise ValueError(f"invalid fingerprint: size {self.size}, sha256 {self.sha256!r}")


def dump_cursor(seen: Mapping[str, Fingerprint]) -> str:
    """Compact JSON ``{"version": 1, "files": {name: {size, mtime_ns, sha256}}}``, keys sorted."""
    files = {name: asdict(fingerprint) for name, fingerprint in seen.items()}
    return json.dumps({"version": CURSOR_VERSION, "files": files}, sort_keys=True,
                      separators=(",", ":"))


def load_cursor(text: str | None) -> dict[str, Fingerprint]:
    """The fingerprints in a cursor (empty for None or ""); ValueError if it is not one."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        if data["version"] != CURSOR_VERSION:
            raise ValueError(f"version {data['version']!r}")
        return {str(name): Fingerprint(int(fp["size"]), int(fp["mtime_ns"]), str(fp["sha256"]))
                for name, fp in data["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"file-drop cursor is not a version-{CURSOR_VERSION} fingerprint map "
            f"({type(error).__name__}: {error}); starting from an empty cursor replans every file"
        ) from error


def hash_file(path: Path) -> str:
    """The sha256 of a file's bytes; refuses (OSError) to follow a symbolic link."""
    with os.fdopen(os.open(path, os.O_RDONLY | _NOFOLLOW), "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class ScannedFile:
    """A new or changed data file: its name relative to the folder, absolute path, fingerprint."""

    name: str
    path: Path
    fingerprint: Fingerprint


@dataclass(frozen=True)
class Refusal:
    """A path refused without being read (rule ``path_escape`` or ``unsupported_format``)."""

    name: str
    path: Path
    reason: str
    rule: str = "path_escape"


@dataclass
class ScanResult:
    """One look at the folder, compared with the cursor."""

    changed: list[ScannedFile] = field(default_factory=list)  # new or changed content, by mtime
    unchanged: dict[str, Fingerprint] = field(default_factory=dict)  # content as in the cursor
    escaped: list[Refusal] = field(default_factory=list)  # path escapes and unsupported files
    waiting: dict[str, str] = field(default_factory=dict)  # name -> why it waits for a later tick


def escape_reason(folder: Path, name: str) -> str | None:
    """Why ``name`` (relative to ``folder``) could lead outside the folder, or None if it cannot."""
    if ".." in name:
        return f"the name {name!r} contains '..'; rename the file without '..'"
    path = folder / name
    if path.is_symlink():
        return (f"{name} is a symbolic link to {os.readlink(path)!r}; links are never followed, "
                "even to files inside the folder: copy the file in instead")
    resolved, root = path.resolve(), folder.resolve()
    if not resolved.is_relative_to(root):
        return f"{name} resolves to {resolved}, outside {root}"
    return None


def _walk(root: Path, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(name relative to root, entry) of every non-directory outside hidden folders and
    ``rejected/``; symlinks not followed."""
    with os.scandir(root / prefix) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and (prefix or entry.name != REJECTED_DIR):
                    yield from _walk(root, f"{prefix}{entry.name}/")
            else:
                yield f"{prefix}{entry.name}", entry


def _not_data_outcome(name: str) -> str | None:
    """Why a file that is not a data file waits (None: it is rejected as unsupported)."""
    base, lowered = Path(name).name, name.lower()
    if base.startswith("."):
        return "hidden file (an upload in progress?); renamed without the '.' it is taken"
    if lowered.endswith(IN_FLIGHT_SUFFIXES):
        return "partial upload; taken once it is renamed to its final name"
    return None


def _not_data(result: ScanResult, name: str, path: Path) -> None:
    """A file that is not a data file waits (in-flight upload) or is refused as unsupported."""
    wait = _not_data_outcome(name)
    if wait is not None:
        result.waiting[name] = wait
        return
    result.escaped.append(Refusal(name, path, (
        f"{name} is not a data file; accepted: .csv .tsv .txt .parquet .pq, or one of them "
        "as .gz or in a .zip"), "unsupported_format"))


def commodity_of_subfolder(name: str, universe: Universe) -> str | None:
    """The commodity a drop sub-folder names (``coffee/x.csv`` -> coffee), else None."""
    parts = Path(name).parts
    return parts[0] if len(parts) > 1 and parts[0] in universe.commodities else None


def _compare(result: ScanResult, name: str, path: Path, stat: os.stat_result,
             previous: Fingerprint | None) -> None:
    """File ``name`` under ``changed`` or ``unchanged``; hashed only if size or mtime moved."""
    if previous is not None and (previous.size, previous.mtime_ns) == (stat.st_size,
                                                                       stat.st_mtime_ns):
        result.unchanged[name] = previous
        return
    try:
        digest = hash_file(path)
    except OSError as error:
        result.waiting[name] = f"cannot be opened ({error.strerror or error}); retried next tick"
        return
    fingerprint = Fingerprint(stat.st_size, stat.st_mtime_ns, digest)
    if previous is not None and previous.sha256 == digest:
        result.unchanged[name] = fingerprint
    else:
        result.changed.append(ScannedFile(name, path, fingerprint))


def scan_incoming(folder: Path, seen: Mapping[str, Fingerprint], *, settle_ns: int = 0,
                  now_ns: int | None = None) -> ScanResult:
    """Compare the data files under ``folder`` with the cursor ``seen`` (see the module doc)."""
    root, result = folder.resolve(), ScanResult()
    now_ns = time.time_ns() if now_ns is None else now_ns
    for name, entry in _walk(root):
        path = Path(entry.path)
        try:
            reason = escape_reason(root, name)
            stat = entry.stat(follow_symlinks=False)
        except OSError as error:  # removed or renamed between listing and looking
            result.waiting[name] = f"vanished mid-scan ({error}); retried next tick"
            continue
        if reason is not None:
            result.escaped.append(Refusal(name, path, reason))
            continue
        lowered = name.lower()
        if not lowered.endswith(DATA_SUFFIXES) or lowered.endswith(REASON_SUFFIX):
            _not_data(result, name, path)
            continue
        age_ns = now_ns - stat.st_mtime_ns
        if abs(age_ns) < settle_ns:  # abs: a skewed clock's future mtime must not wait forever
            result.waiting[name] = (f"modified {age_ns / 1e9:.0f} s ago; waits until unchanged "
                                    f"for {settle_ns / 1e9:.0f} s (upload in progress?)")
        else:
            _compare(result, name, path, stat, seen.get(name))
    result.changed.sort(key=lambda file: (file.fingerprint.mtime_ns, file.name))
    return result


@dataclass(frozen=True)
class FilePlan:
    """One new or changed file: the rectangle its accepted rows cover, or why it is rejected."""

    name: str
    path: Path
    fingerprint: Fingerprint
    commodities: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    rule: str | None = None  # set when the file is rejected
    reason: str = ""  # the ingest summary, or why the file is rejected
    commodity: str | None = None  # forced by the drop sub-folder
    refused_rows: pl.DataFrame | None = None  # QUARANTINE_SCHEMA rows of a rejected file

    @property
    def run_key(self) -> str:
        return f"{self.name}:{self.fingerprint.sha256[:16]}"

    @property
    def rejected(self) -> bool:
        return self.rule is not None


def fingerprint_file(path: Path) -> Fingerprint:
    stat = path.stat()
    return Fingerprint(stat.st_size, stat.st_mtime_ns, hash_file(path))


# Compares an accepted file with the stored series; raises IngestError to refuse it.
Judge = Callable[[IngestResult], None]


def plan_file(path: Path, universe: Universe, today: date, *, name: str | None = None,
              fingerprint: Fingerprint | None = None, judge: Judge | None = None) -> FilePlan:
    """Ingest ``path`` (nothing is stored) to find what its run covers; see the module doc."""
    name = name or path.name
    fingerprint = fingerprint or fingerprint_file(path)
    commodity, result = commodity_of_subfolder(name, universe), None
    try:
        result = ingest_file(path, universe, today=today, commodity=commodity)
        if judge is not None and result.accepted.height:
            judge(result)
    except IngestError as error:
        rows = refusal_quarantine(error, result, fingerprint.sha256)
        return FilePlan(name, path, fingerprint, rule=error.rule, reason=str(error),
                        commodity=commodity, refused_rows=rows)
    accepted = result.accepted
    if accepted.height == 0:
        reason = f"{result.summary()}; no row was accepted, so there is nothing to ingest"
        return FilePlan(name, path, fingerprint, rule="no_accepted_rows", reason=reason,
                        commodity=commodity, refused_rows=result.quarantine)
    commodities = tuple(sorted(accepted.get_column("commodity").unique()))
    dates = accepted.get_column("date")
    return FilePlan(name, path, fingerprint, commodities, dates.min(), dates.max(),
                    reason=result.summary(), commodity=commodity)


def reason_text(rule: str, reason: str, rows: pl.DataFrame | None) -> str:
    """The body of a reason file: the refusal, then the first refused rows and the counts."""
    lines = [f"rule: {rule}", f"reason: {reason}"]
    if rows is not None and rows.height and rows["row"].is_not_null().any():
        lines.append(f"refused rows: {rows.height} (first {min(rows.height, REASON_ROWS)} "
                     "below; row = line in the file, header = line 1)")
        for row in rows.head(REASON_ROWS).iter_rows(named=True):
            at = f"row {row['row']}" + (f" column {row['column']}" if row["column"] else "")
            value = f" value {row['value']!r}" if row["value"] is not None else ""
            lines.append(f"  {at}{value}: {row['reason']} (rule {row['rule']})")
        counts = rows.group_by("rule").len().sort("len", "rule", descending=[True, False])
        lines.append("counts by rule: " + ", ".join(f"{r} {n}" for r, n in counts.iter_rows()))
    return "\n".join(lines) + "\n"


def _free_target(rejected_dir: Path, file_name: str) -> Path:
    """``name``, else ``stem.1.suffix``, ``stem.2.suffix``...: neither it nor its reason exists."""
    original = Path(file_name)
    candidate, counter = original, 0
    while any(os.path.lexists(rejected_dir / f"{candidate}{extra}")
              for extra in ("", REASON_SUFFIX)):
        counter += 1
        candidate = Path(f"{original.stem}.{counter}{original.suffix}")
    return rejected_dir / candidate


def reject_file(path: Path, rejected_dir: Path, rule: str, reason: str, *,
                name: str | None = None, sha256: str | None = None,
                now: datetime | None = None, rows: pl.DataFrame | None = None) -> Path:
    """Move ``path`` into ``rejected_dir`` beside a reason file; return where it went.

    A symbolic link is moved as a link: its target is neither read nor moved. One sensor process
    moves files, so checking for a free name and then renaming cannot race.
    """
    if sha256 is None:
        sha256 = "not computed (symbolic link, never followed)" if path.is_symlink() \
            else hash_file(path)
    rejected_dir.mkdir(parents=True, exist_ok=True)
    target = _free_target(rejected_dir, path.name)
    os.rename(path, target)
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    target.with_name(target.name + REASON_SUFFIX).write_text(
        f"file: {name or path.name}\nrejected_at: {moment}\nsha256: {sha256}\n"
        + reason_text(rule, reason, rows)
        + "Nothing from this file was stored. Fix it and drop it into the incoming folder "
        "again.\n", encoding="utf-8")
    return target


@dataclass
class Tick:
    """What one tick decided: files to ingest, files rejected or waiting, the next cursor."""

    accepted: list[FilePlan] = field(default_factory=list)  # one run each, oldest first
    rejected: dict[str, str] = field(default_factory=dict)  # name -> rule, destination, reason
    waiting: dict[str, str] = field(default_factory=dict)  # name -> why it is retried next tick
    cursor: dict[str, Fingerprint] = field(default_factory=dict)
    unchanged: int = 0


# Records a rejected file's rows (QUARANTINE_SCHEMA) before the file moves; False: not recorded.
Record = Callable[[pl.DataFrame], bool]


def process_incoming(folder: Path, seen: Mapping[str, Fingerprint], universe: Universe,
                     today: date, *, settle_ns: int = 0, now_ns: int | None = None,
                     max_files: int | None = None, judge: Judge | None = None,
                     record: Record | None = None) -> Tick:
    """Scan ``folder``, plan its new or changed files and reject the refused ones.

    At most ``max_files`` files are planned (each is ingested in full), oldest first, so that a
    large first drop cannot make one tick outlast the sensor timeout; the rest wait.
    """
    scan = scan_incoming(folder, seen, settle_ns=settle_ns, now_ns=now_ns)
    planned = scan.changed[:max_files]
    for file in scan.changed[len(planned):]:
        scan.waiting[file.name] = f"queued: more than {max_files} new files; planned next tick"
    tick = Tick(cursor=dict(scan.unchanged), waiting=dict(scan.waiting),
                unchanged=len(scan.unchanged))
    tick.cursor.update({name: seen[name] for name in scan.waiting if name in seen})
    rejected_dir = folder / REJECTED_DIR
    for refusal in scan.escaped:
        plan = FilePlan(refusal.name, refusal.path, Fingerprint(0, 0, "0" * 64),
                        rule=refusal.rule, reason=refusal.reason)
        _reject(tick, rejected_dir, plan, record, hashed=False)
    for file in planned:
        try:
            plan = plan_file(file.path, universe, today, name=file.name,
                             fingerprint=file.fingerprint, judge=judge)
        except OSError as error:
            tick.waiting[file.name] = f"could not be read ({error}); retried next tick"
            continue
        if plan.rejected:
            _reject(tick, rejected_dir, plan, record)
        else:
            tick.accepted.append(plan)
            tick.cursor[file.name] = file.fingerprint
    return tick


def _reject(tick: Tick, rejected_dir: Path, plan: FilePlan, record: Record | None, *,
            hashed: bool = True) -> None:
    sha256 = plan.fingerprint.sha256 if hashed else None
    rows = plan.refused_rows if plan.refused_rows is not None else refusal_quarantine(
        IngestError(plan.name, None, plan.rule or "", plan.reason), sha256=sha256)
    rows = rows.with_columns(file=pl.lit(plan.name))
    if record is not None and not record(rows):
        tick.waiting[plan.name] = (f"refused (rule {plan.rule}) but market.quarantine could not "
                                   "be written (warehouse busy?); retried next tick")
        return
    try:
        target = reject_file(plan.path, rejected_dir, plan.rule or "", plan.reason,
                             name=plan.name, sha256=sha256, rows=rows)
    except OSError as error:
        tick.waiting[plan.name] = (f"refused (rule {plan.rule}) but could not be moved to "
                                   f"{rejected_dir} ({error}); retried next tick")
        return
    tick.rejected[plan.name] = f"rule {plan.rule}, moved to {target}: {plan.reason}"
    if hashed:
        tick.cursor[plan.name] = plan.fingerprint
