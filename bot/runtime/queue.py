"""Jobs through an Azure Storage Queue: the hand-off between the Slack ack and the worker
on Azure Functions.

* `QueueDispatcher.submit(job)` (on the 3-second ack path) puts the Job on the queue,
  sealed with an HMAC (`bot.runtime.signing.JobSeal`: a job carries no authority of its
  own), base64-encoded, because the Functions queue trigger decodes base64 by default
  (host.json `extensions.queues.messageEncoding`). A message holds what the worker needs
  and nothing secret beyond the interaction's `response_url`.
* The queue-triggered function (`bot/functions.py` → `bot.runtime.host.run_message`)
  hands the decoded body to `decode_job`, which opens the seal (a forged or tampered
  message runs nothing), and guards the run with
  `bot.runtime.ledger.JobLedger`, so a message delivered again (the Storage Queue promises
  at-least-once delivery) never answers or applies twice.
* After `maxDequeueCount` failed runs the host moves the message to `<queue>-poison`;
  the poison function tells the user their command failed.

Where the queue lives is `VPNOPS_STORAGE_CONNECTION` (else `AzureWebJobsStorage`):

* a connection string with a key or SAS (Azurite in tests, `UseDevelopmentStorage=true`
  with a local Azurite);
* on Azure (deploy/modules/function.bicep) the account's endpoint URL, e.g.
  `https://<account>.table.core.windows.net` as the table store also reads it, or an
  endpoints-only connection string: no key exists (the account has
  allowSharedKeyAccess=false), so the client signs in with the managed identity that
  AZURE_CLIENT_ID names, which holds "Storage Queue Data Contributor".

azure.storage.queue is imported on first use, not at import time, so the Functions
cold start (function_app import) does not pay for it.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.logging import get_logger
from bot.runtime.jobs import Job
from bot.runtime.signing import ForgedJob, JobSeal

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient

log = get_logger(__name__)

__all__ = [
    "DEFAULT_QUEUE",
    "QueueDispatcher",
    "QueueError",
    "approximate_length",
    "decode_job",
    "encode_job",
    "poison_queue_name",
    "queue_client",
]

DEFAULT_QUEUE = "vpnops-jobs"
# A response_url lives 30 minutes; a job still queued after an hour can only confuse.
MESSAGE_TTL_S = 60 * 60
# Slack drops the request at 3 s: the enqueue must succeed or fail well within it (two
# tries of at most 1 s each plus a 0.2 s pause; a healthy enqueue takes ~20 ms).
_ENQUEUE_TIMEOUT_S = 1
# Azure's rule for queue names: 3-63 lowercase letters, digits and single dashes.
_QUEUE_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
# The development account Azurite and the Functions Core Tools use for
# "UseDevelopmentStorage=true" (published in Azure's docs; not a secret).
_DEV_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
)


class QueueError(RuntimeError):
    """The queue could not be reached or used. The message says what to check and never
    holds the connection string."""


def poison_queue_name(queue_name: str) -> str:
    """The queue the Functions host moves a message to after maxDequeueCount failures."""
    return f"{queue_name}-poison"


# ---------------------------------------------------------------------------------------
# Message format
# ---------------------------------------------------------------------------------------


def encode_job(job: Job, seal: JobSeal) -> str:
    """The queue message text for a job: sealed (JSON), base64-encoded (the Functions
    host's default `messageEncoding`)."""
    return base64.b64encode(seal.seal(job).encode("utf-8")).decode("ascii")


def decode_job(body: bytes | str, seal: JobSeal) -> Job:
    """A Job from a queue message body, its seal verified.

    The Functions host hands the trigger the *decoded* bytes (JSON); a message read with
    the SDK (tests, tools) is still base64 text. Both are accepted. Raises ForgedJob (a
    ValueError) when the seal does not verify, ValueError saying what was wrong for
    anything else that is not a vpnops job.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    text = raw.strip()
    if not text:
        raise ValueError("empty queue message: expected a vpnops job (JSON)")
    if not text.startswith(b"{"):
        try:
            text = base64.b64decode(text, validate=True).strip()
        except (binascii.Error, ValueError):
            raise ValueError("queue message is neither JSON nor base64 JSON: expected a vpnops job") from None
    try:
        return seal.open(text)
    except ForgedJob:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"queue message is not a vpnops job: {exc}") from None


# ---------------------------------------------------------------------------------------
# Reaching the queue
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    connection_string: str = ""  # with a key or SAS: used as is
    account_url: str = ""  # identity: the queue endpoint of the account


_SERVICE_HOST = re.compile(r"^(https?://[^./]+)\.(?:blob|queue|table|file|dfs)\.(.+?)/?$", re.IGNORECASE)


def _target(connection: str) -> _Target:
    conn = connection.strip()
    if not conn:
        raise QueueError(
            "No storage account for the jobs queue: set VPNOPS_STORAGE_CONNECTION (or AzureWebJobsStorage) to a "
            "connection string, or to https://<account>.queue.core.windows.net for the managed identity."
        )
    if conn.lower().startswith(("http://", "https://")):
        m = _SERVICE_HOST.match(conn)
        if not m:
            # A custom endpoint (Azurite's path-style URL, a private DNS name): as given.
            return _Target(account_url=conn.rstrip("/"))
        return _Target(account_url=f"{m.group(1)}.queue.{m.group(2)}")
    if conn.lower().replace(" ", "") == "usedevelopmentstorage=true":
        return _Target(connection_string=_DEV_STORAGE)
    parts = {}
    for item in conn.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    if "accountkey" in parts or "sharedaccesssignature" in parts:
        return _Target(connection_string=conn)
    if parts.get("queueendpoint"):
        return _Target(account_url=parts["queueendpoint"].rstrip("/"))
    if parts.get("accountname"):
        suffix = parts.get("endpointsuffix", "core.windows.net")
        return _Target(account_url=f"https://{parts['accountname']}.queue.{suffix}")
    raise QueueError(
        "The storage setting for the jobs queue is not understood: it needs an AccountKey or SAS, a QueueEndpoint, "
        "or an AccountName. Example: VPNOPS_STORAGE_CONNECTION=https://<account>.queue.core.windows.net"
    )


def queue_client(connection: str, queue_name: str, *, timeout_s: float = 10) -> QueueClient:
    """A QueueClient for `queue_name` on the account `connection` names (see the module
    docstring), with base64 message encoding and bounded retries/timeouts."""
    from azure.storage.queue import LinearRetry, QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

    if not _QUEUE_NAME.match(queue_name):
        raise QueueError(
            f"VPNOPS_QUEUE={queue_name!r} is not a valid queue name (3-63 lowercase letters, digits and single "
            "dashes, starting and ending with a letter or digit). Example: VPNOPS_QUEUE=vpnops-jobs"
        )
    target = _target(connection)
    # One retry layer (the storage SDK's), kept short: its default ExponentialRetry waits
    # 15 s before the first retry, and on the ack path a slow retry is as bad as a
    # failure, because Slack shows the user an error after 3 s.
    common: dict[str, Any] = {
        "message_encode_policy": TextBase64EncodePolicy(),
        "message_decode_policy": TextBase64DecodePolicy(),
        # (typed int, used as float: the pause is random.uniform(backoff ± jitter))
        "retry_policy": LinearRetry(backoff=0.2, random_jitter_range=0.1, retry_total=1),  # type: ignore[arg-type]
        "connection_timeout": timeout_s,
        "read_timeout": timeout_s,
    }
    if target.connection_string:
        return QueueClient.from_connection_string(target.connection_string, queue_name, **common)
    from azure.identity import DefaultAzureCredential

    # DefaultAzureCredential reads AZURE_CLIENT_ID for the user-assigned identity.
    credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return QueueClient(target.account_url, queue_name, credential=credential, **common)


def approximate_length(connection: str, queue_name: str) -> int:
    """The queue's approximate message count (Azure's own estimate); 0 when the queue
    does not exist yet. Raises QueueError when the account cannot be reached."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    client = queue_client(connection, queue_name, timeout_s=5)
    try:
        return int(client.get_queue_properties().approximate_message_count or 0)
    except ResourceNotFoundError:
        return 0
    except AzureError as exc:
        raise QueueError(f"The queue {queue_name} could not be read ({type(exc).__name__}).") from None
    finally:
        client.close()


