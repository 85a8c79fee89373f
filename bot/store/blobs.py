"""Where packet captures go: one blob container, and the short-lived SAS URL Azure writes with.

`StopPacketCapture` needs `sasUrl`: a URL of a container that Azure writes the capture file
into. It is minted at the moment of the stop, valid for `minutes` (the stop's LRO and the
upload), with only the rights an upload needs (create, write, add — no read, list or
delete), and never stored, queued or logged (the capture's location is the container URL
without it).

`VPNOPS_CAPTURE_STORAGE` names the account, as the store's is named:
* an account's blob endpoint (`https://<account>.blob.core.windows.net`): a **user
  delegation SAS**, signed with a key Azure AD issues to the bot's own identity
  (DefaultAzureCredential), so no account key exists anywhere; the identity needs
  "Storage Blob Delegator" on the account (`Microsoft.Storage/storageAccounts/blobServices/
  generateUserDelegationKey/action`) and "Storage Blob Data Contributor" on the container
  (a user delegation SAS grants no more than its signer has) —
  https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas;
* a connection string with an account key (Azurite, a dev account): an account-key SAS.
`VPNOPS_CAPTURE_CONTAINER` is the container (created when missing).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

log = structlog.get_logger("bot.store")

# A clock a little behind on Azure's side must not find the SAS not yet valid.
_START_SKEW = timedelta(minutes=5)


class CaptureBlobs:
    """`commands.core.port.CaptureStorage` on Azure Blob Storage (or Azurite)."""

    def __init__(self, storage: str, container: str, credential: Any = None) -> None:
        self._storage = storage.strip()
        self._container = container
        self._credential = credential
        self._lock = threading.Lock()
        self._service: Any = None

    @property
    def _uses_key(self) -> bool:
        return "accountkey=" in self._storage.lower()

    def _client(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        with self._lock:
            if self._service is None:
                if self._uses_key:
                    self._service = BlobServiceClient.from_connection_string(self._storage)
                else:
                    credential = self._credential
                    if credential is None:
                        from azure.identity import DefaultAzureCredential

                        credential = DefaultAzureCredential()
                    self._service = BlobServiceClient(account_url=self._storage.rstrip("/"), credential=credential)
            return self._service

    def container_url(self) -> str:
        """The container's URL, without any token (what the thread shows)."""
        return str(self._client().get_container_client(self._container).url)

    def upload_sas_url(self, minutes: int) -> str:
        """A container SAS URL, valid `minutes`, that can create and write blobs only."""
        from azure.core.exceptions import AzureError, ResourceExistsError
        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        service = self._client()
        container = service.get_container_client(self._container)
        try:
            container.create_container()
        except ResourceExistsError:
            pass
        except AzureError as exc:
            # deploy/ creates the container; an identity with data rights on it only may not
            # create one. Mint anyway: Azure's own write says whether the container is there.
            log.warning("capture_container_not_created", container=self._container, error=type(exc).__name__)
        now = datetime.now(UTC)
        start, expiry = now - _START_SKEW, now + timedelta(minutes=minutes)
        permission = ContainerSasPermissions(write=True, create=True, add=True)
        if self._uses_key:
            token = generate_container_sas(
                service.account_name,
                self._container,
                account_key=service.credential.account_key,
                permission=permission,
                start=start,
                expiry=expiry,
            )
        else:
            key = service.get_user_delegation_key(start, expiry)
            token = generate_container_sas(
                service.account_name,
                self._container,
                user_delegation_key=key,
                permission=permission,
                start=start,
                expiry=expiry,
            )
        return f"{container.url}?{token}"

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def capture_blobs(storage: str, container: str) -> CaptureBlobs | None:
    """The capture storage configured, None when none is (captures then cannot be collected)."""
    return CaptureBlobs(storage, container) if storage else None
