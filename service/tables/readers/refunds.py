"""``refunds/interest.yaml`` and ``refunds/routes.yaml``: overpayment interest and refund routes.

Read like every other table: unknown keys refused (with a did-you-mean),
every dated value cited with its confidence, periods in order and not
overlapping, every defect located at ``file:line`` and collected.
"""
from __future__ import annotations

from pathlib import Path

from service.model.errors import TableError
from service.model.refunds import (COMPOUNDING, WEEKDAYS, WINDOW_KINDS, Citation, InterestRate, InterestTable,
                                   LiquidationRule, RefundTables, Route, RouteRule)
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

INTEREST_FILE = Keys({"id", "title", "basis", "compounding", "values"}, {"description", "note"})
BASIS = Keys({"cite", "confidence"}, {"url", "checked", "note"})
COMPOUNDING_RULE = Keys({"method", "cite", "confidence"}, {"url", "checked", "note"})
INTEREST_VALUE = Keys({"from", "non_corporate", "corporate", "cite", "confidence"}, {"to", "url", "checked", "note"})
ROUTES_FILE = Keys({"title", "liquidation", "overpayment_routes", "contingent_routes", "underpayment_routes",
                    "routes"}, {"description", "note"})
LIQUIDATION = Keys({"from", "days_after_entry", "cite", "confidence"}, {"to", "posted_on", "url", "checked", "note"})
ROUTE = Keys({"id", "title", "values"}, {"description", "note"})
ROUTE_VALUE = Keys({"from", "window", "interest", "cite", "confidence"},
                   {"to", "days_before_liquidation", "max_days_after_entry", "days_after_liquidation",
                    "years_after_entry", "contested", "url", "checked", "note"})
# The day (or year) counts each window kind needs (the others are refused on it).
WINDOW_DAYS = {"before_liquidation": ("days_before_liquidation", "max_days_after_entry"),
               "after_liquidation": ("days_after_liquidation",),
               "refund_process": ("days_after_liquidation",),
               "after_final_liquidation": ("days_after_liquidation",),
               "limitation": ("years_after_entry",),
               "automatic": ("days_after_liquidation",)}
DAY_KEYS = ("days_before_liquidation", "max_days_after_entry", "days_after_liquidation", "years_after_entry")
YES_NO = ("yes", "no")


def read_refunds(reader: Reader, folder: Path) -> RefundTables | None:
    """Both refund tables, or None (with the errors collected) if either fails."""
    interest = routes = None
    with reader.collecting():
        interest = read_interest(reader, folder / "interest.yaml")
    with reader.collecting():
        routes = read_routes(reader, folder / "routes.yaml")
    if interest is None or routes is None:
        return None
    return RefundTables(interest, *routes)


# ------------------------------------------------------------------ interest

def read_interest(reader: Reader, path: Path) -> InterestTable:
    node = _file(reader, path)
    f.check_keys(node, INTEREST_FILE)
    basis = _cited(f.expect_map(node["basis"], node.where("basis")), BASIS)
    rule = f.expect_map(node["compounding"], node.where("compounding"))
    f.check_keys(rule, COMPOUNDING_RULE)
    method = f.choice(rule, "method", COMPOUNDING, "daily")
    items = f.list_of(node, "values")
    values = []
    for i, v in enumerate(items):
        with reader.collecting():
            values.append(_interest_value(f.expect_map(v, items.where(i))))
    if not values:
        raise TableError(node.where("values"), "the interest table needs at least one quarter's rates")
    f.check_periods(values, items.where, "interest")
    return InterestTable(f.text(node, "id"), f.text(node, "title"), basis, method, _cited(rule, COMPOUNDING_RULE),
                         tuple(values))


def _interest_value(v: Located) -> InterestRate:
    f.check_keys(v, INTEREST_VALUE)
    return InterestRate(f.date_of(v, "from"), f.date_of(v, "to", False), f.fraction(v, "non_corporate", True),
                        f.fraction(v, "corporate", True), f.text(v, "cite"), f.confidence(v), v.where(),
                        f.text(v, "url", False))


def _cited(node: Located, keys: Keys) -> Citation:
    f.check_keys(node, keys)
    return Citation(f.text(node, "cite"), f.confidence(node))


# ------------------------------------------------------------------ routes

