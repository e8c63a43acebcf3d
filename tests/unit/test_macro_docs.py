"""Every macro and generic test is documented in the properties YAML beside it.

Reads the .sql and .yml files directly (no dbt invocation): each folder under macros/
has _<folder>__macros.yml, tests/generic has _generic__tests.yml. Every macro except
the engine variants (default__, duckdb__, spark__, postgres__, snowflake__: the dispatching macro
is documented instead) and every generic test (documented as macro test_<name>) needs
an entry with a description and exactly its arguments, in order, each described.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VARIANT_PREFIXES = ("default__", "duckdb__", "spark__", "postgres__", "snowflake__")
JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
MACRO_BLOCK = re.compile(r"{%-? *macro +(\w+)\(([^)]*)\)")
TEST_BLOCK = re.compile(r"{%-? *test +(\w+)\(([^)]*)\)")


def _folders() -> list[tuple[Path, Path]]:
    """(folder, its properties YAML) for every macro folder and tests/generic."""
    folders = [
        (folder, folder / f"_{folder.name}__macros.yml")
        for folder in sorted((PROJECT_ROOT / "macros").iterdir())
        if folder.is_dir() and any(folder.glob("*.sql"))
    ]
    generic = PROJECT_ROOT / "tests" / "generic"
    folders.append((generic, generic / "_generic__tests.yml"))
    return folders


def _argument_names(signature: str) -> list[str]:
    """Argument names of a Jinja signature, defaults dropped (commas inside brackets kept)."""
    parts, depth, current = [], 0, ""
    for char in signature:
        depth += char in "[{("
        depth -= char in "]})"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.split("=")[0].strip() for part in parts if part.strip()]


def _defined(folder: Path) -> dict[str, list[str]]:
    """Macro name -> argument names, for every macro and test block in the folder's .sql files."""
    defined: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.sql")):
        text = JINJA_COMMENT.sub("", path.read_text())
        for name, signature in MACRO_BLOCK.findall(text):
            defined[name] = _argument_names(signature)
        for name, signature in TEST_BLOCK.findall(text):
            defined[f"test_{name}"] = _argument_names(signature)
    return defined


def _documented(properties: Path) -> list[dict]:
    """The macros: entries of a properties YAML (empty if the file is missing)."""
    if not properties.exists():
        return []
    return (yaml.safe_load(properties.read_text()) or {}).get("macros") or []


def _cases() -> list[tuple[Path, str, list[str]]]:
    return [
        (properties, name, arguments)
        for folder, properties in _folders()
        for name, arguments in _defined(folder).items()
        if not name.startswith(VARIANT_PREFIXES)
    ]


CASES = _cases()


def test_macros_found() -> None:
    """The scan sees the project's macros (guards against a regex that matches nothing)."""
    assert len(CASES) > 40
    assert any(name.startswith("test_") for _, name, _ in CASES)


@pytest.mark.parametrize(
    ("properties", "name", "arguments"),
    CASES,
    ids=[f"{properties.parent.name}/{name}" for properties, name, _ in CASES],
)
def test_macro_documented(properties: Path, name: str, arguments: list[str]) -> None:
    entries = [entry for entry in _documented(properties) if entry.get("name") == name]
    where = properties.relative_to(PROJECT_ROOT)
    assert len(entries) == 1, f"{name}: expected one entry in {where}, found {len(entries)}"
    entry = entries[0]
    assert str(entry.get("description") or "").strip(), f"{name}: empty description in {where}"
    documented = entry.get("arguments") or []
    assert [argument.get("name") for argument in documented] == arguments, (
        f"{name}: arguments in {where} differ from the signature {arguments}"
    )
    for argument in documented:
        assert str(argument.get("description") or "").strip(), (
            f"{name}: argument {argument.get('name')} has no description in {where}"
        )


@pytest.mark.parametrize(
    ("folder", "properties"),
    _folders(),
    ids=[folder.name for folder, _ in _folders()],
)
def test_no_stale_entries(folder: Path, properties: Path) -> None:
    """Every entry names a macro of its own folder (dbt warns on an unknown one)."""
    defined = _defined(folder)
    names = [entry.get("name") for entry in _documented(properties)]
    assert [name for name in names if name not in defined] == []
    assert len(names) == len(set(names)), "duplicate entries"


@pytest.mark.parametrize(
    "properties",
    [properties for _, properties in _folders()],
    ids=[folder.name for folder, _ in _folders()],
)
def test_family_comment(properties: Path) -> None:
    """Each properties file opens with a one-line comment describing the family."""
    assert properties.exists(), f"missing {properties.relative_to(PROJECT_ROOT)}"
    first_line = properties.read_text().splitlines()[0]
    assert first_line.startswith("# ") and len(first_line) > 10