# ---------------------------------------------------------------------------------------
# Producer
# ---------------------------------------------------------------------------------------


class QueueDispatcher:
    """`bot.runtime.jobs.Dispatcher` on an Azure Storage Queue (VPNOPS_JOBS=queue).

    The client is built on the first `submit` (so importing the Functions app stays
    cheap) and reused: one TCP/TLS connection per instance, not per request. The queue is
    created when it does not exist yet (Azurite, a fresh account); in Azure the Bicep
    template creates it and the identity also may.
    """

    def __init__(
        self,
        connection: str,
        queue_name: str = DEFAULT_QUEUE,
        *,
        seal: JobSeal,
        ttl_s: int = MESSAGE_TTL_S,
        client_factory: Callable[[], QueueClient] | None = None,
    ) -> None:
        self.queue_name = queue_name
        self.seal = seal
        self.ttl_s = ttl_s
        self._connection = connection
        self._factory = client_factory
        self._client: QueueClient | None = None
        self._lock = threading.Lock()
        _target(connection)  # fail at start-up, with the reason, not at the first /vpn

    def _queue(self) -> QueueClient:
        with self._lock:
            if self._client is None:
                self._client = (
                    self._factory()
                    if self._factory
                    else queue_client(self._connection, self.queue_name, timeout_s=_ENQUEUE_TIMEOUT_S)
                )
            return self._client

    def submit(self, job: Job, delay_s: float = 0) -> None:
        """Enqueue `job` (invisible for `delay_s`, as a re-queued delivery waits for Slack's
        Retry-After). Raises QueueError (with a reason a user may see) on failure."""
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        client = self._queue()
        text = self.seal.seal(job)
        hidden = max(0, min(int(delay_s + 0.999), self.ttl_s - 60)) or None
        started = time.perf_counter()
        try:
            try:
                client.send_message(text, time_to_live=self.ttl_s, visibility_timeout=hidden)
            except ResourceNotFoundError:
                # First use of a fresh account: create the queue, then send once more.
                client.create_queue()
                client.send_message(text, time_to_live=self.ttl_s, visibility_timeout=hidden)
        except AzureError as exc:
            log.error("job_enqueue_failed", error=type(exc).__name__, queue=self.queue_name, **job.log_fields())
            raise QueueError(
                "The job queue is unreachable, so the command was not started. Try again shortly."
            ) from None
        except ValueError:  # the message is over the queue's 64 KiB
            log.error("job_enqueue_failed", error="message_too_large", queue=self.queue_name, **job.log_fields())
            raise QueueError("The job is too large for the queue, so it was not started.") from None
        log.info(
            "job_enqueued",
            queue=self.queue_name,
            enqueue_ms=round((time.perf_counter() - started) * 1000, 1),
            **job.log_fields(),
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
