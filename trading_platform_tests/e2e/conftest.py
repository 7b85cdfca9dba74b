"""End-to-end fixtures: a throwaway `dagster dev` on a small materialized graph, and Chromium.

`dagster_ui` (module scope) builds a data directory under pytest's tmp dir, materializes one
year of the demo universe with the CLI, starts `dagster dev` on a free port and stops it (the
whole process group) when the module is done. `browser` launches Debian's Chromium through
Playwright; `ui_page` is a fresh browser context per test. When a test fails, a full-page
screenshot is saved to that test's `tmp_path` as `failure.png` (under pytest's base temp dir,
e.g. /tmp/pytest-of-$USER/pytest-current/<test name>0/failure.png) and the path is printed in
the failure report ("e2e screenshot" section).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # reported by the `browser` fixture, so that collection never breaks
    sync_playwright = None

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_AS_OF = "2026-11-21"
DEMO_YEARS = 1
SERVER_START_TIMEOUT_S = 90.0
SERVER_STOP_TIMEOUT_S = 20.0
UI_TIMEOUT_MS = 30_000
# Chromium flags that work on these machines (no sandbox as root, no network but loopback).
# Playwright adds --headless and a new empty --user-data-dir (a temporary profile) itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}
# `dagster dev` maps SIGTERM onto its SIGINT handler; a process started from a background job
# inherits SIGINT as ignored, and then neither signal stops it. This trampoline restores the
# default SIGINT disposition and execs the real command.
_WITH_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@dataclass(frozen=True)
class DagsterUI:
    """A running `dagster dev` and what the demo that filled its instance reported."""

    url: str
    data_dir: Path
    log_path: Path
    demo_output: str

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a query to the webserver; return ``data`` (fails on GraphQL errors)."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        assert not payload.get("errors"), f"GraphQL errors: {payload['errors']}"
        return payload["data"]

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path, dagster_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRADING_PLATFORM_UNIVERSE", None)  # the bundled universe, as the tests expect
    env.update(
        TRADING_PLATFORM_DATA_DIR=str(data_dir),
        DAGSTER_HOME=str(dagster_home),
        DAGSTER_EVENT_BATCH_SIZE="1000",
        DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS="true",
    )
    return env


def _dagster_executable() -> str:
    beside_python = Path(sys.executable).with_name("dagster")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dagster")
    if found is None:
        pytest.fail("the `dagster` command is missing from the environment running the tests")
    return found


def _answers_graphql(url: str) -> bool:
    body = json.dumps({"query": "{ repositoriesOrError { __typename } }"}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            payload = json.loads(response.read())
    except (OSError, ValueError):  # refused, reset, timed out, or not JSON yet
        return False
    return payload.get("data", {}).get("repositoriesOrError", {}).get("__typename") == (
        "RepositoryConnection"
    )


def _stop_process_group(process: subprocess.Popen) -> None:
    """SIGINT the server's process group (dagster dev shuts its children down), then escalate."""
    for sig, wait_s in ((signal.SIGINT, SERVER_STOP_TIMEOUT_S), (signal.SIGTERM, 10.0)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait_s)
    # Whatever is left in the group (the server itself if it ignored both signals, or a run
    # worker it started) is killed, so no test ever leaves a server behind.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterUI]:
    """`dagster dev` on a free port over a throwaway instance holding one year of the demo."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    dagster_home = data_dir / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    env = _environment(data_dir, dagster_home)

    demo = subprocess.run(
        [sys.executable, "-m", "trading_platform.cli", "demo",
         "--years", str(DEMO_YEARS), "--as-of", DEMO_AS_OF],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert demo.returncode == 0, (
        f"the demo failed (exit {demo.returncode}):\n{_tail(demo.stdout)}\n{_tail(demo.stderr)}"
    )

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "dagster-dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _WITH_DEFAULT_SIGINT, _dagster_executable(),
             "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    ui = DagsterUI(url=url, data_dir=data_dir, log_path=log_path, demo_output=demo.stdout)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _answers_graphql(url):
            if process.poll() is not None:
                pytest.fail(f"dagster dev exited with {process.returncode}:\n{ui.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"dagster dev did not answer POST {url}/graphql within "
                    f"{SERVER_START_TIMEOUT_S:.0f} s:\n{ui.log_tail()}"
                )
            time.sleep(0.5)
        yield ui
    finally:
        _stop_process_group(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright (never a browser Playwright downloads)."""
    if sync_playwright is None:
        pytest.fail("playwright is required for the e2e tests: pip install playwright")
    executable = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    executable = executable or shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian chromium is required: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def ui_page(browser: Browser, dagster_ui: DagsterUI, tmp_path: Path) -> Iterator[Page]:
    """A page in a fresh context; Dagster's first-visit community modal is skipped on sight.

    ``tmp_path`` is requested so that the failure hook below can always save its screenshot.
    """
    context = browser.new_context(viewport=VIEWPORT, base_url=dagster_ui.url)
    context.set_default_timeout(UI_TIMEOUT_MS)
    # `expect` has its own 5 s default, too short for the first catalog load on a busy CI box.
    expect.set_options(timeout=UI_TIMEOUT_MS)
    page = context.new_page()
    skip = page.get_by_role("dialog").filter(has_text="Join the Dagster community").get_by_role(
        "button", name=re.compile(r"^Skip$")
    )
    # Playwright runs the handler whenever the modal covers what a test waits for or clicks.
    page.add_locator_handler(skip, lambda button: button.click())
    try:
        yield page
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """On a failed e2e test, save a full-page screenshot to the test's tmp_path."""
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("ui_page") if hasattr(item, "funcargs") else None
        tmp_path = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
        if page is not None and tmp_path is not None:
            target = Path(tmp_path) / "failure.png"
            try:
                page.screenshot(path=str(target), full_page=True, timeout=15_000)
                report.sections.append(("e2e screenshot", f"{target} (page {page.url})"))
            except Exception as error:  # the report must survive a dead browser
                report.sections.append(("e2e screenshot", f"not saved: {error}"))
    return report
