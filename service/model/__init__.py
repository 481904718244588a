"""The model: values and rules of customs law as plain data, with no files and no HTTP.

Money and rates (``money``), dated periods (``periods``), HTS numbers
(``hts``), countries, measures and their dated values (``measures``), covered
lines and their column 1 rates (``hts_lines``, ``rates``), programs, fees,
currency conversion (``fx``), project templates, the tables' own metadata
(``meta``) and freshness (``freshness``: as-of date, age, the two warnings)
and the domain errors.
Imports nothing above it.
"""
