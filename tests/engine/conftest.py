"""Pure-Python tests of the decision engine: no Odoo, no database.

Run with ``make test`` (or ``pytest tests/engine`` with the repository root on
``PYTHONPATH``); the package under test is imported as ``engine``.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
