"""Reads that return ARM's JSON as is, through an SDK client's own pipeline.

The reads `/vpn status` makes by the hundred (connection and shared-key GETs, the per-group
lists of gateways / connections / local network gateways, the generic resource list) go
through the SDK client's own pipeline (`read_json`: same policies, retries, deadline,
in-flight limit, token, loopback rule — `bot.arm.pipeline`) but return ARM's JSON as is. The
SDK's models would first build a typed object tree from that JSON (~0.3 ms per resource),
which `bot.arm.convert` then turns back into JSON (`as_dict`): a third of a GET's CPU, paid
under one interpreter lock while 16 calls are in flight (docs/performance.md).
They keep the SDK's URLs, api-versions (`NETWORK_API_VERSION`, `RESOURCES_API_VERSION`,
pinned against the SDK by tests/integration/bot/arm/test_raw.py), paging (`nextLink` as
given) and error mapping (`map_error` + `HttpResponseError` in ARM's error format), so
`bot.arm.errors` reads their failures as it reads the SDK operations'.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
    map_error,
)
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat

# The api-versions the SDK operations send (azure-mgmt-network 33, azure-mgmt-resource 26), so
# the raw reads ask ARM exactly what the SDK would.
NETWORK_API_VERSION = "2026-03-01"
RESOURCES_API_VERSION = "2025-04-01"
# Items per page asked of the generic resources list (`$top`).
GENERIC_PAGE = 1000
# What the SDK operations map a non-2xx answer to before HttpResponseError (bot.arm.errors
# reads the status and ARM's error body either way).
_ERROR_MAP: dict[int, type[HttpResponseError]] = {
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    304: ResourceNotModifiedError,
}


def read_json(sdk_client: Any, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """GET `url` through `sdk_client`'s own pipeline (every policy of the SDK's operations:
    retries, Retry-After, deadline, in-flight limit, token) and return ARM's JSON body, with
    no SDK model built on the way. A non-200 answer raises what the SDK's operations raise;
    a body that is not a JSON object raises ValueError."""
    # `_client` is the ARMPipelineClient every generated SDK client keeps; its public
    # `send_request` runs the same pipeline as the client's operations. (The management
    # client's own `send_request` deep-copies the request first, for nothing here.)
    pipeline_client = getattr(sdk_client, "_client", None)
    send = pipeline_client.send_request if pipeline_client is not None else sdk_client.send_request
    response = send(HttpRequest("GET", url, params=params, headers={"Accept": "application/json"}))
    if response.status_code != 200:
        map_error(status_code=response.status_code, response=response, error_map=_ERROR_MAP)
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("ARM answered with JSON that is not an object")
    return body


def list_any_json(sdk_client: Any, url: str, api_version: str) -> list[Any]:
    """Every item of a list that Azure may answer as `{"value": [...], "nextLink"}` (the
    definitions) or as a bare array (the published NatRule list example): both are read."""
    pipeline_client = getattr(sdk_client, "_client", None)
    send = pipeline_client.send_request if pipeline_client is not None else sdk_client.send_request
    items: list[Any] = []
    next_url: str | None = url
    query: dict[str, str] | None = {"api-version": api_version}
    seen: set[str] = set()
    while next_url:
        response = send(HttpRequest("GET", next_url, params=query, headers={"Accept": "application/json"}))
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=_ERROR_MAP)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        body = response.json()
        if isinstance(body, list):
            return items + body
        if not isinstance(body, dict):
            raise ValueError("ARM answered with JSON that is neither a list nor an object")
        items.extend(body.get("value") or ())
        link = body.get("nextLink")
        next_url, query = (str(link), None) if link else (None, None)
        if next_url is not None:
            if next_url in seen:
                raise ValueError("ARM's nextLink points back to a page already read")
            seen.add(next_url)
    return items


def get_json(sdk_client: Any, url: str, api_version: str) -> dict[str, Any]:
    """One resource, as ARM's JSON: GET {url}?api-version=…"""
    return read_json(sdk_client, url, {"api-version": api_version})


def list_json(
    sdk_client: Any, url: str, api_version: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every item of an ARM list, following `nextLink` as given (as the SDK's pagers do)."""
    next_url: str | None = url
    query: dict[str, str] | None = {"api-version": api_version, **(params or {})}
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    while next_url:
        page = read_json(sdk_client, next_url, query)
        items.extend(x for x in page.get("value") or () if isinstance(x, dict))
        next_link = page.get("nextLink")
        next_url, query = (str(next_link), None) if next_link else (None, None)
        if next_url is not None:
            if next_url in seen:  # a server that pages in a circle would otherwise never end
                raise ValueError("ARM's nextLink points back to a page already read")
            seen.add(next_url)
    return items


def generic_list(sdk_client: Any, base_url: str, sub: str, resource_type: str) -> list[dict[str, Any]]:
    """Generic resources of one type in a subscription (`resources` list with $filter), read
    through `sdk_client`, a ResourceManagementClient."""
    return list_json(
        sdk_client,
        base_url + arm_path(sub) + "/resources",
        RESOURCES_API_VERSION,
        # Quoted as the SDK's serializer quotes a query value (the transport leaves ' and /).
        # `$top` (Resources_List, resources.json 2025-04-01): pages of up to GENERIC_PAGE, so a
        # subscription's 400 connections are one round trip and one read, not eight — the list
        # is on the way to the first answer, and every page costs a token of ARM's read bucket.
        {"$filter": quote(f"resourceType eq '{resource_type}'", safe=""), "$top": str(GENERIC_PAGE)},
    )


def arm_path(sub: str, rg: str = "", *type_names: str, provider: str = "Microsoft.Network") -> str:
    """An ARM path with every segment quoted, as the SDK's request builders quote them."""
    out = f"/subscriptions/{quote(sub, safe='')}"
    if rg:
        out += f"/resourceGroups/{quote(rg, safe='')}"
    if type_names:
        out += f"/providers/{provider}/" + "/".join(quote(x, safe="") for x in type_names)
    return out
