"""Dependencies point one way (HOUSE_STYLE.md, point 13). import-linter's layers contract
(`make lint`) forbids upward imports; this test forbids the way around it: an import of the
panel's own code hidden inside a function to dodge a cycle."""

import ast
import pathlib

PANEL = pathlib.Path(__file__).resolve().parent.parent / "panel"


def imports_inside_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                own = (isinstance(inner, ast.ImportFrom) and inner.level > 0) or (
                    isinstance(inner, ast.ImportFrom | ast.Import)
                    and any(
                        name.startswith("panel")
                        for name in (
                            [inner.module or ""]
                            if isinstance(inner, ast.ImportFrom)
                            else [alias.name for alias in inner.names]
                        )
                    )
                )
                if own:
                    found.append(f"{path.relative_to(PANEL.parent)}:{inner.lineno}")
    return found


def test_no_module_of_the_panel_imports_its_own_code_inside_a_function():
    found = [
        place for path in sorted(PANEL.rglob("*.py")) for place in imports_inside_functions(path)
    ]
    assert found == []
