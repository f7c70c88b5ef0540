"""The layout the architecture promises: SQL lives in ``server/repos/`` and ``server/stores/``, nowhere else.

Services, handlers, the timeline manager, the client core and the UI reach the database through repository
functions, so a schema change is made (and reviewed) in one layer. The check reads every string literal of
those modules with ``ast`` (docstrings aside) and fails on anything shaped like a SQL statement.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NO_SQL = ["server/services", "server/handlers", "server/timelines/manager.py", "server/web", "app", "ui"]
SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
                 r"|\bPRAGMA\s+\w+|\bCREATE\s+(TABLE|INDEX)\b")


def _python_files(entry: str) -> list[Path]:
    path = ROOT / entry
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def sql_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if SQL.search(node.value):
                found.append((node.lineno, f"{where}:{node.lineno}: {node.value.strip()[:60]!r}"))
    return [text for _, text in sorted(found)]


def test_the_check_sees_sql_in_a_string_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""SELECT words FROM a docstring are prose."""\n'
                      'def f(conn):\n    return conn.execute("SELECT count(*) FROM users").fetchone()\n'
                      'Q = f"UPDATE users SET disabled = {1}"\n')
    found = sql_literals(sample)
    assert len(found) == 2 and "count(*)" in found[0] and "UPDATE users" in found[1]


def test_no_sql_outside_repos_and_stores():
    found = [hit for entry in NO_SQL for path in _python_files(entry) for hit in sql_literals(path)]
    assert not found, "SQL belongs in server/repos/ or server/stores/:\n" + "\n".join(found)
