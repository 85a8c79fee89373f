"""The private link zone catalogue."""

from __future__ import annotations

from commands.findings.dns.zones import SQL_ZONE, private_link_zone
from tests.unit.commands.findings.dns.builders import (
    RG,
    SQL_EUN,
)


def test_generic_zone_table_covers_storage_and_key_vault() -> None:
    blob = f"{RG}/rg/providers/Microsoft.Storage/storageAccounts/stacct"
    kv = f"{RG}/rg/providers/Microsoft.KeyVault/vaults/kv1"
    assert private_link_zone(blob, "blob").zone == "privatelink.blob.core.windows.net"  # type: ignore[union-attr]
    assert private_link_zone(kv, "vault").public_suffix == "vault.azure.net"  # type: ignore[union-attr]
    assert private_link_zone(SQL_EUN, "sqlServer") is SQL_ZONE
