"""Durable state behind `commands.core.store.Store`: SQLite locally, Azure Tables on Azure.

`store_from_settings(settings)` picks one from `VPNOPS_STORE`:

* `sqlite:PATH` (default `sqlite:.state/vpnops.sqlite`) — a local file;
* `table` or `table:NAME` — Azure Table Storage, table NAME (default "vpnops"), on the
  account given by `VPNOPS_STORAGE_CONNECTION` or else `AzureWebJobsStorage`: a
  connection string (Azurite, or an account key), or an account's table endpoint URL
  (`https://<account>.table.core.windows.net`) reached with the managed identity.

The Azure SDK is imported only when a table store is asked for, so the Slack ack path
and SQLite users never load it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from commands.core.store import Store, StoreError

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["StoreError", "open_store", "store_from_settings"]

_TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,62}$")  # Azure's rule for table names


def store_from_settings(settings: Settings) -> Store:
    """The store `settings.store_url` names. Raises StoreError saying what to set."""
    return open_store(settings.store_url, settings.storage_connection)


def open_store(url: str, storage_connection: str = "") -> Store:
    """Open the store named by a VPNOPS_STORE value (see the module docstring)."""
    url = (url or "sqlite:.state/vpnops.sqlite").strip()
    kind, _, arg = url.partition(":")
    kind = kind.lower()
    if kind == "sqlite":
        from bot.store.sqlite import SqliteStore

        if not arg:
            raise StoreError("VPNOPS_STORE=sqlite: needs a path. Example: VPNOPS_STORE=sqlite:.state/vpnops.sqlite")
        return SqliteStore(arg)
    if kind == "table":
        name = arg or "vpnops"
        if not _TABLE_NAME.match(name):
            raise StoreError(
                f"VPNOPS_STORE table name {name!r} is not a valid Azure table name "
                "(3-63 letters and digits, starting with a letter). Example: VPNOPS_STORE=table:vpnops"
            )
        conn = storage_connection.strip()
        if not conn:
            raise StoreError(
                "VPNOPS_STORE=table needs a storage account: set VPNOPS_STORAGE_CONNECTION (or AzureWebJobsStorage) "
                "to a connection string or to https://<account>.table.core.windows.net for the managed identity."
            )
        from bot.store.tables import TableStore

        if conn.lower().startswith(("https://", "http://")):
            return TableStore.from_account_url(conn.rstrip("/"), name)
        return TableStore.from_connection_string(conn, name)
    raise StoreError(
        f"VPNOPS_STORE={url!r} is not understood: use sqlite:PATH or table[:NAME]. "
        "Example: VPNOPS_STORE=sqlite:.state/vpnops.sqlite"
    )
