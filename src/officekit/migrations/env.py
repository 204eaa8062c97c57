"""Alembic environment: runs on the connection officekit hands over."""

from __future__ import annotations

from alembic import context

from officekit.core.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - officekit always passes one
    raise RuntimeError("officekit migrations run through officekit.core.store.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
