"""The layers hold: `lint-imports` (run by `make test`) keeps every contract of
pyproject.toml, and breaks one when a lower layer imports a higher one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # The copy comes first on the path, before the installed package.
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path):
    shutil.copytree(
        ROOT / "community", tmp_path / "community", ignore=shutil.ignore_patterns("__pycache__", "translations")
    )
    return tmp_path


def test_the_code_keeps_every_layer_contract(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "lower, higher, contract",
    [
        ("core/clock.py", "community.events.models", "The core imports no domain"),
        ("registrations/services.py", "community.registrations.views", "Rules never import pages"),
        (
            "events/services.py",
            "community.registrations.seat_count",
            "The seat count moves only through the seat engine",
        ),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_a_contract(tree, lower, higher, contract):
    module = tree / "community" / lower
    module.write_text(module.read_text() + f"\nimport {higher}  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def test_every_module_has_its_place_in_the_layers():
    """A new module must be named in the contracts: as a rule (below the pages) or a page;
    only the app's own modules (the factory, commands, the demo) stand apart."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    rules = next(c for c in contracts if c["name"].startswith("Rules never import pages"))
    placed = set(rules["source_modules"]) | set(rules["forbidden_modules"])
    app_level = {
        "community",
        "community.cli",
        "community.config",
        "community.launcher",
        "community.factory",
        "community.demo",
        "community.models",
        "community.migrations",
    }
    modules = set()
    for path in (ROOT / "community").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name in app_level or parts[-1] in ("__init__", "cli", "demo"):
            continue
        modules.add(name)
    unplaced = sorted(m for m in modules if m not in placed and not any(m.startswith(p + ".") for p in placed))
    assert unplaced == []
