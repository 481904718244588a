"""What every source's ``run`` receives."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.sync.coverage import Coverage
from service.sync.http import Fetcher
from service.sync.sources import base_url
from service.tables.tables import Tables


@dataclass
class SyncContext:
    tables: Tables
    coverage: Coverage
    fetcher: Fetcher
    today: date
    since: dict = field(default_factory=dict)    # source name -> what the last run saw (state["sources"][name])
    environ: dict | None = None                   # for base URLs; None means os.environ
    # A source with no ``since`` (its first run) starts from ``start``: ``--since``, else the
    # tables' meta ``verified_against``, else their as-of date.  ``verified`` is the tables'
    # ``verified_against`` as a flat dict of strings ({} when the tables do not say).
    start: date | None = None
    verified: dict = field(default_factory=dict)

    def base(self, name: str) -> str:
        return base_url(name, self.environ)
