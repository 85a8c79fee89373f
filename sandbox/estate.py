"""Estates: the JSON files the ARM emulator serves, and a loader for Azure's own examples.

An estate (format in ../shared/DESIGN.md, extensions in sandbox/README.md):

    {"subscriptions": [...], "resources": [ARM documents as GET returns them],
     "actions": {"<resource id>/<action>": body}, "sharedKeys": {...}, "denied": [...],
     "counterGrowth": {...}, "faults": [...], "arm": {"lroHeaders": "async", …}}

`estate_from_examples(paths)` turns Azure REST API spec "x-ms-examples" files (the published
payloads under ../shared/fixtures/real/arm and …/privatedns) into such an estate: each file's
200 (or 201) body becomes a resource, the resources of a list, or an action's result, placed
under the id its `parameters` name. So `python -m bot emulator --estate` can serve Azure's own
examples, and the tests can read them back through the real SDK clients.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox.arm import ids

ESTATES = Path(__file__).resolve().parent / "estates"

_TOP_KEYS = {
    "subscriptions",
    "resourceGroups",
    "resources",
    "actions",
    "sharedKeys",
    "denied",
    "counterGrowth",
    "metrics",
    "faults",
    "arm",
    "changes",
    "resourceHealth",
    "serviceHealth",
    "$comment",
    "troubleshoot",  # VPN troubleshoot results by target id (sandbox/arm/watcher.py)
    "logs",  # Log Analytics rows by workspace customerId (sandbox/arm/watcher.py)
}


def load_estate(path: str | Path) -> dict[str, Any]:
    """Read and check an estate file; raises ValueError naming what is wrong and where.

    A file that is an x-ms-examples file (it has "parameters" and "responses") is converted
    with `estate_from_examples`, so a single published example can be served as it is."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{p}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if isinstance(data, dict) and "parameters" in data and "responses" in data:
        return estate_from_examples([p])
    check_estate(data, str(p))
    return data  # type: ignore[no-any-return]


def check_estate(data: Any, where: str = "estate") -> None:
    if not isinstance(data, dict):
        raise ValueError(
            f'{where}: an estate is a JSON object, e.g. {{"subscriptions": [], "resources": [], "actions": {{}}}}'
        )
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown top-level key(s) {sorted(unknown)}; known: {sorted(_TOP_KEYS - {'$comment'})}"
        )
    for i, doc in enumerate(data.get("resources") or []):
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or ids.parse(doc["id"]) is None:
            raise ValueError(
                f"{where}: resources[{i}] needs an 'id' like /subscriptions/S/resourceGroups/RG/providers/NS/type/name"
            )
    if "metrics" in data:
        from sandbox.arm.metrics import check_metrics

        check_metrics(data["metrics"], where)
    if "arm" in data:
        from sandbox.arm.fidelity import Fidelity

        Fidelity.from_json(data["arm"], where)
    for k in data.get("actions") or {}:
        if ids.parse(k.partition("?")[0]) is None or "/" not in k.strip("/"):
            raise ValueError(
                f"{where}: action key {k!r} must be '<resource id>/<action>', e.g. '/subscriptions/…/virtualNetworkGateways/gw/getLearnedRoutes'"
            )


# --- x-ms-examples → estate ---------------------------------------------------------------

# Path parameter → the type segment it names, in parent-before-child order (REST spec names).
_PARAM_SEGMENTS: list[tuple[str, str]] = [
    ("virtualNetworkGatewayName", "virtualNetworkGateways"),
    ("virtualNetworkGatewayConnectionName", "connections"),
    ("localNetworkGatewayName", "localNetworkGateways"),
    ("virtualNetworkName", "virtualNetworks"),
    ("subnetName", "subnets"),
    ("virtualNetworkPeeringName", "virtualNetworkPeerings"),
    ("networkInterfaceName", "networkInterfaces"),
    ("privateEndpointName", "privateEndpoints"),
    ("privateDnsZoneGroupName", "privateDnsZoneGroups"),
    ("privateZoneName", "privateDnsZones"),
    ("virtualNetworkLinkName", "virtualNetworkLinks"),
    ("dnsResolverName", "dnsResolvers"),
    ("inboundEndpointName", "inboundEndpoints"),
    ("outboundEndpointName", "outboundEndpoints"),
]

# Words in an operationId (or, for older files without one, the file name) → the ARM action.
_ACTIONS = {
    "learnedroutes": "getLearnedRoutes",
    "advertisedroutes": "getAdvertisedRoutes",
    "bgppeerstatus": "getBgpPeerStatus",
    "vpnclientconnectionhealth": "getVpnclientConnectionHealth",
    "effectiveroutetable": "effectiveRouteTable",
    "effectivenetworksecuritygroup": "effectiveNetworkSecurityGroups",
}


