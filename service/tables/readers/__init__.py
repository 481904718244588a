"""One reader per kind of table file; each declares the keys its mappings may hold.

``FILE_KEYS`` names every kind of mapping and its :class:`~service.tables.fields.Keys`:
the JSON Schemas in ``tariff_tables/schema/`` are tested against it, so an
editor's completion and the loader cannot disagree.
"""
