"""The code stays readable in an afternoon: no module over 300 lines (migrations
excepted), no page (a function a blueprint routes to) over 20 lines."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "community"
MODULE_LINES, VIEW_LINES = 300, 20


def _modules():
    return [path for path in ROOT.rglob("*.py") if "migrations" not in path.parts]


def _is_route(decorator) -> bool:
    """`@bp.get(...)`, `@bp.route(...)`...: a call on an attribute of a blueprint named bp."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and isinstance(decorator.func.value, ast.Name)
        and decorator.func.value.id == "bp"
    )


def test_no_module_is_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_page_is_over_20_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(_is_route(d) for d in node.decorator_list):
                lines = node.end_lineno - node.body[0].lineno + 1  # the body, its docstring included
                if lines > VIEW_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert long == {}


def test_the_checks_see_the_pages():
    """The walk finds the routes at all (else the test above could never fail)."""
    routes = [
        node.name
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and any(_is_route(d) for d in node.decorator_list)
    ]
    assert len(routes) > 80 and "detail" in routes
