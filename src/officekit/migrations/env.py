"""Alembic environment: runs on the connection officekit hands over."""

from __future__ import annotations

from alembic import context

from officekit.core.store import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - officekit always passes one
    raise RuntimeError("officekit migrations run through officekit.core.store.migrate()")

# One env for every set of migrations: the kernel's and each plugin's, each
# with its own version table (see officekit.core.store.migrate).
context.configure(
    connection=connection,
    target_metadata=config.attributes.get("metadata", metadata),
    version_table=config.attributes.get("version_table", "alembic_version"),
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
