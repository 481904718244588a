import pytest

from service import load_tables, parse_line, quote


@pytest.fixture(scope="session")
def tables():
    return load_tables()


@pytest.fixture(scope="session")
def q(tables):
    """Quote one line from keyword arguments given as strings."""

    def _q(hts, origin, entry_date, value="100000", **facts):
        data = {"hts": hts, "origin": origin, "entry_date": entry_date, "value": value, **facts}
        return quote(tables, parse_line(data, tables.aliases))

    return _q


def layer(result, program, heading=None):
    """The one layer of a program (and heading) in a quote, or None."""
    found = [x for x in result["layers"] if x["program"] == program and (heading is None or x["heading"] == heading)]
    assert len(found) <= 1, found
    return found[0] if found else None
