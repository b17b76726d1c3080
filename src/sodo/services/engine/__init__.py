"""The indicator engine: record-computed indicator definitions (YAML), compiled with Ibis into one
aggregate pass per dataset, rolled up over the org-unit hierarchy and periods, and scored into the
766 service index.

Stages, each a module:

- :mod:`.definitions` — the definition format (filters, measures, indicators, the 766 index);
- :mod:`.compiler` — definitions -> one Ibis aggregate per dataset, grouped by (unit, month);
- :mod:`.rollup` — (unit, month) sums -> every ancestor and every period type, as sums;
- :mod:`.scoring` — sums -> values: ratios of sums, 766 scores, group scores, total, ranks;
- :mod:`.compute` — orchestration against a workspace, with incremental recompute.
"""
