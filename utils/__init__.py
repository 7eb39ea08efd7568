"""Plumbing shared by the models, wizards and controllers (no business rule here)."""
