"""The JSON Schemas of the tariff tables (tariff_tables/schema/) agree with the loader.

Editors complete and check table files from these schemas; the loader is the
authority.  These tests keep the two from drifting apart: every ``Keys``
constant of every reader has a schema object with the same property names and
the same required set; every schema enum is the model's vocabulary; every
shipped table validates; broken documents fail both the schema and the loader.
"""
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from service.model import measures as model
from service.model.errors import TableError, TableErrors
from service.tables import fields
from service.tables.reader import Reader
from service.tables.readers import (countries, fees, fx, hts, incentives, measures, meta, programs, refunds,
                                   scenarios, templates, values)
from service.tables.readers.measures import read_measure_file
from service.tables.readers.values import read_value
from service.tables.yamlsrc import load as load_strict

REPO = Path(__file__).resolve().parents[1]
TABLES = REPO / "tariff_tables"        # the repository's tables (the package may be installed elsewhere)
SCHEMAS = TABLES / "schema"
KINDS = ("meta", "countries", "programs", "hts", "measures", "fees", "fx", "projects", "refund_interest",
         "refund_routes", "incentives", "scenarios")

# Which schema a table file follows, by its path below tariff_tables/.
FILES = {"meta": ["meta.yaml"], "countries": ["countries.yaml"], "programs": ["programs.yaml"],
         "hts": ["hts/*.yaml"], "measures": ["measures/**/*.yaml"], "fees": ["fees/*.yaml"],
         "fx": ["fx/rates.yaml"], "projects": ["projects/*.yaml"], "refund_interest": ["refunds/interest.yaml"],
         "refund_routes": ["refunds/routes.yaml"], "incentives": ["incentives/*.yaml"],
         "scenarios": ["scenarios/*.yaml"]}

# Every Keys constant of every reader, and the schema object ("kind", "$defs name" or None for the root) it must equal.
KEYS_TO_SCHEMA = {
    (meta, "META"): ("meta", None),
    (meta, "VERIFIED_AGAINST"): ("meta", "verified_against"),
    (meta, "HTS_RELEASE"): ("meta", "hts_release"),
    (meta, "FEDERAL_REGISTER_THROUGH"): ("meta", "federal_register_through"),
    (meta, "CSMS_THROUGH"): ("meta", "csms_through"),
    (countries, "COUNTRIES"): ("countries", None),
    (countries, "GROUP"): ("countries", "group"),
    (programs, "PROGRAMS"): ("programs", None),
    (programs, "PROGRAM"): ("programs", "program"),
    (programs, "SPECIAL_PROGRAM"): ("programs", "special_program"),
    (hts, "HTS_FILE"): ("hts", None),
    (hts, "LINE"): ("hts", "line"),
    (hts, "RATE"): ("hts", "line_rate"),
    (hts, "DATED_SUFFIX"): ("hts", "dated_suffix"),
    (measures, "MEASURE_FILE"): ("measures", None),
    (measures, "MEASURE"): ("measures", "measure"),
    (measures, "SCOPE"): ("measures", "scope"),
    (measures, "CONDITION"): ("measures", "condition"),
    (measures, "REQUIREMENT"): ("measures", "requirement"),
    (measures, "LEGAL_STATUS"): ("measures", "legal_status"),
    (measures, "REFUND"): ("measures", "refund"),
    (values, "DUTY_VALUE"): ("measures", "duty_value"),
    (values, "NOTICE_VALUE"): ("measures", "notice_value"),
    (values, "EXEMPTION_VALUE"): ("measures", "exemption_value"),
    (values, "IN_TRANSIT"): ("measures", "in_transit"),
    (values, "THRESHOLD"): ("measures", "threshold"),
    (fees, "FEE_FILE"): ("fees", None),
    (fees, "FEE_VALUE"): ("fees", "fee_value"),
    (fx, "FX_FILE"): ("fx", None),
    (fx, "CURRENCY"): ("fx", "currency"),
    (fx, "FX_VALUE"): ("fx", "fx_value"),
    (fx, "RULE"): ("fx", "fx_rule"),
    (fx, "DAILY"): ("fx", "daily_block"),
    (refunds, "INTEREST_FILE"): ("refund_interest", None),
    (refunds, "BASIS"): ("refund_interest", "basis"),
    (refunds, "COMPOUNDING_RULE"): ("refund_interest", "compounding"),
    (refunds, "INTEREST_VALUE"): ("refund_interest", "interest_value"),
    (refunds, "ROUTES_FILE"): ("refund_routes", None),
    (refunds, "LIQUIDATION"): ("refund_routes", "liquidation"),
    (refunds, "ROUTE"): ("refund_routes", "route"),
    (refunds, "ROUTE_VALUE"): ("refund_routes", "route_value"),
    (incentives, "INCENTIVE_FILE"): ("incentives", None),
    (incentives, "INCENTIVE_BASIS"): ("incentives", "basis"),
    (incentives, "PARAMETER"): ("incentives", "parameter"),
    (incentives, "INCENTIVE_VALUE"): ("incentives", "incentive_value"),
    (templates, "TEMPLATE"): ("projects", None),
    (templates, "TEMPLATE_LINE"): ("projects", "line"),
    (scenarios, "SCENARIO_FILE"): ("scenarios", None),
    (scenarios, "SCENARIO_REQUEST"): ("scenarios", "scenario_request"),
    (scenarios, "SCENARIO_MEASURE"): ("scenarios", "scenario_measure"),
    (scenarios, "END"): ("scenarios", "end"),
}
VALUE_DEFS = {"duty": "duty_value", "notice": "notice_value", "exemption": "exemption_value"}
READERS = (countries, fees, fx, hts, incentives, measures, meta, programs, refunds, scenarios, templates, values)


