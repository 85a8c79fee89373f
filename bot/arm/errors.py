"""Every SDK / HTTP failure → `commands.core.errors.AzureFailure`, the only failure the domain knows.

| What happened                                   | kind            |
|-------------------------------------------------|-----------------|
| 401, or the credential could not get a token    | unauthenticated |
| 403 (AuthorizationFailed, LinkedAuthorization…) | forbidden       |
| 404                                             | not_found       |
| 409, 412                                        | conflict        |
| 400, 422 and other 4xx (ARM code kept)          | bad_request     |
| 429 after the retries                           | throttled       |
| 429 RetryableErrorDueToAnotherOperation         | conflict        |
| 5xx after the retries                           | unavailable     |
| no answer in time, connection refused/reset     | timeout         |
| a long-running operation that ended Failed      | failed          |

ARM's `code` and `message` are kept (e.g. RemoteVnetHasNoGateways) so the domain can explain
them. A 429 whose code (or a detail's code) is `RetryableErrorDueToAnotherOperation` is not
throttling: another operation holds the resource ("Operation PutSubnetOperation (…) is updating
resource …"); it is a `conflict` with that code and the detail's message, so the caller waits
for that operation and plans again instead of being told to slow down. Only the error body's code/message are read, never a success body, so a shared key
cannot end up in a failure.
"""

from __future__ import annotations

import json
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    DecodeError,
    HttpResponseError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceResponseError,
)

from commands.core.errors import AzureFailure

_MAX_MESSAGE = 600

_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    408: "timeout",
    409: "conflict",
    412: "conflict",
    422: "bad_request",
    429: "throttled",
}


def to_failure(exc: BaseException, target: str = "") -> AzureFailure:
    """The AzureFailure that `exc` means, about `target` (an id or words)."""
    if isinstance(exc, AzureFailure):
        return exc
    if isinstance(exc, IncompleteReadError):
        # The connection broke mid-body: a transport failure, like a reset.
        return AzureFailure("timeout", "the connection broke while Azure was answering", "", target, None)
    if isinstance(exc, HttpResponseError):
        return _from_http(exc, target)
    if isinstance(exc, ServiceRequestError):
        text = str(getattr(exc, "message", "") or exc)
        if "non-TLS" in text:
            # azure-core's bearer policy refused to send the token over plain HTTP.
            return AzureFailure(
                "unauthenticated",
                "refused to send the bot's token over plain HTTP; use https (or a loopback sandbox URL)",
                "InsecureTransport",
                target,
                None,
            )
        return AzureFailure("timeout", f"could not reach Azure ({_transport_reason(exc)})", "", target, None)
    if isinstance(exc, ServiceResponseError):
        return AzureFailure("timeout", f"Azure did not answer in time ({_transport_reason(exc)})", "", target, None)
    if isinstance(exc, AzureError):
        return AzureFailure("failed", _short(_reason(exc)), "", target, None)
    if isinstance(exc, ValueError):
        # A body the SDK could not read (e.g. a 200 that is not JSON).
        return AzureFailure("failed", "Azure's answer could not be read", "UnreadableResponse", target, None)
    return AzureFailure("failed", _short(type(exc).__name__), "", target, None)


# ARM's code for "another operation is changing this resource" (429, usually as the detail of
# a "RetryableError"; e.g. cloudfoundry/bosh-azure-cpi-release#179,
# kubernetes-sigs/cluster-api-provider-azure#4385).
ANOTHER_OPERATION = "RetryableErrorDueToAnotherOperation"


def another_operation(exc: HttpResponseError) -> str | None:
    """The message of a RetryableErrorDueToAnotherOperation answer (top level or a detail),
    None when the answer is something else."""
    code, message = _code_and_message(exc)
    if code == ANOTHER_OPERATION:
        return message
    for d_code, d_message in _details(exc):
        if d_code == ANOTHER_OPERATION:
            return d_message
    return None


