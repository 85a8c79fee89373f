"""Azure's published payloads carry shapes a tidy estate never has; `real_shapes` gives an estate
those shapes, so a client is tested on them (`Fidelity.real_shapes`).

* Escaped etags. The examples write etags as `W/"…"` (JSON: `"W/\\"…\\""`), and one
  (VirtualNetworkGatewayNatRuleList.json) as `w/\\…\\`, backslashes included. Every etag of the
  estate becomes the `W/"…"` form, and every peering's the backslash form: the etag a client
  reads must reach its `If-Match` byte for byte.
* `name` ≠ the id's last segment. VirtualNetworkPeeringList.json lists two peerings both named
  "peer"; the second's id ends in "peer2". Every peering here is named "peer": ARM addresses
  a resource by its id, and so must a client.
* Upstream typos in ids. PrivateEndpointGet.json / PrivateEndpointListAll.json reference the
  endpoint's NIC as `…/resourceGroups/rg1/provders/Microsoft.Network/networkInterfaces/…`.
  Every private endpoint's NIC references here say "provders".

The estate's own ids are not touched: ARM answers a GET at the id that was asked for.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from sandbox.arm import ids

_PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
PEERING_NAME = "peer"
_PROVIDERS = re.compile(r"/providers/", re.IGNORECASE)


def real_shapes(estate: dict[str, Any]) -> dict[str, Any]:
    """A copy of `estate` with the published shapes above."""
    out = copy.deepcopy(estate)
    peerings: list[dict[str, Any]] = []  # every peering, embedded in its VNet or not
    for doc in out.get("resources") or []:
        if not isinstance(doc, dict):
            continue
        p = ids.parse(str(doc.get("id", "")))
        type_key = p.type_key if p else ""
        if type_key == _PEERING:
            peerings.append(doc)
        elif "etag" in doc:
            doc["etag"] = quoted_etag(doc["etag"])
        props = doc.get("properties")
        if not isinstance(props, dict):
            continue
        if type_key == "microsoft.network/virtualnetworks":
            peerings += [x for x in props.get("virtualNetworkPeerings") or [] if isinstance(x, dict)]
            for subnet in props.get("subnets") or []:
                if isinstance(subnet, dict) and "etag" in subnet:
                    subnet["etag"] = quoted_etag(subnet["etag"])
        if type_key == "microsoft.network/privateendpoints":
            for nic in props.get("networkInterfaces") or []:
                if isinstance(nic, dict) and isinstance(nic.get("id"), str):
                    nic["id"] = _PROVIDERS.sub("/provders/", nic["id"], count=1)
    for peering in peerings:
        peering["etag"] = backslash_etag()
        peering["name"] = PEERING_NAME
    return out


def quoted_etag(etag: Any) -> str:
    """`W/"<uuid>"`: the weak etag form of most published examples (kept when already so)."""
    text = str(etag or "")
    return text if text.startswith('W/"') and text.endswith('"') else f'W/"{uuid.uuid4()}"'


def backslash_etag() -> str:
    """`w/\\<uuid>\\` (backslashes in the value): the form of VirtualNetworkGatewayNatRuleList.json."""
    return f"w/\\{uuid.uuid4()}\\"
