"""Decision logic of account_cobranza, in plain Python.

Nothing here imports Odoo: functions take and return small immutable values (dataclasses,
tuples, dates, decimals) so they are unit-tested with pytest and hypothesis in
milliseconds.  The Odoo models under ``models/`` load data in sets, call these functions and
write the results back.
"""
