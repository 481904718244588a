"""Watching the official sources for changes that may touch the tables.

``tariff-stack sync`` reads the USITC HTS service, the Federal Register, CBP's
CSMS messages and the Federal Reserve's H.10 exchange rates, compares what it
finds with the loaded tables and writes a review report (Markdown for people,
JSON for tools).  It never changes a rate by itself: a draft YAML change is
applied only when the user asks, and then through the normal loader and checks.

Modules:

* ``sources``  -- the sources, their base URLs and the environment variables that override them;
* ``http``     -- one HTTP client (timeouts, retries with back-off, User-Agent, conditional requests);
* ``findings`` -- what a source reports: ``Finding``, ``SourceResult``, ``SourceError``;
* ``coverage`` -- what the tables cover (lines, chapter 99 headings, cases, currencies), read once;
* ``state``    -- what the last run saw (dates, message numbers, validators), kept in a JSON file;
* one module per source (``usitc``, ``fedreg``, ``csms``, ``fx``) with ``run(ctx) -> SourceResult``;
* ``run``, ``report`` and ``apply``: the orchestration, the report and the draft applier.

The package sits beside ``web`` in the layers (it reads ``tables`` and ``model``;
nothing below it imports it), and it is the only one that imports ``requests``.
"""
