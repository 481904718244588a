"""The official sources sync reads, their base URLs, and the environment variables that override them.

A mirror or a test server stands in for a source by setting its variable, e.g.
``TARIFF_STACK_SOURCE_USITC=http://127.0.0.1:8765/usitc``.  Paths below each
base follow the real service (see ``../shared/docs/data-sources.md``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    env: str
    default: str

    def base(self, environ=None) -> str:
        environ = os.environ if environ is None else environ
        return (environ.get(self.env) or self.default).rstrip("/")


SOURCES = {s.name: s for s in (
    Source("usitc", "USITC Harmonized Tariff Schedule (reststop)", "TARIFF_STACK_SOURCE_USITC",
           "https://hts.usitc.gov/reststop"),
    Source("federal_register", "Federal Register API", "TARIFF_STACK_SOURCE_FEDERAL_REGISTER",
           "https://www.federalregister.gov/api/v1"),
    Source("csms_widget", "CBP CSMS messages (GovDelivery widget)", "TARIFF_STACK_SOURCE_CSMS_WIDGET",
           "https://content.govdelivery.com/accounts/USDHSCBP/widgets/USDHSCBP_WIDGET_2"),
    Source("csms_rss", "CBP CSMS messages (GovDelivery RSS)", "TARIFF_STACK_SOURCE_CSMS_RSS",
           "https://public.govdelivery.com/accounts/USDHSCBP"),
    Source("h10", "Federal Reserve H.10 (Data Download Program)", "TARIFF_STACK_SOURCE_H10",
           "https://www.federalreserve.gov/datadownload"),
    Source("treasury", "Treasury Reporting Rates of Exchange (fallback, not certified)", "TARIFF_STACK_SOURCE_TREASURY",
           "https://api.fiscaldata.treasury.gov/services/api/fiscal_service"),
)}


def base_url(name: str, environ=None) -> str:
    return SOURCES[name].base(environ)
