"""The domain layer never imports orchestration or storage libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import trading_platform.domain

FORBIDDEN = ("dagster", "duckdb", "mlflow")
DOMAIN_DIR = Path(trading_platform.domain.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def _offenders() -> list[str]:
    found = []
    for path in sorted(DOMAIN_DIR.rglob("*.py")):
        for module in sorted(_imported_modules(path)):
            root = module.split(".")[0]
            if root in FORBIDDEN or root.startswith("dagster_"):
                found.append(f"{path.relative_to(DOMAIN_DIR.parent)} imports {module}")
    return found


def test_domain_layer_given_all_modules_imports_no_orchestration_or_storage():
    assert _offenders() == []


def test_import_walker_given_forbidden_import_reports_it(tmp_path):
    # The guard itself must be able to fail: a file importing duckdb is caught.
    sample = tmp_path / "bad.py"
    sample.write_text("import duckdb\nfrom dagster import asset\nimport polars\n")
    assert _imported_modules(sample) == {"duckdb", "dagster", "polars"}
