"""Alembic migrations of the officekit store (applied by ``Office.open``)."""
