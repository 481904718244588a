"""``meta.yaml``: the tables' version, as-of date and coverage start."""
from __future__ import annotations

from datetime import date

from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader

META = Keys({"version", "as_of", "coverage_from"}, {"description"})


def read_meta(reader: Reader) -> tuple[str, date, date]:
    node = reader.read_mapping(reader.dir / "meta.yaml")
    f.check_keys(node, META)
    return f.text(node, "version"), f.date_of(node, "as_of"), f.date_of(node, "coverage_from")
