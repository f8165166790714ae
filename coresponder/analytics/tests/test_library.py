"""The KPI library is complete and its documentation says what the code does."""

from __future__ import annotations

from pathlib import Path

from coresponder.analytics import kpis

DOC = Path(__file__).resolve().parents[3] / "docs" / "kpis.md"

# The KPIs of DESIGN.md's table, by the library's keys (cost avoided is an estimate from
# the counts, see costs.py).
DESIGN_KPIS = {
    "arrest_free",
    "no_formal_action",
    "voluntary_engagement",
    "enforcement",
    "help_delivered",
    "connected_after_repeat",
    "use_of_force",
    "ed_diversion",
    "on_scene_median",
    "on_scene_p90",
    "follow_up_72h",
    "referral_completion",
    "repeat_crisis_30",
    "repeat_crisis_90",
}


def test_every_design_kpi_is_in_the_library_once():
    assert set(kpis.LIBRARY) >= DESIGN_KPIS
    names = [kpi.name for kpi in kpis.LIBRARY.values()]
    assert len(names) == len(set(names))


def test_every_kpi_says_what_it_counts():
    for kpi in kpis.LIBRARY.values():
        for part in (kpi.name, kpi.definition, kpi.denominator, kpi.exclusions, kpi.unit):
            assert part.strip(), kpi.key


def test_the_doc_lists_every_kpi_as_the_code_defines_it():
    doc = DOC.read_text()
    for kpi in kpis.LIBRARY.values():
        assert f"## {kpi.name}\n\n`{kpi.key}` — {kpi.definition}" in doc, kpi.key
        assert f"| denominator | {kpi.denominator} |" in doc, kpi.key
        if kpi.reference:
            assert kpi.reference.says in doc, kpi.key