def example_id(params: dict[str, Any]) -> str:
    """The resource id an example's path parameters name ("" when it names no resource).

    For a list example this is the collection's parent (a resource group or a resource)."""
    sub = str(params.get("subscriptionId", ""))
    if not sub:
        return ""
    pairs: list[str] = []
    for param, segment in _PARAM_SEGMENTS:
        if param in params:
            pairs += [segment, str(params[param])]
    if "recordType" in params and "relativeRecordSetName" in params:
        pairs += [str(params["recordType"]), str(params["relativeRecordSetName"])]
    rg = str(params.get("resourceGroupName", ""))
    return ids.resource_id(sub, rg, "Microsoft.Network" if pairs else "", *pairs)


def _action_of(example: dict[str, Any], name: str) -> str | None:
    hay = (str(example.get("operationId", "")) + " " + name).lower()
    for word, action in _ACTIONS.items():
        if word in hay:
            return action
    return None


def example_entries(example: dict[str, Any], name: str = "") -> dict[str, Any]:
    """Estate entries for one x-ms-examples document (see module docstring)."""
    params: dict[str, Any] = example.get("parameters") or {}
    responses: dict[str, Any] = example.get("responses") or {}
    resp = responses.get("200") or responses.get("201") or {}
    body = resp.get("body") if isinstance(resp, dict) else None
    out: dict[str, Any] = {"subscriptions": [], "resources": [], "actions": {}}
    sub = params.get("subscriptionId")
    if sub:
        out["subscriptions"].append({"subscriptionId": str(sub), "displayName": str(sub)})
    target = example_id(params)
    action = _action_of(example, name)
    if action is not None:
        if not target:
            raise ValueError(f"{name}: the example's parameters name no resource for action {action}")
        key = f"{target}/{action}"
        if action == "getAdvertisedRoutes" and params.get("peer"):
            key += f"?peer={params['peer']}"
        out["actions"][key] = body if body is not None else {}
        return out
    if not isinstance(body, dict):
        return out
    if isinstance(body.get("value"), list):
        # A list: every item is a full resource under its own id (the nextLink, which points
        # at management.azure.com, is dropped: the emulator pages by itself).
        out["resources"] = [dict(item) for item in body["value"] if isinstance(item, dict) and item.get("id")]
        return out
    if body.get("id") or target:
        doc = dict(body)
        parsed_target = ids.parse(target) if target else None
        # ARM always answers a GET with the id that was asked for; some published examples
        # carry a different id (e.g. privateLinkServices/… for a private endpoint's zone
        # group): place the document where its parameters say, with that id.
        if (
            parsed_target is not None
            and parsed_target.is_resource
            and ids.key(str(doc.get("id", ""))) != ids.key(target)
        ):
            doc["id"] = target
        out["resources"].append(doc)
    return out


def estate_from_examples(paths: list[Path] | list[str]) -> dict[str, Any]:
    """One estate from many x-ms-examples files (a later file's resource with the same id wins)."""
    subs: dict[str, dict[str, Any]] = {}
    resources: dict[str, dict[str, Any]] = {}
    actions: dict[str, Any] = {}
    placeholders: dict[str, dict[str, Any]] = {}
    for path in paths:
        p = Path(path)
        example = json.loads(p.read_text(encoding="utf-8"))
        entries = example_entries(example, p.name)
        for s in entries["subscriptions"]:
            subs.setdefault(s["subscriptionId"].lower(), s)
        for doc in entries["resources"]:
            resources[ids.key(doc["id"])] = doc
            rp = ids.parse(doc["id"])
            if rp is not None:
                subs.setdefault(
                    rp.subscription.lower(), {"subscriptionId": rp.subscription, "displayName": rp.subscription}
                )
        actions.update(entries["actions"])
        for key in entries["actions"]:
            target = key.partition("?")[0].rsplit("/", 1)[0]
            # An action example names its resource only by parameters: give the estate a
            # minimal document for it, so the POST finds a resource as it would in Azure.
            placeholders.setdefault(ids.key(target), _placeholder(target, example))
    # A child (a peering, a record set, a zone group) from an example whose parent the
    # examples never show: ARM has no orphans, so give the parent a minimal document.
    for doc in list(resources.values()):
        rp = ids.parse(doc["id"])
        while rp is not None and len(rp.names) > 1:
            parent_id = doc["id"].rstrip("/").rsplit("/", 2)[0]
            placeholders.setdefault(ids.key(parent_id), _placeholder(parent_id, {}))
            doc = placeholders[ids.key(parent_id)]
            rp = ids.parse(parent_id)
    for k, doc in placeholders.items():
        resources.setdefault(k, doc)
    return {"subscriptions": list(subs.values()), "resources": list(resources.values()), "actions": actions}


def _placeholder(resource_id: str, example: dict[str, Any]) -> dict[str, Any]:
    p = ids.parse(resource_id)
    location = "global" if p and p.type_key == "microsoft.network/privatednszones" else "westus"
    for resp in (example.get("responses") or {}).values():
        for header in ((resp or {}).get("headers") or {}).values():
            parts = str(header).split("/")
            if "locations" in parts and parts.index("locations") + 1 < len(parts):
                location = parts[parts.index("locations") + 1]
    return {
        "id": resource_id,
        "name": p.names[-1] if p and p.names else "",
        "type": p.resource_type if p else "",
        "location": location,
        "properties": {"provisioningState": "Succeeded"},
    }
