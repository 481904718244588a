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

    def base(self, name: str) -> str:
        return base_url(name, self.environ)
