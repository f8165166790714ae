"""Reported concerns and safety screening read from a CAD call type, by rules held as data.

A CAD system says what a call is in a nature code or call type ("PERSON IN BEHAVIORAL/
EMOTIONAL CRISIS", "ASLT - WITH OR W/O WPNS (NO SHOOTINGS)"), not in Coresponder's terms.
A rule is a regular expression (`match`, Python syntax, case-insensitive, anywhere in the
text), an optional regular expression that cancels it (`unless`), and the concerns and
screening it adds. Every rule that matches adds its values; the order of rules does not
matter. Rules live in TOML files under `mappings/` (see `call-types.toml`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coresponder.calls.triage import CONCERN_ORDER, SCREENING_ORDER, Concern, Screening

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
DEFAULT_RULES = "call-types"  # the table the CAD webhook uses
RULE_KEYS = {"match", "unless", "concerns", "screening", "note"}


class MappingError(ValueError):
    """A mapping or rules file that cannot be used, with the reason."""


@dataclass(frozen=True)
class TextRule:
    match: re.Pattern
    unless: re.Pattern | None
    concerns: tuple[str, ...]
    screening: tuple[str, ...]

    def applies(self, text: str) -> bool:
        return bool(self.match.search(text)) and not (self.unless and self.unless.search(text))


def _pattern(value, where: str) -> re.Pattern:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where}: give a regular expression as text.")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise MappingError(f"{where}: not a valid regular expression ({error}).") from None


def _values(item: Mapping, name: str, kind, where: str) -> tuple[str, ...]:
    values = item.get(name, [])
    if isinstance(values, str) or not isinstance(values, list):
        raise MappingError(f"{where}: {name} must be a list.")
    unknown = [str(value) for value in values if value not in kind._value2member_map_]
    if unknown:
        raise MappingError(
            f"{where}: unknown {name} {', '.join(unknown)}; use "
            f"{', '.join(member.value for member in kind)}."
        )
    return tuple(values)


def parse_rules(raw, where: str) -> list[TextRule]:
    """Checks a list of rules as a TOML file holds them; refuses the first bad one."""
    if not isinstance(raw, list):
        raise MappingError(f"{where}: rules must be a list of tables ([[rules]]).")
    rules = []
    for position, item in enumerate(raw, start=1):
        at = f"{where}, rule {position}"
        if not isinstance(item, dict):
            raise MappingError(f"{at}: a rule is a table with match and concerns or screening.")
        unknown = sorted(set(item) - RULE_KEYS)
        if unknown:
            raise MappingError(
                f"{at}: unknown key {', '.join(unknown)}; use {', '.join(sorted(RULE_KEYS))}."
            )
        concerns = _values(item, "concerns", Concern, at)
        screening = _values(item, "screening", Screening, at)
        if not concerns and not screening:
            raise MappingError(f"{at}: a rule adds at least one concern or screening value.")
        rules.append(
            TextRule(
                match=_pattern(item.get("match"), f"{at} match"),
                unless=_pattern(item["unless"], f"{at} unless") if "unless" in item else None,
                concerns=concerns,
                screening=screening,
            )
        )
    return rules


def read_toml(path: Path, what: str) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise MappingError(f"{what} {path} does not exist.") from None
    except OSError as error:
        raise MappingError(f"{what} {path} cannot be read: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise MappingError(f"{what} {path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{what} {path} is not valid TOML: {error}.") from None


def rules_path(name: str, *, relative_to: Path | None = None) -> Path:
    """A shipped rules file by name (`call-types`), or a path (relative to a mapping file)."""
    if "/" not in name and "\\" not in name and not name.endswith(".toml"):
        return MAPPINGS_DIR / f"{name}.toml"
    path = Path(name)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return path


def load_rules(path: Path) -> list[TextRule]:
    data = read_toml(path, "The rules file")
    unknown = sorted(set(data) - {"rules", "description"})
    if unknown:
        raise MappingError(f"{path}: unknown key {', '.join(unknown)}; use rules.")
    return parse_rules(data.get("rules"), str(path.name))


@lru_cache(maxsize=1)
def default_rules() -> tuple[TextRule, ...]:
    return tuple(load_rules(rules_path(DEFAULT_RULES)))


def classify(texts: Iterable[str], rules: Sequence[TextRule]) -> tuple[list[str], list[str]]:
    """(concerns, screening) for the texts, each in the vocabulary's own order."""
    concerns: set[str] = set()
    screening: set[str] = set()
    texts = [text for text in texts if text]
    for rule in rules:
        if any(rule.applies(text) for text in texts):
            concerns.update(rule.concerns)
            screening.update(rule.screening)
    return (
        sorted(concerns, key=CONCERN_ORDER.__getitem__),
        sorted(screening, key=SCREENING_ORDER.__getitem__),
    )
