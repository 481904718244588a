"""``fees/*.yaml``: entry fees (MPF, HMF) with dated rates, bounds and exempt programs."""
from __future__ import annotations

from pathlib import Path

from service.model.errors import TableError
from service.model.fees import Fee
from service.model.measures import MODES
from service.model.programs import SPECIAL_PROGRAM_CODE
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

FEE_FILE = Keys({"id", "title", "values"}, {"description", "modes", "note", "exempt_preferences", "exempt_cite"})
FEE_VALUE = Keys({"from", "rate", "cite", "confidence"}, {"to", "minimum", "maximum", "url", "checked", "note"})


def read_fee_file(reader: Reader, path: Path, fees: dict[str, Fee]) -> None:
    node = reader.read_mapping(path)
    f.check_keys(node, FEE_FILE)
    fid = f.text(node, "id")
    failed = len(reader.errors)
    values = _read_values(reader, node, fid)
    if reader.failed_since(failed):
        return
    modes, exempt = _modes(node), _exempt_preferences(node)
    fees[fid] = Fee(fid, f.text(node, "title"), modes or None, values, exempt, f.text(node, "exempt_cite", False))


def _read_values(reader: Reader, node: Located, fid: str) -> tuple[Fee.Value, ...]:
    items = f.list_of(node, "values")
    values, failed = [], len(reader.errors)
    for i, v in enumerate(items):
        with reader.collecting():
            v = f.expect_map(v, items.where(i))
            f.check_keys(v, FEE_VALUE)
            values.append(Fee.Value(f.date_of(v, "from"), f.date_of(v, "to", False), f.fraction(v, "rate", True),
                                    f.money(v, "minimum"), f.money(v, "maximum"), f.text(v, "cite"),
                                    f.confidence(v), v.where()))
    if reader.failed_since(failed):
        return ()
    f.check_periods(values, items.where, f"fee {fid}")
    return tuple(values)


def _modes(node: Located) -> frozenset[str]:
    modes = f.list_of(node, "modes", False)
    for k, mode in enumerate(modes):
        if mode not in MODES:
            raise TableError(modes.where(k), f"unknown mode {mode!r}")
    return frozenset(modes)


def _exempt_preferences(node: Located) -> frozenset[str]:
    exempt = f.list_of(node, "exempt_preferences", False)
    for k, code in enumerate(exempt):
        if not isinstance(code, str) or not SPECIAL_PROGRAM_CODE.match(code):
            raise TableError(exempt.where(k), f"bad special program indicator {code!r}")
    if exempt and not node.get("exempt_cite"):
        raise TableError(node.where("exempt_preferences"), "exempt_preferences needs exempt_cite")
    return frozenset(exempt)
