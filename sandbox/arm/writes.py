"""Resource writes other than peerings: what the az commands the bot suggests send.

The bot itself writes only peerings (state.py `put_peering`); its answers tell people to run
az commands that PUT connections, shared keys, gateways, virtual networks, subnets, private
DNS links, DNS resolvers and SQL settings. So that those commands can be run against the
sandbox (tests/e2e/test_az_cli.py) and change what the bot then reads, the emulator takes a
PUT or PATCH of any resource whose scope and parent exist, as Resource Manager does:

- PUT creates (201) or replaces (200) the document; PATCH merges into an existing one
  (RFC 7396 JSON merge patch, how ARM's `Update` operations treat `tags` and properties).
  `id`, `name` and `type` come from the path (a replaced resource keeps its own spelling);
  fields the service owns are kept from the stored document whatever the body says
  (`provisioningState`, `resourceGuid`, a connection's status and byte counters).
- The answer is a long-running operation as the Network specs declare for PUT
  (`x-ms-long-running-operation`, final-state-via azure-async-operation): the body with
  `provisioningState: Updating` and an `Azure-AsyncOperation` header; the operation, then a
  GET, show `Succeeded`.
- A connection's `sharedKey` in a PUT body is kept apart, as the estate keeps shared keys
  (never inside resource properties); `PUT connections/{c}/sharedkey` sets it
  (VirtualNetworkGatewayConnections_SetSharedKey, answer `{"id", "value"}`).
- A virtual network's PUT carries its subnets: the listed ones are written, the others
  deleted, unless something is in them (400 `InUseSubnetCannotBeDeleted`), as ARM does
  (https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-virtual-networks
  "Virtual networks and subnets": subnets missing from a redeployed VNet are removed). Its
  peerings are left as they are (they are written on their own path).
- A subnet must lie inside the VNet's address space, be a network address for its length,
  and overlap no other subnet (https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet).
- A DNS resolver inbound endpoint's Dynamic ip configuration gets the subnet's first free
  address after the four Azure reserves
  (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets);
  its subnet must be delegated to Microsoft.Network/dnsResolvers and be /28 to /24
  (https://learn.microsoft.com/azure/dns/dns-private-resolver-overview#subnet-restrictions).

Codes marked * in sandbox/README.md have no public record of the exact code; the message
follows ARM's wording.
"""

from __future__ import annotations

import copy
import ipaddress
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sandbox.arm import ids
from sandbox.arm.state import CONNECTION, SUBNET, VNET, ArmError, new_etag, not_found

if TYPE_CHECKING:
    from sandbox.arm.handler import Answer, Router
    from sandbox.arm.state import Estate

INBOUND_ENDPOINT = "microsoft.network/dnsresolvers/inboundendpoints"
RESOLVER_DELEGATION = "microsoft.network/dnsresolvers"

# Fields of `properties` that the service owns: a PUT body cannot change them.
SERVER_OWNED: dict[str, tuple[str, ...]] = {
    "*": ("provisioningState", "resourceGuid"),
    CONNECTION: (
        "connectionStatus",
        "tunnelConnectionStatus",
        "ingressBytesTransferred",
        "egressBytesTransferred",
    ),
    SUBNET: ("ipConfigurations", "privateEndpoints", "serviceAssociationLinks"),
}
# Resource types whose etag ARM writes without the weak W/"…" quoting.
BARE_ETAG_NAMESPACES = ("microsoft.network/dnsresolvers", "microsoft.network/privatednszones")


