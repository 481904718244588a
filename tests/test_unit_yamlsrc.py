"""The strict YAML reader (service.tables.yamlsrc): every scalar a string,
surprising plain scalars refused with file:line, keys located."""
import pytest

from service.model.errors import TableError
from service.tables.yamlsrc import Located, LocatedList, load


def refused(text, name="t.yaml"):
    with pytest.raises(TableError) as exc:
        load(text, name)
    return exc.value


def test_every_quoted_scalar_stays_a_string():
    doc = load('rate: "0.25"\nfrom: "2018-07-06"\norigin: ["NO", \'CN\']\ncount: "12"\nflag: "yes"\n', "t.yaml")
    assert doc == {"rate": "0.25", "from": "2018-07-06", "origin": ["NO", "CN"], "count": "12", "flag": "yes"}
    assert all(isinstance(v, str) for v in (doc["rate"], doc["from"], doc["count"], doc["flag"]))


def test_plain_words_are_strings():
    assert load("general: Free\norigin: CN\nunit: No.\n", "t.yaml") == {"general": "Free", "origin": "CN",
                                                                         "unit": "No."}


def test_block_scalars_and_explicit_str_are_strings():
    assert load("a: |\n  12\n", "t.yaml") == {"a": "12\n"}
    assert load("a: !!str 1.5\n", "t.yaml") == {"a": "1.5"}
    assert load('a: !!float "1.5"\n', "t.yaml") == {"a": "1.5"}   # quoted: still text


@pytest.mark.parametrize("text", ["a: null\n", "a: ~\n", "a:\n"])
def test_null_is_the_one_plain_scalar_with_a_meaning(text):
    assert load(text, "t.yaml") == {"a": None}


@pytest.mark.parametrize("text, line, value, kind", [
    ('x: "1"\nrate: 0.25\n', 2, "0.25", "a float"),
    ("rate: .inf\n", 1, ".inf", "a float"),
    ("count: 12\n", 1, "12", "an integer"),
    ("code: 0x1F\n", 1, "0x1F", "an integer"),
    ("time: 1:30\n", 1, "1:30", "an integer"),          # YAML 1.1 sexagesimal
    ("origin: [NO]\n", 1, "NO", "a boolean"),
    ("flag: yes\n", 1, "yes", "a boolean"),
    ("flag: true\n", 1, "true", "a boolean"),
    ("dates:\n  from: 2018-07-06\n", 2, "2018-07-06", "a date"),
    ("list:\n  - \"a\"\n  - 3.4\n", 3, "3.4", "a float"),
])
def test_unquoted_number_boolean_or_date_is_refused_at_its_line(text, line, value, kind):
    error = refused(text, "measures/x.yaml")
    assert error.where == f"measures/x.yaml:{line}"
    assert error.reason == f"unquoted value {value!r} would load as {kind}; quote it (\"{value}\")"


def test_duplicate_key_is_refused_at_the_second_occurrence():
    error = refused('a: "1"\nb: "2"\na: "3"\n')
    assert (error.where, error.reason) == ("t.yaml:3", "duplicate key 'a'")


def test_duplicate_key_in_a_nested_mapping():
    error = refused('top:\n  unit: "No."\n  unit: "kg"\n')
    assert (error.where, error.reason) == ("t.yaml:3", "duplicate key 'unit'")


@pytest.mark.parametrize("text, tag", [
    ('a: !!python/object:os.system "ls"\n', "tag:yaml.org,2002:python/object:os.system"),
    ('a: !custom "x"\n', "!custom"),
])
def test_other_tags_are_refused(text, tag):
    error = refused(text)
    assert (error.where, error.reason) == ("t.yaml:1", f"YAML tag {tag!r} is not allowed")


def test_complex_keys_are_refused():
    error = refused('? [a, b]\n: "1"\n')
    assert (error.where, error.reason) == ("t.yaml:1", "mapping keys must be plain text")


def test_keys_are_strings_even_when_they_look_like_numbers():
    assert load('1: "a"\n', "t.yaml") == {"1": "a"}


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file_is_refused(text):
    error = refused(text)
    assert (error.where, error.reason) == ("t.yaml:1", "file is empty")


def test_syntax_error_names_file_and_line():
    error = refused('a: "ok"\nb: [1,\nc: "x\n')
    assert error.where.startswith("t.yaml:")
    assert int(error.where.rsplit(":", 1)[1]) >= 2
    assert error.reason.startswith("YAML syntax: ")


def test_a_second_document_is_refused():
    error = refused('a: "1"\n---\nb: "2"\n')
    assert error.where == "t.yaml:2" and error.reason.startswith("YAML syntax: ")


def test_anchors_and_aliases_are_resolved_to_the_same_strings():
    doc = load('a: &x "1"\nb: *x\nm: &y {k: "v"}\nn: *y\n', "t.yaml")
    assert doc == {"a": "1", "b": "1", "m": {"k": "v"}, "n": {"k": "v"}}


def test_an_alias_to_a_surprising_scalar_is_still_refused():
    error = refused("a: &x 0.25\nb: *x\n")
    assert error.where == "t.yaml:1" and "would load as a float" in error.reason


# ------------------------------------------------------------------ locations

TEXT = '''\
top:
  list:
    - "a"
    -
      "b"
  k: "v"
other: "x"
'''


def test_mappings_and_lists_remember_file_and_lines():
    doc = load(TEXT, "hts/batteries.yaml")
    assert isinstance(doc, Located) and isinstance(doc["top"], Located)
    assert isinstance(doc["top"]["list"], LocatedList)
    assert doc.file == "hts/batteries.yaml"
    assert doc.key_lines == {"top": 1, "other": 7}
    assert doc["top"].key_lines == {"list": 2, "k": 6}


def test_where_names_a_key_s_line_or_the_mapping_s_own():
    doc = load(TEXT, "hts/batteries.yaml")
    assert doc.where() == "hts/batteries.yaml:1"
    assert doc.where("other") == "hts/batteries.yaml:7"
    assert doc["top"].where("k") == "hts/batteries.yaml:6"
    assert doc["top"].where() == "hts/batteries.yaml:2"            # the mapping starts at its first key
    assert doc["top"].where("missing") == "hts/batteries.yaml:2"   # an absent key: the mapping itself


def test_where_names_a_list_item_s_line_or_the_list_s_own():
    items = load(TEXT, "f.yaml")["top"]["list"]
    assert items == ["a", "b"]
    assert items.where(0) == "f.yaml:3"
    assert items.where(1) == "f.yaml:5"          # the item's own line, not its dash
    assert items.where() == "f.yaml:3"
    assert items.where(9) == "f.yaml:3"          # out of range: the list itself


def test_the_located_values_compare_as_plain_dicts_and_lists():
    doc = load(TEXT, "f.yaml")
    assert doc == {"top": {"list": ["a", "b"], "k": "v"}, "other": "x"}