def says_another_operation(body: str) -> bool:
    """Whether an ARM error body (JSON text) is RetryableErrorDueToAnotherOperation."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return False
    node = data.get("error") if isinstance(data, dict) else None
    if not isinstance(node, dict):
        return False
    raw = node.get("details")
    details: list[Any] = raw if isinstance(raw, list) else []
    codes = [node.get("code")] + [d.get("code") for d in details if isinstance(d, dict)]
    return ANOTHER_OPERATION in codes


def _from_http(exc: HttpResponseError, target: str) -> AzureFailure:
    status = exc.status_code
    code, message = _code_and_message(exc)
    busy = another_operation(exc)
    if busy is not None:
        return AzureFailure("conflict", _short(busy or message), ANOTHER_OPERATION, target, status)
    if isinstance(exc, ClientAuthenticationError) and (status is None or status == 401):
        # Also raised by azure-identity when no credential could produce a token.
        return AzureFailure("unauthenticated", _short(message or _reason(exc)), code, target, status)
    if isinstance(exc, DecodeError) and (status is None or status < 400):
        return AzureFailure("failed", "Azure's answer could not be read", code or "UnreadableResponse", target, status)
    if status is None or status < 400:
        # A long-running operation that ended Failed/Canceled: azure-core raises it with the
        # last status response (200), whose body holds {"status": "Failed", "error": {...}}.
        return AzureFailure("failed", _short(message or "the operation failed"), code, target, status)
    if status in _BY_STATUS:
        kind = _BY_STATUS[status]
    elif status >= 500:
        kind = "unavailable"
    else:
        kind = "bad_request"
    retry_after = _retry_after_s(exc) if kind == "throttled" else None
    return AzureFailure(kind, _short(message or (exc.reason or "")), code, target, status, retry_after)


def _retry_after_s(exc: HttpResponseError) -> float | None:
    """The Retry-After (seconds) of a 429, so the answer can say when to try again."""
    response = getattr(exc, "response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _code_and_message(exc: HttpResponseError) -> tuple[str, str]:
    err = exc.error
    if err is not None and (err.code or err.message):
        return str(err.code or ""), str(err.message or "")
    body = _json_body(exc)
    node: Any = body.get("error") if isinstance(body.get("error"), dict) else body
    if isinstance(node, dict):
        return str(node.get("code") or ""), str(node.get("message") or "")
    return "", ""


def _details(exc: HttpResponseError) -> list[tuple[str, str]]:
    """(code, message) of each entry of the error's `details`."""
    err = exc.error
    found: Any = getattr(err, "details", None) if err is not None else None
    if isinstance(found, list) and found:
        return [(str(getattr(d, "code", "") or ""), str(getattr(d, "message", "") or "")) for d in found]
    node = _json_body(exc).get("error")
    details = node.get("details") if isinstance(node, dict) else None
    if not isinstance(details, list):
        return []
    return [(str(d.get("code") or ""), str(d.get("message") or "")) for d in details if isinstance(d, dict)]


def _json_body(exc: HttpResponseError) -> dict[str, Any]:
    try:
        text = exc.response.text() if exc.response is not None else ""
        data = json.loads(text) if text else {}
    except Exception:  # noqa: BLE001 - an unreadable error body just has no code
        return {}
    return data if isinstance(data, dict) else {}


# urllib3's own words ("HTTPConnectionPool(host='…', port=443): Read timed out. (read
# timeout=15)") mean nothing to a Slack user and name hosts; say which of these it was.
_TRANSPORT_REASONS = (
    ("read timed out", "no answer before the read timeout"),
    ("timed out", "the connection timed out"),
    ("connection refused", "connection refused"),
    ("connection reset", "connection reset"),
    ("name or service not known", "the ARM host name did not resolve"),
    ("temporary failure in name resolution", "the ARM host name did not resolve"),
    ("certificate", "TLS certificate problem"),
    ("ssl", "TLS problem"),
)


def _transport_reason(exc: BaseException) -> str:
    text = _reason(exc).lower()
    for needle, words in _TRANSPORT_REASONS:
        if needle in text:
            return words
    return "network error"


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "inner_exception", None)
    text = str(getattr(exc, "message", "") or "") or type(exc).__name__
    if inner is not None and type(inner).__name__ not in text:
        text = f"{text} ({type(inner).__name__})"
    return text


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