def _etag(type_key: str, old: str | None) -> str:
    if old is not None:
        return new_etag() if old.startswith('W/"') else str(uuid.uuid4())
    return str(uuid.uuid4()) if type_key.startswith(BARE_ETAG_NAMESPACES) else new_etag()


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def write_resource(router: Router, p: ids.Parsed) -> Answer:
    """PUT or PATCH of a resource (not a peering: see state.put_peering)."""
    from sandbox.arm.handler import Answer

    router._deny(f"{p.resource_type}/write", router.path)
    body = router.body
    if not isinstance(body, dict):
        raise ArmError(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: expected a JSON object.",
        )
    estate = router.estate
    k = ids.key(router.path)
    with estate.lock:
        if len(p.types) > 1 and ids.parent_key(k) not in estate.resources:
            raise not_found(ids.parse(ids.parent_key(router.path)), estate)
        existing = estate.raw(k)
        # The Microsoft.Network provider honours If-Match on a write: 412 on a stale etag.
        estate._check_if_match(k, router.path, router.if_match)
        if router.method == "PATCH":
            if existing is None:
                raise not_found(p, estate)
            body = merge_patch(estate.view(k), body)
        doc = _compose(estate, p, router.path, body, existing)
        _check(estate, p, doc, existing)
        if p.type_key == VNET:
            _reconcile_subnets(estate, k, doc)
        estate.put_resource(doc)
        if p.type_key == INBOUND_ENDPOINT:
            _claim_subnets(estate, doc)
        answer_doc = estate.view(k) or doc
        # A Network resource shows Updating until its operation ends (state.Operation.target);
        # other providers' documents (SQL) carry no provisioningState to move.
        op = estate.new_operation(
            str(doc.get("location") or _parent_location(estate, k) or "global"),
            p.namespace,
            router.api_version,
            target=k if p.type_key.startswith("microsoft.network/") else "",
        )
    status = 200 if existing is not None else 201
    return Answer(
        status,
        answer_doc,
        {"Azure-AsyncOperation": router._op_url(op, False), "Retry-After": router.emu.poll_retry_after},
    )


def set_shared_key(router: Router, connection: ids.Parsed, connection_key: str) -> Answer:
    """PUT connections/{c}/sharedkey {"value": "…"}: VirtualNetworkGatewayConnections_SetSharedKey."""
    from sandbox.arm.handler import Answer

    router._deny(f"{connection.resource_type}/sharedKey/write", router.path.rsplit("/", 1)[0])
    value = router.body.get("value") if isinstance(router.body, dict) else None
    if not isinstance(value, str) or not value:
        raise ArmError(
            400,
            "InvalidRequestFormat",
            'Cannot parse the request: a shared key is set with a body {"value": "<key>"} (1–128 characters).',
        )
    if len(value) > 128 or not value.isascii() or not value.isprintable():
        raise ArmError(
            400,
            "InvalidSharedKey",
            "The shared key must be 1–128 printable ASCII characters.",
        )
    estate = router.estate
    with estate.lock:
        doc = estate.raw(connection_key)
        if doc is None:
            raise not_found(connection, estate)
        estate.shared_keys[connection_key] = value
        estate._names[connection_key] = str(doc.get("id", router.path))  # for dump(), as loaded keys are
        # final-state-via azure-async-operation: the status URL says Succeeded, and the client
        # reads the result from the PUT's own URL (the operation carries no result of its own,
        # which a status URL without Location would answer instead of a status).
        op = estate.new_operation(str(doc.get("location") or "global"), connection.namespace, router.api_version)
    return Answer(
        200,
        {"id": router.path, "value": value},
        {"Azure-AsyncOperation": router._op_url(op, False), "Retry-After": router.emu.poll_retry_after},
    )


# --- composing the stored document --------------------------------------------------------------
def _compose(
    estate: Estate, p: ids.Parsed, path: str, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    rid = str(existing.get("id")) if existing and existing.get("id") else _canonical_id(p)
    doc: dict[str, Any] = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "name", "type", "etag")}
    doc["id"] = rid
    doc["name"] = str(existing.get("name")) if existing and existing.get("name") else p.names[-1]
    doc["type"] = str(existing.get("type")) if existing and existing.get("type") else p.resource_type
    if existing is not None and "location" in existing:
        doc["location"] = existing["location"]  # ARM refuses to move a resource by PUT; keep it
    props = doc.get("properties")
    if not isinstance(props, dict):
        props = {}
        doc["properties"] = props
    old_props = (existing or {}).get("properties") or {}
    for owned in (*SERVER_OWNED["*"], *SERVER_OWNED.get(p.type_key, ())):
        props.pop(owned, None)
        if owned in old_props:
            props[owned] = copy.deepcopy(old_props[owned])
    if p.type_key.startswith("microsoft.network/"):
        props["provisioningState"] = "Updating"
        props.setdefault("resourceGuid", str(uuid.uuid4()))
    if (existing is not None and "etag" in existing) or p.type_key.startswith("microsoft.network/"):
        doc["etag"] = _etag(p.type_key, existing.get("etag") if existing else None)
    if p.type_key == CONNECTION and "sharedKey" in props:
        # The key lives apart from the document (GET never shows it), as in the estate file.
        key = props.pop("sharedKey")
        if isinstance(key, str) and key:
            estate.shared_keys[ids.key(rid)] = key
            estate._names[ids.key(rid)] = rid
    if p.type_key == SUBNET:
        _complete_subnet(rid, props)
    if p.type_key == INBOUND_ENDPOINT:
        _allocate_inbound_ips(estate, rid, props)
    if p.type_key == "microsoft.network/dnsresolvers":
        props.setdefault("dnsResolverState", "Connected")
    return doc


