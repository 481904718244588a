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
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(max_retries=retries)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.timeout = timeout
        self.validators = dict(validators or {})   # url -> {"etag": ..., "last_modified": ...}
        self.requests = 0
        self.not_modified = 0

    def get(self, source: str, url: str, params=None, conditional: bool = False):
        """The response, or :data:`NOT_MODIFIED` when a conditional request answered 304 Not Modified."""
        key = request_url(url, params)
        headers = self._conditional_headers(key) if conditional else {}
        self.requests += 1
        try:
            resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(source, url, f"request failed: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 304 and conditional:
            self.not_modified += 1
            return NOT_MODIFIED
        if resp.status_code != 200:
            raise SourceError(source, resp.url, f"HTTP {resp.status_code}")
        if len(resp.content) > MAX_BYTES:
            raise SourceError(source, resp.url, f"answer of {len(resp.content)} bytes is larger than {MAX_BYTES}")
        self._remember(key, resp)
        return resp

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

    def _conditional_headers(self, url: str) -> dict:
        seen = self.validators.get(url) or {}
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        return headers

    def _remember(self, url: str, resp: requests.Response) -> None:
        etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        if etag or modified:
            self.validators[url] = {"etag": etag, "last_modified": modified}


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
