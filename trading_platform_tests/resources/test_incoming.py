"""The file-drop decision: cursor codec, folder scan, plans, rejections and one whole tick."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import pytest

from trading_platform.resources import incoming as fd
from trading_platform.resources.incoming import Fingerprint

TODAY = date(2026, 11, 21)
# 2024-01-02..05 are Tuesday..Friday: four ordinary trading days for coffee.
COFFEE = "date,open,high,low,close,volume\n" + "".join(
    f"2024-01-0{d},100,102,99,101,1000\n" for d in (2, 3, 4, 5))
SHA_A, SHA_B = "a" * 64, "b" * 64


def write(folder: Path, name: str, text: str = COFFEE) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def forbid_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path) -> str:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(fd, "hash_file", refuse)


def test_cursor_given_fingerprints_round_trips_with_stable_order():
    seen = {"b.csv": Fingerprint(3, 20, SHA_B), "ice/a.csv": Fingerprint(1, 10, SHA_A)}
    text = fd.dump_cursor(seen)
    assert fd.load_cursor(text) == seen
    assert fd.dump_cursor(dict(reversed(seen.items()))) == text
    assert text.startswith('{"files":{"b.csv":{"mtime_ns":20,"sha256":"bbbb')


@pytest.mark.parametrize("text", [None, ""])
def test_load_cursor_given_no_cursor_returns_empty(text):
    assert fd.load_cursor(text) == {}


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"version": 2, "files": {}}', '{"version": 1}',
    '{"version": 1, "files": {"a.csv": {"size": 1, "mtime_ns": 2}}}',
    '{"version": 1, "files": {"a.csv": {"size": 1, "mtime_ns": 2, "sha256": "xyz"}}}',
])
def test_load_cursor_given_corrupt_text_raises_value_error_naming_the_cursor(text):
    with pytest.raises(ValueError, match="file-drop cursor is not a version-1 fingerprint map"):
        fd.load_cursor(text)


def test_scan_given_new_file_returns_it_with_fingerprint(tmp_path):
    path = write(tmp_path, "coffee_2024_01.csv")
    scan = fd.scan_incoming(tmp_path, {})
    [found] = scan.changed
    stat = path.stat()
    assert (found.name, found.path) == ("coffee_2024_01.csv", path.resolve())
    assert found.fingerprint == Fingerprint(
        stat.st_size, stat.st_mtime_ns, hashlib.sha256(COFFEE.encode()).hexdigest())


def test_scan_given_unchanged_size_and_mtime_neither_hashes_nor_returns_it(tmp_path, monkeypatch):
    write(tmp_path, "coffee_2024_01.csv")
    seen = {f.name: f.fingerprint for f in fd.scan_incoming(tmp_path, {}).changed}
    forbid_hashing(monkeypatch)
    scan = fd.scan_incoming(tmp_path, seen)
    assert scan.changed == [] and scan.unchanged == seen


def test_scan_given_changed_content_returns_it_with_new_run_key(tmp_path, universe):
    path = write(tmp_path, "coffee_2024_01.csv")
    first = fd.scan_incoming(tmp_path, {}).changed[0]
    write(tmp_path, "coffee_2024_01.csv", COFFEE.replace("101,1000", "101,2000"))  # same size
    os.utime(path, ns=(first.fingerprint.mtime_ns + 10**9,) * 2)
    [second] = fd.scan_incoming(tmp_path, {first.name: first.fingerprint}).changed
    plans = [fd.plan_file(f.path, universe, TODAY, name=f.name, fingerprint=f.fingerprint)
             for f in (first, second)]
    assert plans[0].run_key != plans[1].run_key
    assert plans[1].run_key == f"coffee_2024_01.csv:{second.fingerprint.sha256[:16]}"


def test_scan_given_touched_file_refreshes_fingerprint_without_replanning(tmp_path):
    path = write(tmp_path, "coffee_2024_01.csv")
    first = fd.scan_incoming(tmp_path, {}).changed[0]
    os.utime(path, ns=(first.fingerprint.mtime_ns + 10**9,) * 2)
    scan = fd.scan_incoming(tmp_path, {first.name: first.fingerprint})
    assert scan.changed == []
    assert scan.unchanged[first.name].mtime_ns == first.fingerprint.mtime_ns + 10**9


def test_scan_given_symlinks_inside_and_outside_refuses_both_without_reading(tmp_path,
                                                                             monkeypatch):
    folder, secret = tmp_path / "incoming", write(tmp_path, "coffee_33.csv")
    real = write(folder, "coffee_31.csv")
    (folder / "coffee_29.csv").symlink_to(secret)
    (folder / "coffee_23.csv").symlink_to(real)
    (folder / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    read: list[Path] = []
    monkeypatch.setattr(fd, "hash_file", lambda path: read.append(path) or SHA_A)
    scan = fd.scan_incoming(folder, {})
    assert sorted(r.name for r in scan.escaped) == ["coffee_23.csv", "coffee_29.csv",
                                                    "linked_dir"]
    assert all("symbolic link" in r.reason for r in scan.escaped)
    assert {r.rule for r in scan.escaped} == {"path_escape"}
    assert read == [real.resolve()]  # linked_dir is not followed


def test_scan_given_dotdot_in_name_refuses_it(tmp_path):
    write(tmp_path, "coffee..csv")
    [refusal] = fd.scan_incoming(tmp_path, {}).escaped
    assert "contains '..'" in refusal.reason
    assert "contains '..'" in fd.escape_reason(tmp_path, "../outside.csv")
    assert fd.escape_reason(tmp_path, "coffee.csv") is None


def test_escape_reason_given_path_resolving_outside_names_it(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "coffee.csv")
    (tmp_path / "incoming").mkdir()
    # a folder reached through a link: the name itself has no '..' and is no link
    (tmp_path / "incoming" / "vendor").symlink_to(outside, target_is_directory=True)
    reason = fd.escape_reason(tmp_path / "incoming", "vendor/coffee.csv")
    assert reason is not None and "outside" in reason


def test_scan_given_other_files_gives_each_an_outcome_never_silence(tmp_path):
    for name in ("rejected/coffee_13.csv", "coffee_13.csv.reason.txt", ".coffee.csv.x1Yz",
                 "coffee.csv.part", "coffee.csv.tmp", ".hidden/coffee.csv", "notes.md"):
        write(tmp_path, name)
    write(tmp_path, "ice/COFFEE_JAN.CSV")
    write(tmp_path, "coffee.csv.gz")
    scan = fd.scan_incoming(tmp_path, {})
    assert sorted(f.name for f in scan.changed) == ["coffee.csv.gz", "ice/COFFEE_JAN.CSV"]
    # In-flight uploads wait and say why; anything else is refused as unsupported.
    assert sorted(scan.waiting) == [".coffee.csv.x1Yz", "coffee.csv.part", "coffee.csv.tmp"]
    assert "upload" in scan.waiting["coffee.csv.part"]
    unsupported = {r.name: r.rule for r in scan.escaped}
    assert unsupported == {"coffee_13.csv.reason.txt": "unsupported_format",
                           "notes.md": "unsupported_format"}


def test_scan_given_recently_modified_file_waits_for_it_to_settle(tmp_path):
    path = write(tmp_path, "coffee_2024_01.csv")
    mtime = path.stat().st_mtime_ns
    waiting = fd.scan_incoming(tmp_path, {}, settle_ns=10**10, now_ns=mtime + 10**9)
    assert waiting.changed == [] and "coffee_2024_01.csv" in waiting.waiting
    settled = fd.scan_incoming(tmp_path, {}, settle_ns=10**10, now_ns=mtime + 11 * 10**9)
    assert [f.name for f in settled.changed] == ["coffee_2024_01.csv"]
    skewed = fd.scan_incoming(tmp_path, {}, settle_ns=10**10, now_ns=mtime - 11 * 10**9)
    assert [f.name for f in skewed.changed] == ["coffee_2024_01.csv"]  # mtime 11 s in the future


def test_plan_file_given_valid_file_covers_its_accepted_rows(tmp_path, universe):
    plan = fd.plan_file(write(tmp_path, "coffee_2024_01.csv"), universe, TODAY)
    assert not plan.rejected
    assert (plan.commodities, plan.start, plan.end) == (
        ("coffee",), date(2024, 1, 2), date(2024, 1, 5))
    assert plan.run_key == "coffee_2024_01.csv:" + hashlib.sha256(COFFEE.encode()).hexdigest()[:16]


@pytest.mark.parametrize(("content", "rule"), [
    (bytes(range(256)) * 4, "unreadable"),
    (b"", "empty_file"),
    (b"date,open,high,low,close,volume\n2027-01-04,100,102,99,101,1000\n", "no_accepted_rows"),
], ids=["binary", "empty", "future_only"])
def test_plan_file_given_unusable_file_rejects_it_naming_the_rule(tmp_path, universe, content,
                                                                  rule):
    path = tmp_path / "coffee_13.csv"
    path.write_bytes(content)
    plan = fd.plan_file(path, universe, TODAY)
    assert plan.rejected and plan.rule == rule and plan.reason


def test_reject_file_given_same_name_twice_never_overwrites(tmp_path):
    rejected = tmp_path / "rejected"
    first = fd.reject_file(write(tmp_path, "coffee.csv", "one"), rejected, "unreadable", "r1")
    second = fd.reject_file(write(tmp_path, "coffee.csv", "two"), rejected, "empty_file", "r2")
    assert (first.name, second.name) == ("coffee.csv", "coffee.1.csv")
    assert (first.read_text(), second.read_text()) == ("one", "two")
    reason = (rejected / "coffee.1.csv.reason.txt").read_text()
    assert "rule: empty_file\nreason: r2\n" in reason
    assert f"sha256: {hashlib.sha256(b'two').hexdigest()}" in reason
    assert "rejected_at: " in reason and not (tmp_path / "coffee.csv").exists()


def test_reject_file_given_symlink_moves_the_link_not_its_target(tmp_path):
    target = write(tmp_path, "secret.csv")
    (tmp_path / "in").mkdir()
    link = tmp_path / "in" / "coffee.csv"
    link.symlink_to(target)
    moved = fd.reject_file(link, tmp_path / "in" / "rejected", "path_escape", "a link")
    assert moved.is_symlink() and target.read_text() == COFFEE
    assert "never followed" in moved.with_name("coffee.csv.reason.txt").read_text()


def test_process_incoming_given_mixed_folder_plans_rejects_and_records(tmp_path, universe):
    write(tmp_path, "coffee_2024_01.csv")
    (tmp_path / "coffee_18.csv").write_bytes(b"")
    seen = {"gone.csv": Fingerprint(1, 1, SHA_A)}
    tick = fd.process_incoming(tmp_path, seen, universe, TODAY)
    assert [p.name for p in tick.accepted] == ["coffee_2024_01.csv"]
    assert list(tick.rejected) == ["coffee_18.csv"]
    assert "rule empty_file" in tick.rejected["coffee_18.csv"]
    assert sorted(tick.cursor) == ["coffee_18.csv", "coffee_2024_01.csv"]  # gone.csv dropped
    assert (tmp_path / "rejected" / "coffee_18.csv.reason.txt").exists()
    again = fd.process_incoming(tmp_path, tick.cursor, universe, TODAY)
    assert (again.accepted, again.rejected, list(again.cursor)) == ([], {}, ["coffee_2024_01.csv"])


def test_process_incoming_given_more_files_than_the_cap_plans_oldest_first(tmp_path, universe):
    for index, name in enumerate(["coffee_c.csv", "coffee_11.csv", "coffee_12.csv"]):
        os.utime(write(tmp_path, name), ns=(10**18 + index * 10**9,) * 2)  # c oldest, b newest
    first = fd.process_incoming(tmp_path, {}, universe, TODAY, max_files=2)
    assert [p.name for p in first.accepted] == ["coffee_c.csv", "coffee_11.csv"]
    assert "queued" in first.waiting["coffee_12.csv"] and "coffee_12.csv" not in first.cursor
    second = fd.process_incoming(tmp_path, first.cursor, universe, TODAY, max_files=2)
    assert [p.name for p in second.accepted] == ["coffee_12.csv"]