def _canonical_id(p: ids.Parsed) -> str:
    pairs: list[str] = []
    for t, n in zip(p.types, p.names, strict=True):
        pairs += [t, n]
    return ids.resource_id(p.subscription, p.resource_group, p.namespace, *pairs)


def _parent_location(estate: Estate, k: str) -> str:
    while k.count("/") > 6:
        k = ids.parent_key(k)
        doc = estate.raw(k)
        if doc is not None and doc.get("location"):
            return str(doc["location"])
    return ""


def _complete_subnet(subnet_id: str, props: dict[str, Any]) -> None:
    """What ARM fills in on a subnet it stores: each delegation's id and type, the policies."""
    for i, d in enumerate(props.get("delegations") or []):
        if not isinstance(d, dict):
            continue
        service = str((d.get("properties") or {}).get("serviceName") or "")
        name = str(d.get("name") or service.replace("/", ".") or i)
        d["name"] = name
        d["id"] = f"{subnet_id}/delegations/{name}"
        d["type"] = "Microsoft.Network/virtualNetworks/subnets/delegations"
        d.setdefault("properties", {})["provisioningState"] = "Succeeded"
    props.setdefault("delegations", [])
    props.setdefault("privateEndpointNetworkPolicies", "Disabled")
    props.setdefault("privateLinkServiceNetworkPolicies", "Enabled")


# --- checks -------------------------------------------------------------------------------------
def _check(estate: Estate, p: ids.Parsed, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    props = doc["properties"]
    if p.type_key == SUBNET:
        vnet = estate.raw(ids.parent_key(ids.key(doc["id"]))) or {}
        _check_subnet(estate, doc, vnet)
    elif p.type_key == VNET:
        for sub in props.get("subnets") or []:
            if isinstance(sub, dict) and sub.get("name"):
                sub_id = f"{doc['id']}/subnets/{sub['name']}"
                _check_subnet(estate, {**sub, "id": sub_id}, doc, siblings=props.get("subnets") or [])
    elif p.type_key == CONNECTION and props.get("enableBgp"):
        _check_connection_bgp(estate, doc)
    elif p.type_key == INBOUND_ENDPOINT:
        for ipc in props.get("ipConfigurations") or []:
            _check_resolver_subnet(estate, ipc)
    elif p.type_key == "microsoft.network/dnsresolvers":
        vnet_id = str((props.get("virtualNetwork") or {}).get("id") or "")
        if not vnet_id or estate.raw(vnet_id) is None:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Resource {vnet_id or '(none)'} referenced by resource {doc['id']} was not found: a DNS resolver names "
                "an existing virtual network in properties.virtualNetwork.id.",
            )


def _check_connection_bgp(estate: Estate, doc: dict[str, Any]) -> None:
    """BGP on a connection needs BGP on its gateway and on the far end (the other gateway, or
    the local network gateway's bgpSettings), with different ASNs
    (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto). Codes marked * in sandbox/README.md."""
    props = doc["properties"]

    def ref(name: str) -> dict[str, Any]:
        rid = str((props.get(name) or {}).get("id") or "")
        return (estate.raw(rid) or {}).get("properties") or {} if rid else {}

    gw1 = ref("virtualNetworkGateway1")
    if not gw1.get("enableBgp"):
        raise ArmError(
            400,
            "BgpNotEnabledOnVirtualNetworkGateway",
            f"Connection {doc['id']} cannot enable BGP because its virtual network gateway does not have BGP enabled.",
        )
    far = ref("virtualNetworkGateway2") or ref("localNetworkGateway2")
    far_bgp = far.get("bgpSettings") or {}
    if (props.get("virtualNetworkGateway2") and not far.get("enableBgp")) or not far_bgp.get("asn"):
        raise ArmError(
            400,
            "BgpNotEnabledOnRemoteGateway",
            f"Connection {doc['id']} cannot enable BGP because its remote gateway has no BGP settings.",
        )
    if far_bgp.get("asn") == (gw1.get("bgpSettings") or {}).get("asn"):
        raise ArmError(
            400,
            "BgpAsnSameOnBothEnds",
            f"Connection {doc['id']} cannot enable BGP: both gateways use ASN {far_bgp.get('asn')}.",
        )


