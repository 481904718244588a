"""``projects/*.yaml``: project templates, typical bills of lines for four kinds of purchase."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from service.model import hts
from service.model.errors import NotCovered, TableError
from service.model.incentives import CREDIT_CLASSES
from service.model.templates import SHARES, Template, TemplateLine
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

TEMPLATE = Keys({"id", "title", "description", "basis", "unit", "lines"})
TEMPLATE_LINE = Keys({"id", "description", "hts", "unit", "quantity"},
                     {"energy_kwh_per_unit", "facts", "note", "credit_class", *SHARES})


def read_template(reader: Reader, path: Path, line_for) -> Template:
    """A template; ``line_for(digits)`` is the covered line of a code (raises NotCovered)."""
    node = reader.read_mapping(path)
    f.check_keys(node, TEMPLATE)
    tid = f.text(node, "id")
    if tid != path.stem:
        raise TableError(node.where("id"), f"template id {tid!r} must equal its file name {path.stem!r}")
    items = f.list_of(node, "lines")
    lines, seen = [], set()
    for i, item in enumerate(items):
        x = f.expect_map(item, items.where(i))
        f.check_keys(x, TEMPLATE_LINE)
        lid = f.text(x, "id")
        if lid in seen:
            raise TableError(x.where("id"), f"duplicate line id {lid!r}")
        seen.add(lid)
        lines.append(_read_line(x, lid, line_for))
    return Template(tid, f.text(node, "title"), f.text(node, "description"), f.text(node, "basis"),
                    f.text(node, "unit"), tuple(lines), node.where("id"))


def _read_line(x: Located, lid: str, line_for) -> TemplateLine:
    digits = _covered_code(x, line_for)
    shares = tuple((name, _number(x, name, at_most=Decimal(1))) for name in SHARES if x.get(name) is not None)
    metal = sum((v for n, v in shares if n in SHARES[:3]), Decimal(0))
    if metal > 1:
        raise TableError(x.where("steel_content_share"), "metal content shares add up to more than 1")
    facts = x.get("facts") or {}
    if not hasattr(facts, "items") or not all(isinstance(v, str) for v in facts.values()):
        raise TableError(x.where("facts"), "facts must map names to text values")
    return TemplateLine(lid, f.text(x, "description"), digits, f.text(x, "unit"), _number(x, "quantity", True),
                        _number(x, "energy_kwh_per_unit"), shares, tuple(sorted(facts.items())),
                        f.text(x, "note", False), x.where(),
                        f.choice(x, "credit_class", CREDIT_CLASSES, None) if "credit_class" in x else None)


def _covered_code(x: Located, line_for) -> str:
    try:
        digits = hts.normalize(f.text(x, "hts"))
        line_for(digits)
    except ValueError as exc:
        raise TableError(x.where("hts"), str(exc)) from None
    except NotCovered as exc:
        raise TableError(x.where("hts"), f"{exc.message} ({exc.hint})") from None
    return digits


def _number(x: Located, key: str, required: bool = False, at_most: Decimal | None = None) -> Decimal | None:
    raw = x.get(key)
    if raw is None:
        if required:
            raise TableError(x.where(key), f"{key!r} must be given")
        return None
    try:
        value = Decimal(raw) if isinstance(raw, str) else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value < 0 or (at_most is not None and value > at_most):
        raise TableError(x.where(key), f"{key!r}: bad number {raw!r}")
    return value
