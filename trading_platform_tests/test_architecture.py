"""The house rules of the package layout, checked over the source (docs/architecture.md).

1. The domain is pure: no orchestration or storage library, no file, process or network I/O.
2. matplotlib only in ``domain/reporting`` (anywhere in the package).
3. Dependencies point one way: domain <- resources <- defs <- cli.
4. No import cycles between the package's modules.
5. Warehouse tables are named once, in ``resources/tables.py``.
Each rule's walker is shown to catch a planted offender.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import trading_platform

PACKAGE_DIR = Path(trading_platform.__file__).parent
DOMAIN_DIR = PACKAGE_DIR / "domain"
FORBIDDEN_IN_DOMAIN = ("dagster", "duckdb", "mlflow", "os", "tempfile", "shutil", "subprocess",
                       "urllib", "http", "socket", "requests", "sqlite3",
                       "trading_platform.settings")
# Path's file methods (``rename`` is left out: polars frames have one too; ``os`` is forbidden).
FILE_METHODS = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink",
                "touch", "rmdir", "iterdir", "glob", "rglob")
LAYERS = ("domain", "resources", "defs", "cli")  # each may import only the ones before it
TABLE_NAME = re.compile(r"(market|research|trading)\.[a-z_]+")
CATALOGUE = PACKAGE_DIR / "resources" / "tables.py"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth: inside functions and under
    ``if TYPE_CHECKING:`` too (a cycle hidden from the interpreter is still a cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def file_io_calls(path: Path) -> list[str]:
    """Calls of ``open(...)`` and of file-touching methods (``.write_text(...)`` and kin)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append(f"line {node.lineno}: open(...)")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS:
            found.append(f"line {node.lineno}: .{node.func.attr}(...)")
    return found


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN_IN_DOMAIN) \
        or module.startswith("dagster_")


def domain_offenders(domain_dir: Path) -> list[str]:
    found = []
    for path in sorted(domain_dir.rglob("*.py")):
        where = path.relative_to(domain_dir.parent)
        found += [f"{where} imports {m}" for m in sorted(imported_modules(path)) if _forbidden(m)]
        found += [f"{where} {call}" for call in file_io_calls(path)]
        in_reporting = "reporting" in path.relative_to(domain_dir).parts
        found += [f"{where} imports {m} outside domain/reporting"
                  for m in sorted(imported_modules(path))
                  if m.split(".")[0] == "matplotlib" and not in_reporting]
    return found


def _package_graph(package_dir: Path) -> dict[str, set[str]]:
    """module -> the package modules it imports (``from pkg import module`` included)."""
    paths = {_module_name(path): path for path in package_dir.rglob("*.py")}
    graph = {}
    for module, path in paths.items():
        targets = set()
        for name in imported_modules(path):
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def layer_offenders(graph: dict[str, set[str]]) -> list[str]:
    def layer(module: str) -> int | None:
        parts = module.split(".")
        return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None

    found = []
    for module, targets in sorted(graph.items()):
        source = layer(module)
        for target in sorted(targets):
            destination = layer(target)
            if source is not None and destination is not None and destination > source:
                found.append(f"{module} ({LAYERS[source]}) imports "
                             f"{target} ({LAYERS[destination]})")
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def table_literals(paths: list[Path]) -> list[str]:
    """String constants that are exactly a ``schema.table`` name."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.name} line {node.lineno}: {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and TABLE_NAME.fullmatch(node.value)]
    return found


def test_table_names_given_the_package_are_only_in_the_catalogue():
    paths = [path for path in sorted(PACKAGE_DIR.rglob("*.py")) if path != CATALOGUE]
    assert table_literals(paths) == []
    assert table_literals([CATALOGUE]) == []  # the catalogue composes them from schema + name


def test_table_walker_given_planted_literal_reports_it(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text('rows = read("trading.ledger")\nnote = "see market.quarantine rows"\n')
    assert table_literals([sample]) == ["bad.py line 1: 'trading.ledger'"]


def matplotlib_outside_reporting(package_dir: Path) -> list[str]:
    reporting = package_dir / "domain" / "reporting"
    return [f"{path.relative_to(package_dir.parent)} imports {module}"
            for path in sorted(package_dir.rglob("*.py")) if reporting not in path.parents
            for module in sorted(imported_modules(path)) if module.split(".")[0] == "matplotlib"]


def test_matplotlib_given_the_package_is_only_in_domain_reporting():
    assert matplotlib_outside_reporting(PACKAGE_DIR) == []


def test_matplotlib_walker_given_planted_import_reports_it(tmp_path):
    package = tmp_path / "pkg"
    (package / "domain" / "reporting").mkdir(parents=True)
    (package / "resources").mkdir()
    (package / "domain" / "reporting" / "chart.py").write_text("import matplotlib\n")
    (package / "resources" / "tracker.py").write_text("from matplotlib.image import imread\n")
    assert matplotlib_outside_reporting(package) == [
        "pkg/resources/tracker.py imports matplotlib.image",
        "pkg/resources/tracker.py imports matplotlib.image.imread"]


def test_domain_given_every_module_is_pure():
    assert domain_offenders(DOMAIN_DIR) == []


def test_layers_given_the_package_point_one_way():
    assert layer_offenders(_package_graph(PACKAGE_DIR)) == []


def test_imports_given_the_package_have_no_cycles():
    assert import_cycles(_package_graph(PACKAGE_DIR)) == []


def test_domain_walker_given_planted_offenders_reports_each(tmp_path):
    domain = tmp_path / "domain"
    (domain / "reporting").mkdir(parents=True)
    (domain / "bad.py").write_text(
        "import duckdb\nimport os.path\nfrom dagster import asset\nimport matplotlib.pyplot\n"
        "import polars\nfrom pathlib import Path\n"
        "def f(p):\n    Path(p).write_text('x')\n    return open(p).read()\n")
    (domain / "reporting" / "chart.py").write_text("from matplotlib.figure import Figure\n")
    found = domain_offenders(domain)
    assert found == [
        "domain/bad.py imports dagster", "domain/bad.py imports dagster.asset",
        "domain/bad.py imports duckdb", "domain/bad.py imports os.path",
        "domain/bad.py line 8: .write_text(...)", "domain/bad.py line 9: open(...)",
        "domain/bad.py imports matplotlib.pyplot outside domain/reporting",
    ]


def test_layer_and_cycle_walkers_given_planted_graph_report_them():
    graph = {"p.domain.a": {"p.resources.r"}, "p.resources.r": {"p.domain.b"},
             "p.domain.b": {"p.domain.c"}, "p.domain.c": {"p.domain.b"}, "p.cli.x": {"p.defs.y"}}
    assert layer_offenders(graph) == ["p.domain.a (domain) imports p.resources.r (resources)"]
    assert import_cycles(graph) == [["p.domain.b", "p.domain.c"]]
