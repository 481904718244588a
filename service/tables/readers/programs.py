"""``programs.yaml``: programs in filing order, and the special tariff programs."""
from __future__ import annotations

from service.model.errors import TableError
from service.model.programs import SPECIAL_PROGRAM_CODE, Program, SpecialProgram
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

PROGRAMS = Keys({"programs", "special_programs"})
PROGRAM = Keys({"id", "title", "filing_rank"}, {"cite", "note"})
SPECIAL_PROGRAM = Keys({"code", "name", "countries", "from", "cite", "confidence"}, {"to", "url", "checked", "note"})


def read_programs(reader: Reader) -> tuple[dict[str, Program], dict[str, SpecialProgram]]:
    node = reader.read_mapping(reader.dir / "programs.yaml")
    f.check_keys(node, PROGRAMS)
    return _read_programs(node), _read_specials(reader, node)


def _read_programs(node: Located) -> dict[str, Program]:
    programs = {}
    items = f.list_of(node, "programs")
    for i, p in enumerate(items):
        p = f.expect_map(p, items.where(i))
        f.check_keys(p, PROGRAM)
        pid = f.text(p, "id")
        rank = f.text(p, "filing_rank")
        if not rank.isdigit():
            raise TableError(p.where("filing_rank"), "'filing_rank' must be a whole number in quotes")
        if pid in programs:
            raise TableError(p.where("id"), f"program {pid!r} defined twice")
        programs[pid] = Program(pid, f.text(p, "title"), int(rank))
    return programs


def _read_specials(reader: Reader, node: Located) -> dict[str, SpecialProgram]:
    specials = {}
    items = f.list_of(node, "special_programs")
    for i, s in enumerate(items):
        s = f.expect_map(s, items.where(i))
        f.check_keys(s, SPECIAL_PROGRAM)
        f.confidence(s)
        code = f.text(s, "code")
        if not SPECIAL_PROGRAM_CODE.match(code):
            raise TableError(s.where("code"), f"malformed special program code {code!r}")
        if code in specials:
            raise TableError(s.where("code"), f"special program {code!r} defined twice")
        specials[code] = SpecialProgram(code, f.text(s, "name"), reader.country_set(s, "countries") or frozenset(),
                                        f.date_of(s, "from"), f.date_of(s, "to", False), f.text(s, "cite"))
    return specials
