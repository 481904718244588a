"""The fallback of the ``fx`` source when H.10 cannot be read: Treasury Reporting Rates of Exchange.

``{treasury base}/v1/accounting/od/rates_of_exchange`` (Fiscal Data API) publishes a rate a
quarter per country-currency, for agencies' reports.  These rates are *not* certified by the
Federal Reserve Bank of New York, so 19 CFR 159.31 does not allow them for customs valuation:
every finding says "not certified: Treasury reporting rate, not for customs valuation without
review", and a draft (if applied) becomes a ``treasury`` block that the model uses only after
the certified and the monthly rates, reported as "not certified (Treasury)".
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from service.model import fx_daily as fxd
from service.sync.findings import Draft, Finding, SourceError, SourceResult, Touches
from service.sync.fx_draft import TABLE, block_text

SOURCE = "fx"
LABEL = "not certified: Treasury reporting rate, not for customs valuation without review"
DESCRIPTIONS = {"CNY": "China-Renminbi", "JPY": "Japan-Yen", "CAD": "Canada-Dollar", "MXN": "Mexico-Peso",
                "KRW": "Korea-Won", "EUR": "Euro Zone-Euro"}
PATH = "/v1/accounting/od/rates_of_exchange"
SINCE = timedelta(days=400)          # enough quarters back to see the latest few records


def fallback(ctx, result: SourceResult, wanted: dict, h10_error: SourceError) -> None:
    """Record the H.10 failure and add Treasury findings; raise when Treasury fails too."""
    codes = [c for c in wanted if c in DESCRIPTIONS]
    url = treasury_url(ctx.base("treasury"), codes, ctx.today - SINCE)
    try:
        records = parse(ctx.fetcher.get_json(SOURCE, url), url)
    except SourceError as exc:
        raise SourceError(SOURCE, h10_error.url, f"{h10_error.reason}; the Treasury fallback failed too: "
                                                  f"{exc.reason} ({exc.url})") from None
    result.error = h10_error
    for code in codes:
        mine = sorted(r for r in records if r[0] == DESCRIPTIONS[code])
        result.findings.extend(_finding(code, rec, url, wanted[code]) for rec in mine[-1:])
    result.checked_through = {"treasury": max(r[1] for r in records).isoformat()} if records else {}


def treasury_url(base: str, codes: list[str], since: date) -> str:
    names = ",".join(DESCRIPTIONS[c] for c in codes)
    params = {"fields": "country_currency_desc,exchange_rate,record_date,effective_date",
              "filter": f"country_currency_desc:in:({names}),record_date:gte:{since.isoformat()}",
              "sort": "-record_date", "page[size]": "100"}
    return f"{base}{PATH}?{urlencode(params)}"


def parse(doc, url: str) -> list[tuple[str, date, date, Decimal]]:
    """(country_currency_desc, record_date, effective_date, rate) of each record."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceError(SOURCE, url, "answer has no 'data' list (not the rates_of_exchange shape)")
    out = []
    for item in doc["data"]:
        try:
            record = date.fromisoformat(item["record_date"])
            effective = date.fromisoformat(item.get("effective_date") or item["record_date"])
            rate = Decimal(str(item["exchange_rate"]))
            out.append((str(item["country_currency_desc"]), record, effective, rate))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise SourceError(SOURCE, url, f"record {str(item)[:120]} is not a rates_of_exchange record") from None
    return out


def _finding(code: str, record, url: str, want) -> Finding:
    desc, record_date, effective, rate = record
    to = fxd.quarter_end(record_date + timedelta(days=1))   # reported for the ensuing quarter
    args = {"currency": code, "series": f"Treasury:{desc}", "source": fxd.TREASURY, "quote": fxd.PER_USD,
            "from": effective.isoformat(), "to": to.isoformat(),
            "cite": f"{LABEL}. Treasury Reporting Rates of Exchange (Fiscal Data API rates_of_exchange), {desc}, "
                    f"record date {record_date}, effective {effective}: {rate:f} per USD ({url}); 19 CFR 159.31 "
                    "allows only proclaimed or certified rates",
            "confidence": "unconfirmed", "checked": "Read by tariff-stack sync because H.10 could not be read.",
            "rates": f"{effective.isoformat()}={rate:f}"}
    return Finding(SOURCE, "fx_rates_not_certified", "review", f"{LABEL}: {code} {rate:f} per USD effective "
                   f"{effective}", url, published=record_date, effective=effective,
                   touches=Touches(currencies=(code,)),
                   detail=f"H.10 (the certified rates) could not be read. The table's certified {code} rates end "
                          f"before {want.end}. A Treasury rate is a last resort after the certified and monthly "
                          "rates and every quote that uses it says so.",
                   draft=Draft(TABLE, "fx_daily", args, block_text(args)))
