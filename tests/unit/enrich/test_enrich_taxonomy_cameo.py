"""The CAMEO curation tool: parsing the PETRARCH2 verb dictionary format and proposing variants.

The format tests use a small dictionary we wrote in that format. The corpus tests read the real
PETRARCH2 file from ../shared/corpora/cameo when it exists and are skipped otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from newswatch_enrich.cameo_dictionary import expand, parse_event_codes, parse_verb_dictionary, propose
from newswatch_enrich.cameo_variants import Checker, main, report, taxonomy_codes
from newswatch_enrich.taxonomy import Taxonomy

SMALL = """\
# a comment
&ARMY
+SOLDIERS
+ARMED_FORCES
+RESERVES_   # trailing underscore: not inflected

&PLACE
+TOWN

####### VERB PATTERNS #######

---  MARSHAL   [150]  ---
MARSHAL {MARSHALS MARSHALLED MARSHALLING }
GATHER [040]
+CALL_UP
- * &ARMY (ON BORDER)                               [154]         # MARSHALLED
- * SUPPORTERS                                      [022]         # MARSHAL
- * TAXES                                           [---]         # MARSHAL

---  STORM   [---]  ---
STORM
OVERRUN {OVERRUNS OVERRAN }
- * &PLACE                                          [192]         # OVERRAN
- * {PRESS BRIEFING}                                [:112]
- $ * + FAVOUR/FAVOR                                [051]         # STORM
"""

EVENT_CODES = (
    "CAMEOEVENTCODE\tEVENTDESCRIPTION\n154\tMobilize or increase armed forces\n192\tOccupy territory\n"
)


def test_synonym_sets_and_verb_blocks_are_parsed() -> None:
    d = parse_verb_dictionary(SMALL)
    assert d.synsets == {"ARMY": ["soldiers", "armed forces", "reserves"], "PLACE": ["town"]}
    marshal, storm = d.blocks
    assert (marshal.name, marshal.code, storm.code) == ("MARSHAL", "150", None)
    assert marshal.verbs == {"marshal": None, "gather": "040", "call up": None}
    assert marshal.code_of("gather") == "040" and marshal.code_of("call up") == "150"
    assert [(p.code, p.verb) for p in marshal.patterns] == [("154", "marshal"), ("022", "marshal")]
    assert [(p.code, p.verb) for p in storm.patterns] == [("192", "overrun"), ("112", None), ("051", "storm")]


def test_proposals_in_range_with_hints_for_other_codes() -> None:
    proposals = propose(parse_verb_dictionary(SMALL), ["15", "19"])
    found = {(p.code, p.kind, p.template) for p in proposals}
    assert found == {
        ("150", "verb", "marshal"),
        ("150", "verb", "call up"),
        ("154", "pattern", "marshal &ARMY on border"),
        ("022", "other-code", "marshal supporters"),  # same verb, another event: an exclude candidate
        ("192", "pattern", "overrun &PLACE"),
        ("112", "other-code", "storm press briefing"),  # no verb named: every verb of the block
        ("112", "other-code", "overrun press briefing"),
        ("051", "other-code", "storm favour/favor"),  # actor marks dropped
    }


def test_templates_expand_sets_and_alternatives() -> None:
    d = parse_verb_dictionary(SMALL)
    assert expand("marshal &ARMY on border", d.synsets) == [
        "marshal soldiers on border",
        "marshal armed forces on border",
        "marshal reserves on border",
    ]
    assert expand("storm favour/favor", d.synsets) == ["storm favour", "storm favor"]
    assert expand("marshal &ARMY", d.synsets, limit=2) == ["marshal soldiers", "marshal armed forces"]
    assert expand("take &UNKNOWN", d.synsets) == []


def test_event_codes_are_read() -> None:
    assert parse_event_codes(EVENT_CODES) == {
        "154": "Mobilize or increase armed forces",
        "192": "Occupy territory",
    }


def test_the_checker_says_which_term_already_matches(nlp: Language, taxonomy: Taxonomy) -> None:
    records = report(parse_verb_dictionary(SMALL), ["154", "192"], checker=Checker(taxonomy, nlp))
    by_template = {r["template"]: r for r in records}
    assert by_template["marshal &ARMY on border"]["matched"] == {"troops": 2}  # soldiers, armed forces
    assert by_template["overrun &PLACE"]["matched"] == {"occupation": 1}
    assert by_template["overrun &PLACE"]["lemmas"] == "overrun town"


def test_the_command_prints_json_for_a_dictionary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "CAMEO.2.0.txt").write_text(SMALL, "utf-8")
    (tmp_path / "CAMEO.eventcodes.txt").write_text(EVENT_CODES, "utf-8")
    assert main(["--dictionary", str(tmp_path / "CAMEO.2.0.txt"), "--codes", "154", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["codes"] == ["154"]
    assert [(r["code"], r["description"], r["template"]) for r in out["proposals"]] == [
        ("154", "Mobilize or increase armed forces", "marshal &ARMY on border")
    ]


def test_a_missing_dictionary_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dictionary", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read the CAMEO verb dictionary" in capsys.readouterr().err


CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "cameo" / "CAMEO.2.0.txt"
needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason=f"{CORPUS} not present")


@needs_corpus
def test_the_real_dictionary_yields_the_codes_the_taxonomy_uses(taxonomy: Taxonomy) -> None:
    d = parse_verb_dictionary(CORPUS.read_text("utf-8", errors="replace"))
    assert {"MILITARY", "WEAPON", "CEASEFIRE"} <= set(d.synsets)
    proposals = propose(d, taxonomy_codes(taxonomy))
    found = {(p.code, p.template) for p in proposals if p.kind != "other-code"}
    assert {
        ("163", "impose sanctions"),
        ("192", "invade"),
        ("192", "occupy"),
        ("154", "mobilise &MILITARY"),
    } <= found
    assert "troops" in d.synsets["MILITARY"] and "servicemen" in d.synsets["MILITARY"]


@needs_corpus
def test_the_taxonomy_covers_cameo_sanction_and_ceasefire_violation_patterns(
    nlp: Language, taxonomy: Taxonomy
) -> None:
    """Every CAMEO 163 pattern naming sanctions is tagged `sanctions`, every 196 pattern on &CEASEFIRE
    is tagged something: the curated variants keep up with the dictionary."""
    d = parse_verb_dictionary(CORPUS.read_text("utf-8", errors="replace"))
    records = report(d, ["163", "196"], checker=Checker(taxonomy, nlp))
    sanctions = [r for r in records if r["code"] == "163" and "sanction" in r["template"]]
    ceasefire = [r for r in records if r["code"] == "196" and "&CEASEFIRE" in r["template"]]
    assert sanctions and ceasefire
    assert [r["template"] for r in sanctions if "sanctions" not in r["matched"]] == []
    assert [r["template"] for r in ceasefire if not r["matched"]] == []