def schema(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))


def node(kind: str, name: str | None) -> dict:
    s = schema(kind)
    return s if name is None else s["$defs"][name]


def table_files(kind: str) -> list[Path]:
    return sorted(p for pattern in FILES[kind] for p in TABLES.glob(pattern))


@pytest.fixture(scope="module")
def validator():

    def make(kind: str):
        s = schema(kind)
        jsonschema.Draft202012Validator.check_schema(s)
        return jsonschema.Draft202012Validator(s)

    return {kind: make(kind) for kind in KINDS}


def errors(validator, kind: str, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator[kind].iter_errors(doc)]


# ---------------------------------------------------------------- (a) keys

def test_every_reader_keys_constant_has_a_schema_object():
    """A new Keys constant in a reader must be given a schema object (and a line in KEYS_TO_SCHEMA)."""
    found = {(module, name) for module in READERS for name, value in vars(module).items()
             if isinstance(value, fields.Keys) and name != "VALUE"}
    assert found == set(KEYS_TO_SCHEMA)
    assert {kind: values.VALUE_KEYS[kind] for kind in VALUE_DEFS} == {
        "duty": values.DUTY_VALUE, "notice": values.NOTICE_VALUE, "exemption": values.EXEMPTION_VALUE}


@pytest.mark.parametrize("module, name", list(KEYS_TO_SCHEMA), ids=[n for _, n in KEYS_TO_SCHEMA])
def test_schema_object_has_the_keys_of_the_reader(module, name):
    keys = getattr(module, name)
    obj = node(*KEYS_TO_SCHEMA[module, name])
    assert obj["type"] == "object"
    assert obj["additionalProperties"] is False
    assert set(obj["properties"]) == set(keys.allowed)
    assert set(obj["required"]) == set(keys.required)
    for prop, sub in obj["properties"].items():
        assert sub.get("description") or "$ref" in sub, f"{name}.{prop} has no description"


def test_values_share_the_common_value_keys():
    for kind, name in VALUE_DEFS.items():
        obj = node("measures", name)
        assert set(values.VALUE.required) == set(obj["required"]), kind
        assert set(values.VALUE.allowed) <= set(obj["properties"]), kind


