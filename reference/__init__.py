"""Reference data: Vietnam's administrative units, current (since 1 July 2025) and legacy
(the pre-2025 district level that historical evaluation years were reviewed by).

Import ``reference.units`` for lookups; ``python -m reference.legacy import FILE`` installs a
province's legacy divisions. See docs/reference-data.md.
"""
