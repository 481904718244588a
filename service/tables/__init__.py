"""The tables: reading, checking and browsing ``tariff_tables/``.

``load.load_tables`` reads every file with a reader per kind (``readers/``)
built from the field readers (``fields``) over the strict YAML reader
(``yamlsrc``), runs the cross-file checks (``checks``) and returns a
:class:`~service.tables.tables.Tables`: data and indexes only.  ``documents``
describes measures and lines for the reference endpoints.  Imports the model only.
"""
