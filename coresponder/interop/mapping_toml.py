"""A mapping as TOML text, for the mappings the import page makes and keeps.

The page builds the same table a TOML file holds and hands it to the parser the command
line uses (`csv_import._parse_mapping`): there is one definition of a valid mapping. The
text written here is what `tomllib` reads back as that table, so a saved mapping can be
downloaded and used with `coresponder import calls FILE --mapping it.toml`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from .classify import MAPPINGS_DIR, MappingError
from .csv_import import Mapping, _parse_mapping

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(name: str) -> str:
    return name if BARE_KEY.fullmatch(name) else _string(name)


def _string(text: str) -> str:
    # A JSON string is a TOML basic string: the same escapes (\" \\ \n \uXXXX …).
    return json.dumps(text, ensure_ascii=False)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"no TOML value for {type(value).__name__}")


def _is_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(lines: list[str], path: list[str], table: dict, *, array: bool = False) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_tables(v)}
    if path:
        name = ".".join(_key(part) for part in path)
        lines += ["", f"[[{name}]]" if array else f"[{name}]"]
    lines += [f"{_key(key)} = {_value(value)}" for key, value in plain.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            _table(lines, [*path, key], value)
        elif _is_tables(value):
            for item in value:
                _table(lines, [*path, key], item, array=True)


def toml_text(data: dict, *, comment: str = "") -> str:
    """TOML that `tomllib.loads` reads back as `data` (strings, numbers, lists, tables)."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()] if comment else []
    _table(lines, [], data)
    return "\n".join(lines).strip("\n") + "\n"


def check_rules_files(data: dict) -> None:
    """A mapping kept in the database names shipped rules files only: a path would read
    whatever file of the server it named."""
    rules_file = (data.get("classify") or {}).get("rules_file")
    if rules_file is not None and (
        not isinstance(rules_file, str)
        or not (MAPPINGS_DIR / f"{rules_file}.toml").is_file()
        or "/" in rules_file
        or "\\" in rules_file
        or rules_file.endswith(".toml")
    ):
        raise MappingError(f"[classify] rules_file {rules_file!r} is not a shipped rules file.")


def mapping_of(data: dict, name: str) -> Mapping:
    """The mapping a table makes, checked as a mapping file is; MappingError says why not."""
    check_rules_files(data)
    return _parse_mapping(data, Path(f"{name}.toml"))


def mapping_from_toml(text: str, name: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"The mapping is not valid TOML: {error}.") from None
    return mapping_of(data, name)
