"""The reports framework: what every report of Reportes shares (docs/reports.md).

A report declares its filters (``FilterSpec``), its components (summary, time series, log
selectors and serializers) and its page (``Report`` in ``registry``); the framework parses and
validates the query (``query``), resolves the period (``reports.periods``), fixes the buckets of
the time series (``buckets``), the states (``states``), the API views (``api``) and the page
shell (``pages``). A report never copies another report's code.
"""
