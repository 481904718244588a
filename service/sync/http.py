"""One HTTP client for every source: timeouts, retries with back-off, a User-Agent, conditional requests.

Every answer is checked against the shape the caller expects: a JSON source that
answers with an HTML page (the USITC and CROSS services answer unknown paths with
200 and HTML) is a :class:`SourceError`, never parsed as data.  Validators
(``ETag``, ``Last-Modified``) from the previous run are sent back, and a ``304``
is reported as :data:`NOT_MODIFIED`, a marker of its own: never ``None``, which a
JSON body ``null`` also parses to (a source that answers ``null`` is read as an
answer in an unknown shape, not as "the same as last time").
"""
from __future__ import annotations

import json

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from service.sync.findings import SourceError
from service.version import __version__

USER_AGENT = (f"tariff-stack/{__version__} (open-source US import-duty calculator; tables sync; "
              "+https://github.com/tariff-stack/tariff-stack)")
TIMEOUT = (10, 60)            # seconds: connect, read
RETRIES = Retry(total=3, connect=3, read=3, status=3, backoff_factor=1.0,
                status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET", "HEAD"),
                respect_retry_after_header=True, raise_on_status=False)
MAX_BYTES = 50_000_000        # a source answer larger than this is refused


class _NotModified:
    """The answer to a conditional request that the server answered ``304 Not Modified``.

    Falsy, so ``answer or []`` reads it as "nothing new"; compare with ``is NOT_MODIFIED``."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_MODIFIED"


NOT_MODIFIED = _NotModified()


class Fetcher:
    """GET with retries and validators; counts requests and 304s for the report."""

    def __init__(self, validators: dict | None = None, retries: Retry = RETRIES, timeout=TIMEOUT):
        """``validators``: source -> URL (with its query) -> {"etag", "last_modified"}, as the last run kept them."""
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(max_retries=retries)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.timeout, self.attempts = timeout, 1 + (retries.total if isinstance(retries, Retry) and retries.total else 0)
        self.validators = {source: dict(urls) for source, urls in (validators or {}).items()}
        self.kept: dict[str, dict] = {}   # source -> URL -> validators this run's conditional requests earned or
        self.requests = 0                 # had confirmed (a 304): what the state keeps for the next run
        self.not_modified = 0

    def get(self, source: str, url: str, params=None, conditional: bool = False):
        """The response, or :data:`NOT_MODIFIED` when a conditional request answered 304 Not Modified.

        ``conditional``: send the validators this source kept for this URL (if any) and keep the ones the
        answer carries.  Validators are kept per source: two sources asking for one URL never share them."""
        key = request_url(url, params)
        headers = self._conditional_headers(source, key) if conditional else {}
        self.requests += 1
        try:
            resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(source, url, request_failure(exc, self.timeout, self.attempts)) from None
        if resp.status_code == 304 and headers:
            self.not_modified += 1
            self.kept.setdefault(source, {})[key] = self.validators[source][key]
            return NOT_MODIFIED
        if resp.status_code != 200:
            raise SourceError(source, resp.url, f"HTTP {resp.status_code}")
        if len(resp.content) > MAX_BYTES:
            raise SourceError(source, resp.url, f"answer of {len(resp.content)} bytes is larger than {MAX_BYTES}")
        if conditional:
            self._remember(source, key, resp)
        return resp

    def forget(self, source: str, url: str, params=None) -> None:
        """Drop the validators of a URL: its next conditional request is sent without them (a caller that
        cannot reuse the last run's answer), and keeps the new ones."""
        self.validators.get(source, {}).pop(request_url(url, params), None)

    def get_json(self, source: str, url: str, params=None, conditional: bool = False):
        """The parsed body (``None`` for a body ``null``), or :data:`NOT_MODIFIED`."""
        resp = self.get(source, url, params, conditional)
        return resp if resp is NOT_MODIFIED else parse_json(source, resp)

    def get_text(self, source: str, url: str, params=None, conditional: bool = False,
                 expect: tuple[str, ...] = ()):
        """Text of the answer, or :data:`NOT_MODIFIED`; ``expect`` lists acceptable content types (any when empty)."""
        resp = self.get(source, url, params, conditional)
        if resp is NOT_MODIFIED:
            return resp
        ctype = content_type(resp)
        if expect and ctype not in expect:
            raise SourceError(source, resp.url, f"answered {ctype or 'no content type'}, expected {' or '.join(expect)}")
        return resp.text

    def _conditional_headers(self, source: str, url: str) -> dict:
        seen = self.validators.get(source, {}).get(url) or {}
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        return headers

    def _remember(self, source: str, url: str, resp: requests.Response) -> None:
        etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        if etag or modified:
            seen = {"etag": etag, "last_modified": modified}
            self.validators.setdefault(source, {})[url] = self.kept.setdefault(source, {})[url] = seen


def request_url(url: str, params=None) -> str:
    """The URL with its query string, as sent: validators are kept per URL *and* query
    (two ranges of one endpoint are two resources)."""
    if not params:
        return url
    return requests.Request("GET", url, params=params).prepare().url


def content_type(resp: requests.Response) -> str:
    return (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def parse_json(source: str, resp: requests.Response):
    """The JSON body, or a SourceError when the body is HTML or not JSON."""
    ctype = content_type(resp)
    head = resp.content[:200].lstrip().lower()
    if ctype == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        raise SourceError(source, resp.url, f"answered an HTML page ({ctype or 'no content type'}), expected JSON")
    try:
        return json.loads(resp.content)
    except ValueError as exc:
        raise SourceError(source, resp.url, f"answer is not JSON: {exc}") from None


def request_failure(exc: requests.RequestException, timeout, attempts: int = 1) -> str:
    """One short line for a request that got no answer (urllib3's own text runs to several hundred characters)."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    chain = _causes(exc)
    if any(isinstance(e, NewConnectionError) for e in chain):       # urllib3 files it under ConnectTimeoutError
        return f"could not connect: {_innermost(chain)}{tries}"
    if any(isinstance(e, (requests.ConnectTimeout, ConnectTimeoutError)) for e in chain):
        return f"timed out after {connect:g} s connecting{tries}"
    if any(isinstance(e, (requests.ReadTimeout, ReadTimeoutError, TimeoutError)) for e in chain):
        return f"timed out after {read:g} s waiting for the answer{tries}"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect: {_innermost(chain)}{tries}"
    return f"request failed: {type(exc).__name__}: {_innermost(chain)}"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (urllib3 keeps the cause in ``reason``), outermost first."""
    chain = [exc]
    while len(chain) < 10:
        inner = getattr(chain[-1], "reason", None) or chain[-1].__cause__ or chain[-1].__context__
        if not isinstance(inner, BaseException) or inner in chain:
            break
        chain.append(inner)
    return chain


def _innermost(chain: list[BaseException]) -> str:
    """``[Errno 111] Connection refused``, without urllib3's pool, retry and connection-object wrapping."""
    text = str(chain[-1])
    return text.split(": ", 1)[1] if isinstance(chain[-1], NewConnectionError) and ": " in text else text
