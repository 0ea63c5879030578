"""Alembic environment: run on the connection ``ledger.database`` hands over, in its transaction."""
from alembic import context

from ledger.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