def test_every_property_has_a_description():
    """Analysts read these in the editor's hover: no property without one (directly or on its $defs target)."""
    def walk(kind, s, where):
        for prop, sub in s.get("properties", {}).items():
            target = sub
            if "description" not in sub and "$ref" in sub:
                target = schema(kind)["$defs"][sub["$ref"].rsplit("/", 1)[1]]
            assert target.get("description"), f"{kind}: {where}.{prop}"
        for name, sub in s.get("$defs", {}).items():
            walk(kind, sub, name)

    for kind in KINDS:
        walk(kind, schema(kind), "(root)")


def test_shared_definitions_are_identical_across_schemas():
    """Each schema is self-contained (editors resolve no cross-file $ref); the copies must not drift."""
    seen: dict[str, tuple[str, dict]] = {}
    shared = {"text", "date", "from", "to", "cite", "url", "checked", "note", "confidence", "rate", "heading",
              "hts_code", "country", "mode", "special_program_code", "money"}
    for kind in KINDS:
        for name, sub in schema(kind)["$defs"].items():
            if name not in shared:
                continue
            if name in seen:
                assert sub == seen[name][1], f"$defs/{name} differs between {seen[name][0]} and {kind}"
            else:
                seen[name] = (kind, sub)
    assert set(seen) == shared


# ---------------------------------------------------------------- (d) vocabularies

def enum_of(kind, *path):
    s = schema(kind)
    for step in path:
        s = s[step]
    return tuple(s["enum"])


def test_schema_enums_are_the_model_vocabularies():
    assert enum_of("measures", "$defs", "condition", "properties", "type") == model.CONDITIONS
    assert enum_of("measures", "$defs", "duty_value", "properties", "base") == model.VALUE_BASES
    assert enum_of("measures", "$defs", "exemption_value", "properties", "extent") == model.EXTENTS
    assert enum_of("measures", "$defs", "legal_status", "properties", "state") == model.LEGAL_STATES
    assert enum_of("measures", "$defs", "measure", "properties", "kind") == measures.KINDS
    for kind in ("measures", "fees"):
        assert enum_of(kind, "$defs", "mode") == model.MODES
    from service.model import fx_daily
    assert enum_of("fx", "$defs", "fx_rule", "properties", "basis") == fx_daily.BASES
    assert enum_of("fx", "$defs", "daily_block", "properties", "source") == fx_daily.SOURCES
    assert enum_of("fx", "$defs", "daily_block", "properties", "quote") == fx_daily.QUOTES
    for kind in KINDS:
        if "confidence" in schema(kind)["$defs"]:
            assert enum_of(kind, "$defs", "confidence") == model.CONFIDENCE


def test_schema_patterns_are_the_field_readers_patterns():
    defs = schema("measures")["$defs"]
    assert defs["date"]["pattern"] == fields._DATE.pattern
    assert defs["heading"]["pattern"] == fields._HEADING.pattern
    assert defs["measure"]["properties"]["id"]["pattern"] == measures._LOCAL_ID.pattern
    assert schema("hts")["$defs"]["line"]["properties"]["statistical"]["propertyNames"]["pattern"] == hts._SUFFIX.pattern
    assert schema("fx")["$defs"]["fx_value"]["properties"]["rate"]["pattern"] == fx.RATE.pattern
    from service.model.programs import SPECIAL_PROGRAM_CODE
    assert defs["special_program_code"]["pattern"] == SPECIAL_PROGRAM_CODE.pattern
    assert schema("countries")["properties"]["groups"]["propertyNames"]["pattern"] == countries._GROUP_NAME.pattern


@pytest.mark.parametrize("text, ok", [("0.25", True), ("0", True), ("1", True), ("1.0", True), ("25%", True),
                                      ("7.5%", True), ("125%", True), ("712.03%", True), ("2.5", False),
                                      (".25", False), ("25 percent", False), ("-0.1", False), ("", False)])