def _prefixes(subnet: dict[str, Any]) -> list[str]:
    props = subnet.get("properties") or {}
    out = [str(x) for x in props.get("addressPrefixes") or []]
    if props.get("addressPrefix"):
        out.append(str(props["addressPrefix"]))
    return out


def _network(prefix: str, subnet_id: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(prefix, strict=True)
    except ValueError:
        try:
            right = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise ArmError(
                400,
                "InvalidAddressPrefixFormat",
                f"Address prefix {prefix} of resource {subnet_id} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.",
            ) from None
        raise ArmError(
            400,
            "InvalidCIDRNotation",
            f"The address prefix {prefix} in resource {subnet_id} has an invalid CIDR notation. For the given prefix length, the address prefix should be {right}.",
        ) from None


def _check_subnet(
    estate: Estate, subnet: dict[str, Any], vnet: dict[str, Any], siblings: list[dict[str, Any]] | None = None
) -> None:
    sid = str(subnet["id"])
    mine = [_network(x, sid) for x in _prefixes(subnet)]
    if not mine:
        raise ArmError(
            400,
            "NoAddressPrefixOrPoolProvided",
            f"Subnet {sid} must have an address prefix (properties.addressPrefix or addressPrefixes), e.g. 10.0.5.0/28.",
        )
    space = [
        ipaddress.ip_network(x, strict=False)
        for x in ((vnet.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []
    ]
    for net in mine:
        if not any(net.version == s.version and net.subnet_of(s) for s in space):  # type: ignore[arg-type]
            raise ArmError(
                400,
                "NetcfgSubnetRangeOutsideVnet",
                f"Subnet '{subnet.get('name') or sid.rsplit('/', 1)[-1]}' is not valid because its IP address range is outside the IP address range of virtual network '{vnet.get('name')}'.",
            )
    if siblings is None:
        siblings = estate._children(ids.parent_key(ids.key(sid)), SUBNET)
    for other in siblings:
        if not isinstance(other, dict) or str(other.get("name", "")).lower() == sid.rsplit("/", 1)[-1].lower():
            continue
        for theirs in _prefixes(other):
            try:
                o = ipaddress.ip_network(theirs, strict=False)
            except ValueError:
                continue
            if any(net.version == o.version and net.overlaps(o) for net in mine):
                raise ArmError(
                    400,
                    "NetcfgSubnetRangesOverlap",
                    f"Subnet '{sid.rsplit('/', 1)[-1]}' is not valid because its IP address range overlaps with that of an existing subnet '{other.get('name')}' ({theirs}) in virtual network '{vnet.get('name')}'.",
                )


def _check_resolver_subnet(estate: Estate, ipc: Any) -> None:
    sub_id = str(((ipc or {}).get("subnet") or {}).get("id") or "")
    subnet = estate.raw(sub_id) if sub_id else None
    if subnet is None:
        raise ArmError(
            400,
            "InvalidResourceReference",
            f"Resource {sub_id or '(no subnet id)'} referenced by the inbound endpoint was not found: an ip configuration names an existing subnet in subnet.id.",
        )
    services = [
        str((d.get("properties") or {}).get("serviceName", "")).lower()
        for d in (subnet.get("properties") or {}).get("delegations") or []
        if isinstance(d, dict)
    ]
    if RESOLVER_DELEGATION not in services:
        raise ArmError(
            400,
            "SubnetNotDelegated",
            f"Subnet {sub_id} must be delegated to Microsoft.Network/dnsResolvers to hold a DNS resolver endpoint "
            "(az network vnet subnet update … --delegations Microsoft.Network/dnsResolvers).",
        )
    for prefix in _prefixes(subnet):
        n = ipaddress.ip_network(prefix, strict=False)
        if not 24 <= n.prefixlen <= 28:
            raise ArmError(
                400,
                "InvalidSubnetSize",
                f"Subnet {sub_id} ({prefix}) cannot hold a DNS resolver endpoint: its size must be between /28 and /24.",
            )


# --- virtual network subnets ------------------------------------------------------------------------
def _in_use(subnet: dict[str, Any]) -> bool:
    props = subnet.get("properties") or {}
    return bool(props.get("ipConfigurations") or props.get("privateEndpoints"))


def _reconcile_subnets(estate: Estate, vnet_key: str, doc: dict[str, Any]) -> None:
    """The subnets a VNet PUT lists are its subnets: the others go (refused if in use). Fields the
    service owns (ipConfigurations, privateEndpoints) are kept from the stored subnet. Peerings are
    not the PUT's business: the stored ones stay, whatever the body lists."""
    props = doc["properties"]
    props.pop("virtualNetworkPeerings", None)
    listed = {str(s.get("name", "")).lower() for s in props.get("subnets") or [] if isinstance(s, dict)}
    for old in estate._children(vnet_key, SUBNET):
        if str(old.get("name", "")).lower() in listed:
            continue
        if _in_use(old):
            raise ArmError(
                400,
                "InUseSubnetCannotBeDeleted",
                f"Subnet {old.get('name')} is in use by {_first_user(old)} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.",
            )
    for old in list(estate._children(vnet_key, SUBNET)):
        if str(old.get("name", "")).lower() not in listed:
            estate.remove_resource(str(old.get("id")))
    subnets = []
    for s in props.get("subnets") or []:
        if not isinstance(s, dict) or not s.get("name"):
            continue
        sid = f"{doc['id']}/subnets/{s['name']}"
        stored = estate.raw(sid)
        sp = {**(s.get("properties") or {})}
        for owned in (*SERVER_OWNED["*"], *SERVER_OWNED[SUBNET]):
            sp.pop(owned, None)
            if stored and owned in (stored.get("properties") or {}):
                sp[owned] = copy.deepcopy(stored["properties"][owned])
        sp["provisioningState"] = "Succeeded"
        _complete_subnet(sid, sp)
        subnets.append(
            {
                "name": str(stored.get("name")) if stored else str(s["name"]),
                "id": str(stored.get("id")) if stored else sid,
                "etag": new_etag(),
                "type": "Microsoft.Network/virtualNetworks/subnets",
                "properties": sp,
            }
        )
    props["subnets"] = subnets


def _first_user(subnet: dict[str, Any]) -> str:
    props = subnet.get("properties") or {}
    for ref in [*(props.get("ipConfigurations") or []), *(props.get("privateEndpoints") or [])]:
        if isinstance(ref, dict) and ref.get("id"):
            return str(ref["id"])
    return "a resource"


# --- DNS resolver inbound endpoints: Dynamic addresses ---------------------------------------
def _addresses(doc: Any) -> Iterator[str]:
    """Every private IP address a document assigns (NIC and endpoint ip configurations)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k.lower() == "privateipaddress" and isinstance(v, str) and v:
                yield v
            else:
                yield from _addresses(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _addresses(v)


def _allocate_inbound_ips(estate: Estate, endpoint_id: str, props: dict[str, Any]) -> None:
    me = ids.key(endpoint_id)
    for ipc in props.get("ipConfigurations") or []:
        if not isinstance(ipc, dict):
            continue
        method = str(ipc.get("privateIpAllocationMethod") or "Dynamic")
        ipc["privateIpAllocationMethod"] = method
        if method.lower() != "dynamic" and ipc.get("privateIpAddress"):
            continue
        sub_id = str((ipc.get("subnet") or {}).get("id") or "")
        subnet = estate.raw(sub_id) if sub_id else None
        if subnet is None:
            continue  # refused by _check_resolver_subnet
        taken = {a for k, doc in estate.resources.items() if k != me for a in _addresses(doc)}
        for prefix in _prefixes(subnet):
            net = ipaddress.ip_network(prefix, strict=False)
            # Azure keeps the first four addresses and the last one of every subnet.
            free = next(
                (str(a) for i, a in enumerate(net) if 4 <= i < net.num_addresses - 1 and str(a) not in taken), None
            )
            if free is not None:
                ipc["privateIpAddress"] = free
                break
        else:
            raise ArmError(
                400,
                "SubnetIsFull",
                f"Subnet {sub_id} has no free address left for the inbound endpoint {endpoint_id}.",
            )


def _claim_subnets(estate: Estate, endpoint: dict[str, Any]) -> None:
    """The subnet lists the endpoint's ip configuration among its users (read-only
    `ipConfigurations`, as ARM shows it), so the subnet is in use from then on."""
    ref = {"id": f"{endpoint['id']}/ipConfigurations/default"}
    for ipc in (endpoint.get("properties") or {}).get("ipConfigurations") or []:
        subnet = estate.raw(str(((ipc or {}).get("subnet") or {}).get("id") or ""))
        if subnet is None:
            continue
        users = subnet.setdefault("properties", {}).setdefault("ipConfigurations", [])
        if all(ids.key(str(u.get("id", ""))) != ids.key(ref["id"]) for u in users if isinstance(u, dict)):
            users.append(dict(ref))
            subnet["etag"] = new_etag()