def read_routes(reader: Reader, path: Path) -> tuple:
    """(routes by id, liquidation rules, overpayment route ids, contingent route ids)."""
    node = _file(reader, path)
    f.check_keys(node, ROUTES_FILE)
    liquidation = _liquidation(node)
    routes: dict[str, Route] = {}
    items = f.list_of(node, "routes")
    for i, r in enumerate(items):
        with reader.collecting():
            route = _route(f.expect_map(r, items.where(i)))
            if route.id in routes:
                raise TableError(items.where(i), f"route {route.id!r} defined twice")
            routes[route.id] = route
    orders = tuple(_route_ids(node, key, routes)
                   for key in ("overpayment_routes", "contingent_routes", "underpayment_routes"))
    return (routes, liquidation, *orders)


def _liquidation(node: Located) -> tuple[LiquidationRule, ...]:
    items = f.list_of(node, "liquidation")
    values = []
    for i, v in enumerate(items):
        v = f.expect_map(v, items.where(i))
        f.check_keys(v, LIQUIDATION)
        posted_on = f.choice(v, "posted_on", WEEKDAYS, "friday") if "posted_on" in v else None
        values.append(LiquidationRule(f.date_of(v, "from"), f.date_of(v, "to", False), _days(v, "days_after_entry"),
                                      f.text(v, "cite"), f.confidence(v), posted_on, f.text(v, "note", False),
                                      v.where()))
    if not values:
        raise TableError(node.where("liquidation"), "'liquidation' needs at least one dated value")
    f.check_periods(values, items.where, "liquidation")
    return tuple(values)


def _route(r: Located) -> Route:
    """One route: its id, title and dated values (window, days, interest, citation)."""
    f.check_keys(r, ROUTE)
    rid = f.text(r, "id")
    if not rid.replace("_", "").isalnum() or rid != rid.lower():
        raise TableError(r.where("id"), f"malformed route id {rid!r} (lower case letters, digits and _)")
    items = f.list_of(r, "values")
    values = tuple(_route_value(f.expect_map(v, items.where(i))) for i, v in enumerate(items))
    if not values:
        raise TableError(r.where("values"), f"route {rid!r} needs at least one dated value")
    f.check_periods(values, items.where, f"route {rid}")
    return Route(rid, f.text(r, "title"), values)


def _route_value(v: Located) -> RouteRule:
    f.check_keys(v, ROUTE_VALUE)
    window = f.choice(v, "window", WINDOW_KINDS, "automatic")
    wanted = WINDOW_DAYS[window]
    for key in DAY_KEYS:
        if key in wanted and key not in v:
            raise TableError(v.where(), f"a {window} window needs {key!r}")
        if key in v and key not in wanted:
            raise TableError(v.where(key), f"{key!r} does not belong to a {window} window")
    days = {key: _days(v, key) for key in wanted}
    return RouteRule(f.date_of(v, "from"), f.date_of(v, "to", False), window,
                     f.choice(v, "interest", YES_NO, "no") == "yes", f.text(v, "cite"), f.confidence(v),
                     contested=f.choice(v, "contested", YES_NO, "no") == "yes", note=f.text(v, "note", False),
                     where=v.where(), **days)


def _route_ids(node: Located, key: str, routes: dict) -> tuple[str, ...]:
    ids = f.list_of(node, key)
    for i, rid in enumerate(ids):
        if rid not in routes:
            raise TableError(ids.where(i), f"{key}: unknown route {rid!r} (known: {', '.join(sorted(routes))})")
    if not ids:
        raise TableError(node.where(key), f"{key!r} needs at least one route id")
    return tuple(ids)


def _days(node: Located, key: str) -> int:
    text = f.text(node, key)
    if not text.isdigit() or not 0 < int(text) <= 3660:
        raise TableError(node.where(key), f"{key!r} must be a whole number of days in quotes (1 to 3660)")
    return int(text)


def _file(reader: Reader, path: Path) -> Located:
    if not path.is_file():
        raise TableError(reader.rel(path), f"refunds/{path.name} is missing (refunds/ needs interest.yaml and "
                                           "routes.yaml)")
    return reader.read_mapping(path)


def check_refund_routes(measures: dict, refunds: RefundTables | None) -> list[TableError]:
    """Every route a legal status names exists in refunds/routes.yaml (and refunds/ exists if one is named)."""
    errors = []
    for m in measures.values():
        status = m.legal_status
        if status is None or status.refund is None:
            continue
        for rid in status.refund.routes:
            if refunds is None or rid not in refunds.routes:
                errors.append(TableError(m.where, f"legal_status refund names unknown route {rid!r} "
                                                  "(refunds/routes.yaml)"))
    return errors