def test_rate_pattern_agrees_with_the_rate_reader(text, ok):
    """The schema's rate pattern accepts what parse_table_rate accepts (below its 1,000% typo limit)."""
    assert bool(re.match(schema("measures")["$defs"]["rate"]["pattern"], text)) is ok
    try:
        fields.parse_table_rate(text, "x:1")
        loader_ok = True
    except TableError:
        loader_ok = False
    assert loader_ok is ok


# ---------------------------------------------------------------- (b) shipped tables

def test_every_table_file_has_a_schema_and_its_modeline():
    """Every table YAML starts with a yaml-language-server modeline naming its schema by a relative path that exists."""
    mapped = {p for kind in KINDS for p in table_files(kind)}
    assert mapped == set(TABLES.rglob("*.yaml"))
    for kind in KINDS:
        for path in table_files(kind):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
            assert match, f"{path.relative_to(TABLES)}: first line {first!r}"
            target = (path.parent / match.group(1)).resolve()
            assert target == (SCHEMAS / f"{kind}.schema.json").resolve(), path
            assert os.path.relpath(target, path.parent).replace(os.sep, "/") == match.group(1)


def test_editor_settings_map_the_same_files():
    """.vscode/settings.json (optional) maps each schema to the globs of its files."""
    settings = REPO / ".vscode" / "settings.json"
    if not settings.exists():
        pytest.skip("no .vscode/settings.json")
    mapping = json.loads(settings.read_text(encoding="utf-8"))["yaml.schemas"]
    assert mapping == {f"./tariff_tables/schema/{kind}.schema.json": "tariff_tables/" + FILES[kind][0] for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_tables_validate(validator, kind):
    files = table_files(kind)
    assert files
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert errors(validator, kind, doc) == [], path.relative_to(TABLES)


# ---------------------------------------------------------------- (c) broken documents fail schema and loader

MEASURE_FILE = """\
program: "section_301"
measures:
  - id: "list_3"
    title: "Section 301 List 3"
    scope:
      origin: ["CN"]
      hts: ["8507.10"]
    values:
      - from: "2018-09-24"
        to: "2019-05-10"
        heading: "9903.88.03"
        rate: "0.10"
        cite: "83 FR 47974"
        confidence: "likely"
  - id: "graphite_exclusion"
    title: "Exclusion"
    kind: "exemption"
    exempts: ["section_301/lists/list_3"]
    condition: {type: "claim"}
    scope:
      origin: ["CN"]
      hts: ["8507.10"]
    values:
      - from: "2024-01-01"
        heading: "9903.88.67"
        cite: "88 FR 90191"
        confidence: "likely"
"""

BROKEN = [  # (what, old, new): each must be refused by the schema and by the loader
    ("unknown key", '    title: "Section 301 List 3"', '    titel: "Section 301 List 3"'),
    ("bad date pattern", 'from: "2018-09-24"', 'from: "2018-9-24"'),
    ("bad confidence enum", 'confidence: "likely"', 'confidence: "sure"'),
    ("bad condition enum", '{type: "claim"}', '{type: "claimed"}'),
    ("malformed heading", '"9903.88.03"', '"9903.88.3"'),
    ("ambiguous bare rate", 'rate: "0.10"', 'rate: "10"'),
    ("unquoted rate", 'rate: "0.10"', "rate: 0.10"),
    ("duty key on an exemption value", 'heading: "9903.88.67"', 'heading: "9903.88.67"\n        rate: "0"'),
    ("duty value with rate and all_in", 'rate: "0.10"', 'rate: "0.10"\n        all_in: "0.10"'),
    ("duty value without heading or case", '        heading: "9903.88.03"\n', ""),
    ("exemption without exempts", '    exempts: ["section_301/lists/list_3"]\n', ""),
    ("exempts on a duty", '    title: "Section 301 List 3"', '    title: "Section 301 List 3"\n    exempts: ["x"]'),
    ("missing citation", '        cite: "83 FR 47974"\n', ""),
]


def loader_errors(tmp_path: Path, text: str) -> list[TableError]:
    """Read one measure file with the real reader, as the loader does (programs known: section_301)."""
    path = tmp_path / "measures" / "section_301" / "lists.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    reader = Reader(tmp_path)
    with reader.collecting():
        read_measure_file(reader, path, {"section_301": object()}, {})
    return reader.errors


def test_the_sample_document_passes_schema_and_loader(validator, tmp_path):
    assert errors(validator, "measures", yaml.safe_load(MEASURE_FILE)) == []
    assert loader_errors(tmp_path, MEASURE_FILE) == []


@pytest.mark.parametrize("what, old, new", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_document_fails_schema_and_loader(validator, tmp_path, what, old, new):
    assert old in MEASURE_FILE
    text = MEASURE_FILE.replace(old, new, 1)
    assert errors(validator, "measures", yaml.safe_load(text)), f"schema accepted: {what}"
    try:
        found = loader_errors(tmp_path, text)
    except TableError as exc:          # the strict YAML reader stops at an unquoted value
        found = [exc]
    assert found, f"loader accepted: {what}"


def test_exemption_value_keys_follow_the_measure_kind(validator):
    """The kind decides the value keys: extent is for exemptions, in_transit for duties."""
    doc = yaml.safe_load(MEASURE_FILE)
    doc["measures"][1]["values"][0]["extent"] = "covered_part"
    assert errors(validator, "measures", doc) == []
    doc["measures"][0]["values"][0]["extent"] = "whole"
    assert any("extent" in e for e in errors(validator, "measures", doc))
    with pytest.raises(TableError, match="unknown key 'extent'"):
        read_value(load_strict('{from: "2018-09-24", heading: "9903.88.03", rate: "0.1", cite: "x", '
                               'confidence: "likely", extent: "whole"}', "v"), "duty", "always")


def test_us_content_exemption_needs_min_share(validator):
    doc = yaml.safe_load(MEASURE_FILE)
    doc["measures"][1]["condition"] = {"type": "us_content"}
    assert errors(validator, "measures", doc)
    doc["measures"][1]["values"][0]["min_share"] = "0.20"
    assert errors(validator, "measures", doc) == []


@pytest.mark.parametrize("kind, rel, old, new", [
    ("hts", "hts/batteries.yaml", '"8507.60.00"', '"8507.60"'),                 # a covered line has 8 or 10 digits
    ("hts", "hts/batteries.yaml", '"30": {description', '"3": {description'),   # suffix is two digits
    ("fees", "fees/mpf.yaml", 'minimum: "33.58"', 'minimum: "33.585"'),
    ("fx", "fx/rates.yaml", 'quote: "per_usd"', 'quote: "usd_per"'),
    ("programs", "programs.yaml", 'filing_rank: "1"', 'filing_rank: "first"'),
    ("countries", "countries.yaml", "  USMCA:", "  Usmca:"),
    ("meta", "meta.yaml", 'as_of: "2026-11-28"', 'as_of: "28.11.2026"'),
    ("projects", "projects/bess_project.yaml", 'steel_content_share: "0.9"', 'steel_content_share: "1.9"'),
])
def test_broken_table_files_fail_their_schema(validator, kind, rel, old, new):
    text = (TABLES / rel).read_text(encoding="utf-8")
    assert old in text
    assert errors(validator, kind, yaml.safe_load(text)) == []
    assert errors(validator, kind, yaml.safe_load(text.replace(old, new, 1))), (rel, new)


def test_strict_reader_accepts_the_leading_modeline():
    text = "# yaml-language-server: $schema=../schema/fees.schema.json\nid: \"x\"\n"
    assert load_strict(text, "f.yaml") == {"id": "x"}
