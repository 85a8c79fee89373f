"""The live estate behind the emulator: what ARM would hold, and how it changes.
(Over 500 lines because one lock guards the whole estate: everything that reads or
changes it lives behind that lock, here.)

Everything here is guarded by one re-entrant lock, so the HTTP threads, the Python API
(`advance_counters`, `set_connection_status`, …) and `dump()` see consistent state.

Stored shapes follow ARM exactly. One normalisation: a virtual network's embedded
`subnets` and `virtualNetworkPeerings` are kept as child resources (as ARM does), and are
embedded again on every read of the VNet, so a peering PUT shows up in the VNet's GET.
"""

from __future__ import annotations

import copy
import fnmatch
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.arm import ids

VNET = "microsoft.network/virtualnetworks"
SUBNET = "microsoft.network/virtualnetworks/subnets"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
GATEWAY = "microsoft.network/virtualnetworkgateways"
CONNECTION = "microsoft.network/connections"
RESOURCE_GROUP_TYPE = "microsoft.resources/resourcegroups"

# The POST actions ARM offers per resource type (any other action present in the estate's
# "actions" is served too). An action the type does not have is refused as ARM does.
KNOWN_ACTIONS: dict[str, set[str]] = {
    GATEWAY: {
        "getlearnedroutes",
        "getadvertisedroutes",
        "getbgppeerstatus",
        "getvpnclientconnectionhealth",
        "getvpnclientipsecparameters",
        "getvpnprofilepackageurl",
    },
    "microsoft.network/networkinterfaces": {"effectiveroutetable", "effectivenetworksecuritygroups"},
    CONNECTION: {"getikesas"},
}
# POST actions ARM answers at once (200 with the body), not as a long-running operation.
# listNetworkManagerEffectiveConnectivityConfigurations: the Azure Virtual Network Manager
# connectivity configurations in effect on a VNet (VirtualNetworks_ListNetworkManager…,
# `{"value": [...], "skipToken": …}`); none applied → `{"value": []}`.
SYNC_ACTIONS: dict[str, set[str]] = {
    VNET: {"listnetworkmanagereffectiveconnectivityconfigurations"},
}

# Estate sections kept as given for the modules that serve them (see Estate.sections).
SECTIONS = ("troubleshoot", "logs")

DEFAULT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


class ArmError(Exception):
    """An ARM error answer: HTTP status + {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


_ATOMS = (str, int, float, bool, type(None))


def clone(v: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): what every answer hands out, so a
    caller can change it without touching the estate. A tenth of `copy.deepcopy`'s cost on
    these documents (no memo, no dispatch); anything that is not JSON still goes through
    `copy.deepcopy`."""
    t = type(v)
    if t is dict:
        return {k: x if type(x) in _ATOMS else clone(x) for k, x in v.items()}
    if t is list:
        return [x if type(x) in _ATOMS else clone(x) for x in v]
    if t in _ATOMS:
        return v
    return copy.deepcopy(v)


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def _ref(doc: dict[str, Any] | None, *path: str) -> str:
    """ids.key of a nested {"id": …} reference, "" when absent."""
    cur: Any = doc
    for p in path:
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
    if isinstance(cur, dict):
        cur = cur.get("id")
    return ids.key(cur) if isinstance(cur, str) and cur else ""


@dataclass
class Deny:
    """One entry of the estate's "denied": an RBAC action (fnmatch pattern) and an optional scope."""

    action: str
    scope: str = ""

    def matches(self, action: str, scope: str) -> bool:
        if not fnmatch.fnmatchcase(action.lower(), self.action.lower()):
            return False
        if not self.scope:
            return True
        s = ids.key(self.scope)
        sc = ids.key(scope)
        return sc == s or sc.startswith(s + "/")

    def to_json(self) -> str | dict[str, str]:
        return {"action": self.action, "scope": self.scope} if self.scope else self.action


@dataclass
class Operation:
    """One long-running operation: InProgress on the first poll, then its final status.

    `target` is the key of a resource being written; finishing the operation makes its
    provisioningState Succeeded. A GET of that resource also advances the operation, so a
    client that only re-reads the resource sees Updating, then Succeeded.
    """

    id: str
    location: str
    namespace: str
    api_version: str
    result: Any = None
    error: dict[str, str] | None = None
    target: str = ""
    polls_left: int = 1
    done: bool = False
    ready_at: float | None = None  # the realistic mode's finish time (Azure's clock), instead of polls
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def status(self) -> str:
        if not self.done:
            return "InProgress"
        return "Failed" if self.error else "Succeeded"


class Estate:
    def __init__(self, data: dict[str, Any]) -> None:
        self._lock = threading.RLock()
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.resource_groups: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.actions: dict[str, Any] = {}
        self.shared_keys: dict[str, str] = {}
        self.denied: list[Deny] = []
        self.counter_growth: dict[str, dict[str, int]] = {}
        # resource key -> metric -> series specs (Azure Monitor's batch API, sandbox/arm/metrics.py)
        self.metrics: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.operations: dict[str, Operation] = {}
        self.pending: dict[str, Operation] = {}
        self._names: dict[str, str] = {}  # key -> id as written (for dump of maps keyed by id)
        # What the write actions did (sandbox/arm/actions.py): each reset / capture carried out,
        # the captures running (resource key → filter), the capture files written at stop.
        self.action_log: list[dict[str, Any]] = []
        self.captures: dict[str, dict[str, Any]] = {}
        self.capture_files: list[dict[str, Any]] = []
        # gateway key -> keys of the connections that name it (virtualNetworkGateway1/2); built
        # on first use, dropped by every write to `resources` (see _touch).
        self._by_gateway: dict[str, list[str]] | None = None
        # Estate sections served by their own modules (sandbox/arm/watcher.py): "troubleshoot"
        # (VPN troubleshoot results per target id) and "logs" (Log Analytics rows per workspace).
        self.sections: dict[str, Any] = {}
        self._load(copy.deepcopy(data))

    # --- loading --------------------------------------------------------------------------
    def _load(self, data: dict[str, Any]) -> None:
        if not isinstance(data, dict):
            raise ValueError("an estate is a JSON object with 'subscriptions', 'resources' and 'actions'")
        for s in data.get("subscriptions") or []:
            self._add_subscription(s)
        for rg in data.get("resourceGroups") or []:
            self._add_resource_group(rg)
        for doc in data.get("resources") or []:
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise ValueError(f"every estate resource needs an 'id' (got {str(doc)[:120]!r})")
            if ids.parse(doc["id"]) is None:
                raise ValueError(f"resource id {doc['id']!r} is not of the form /subscriptions/…")
            if str(doc.get("type", "")).lower() == RESOURCE_GROUP_TYPE:
                self._add_resource_group(doc)
            else:
                self.put_resource(doc)
        for k, body in (data.get("actions") or {}).items():
            self.actions[self._action_key(k)] = body
        for k, v in (data.get("sharedKeys") or {}).items():
            self.shared_keys[ids.key(k)] = str(v)
            self._names[ids.key(k)] = k
        for d in data.get("denied") or []:
            if isinstance(d, str):
                self.denied.append(Deny(d))
            elif isinstance(d, dict) and isinstance(d.get("action"), str):
                self.denied.append(Deny(d["action"], str(d.get("scope", ""))))
            else:
                raise ValueError(f"a 'denied' entry is an action string or {{'action', 'scope'}} (got {d!r})")
        self._load_metrics(data.get("metrics") or {})
        self.sections.update({k: data[k] for k in SECTIONS if data.get(k) is not None})
        for k, g in (data.get("counterGrowth") or {}).items():
            self.counter_growth[ids.key(k)] = {"ingress": int(g.get("ingress", 0)), "egress": int(g.get("egress", 0))}
            self._names[ids.key(k)] = k
        self._complete_scopes()

    def _load_metrics(self, metrics: dict[str, Any]) -> None:
        for k, per in metrics.items():
            if not k.startswith("$"):
                self.metrics[ids.key(k)] = per
                self._names[ids.key(k)] = k

    def _action_key(self, raw: str) -> str:
        base, _, query = raw.partition("?")
        k = ids.key(base)
        return f"{k}?{query.lower()}" if query else k

    def _add_subscription(self, s: dict[str, Any]) -> None:
        sid = str(s.get("subscriptionId") or ids.key(str(s.get("id", ""))).rsplit("/", 1)[-1])
        if not sid:
            raise ValueError(f"a subscription needs 'subscriptionId' (got {s!r})")
        doc: dict[str, Any] = {
            "id": f"/subscriptions/{sid}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": sid,
            "tenantId": DEFAULT_TENANT,
            "displayName": sid,
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
        }
        doc.update(s)
        self.subscriptions[ids.key(doc["id"])] = doc

    def _add_resource_group(self, rg: dict[str, Any]) -> None:
        p = ids.parse(str(rg.get("id", "")))
        if p is None or not p.resource_group:
            raise ValueError(f"a resource group needs an id /subscriptions/S/resourceGroups/NAME (got {rg!r})")
        doc: dict[str, Any] = {
            "id": f"/subscriptions/{p.subscription}/resourceGroups/{p.resource_group}",
            "name": p.resource_group,
            "type": "Microsoft.Resources/resourceGroups",
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded"},
        }
        doc.update(rg)
        self.resource_groups[ids.key(doc["id"])] = doc

    def _complete_scopes(self, keys: list[str] | None = None) -> None:
        """Subscriptions and resource groups that resources live in exist, as in ARM.

        `keys`: only these resources (the ones just written), not every resource again."""
        for k in list(self.resources) if keys is None else keys:
            doc = self.resources.get(k)
            if doc is None:
                continue
            p = ids.parse(k)
            if p is None:
                continue
            sk = f"/subscriptions/{p.subscription}"
            if sk not in self.subscriptions:
                orig = ids.parse(doc.get("id", k))
                self._add_subscription({"subscriptionId": orig.subscription if orig else p.subscription})
            if p.resource_group:
                rk = f"{sk}/resourcegroups/{p.resource_group}"
                if rk not in self.resource_groups:
                    orig = ids.parse(doc.get("id", k))
                    loc = doc.get("location") if doc.get("location") not in (None, "", "global") else "westeurope"
                    self._add_resource_group(
                        {
                            "id": f"/subscriptions/{orig.subscription if orig else p.subscription}/resourceGroups/{orig.resource_group if orig else p.resource_group}",
                            "location": loc,
                        }
                    )

    # --- reading --------------------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def exists(self, k: str) -> bool:
        with self._lock:
            return ids.key(k) in self.resources

    def raw(self, k: str) -> dict[str, Any] | None:
        """The stored document (not a copy, no composition); callers hold the lock."""
        return self.resources.get(ids.key(k))

    def view(self, k: str, *, advance: bool = False) -> dict[str, Any] | None:
        """A copy of a resource as GET returns it (VNet children embedded). With `advance`, a
        pending write on it moves on (Updating → Succeeded), as a real GET would observe."""
        with self._lock:
            k = ids.key(k)
            if advance and k in self.pending:
                self.advance(self.pending[k])
            doc = self.resources.get(k)
            if doc is None:
                return None
            out: dict[str, Any] = clone(doc)
            if self._type_of(k) == VNET:
                props = out.setdefault("properties", {})
                props["subnets"] = [clone(c) for c in self._children(k, SUBNET)]
                props["virtualNetworkPeerings"] = [clone(c) for c in self._children(k, PEERING)]
            return out

    def _touch(self) -> None:
        """Call after any change to the keys of `resources` or to a document's references:
        drops the indexes derived from them (rebuilt on next use). Callers hold the lock."""
        self._by_gateway = None

    def _type_of(self, k: str) -> str:
        p = ids.parse(k)
        return p.type_key if p else ""

    def _child_keys(self, parent: str, type_key: str) -> list[str]:
        prefix = ids.key(parent) + "/"
        depth = prefix.count("/") + 1
        return [
            k for k in self.resources if k.startswith(prefix) and k.count("/") == depth and self._type_of(k) == type_key
        ]

    def _children(self, parent: str, type_key: str) -> list[dict[str, Any]]:
        return [self.resources[k] for k in self._child_keys(parent, type_key)]

    def children(self, parent: str, child_type: str) -> list[dict[str, Any]]:
        """Copies of the child resources of `parent` whose last type segment is `child_type`."""
        with self._lock:
            pk = ids.key(parent)
            type_key = self._type_of(pk) + "/" + child_type.lower()
            return [v for k in self._child_keys(pk, type_key) if (v := self.view(k)) is not None]

    def children_any(self, parent: str, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Every direct child (any type) of `parent`, except the given child type names."""
        with self._lock:
            prefix = ids.key(parent) + "/"
            depth = prefix.count("/") + 1
            return [
                clone(doc)
                for k, doc in self.resources.items()
                if k.startswith(prefix) and k.count("/") == depth and k[len(prefix) :].split("/")[0] not in exclude
            ]

    def top_level(
        self, sub: str, rg: str | None, type_key: str | None, *, fields: tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        """Copies of top-level resources in a subscription / resource group, of one type or all.

        `fields`: copy only these top-level fields (the generic resources list shows no
        `properties`, so copying them would be wasted)."""
        sub, rg, type_key = sub.lower(), rg.lower() if rg is not None else None, type_key and type_key.lower()
        with self._lock:
            out = []
            for k, doc in self.resources.items():
                p = ids.parse(k)
                if p is None or len(p.types) != 1 or p.subscription != sub:
                    continue
                if rg is not None and p.resource_group != rg:
                    continue
                if type_key is not None and p.type_key != type_key:
                    continue
                if fields is not None:
                    out.append({f: clone(doc[f]) for f in fields if f in doc})
                    continue
                v = self.view(k)
                if v is not None:
                    out.append(v)
            return out

    def gateway_connections(self, gw_key: str) -> list[dict[str, Any]]:
        """Connections whose virtualNetworkGateway1 or virtualNetworkGateway2 is this gateway.

        Looked up in an index (gateway → connections), not by reading every resource: with
        hundreds of gateways each listing its connections, a scan per call made the emulator's
        CPU grow with the square of the estate. Each hit is checked again against its document."""
        with self._lock:
            gk = ids.key(gw_key)
            if self._by_gateway is None:
                index: dict[str, list[str]] = {}
                for k, doc in self.resources.items():
                    if self._type_of(k) != CONNECTION:
                        continue
                    for ref in dict.fromkeys(
                        (
                            _ref(doc, "properties", "virtualNetworkGateway1"),
                            _ref(doc, "properties", "virtualNetworkGateway2"),
                        )
                    ):
                        if ref:
                            index.setdefault(ref, []).append(k)
                self._by_gateway = index
            out = []
            for k in self._by_gateway.get(gk, ()):
                hit = self.resources.get(k)
                if hit is not None and gk in (
                    _ref(hit, "properties", "virtualNetworkGateway1"),
                    _ref(hit, "properties", "virtualNetworkGateway2"),
                ):
                    out.append(clone(hit))
            return out

    def subscription_exists(self, sub: str) -> bool:
        with self._lock:
            return f"/subscriptions/{sub.lower()}" in self.subscriptions

    def resource_group_exists(self, sub: str, rg: str) -> bool:
        with self._lock:
            return f"/subscriptions/{sub.lower()}/resourcegroups/{rg.lower()}" in self.resource_groups

    def action_body(self, resource_key: str, action: str, query: dict[str, str]) -> Any:
        """The estate's body for an action (a per-peer body first for getAdvertisedRoutes)."""
        with self._lock:
            base = f"{ids.key(resource_key)}/{action.lower()}"
            if query.get("peer"):
                per_peer = self.actions.get(f"{base}?peer={query['peer'].lower()}")
                if per_peer is not None:
                    return clone(per_peer)
            body = self.actions.get(base)
            return clone(body) if body is not None else None

    def has_action(self, resource_key: str, action: str) -> bool:
        with self._lock:
            base = f"{ids.key(resource_key)}/{action.lower()}"
            return base in self.actions or any(k.startswith(base + "?") for k in self.actions)

    def is_denied(self, action: str, scope: str) -> bool:
        with self._lock:
            return any(d.matches(action, scope) for d in self.denied)

    # --- writing --------------------------------------------------------------------------
    def put_resource(self, doc: dict[str, Any]) -> None:
        """Add or replace a resource document (VNet children are split out, see module doc)."""
        with self._lock:
            doc = copy.deepcopy(doc)
            k = ids.key(doc["id"])
            written = [k]
            if self._type_of(k) == VNET:
                props = doc.get("properties") or {}
                for child_list in ("subnets", "virtualNetworkPeerings"):
                    for child in props.pop(child_list, None) or []:
                        if isinstance(child, dict) and child.get("id"):
                            self.resources[ids.key(child["id"])] = child
                            written.append(ids.key(child["id"]))
            self.resources[k] = doc
            self._touch()
            self._complete_scopes(written)

    def remove_resource(self, k: str) -> bool:
        with self._lock:
            k = ids.key(k)
            existed = self.resources.pop(k, None) is not None
            for ck in [c for c in self.resources if c.startswith(k + "/")]:
                del self.resources[ck]
            self._touch()
            return existed

    def set_action(self, resource_id: str, action: str, body: Any) -> None:
        with self._lock:
            self.actions[self._action_key(f"{resource_id}/{action}")] = copy.deepcopy(body)

    # --- long-running operations -------------------------------------------------------------
    def new_operation(self, location: str, namespace: str, api_version: str, **kw: Any) -> Operation:
        with self._lock:
            op = Operation(
                id=str(uuid.uuid4()), location=location or "global", namespace=namespace, api_version=api_version, **kw
            )
            self.operations[op.id] = op
            if op.target:
                self.pending[op.target] = op
            return op

    def advance(self, op: Operation, now: float | None = None) -> str:
        """One poll: InProgress while polls are left (or, in the realistic mode, until `now`
        reaches its `ready_at`), then the final status (applied once)."""
        with self._lock:
            if not op.done:
                if op.ready_at is not None and now is not None:
                    if now >= op.ready_at:
                        op.done = True
                        self._finish(op)
                elif op.polls_left > 0:
                    op.polls_left -= 1
                else:
                    op.done = True
                    self._finish(op)
            return op.status

    def _finish(self, op: Operation) -> None:
        if not op.target:
            return
        if self.pending.get(op.target) is op:
            del self.pending[op.target]
        doc = self.resources.get(op.target)
        if doc is not None:
            props = doc.setdefault("properties", {})
            props["provisioningState"] = "Failed" if op.error else "Succeeded"

    # --- virtual network peerings (the one write the bot makes) ------------------------------
    def gateways_in_vnet(self, vnet_key: str) -> list[dict[str, Any]]:
        """Virtual network gateways whose ip configuration sits in a subnet of this VNet."""
        vk = ids.key(vnet_key)
        out = []
        for k, doc in self.resources.items():
            if self._type_of(k) != GATEWAY:
                continue
            for ipc in (doc.get("properties") or {}).get("ipConfigurations") or []:
                sub = _ref(ipc, "properties", "subnet")
                if sub and ids.parent_key(sub) == vk:
                    out.append(doc)
                    break
        return out

    def _reverse_peering(self, local_vnet: str, remote_vnet: str) -> dict[str, Any] | None:
        for doc in self._children(remote_vnet, PEERING):
            if _ref(doc, "properties", "remoteVirtualNetwork") == ids.key(local_vnet):
                return doc
        return None

    def put_peering(
        self, path: str, body: Any, api_version: str, if_match: str | None = None, sync: bool = False
    ) -> tuple[int, dict[str, Any], Operation]:
        """Create or update a peering as ARM does (validation, state of both sides, etag).

        Returns (201 created | 200 updated, the document as the PUT answers it, the operation).
        `if_match` (the request's If-Match header): the Microsoft.Network provider answers a
        PUT whose If-Match is not the resource's current etag with 412 PreconditionFailed and
        changes nothing (`*` matches any existing resource); without the header the last
        writer wins.
        """
        with self._lock:
            pk = ids.key(path)
            p = ids.parse(path)
            assert p is not None
            vnet_key = ids.parent_key(pk)
            vnet = self.resources.get(vnet_key)
            if vnet is None:
                raise not_found(ids.parse(vnet_key), self)
            self._check_if_match(pk, path, if_match)
            if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
                raise ArmError(
                    400,
                    "InvalidRequestFormat",
                    "Cannot parse the request: the body must be a JSON object with 'properties'.",
                )
            props_in: dict[str, Any] = body["properties"]
            remote_key = _ref(props_in, "remoteVirtualNetwork")
            peering_id = ids.resource_id(
                p.subscription, p.resource_group, p.namespace, p.types[0], p.names[0], p.types[1], p.names[1]
            )
            if not remote_key:
                raise ArmError(
                    400,
                    "InvalidRequestFormat",
                    f"Peering {peering_id} must reference a remote virtual network in properties.remoteVirtualNetwork.id.",
                )
            existing = self.resources.get(pk)
            if existing is not None and _ref(existing, "properties", "remoteVirtualNetwork") != remote_key:
                raise ArmError(
                    400,
                    "ChangingRemoteVirtualNetworkNotAllowed",
                    f"Changing the remote virtual network of peering {peering_id} is not allowed. Delete the peering and create a new one.",
                )
            remote = self.resources.get(remote_key)
            remote_id = props_in["remoteVirtualNetwork"]["id"]
            if remote is None:
                raise ArmError(
                    400,
                    "InvalidResourceReference",
                    f"Resource {remote_id} referenced by resource {peering_id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.",
                )
            flags = {
                "allowVirtualNetworkAccess": bool(props_in.get("allowVirtualNetworkAccess", True)),
                "allowForwardedTraffic": bool(props_in.get("allowForwardedTraffic", False)),
                "allowGatewayTransit": bool(props_in.get("allowGatewayTransit", False)),
                "useRemoteGateways": bool(props_in.get("useRemoteGateways", False)),
            }
            vnet_id = vnet.get("id", vnet_key)
            if flags["useRemoteGateways"]:
                self._check_use_remote_gateways(pk, peering_id, vnet_key, vnet_id, remote_key, remote_id)
            reverse = self._reverse_peering(vnet_key, remote_key)
            state = "Connected" if reverse is not None else "Initiated"
            if reverse is not None:
                rprops = reverse.setdefault("properties", {})
                if rprops.get("peeringState") != "Connected":
                    rprops["peeringState"] = "Connected"
                    reverse["etag"] = new_etag()
            remote_space = copy.deepcopy(
                (remote.get("properties") or {}).get("addressSpace") or {"addressPrefixes": []}
            )
            old_props = (existing or {}).get("properties") or {}
            sync_level = "FullyInSync"
            if existing is not None and not sync and "remoteAddressSpace" in old_props:
                # Only `?syncRemoteAddressSpace=true` takes the remote VNet's new address space
                # (VirtualNetworkPeerings_CreateOrUpdate; example VirtualNetworkPeeringSync): a
                # plain update keeps what the peering had, and its sync level.
                remote_space = copy.deepcopy(old_props["remoteAddressSpace"])
                sync_level = str(old_props.get("peeringSyncLevel") or "FullyInSync")
            doc: dict[str, Any] = {
                "name": p.names[1],
                "id": peering_id if existing is None else existing.get("id", peering_id),
                "etag": new_etag(),
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                "properties": {
                    **{k: v for k, v in old_props.items() if k not in flags},
                    **flags,
                    "remoteVirtualNetwork": {"id": remote_id},
                    "remoteAddressSpace": remote_space,
                    "remoteVirtualNetworkAddressSpace": copy.deepcopy(remote_space),
                    "peeringState": state,
                    "peeringSyncLevel": sync_level,
                    "provisioningState": "Updating",
                    "resourceGuid": old_props.get("resourceGuid") or str(uuid.uuid4()),
                },
            }
            for optional in (
                "doNotVerifyRemoteGateways",
                "enableOnlyIPv6Peering",
                "peerCompleteVnets",
                "remoteVirtualNetworkEncryption",
            ):
                if optional in props_in:
                    doc["properties"][optional] = copy.deepcopy(props_in[optional])
            if existing is not None and existing.get("name"):
                doc["name"] = existing["name"]
            self.resources[pk] = doc
            self._touch()
            location = str(vnet.get("location") or "global")
            op = self.new_operation(location, p.namespace, api_version, target=pk)
            return (200 if existing is not None else 201), copy.deepcopy(doc), op

    def _check_if_match(self, k: str, path: str, if_match: str | None) -> None:
        """RFC 9110 If-Match, as ARM applies it to a write: `*` needs the resource to exist,
        an etag needs it to be the current one (compared as the exact string ARM handed out,
        `W/"…"` included). Raises 412 PreconditionFailed otherwise. Callers hold the lock."""
        if if_match is None or not if_match.strip():
            return
        wanted = if_match.strip()
        doc = self.resources.get(k)
        current = str(doc.get("etag", "")) if doc is not None else ""
        if doc is not None and (wanted == "*" or wanted == current):
            return
        have = f"its current etag is {current}" if doc is not None else "it does not exist"
        raise ArmError(
            412,
            "PreconditionFailed",
            f"The condition specified in the If-Match header ({wanted}) is not met for resource {path}: {have}. "
            "Read the resource again and retry the operation with its current etag.",
        )

    def change_as_someone_else(self, resource_id: str, changes: dict[str, Any]) -> bool:
        """Change a stored resource the way another writer would (the portal, a deployment,
        Azure re-syncing a peering): set each dotted path (`properties.allowForwardedTraffic`)
        to its value, and give the resource a new etag. False when there is no such resource."""
        with self._lock:
            doc = self.resources.get(ids.key(resource_id))
            if doc is None:
                return False
            for dotted, value in changes.items():
                node = doc
                *parents, leaf = dotted.split(".")
                for part in parents:
                    child = node.get(part)
                    if not isinstance(child, dict):
                        child = node[part] = {}
                    node = child
                node[leaf] = copy.deepcopy(value)
            doc["etag"] = new_etag()
            self._touch()
            return True

    def _check_use_remote_gateways(
        self, pk: str, peering_id: str, vnet_key: str, vnet_id: str, remote_key: str, remote_id: str
    ) -> None:
        """Azure's rules for useRemoteGateways=true (Configure VPN gateway transit for peering)."""
        own = self.gateways_in_vnet(vnet_key)
        if own:
            raise ArmError(
                400,
                "VirtualNetworkCannotUseRemoteGatewaysWhenItHasGateway",
                f"Peering {peering_id} cannot have UseRemoteGateways flag set to true because virtual network {vnet_id} "
                f"referenced by the peering has gateway {own[0].get('id')}. A virtual network can use a remote gateway only when it has no gateway of its own.",
            )
        if not self.gateways_in_vnet(remote_key):
            raise ArmError(
                400,
                "RemoteVnetHasNoGateways",
                f"Peering {peering_id} cannot have UseRemoteGateway flag set to true because remote virtual network "
                f"{remote_id} referenced by the peering does not have any gateways.",
            )
        reverse = self._reverse_peering(vnet_key, remote_key)
        if reverse is None or not (reverse.get("properties") or {}).get("allowGatewayTransit"):
            raise ArmError(
                400,
                "RemotePeeringDoesNotAllowGatewayTransit",
                f"Peering {peering_id} cannot have UseRemoteGateways flag set to true, because corresponding remote peering "
                f"{(reverse or {}).get('id', 'in ' + remote_id)} has AllowGatewayTransit flag set to false.",
            )
        for other in self._children(vnet_key, PEERING):
            if ids.key(other.get("id", "")) != pk and (other.get("properties") or {}).get("useRemoteGateways"):
                raise ArmError(
                    400,
                    "AnotherPeeringAlreadyUsesRemoteGateways",
                    f"Peering {peering_id} cannot have UseRemoteGateways flag set to true, because another peering "
                    f"{other.get('id')} already has UseRemoteGateways flag set to true.",
                )

    def delete_peering(self, path: str, api_version: str, if_match: str | None = None) -> Operation | None:
        """Delete a peering; the other side becomes Disconnected. None when it did not exist.
        A stale `if_match` is refused with 412, as for a PUT."""
        with self._lock:
            pk = ids.key(path)
            self._check_if_match(pk, path, if_match)
            doc = self.resources.get(pk)
            if doc is None:
                return None
            vnet_key = ids.parent_key(pk)
            remote_key = _ref(doc, "properties", "remoteVirtualNetwork")
            del self.resources[pk]
            self._touch()
            self.pending.pop(pk, None)
            reverse = self._reverse_peering(vnet_key, remote_key) if remote_key else None
            if reverse is not None:
                reverse.setdefault("properties", {})["peeringState"] = "Disconnected"
                reverse["etag"] = new_etag()
            vnet = self.resources.get(vnet_key) or {}
            p = ids.parse(pk)
            return self.new_operation(
                str(vnet.get("location") or "global"), p.namespace if p else "Microsoft.Network", api_version
            )

    # --- connections: status and counters ---------------------------------------------------
    def _connection(self, connection_id: str) -> dict[str, Any]:
        doc = self.resources.get(ids.key(connection_id))
        if doc is None or self._type_of(ids.key(connection_id)) != CONNECTION:
            raise KeyError(f"no connection {connection_id!r} in the estate")
        return doc

    def advance_counters(self, cycles: int = 1) -> None:
        """Grow ingress/egress bytes of every connection in counterGrowth by `cycles` steps.

        A connection whose connectionStatus is NotConnected carries no traffic and does not grow.
        The growth is spread over its tunnels (tunnelConnectionStatus) too."""
        with self._lock:
            for ck, growth in self.counter_growth.items():
                doc = self.resources.get(ck)
                if doc is None:
                    continue
                props = doc.setdefault("properties", {})
                if props.get("connectionStatus") == "NotConnected":
                    continue
                for direction in ("ingress", "egress"):
                    add = int(growth.get(direction, 0)) * cycles
                    if not add:
                        continue
                    field_name = f"{direction}BytesTransferred"
                    props[field_name] = int(props.get(field_name) or 0) + add
                    tunnels = [
                        t
                        for t in props.get("tunnelConnectionStatus") or []
                        if t.get("connectionStatus") != "NotConnected"
                    ]
                    if tunnels:
                        share, rest = divmod(add, len(tunnels))
                        for i, t in enumerate(tunnels):
                            t[field_name] = int(t.get(field_name) or 0) + share + (rest if i == 0 else 0)

    def set_counter_growth(self, connection_id: str, ingress: int | None = None, egress: int | None = None) -> None:
        with self._lock:
            self._connection(connection_id)
            k = ids.key(connection_id)
            g = self.counter_growth.setdefault(k, {"ingress": 0, "egress": 0})
            self._names.setdefault(k, connection_id)
            if ingress is not None:
                g["ingress"] = int(ingress)
            if egress is not None:
                g["egress"] = int(egress)

    def set_connection_status(self, connection_id: str, status: str, tunnels: list[str] | None = None) -> None:
        """Set connectionStatus (and every tunnel's, or each tunnel's from `tunnels` in order).

        A tunnel going to Connected gets a new lastConnectionEstablishedUtcTime, as the gateway stamps it."""
        with self._lock:
            doc = self._connection(connection_id)
            props = doc.setdefault("properties", {})
            props["connectionStatus"] = status
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            for i, t in enumerate(props.get("tunnelConnectionStatus") or []):
                t_status = tunnels[i] if tunnels is not None and i < len(tunnels) else status
                if t_status == "Connected" and t.get("connectionStatus") != "Connected":
                    t["lastConnectionEstablishedUtcTime"] = now
                t["connectionStatus"] = t_status
            doc["etag"] = new_etag()

    # --- dump -------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """The current estate in the file format (resources exactly as GET returns them)."""
        with self._lock:
            resources = []
            for k in self.resources:
                t = self._type_of(k)
                if (
                    t in (SUBNET, PEERING)
                    and self._type_of(ids.parent_key(k)) == VNET
                    and ids.parent_key(k) in self.resources
                ):
                    continue  # embedded in its VNet's document
                v = self.view(k)
                if v is not None:
                    resources.append(v)
            out: dict[str, Any] = {
                "subscriptions": [copy.deepcopy(s) for s in self.subscriptions.values()],
                "resourceGroups": [copy.deepcopy(r) for r in self.resource_groups.values()],
                "resources": resources,
                "actions": {self._action_id(k): copy.deepcopy(v) for k, v in self.actions.items()},
            }
            if self.shared_keys:
                out["sharedKeys"] = {self._names.get(k, k): v for k, v in self.shared_keys.items()}
            if self.denied:
                out["denied"] = [d.to_json() for d in self.denied]
            if self.metrics:
                out["metrics"] = {self._names.get(k, k): copy.deepcopy(v) for k, v in self.metrics.items()}
            if self.counter_growth:
                out["counterGrowth"] = {self._names.get(k, k): dict(g) for k, g in self.counter_growth.items()}
            out.update({k: copy.deepcopy(v) for k, v in self.sections.items()})
            return out

    def _action_id(self, action_key: str) -> str:
        """Action keys are lower-cased; write them back with the resource's id as stored."""
        base, _, query = action_key.partition("?")
        res_key, _, action = base.rpartition("/")
        doc = self.resources.get(res_key)
        rid = doc.get("id", res_key) if doc else res_key
        name = _ACTION_NAMES.get(action, action)
        return f"{rid}/{name}" + (f"?{query}" if query else "")


_ACTION_NAMES = {
    "getlearnedroutes": "getLearnedRoutes",
    "getadvertisedroutes": "getAdvertisedRoutes",
    "getbgppeerstatus": "getBgpPeerStatus",
    "getvpnclientconnectionhealth": "getVpnclientConnectionHealth",
    "effectiveroutetable": "effectiveRouteTable",
    "effectivenetworksecuritygroups": "effectiveNetworkSecurityGroups",
    "listnetworkmanagereffectiveconnectivityconfigurations": "listNetworkManagerEffectiveConnectivityConfigurations",
}


def not_found(p: ids.Parsed | None, estate: Estate) -> ArmError:
    """The 404 ARM gives for a missing resource: the most specific missing scope wins."""
    if p is None:
        return ArmError(404, "ResourceNotFound", "The resource was not found.")
    if not estate.subscription_exists(p.subscription):
        return ArmError(404, "SubscriptionNotFound", f"The subscription '{p.subscription}' could not be found.")
    if p.resource_group and not estate.resource_group_exists(p.subscription, p.resource_group):
        return ArmError(404, "ResourceGroupNotFound", f"Resource group '{p.resource_group}' could not be found.")
    typ = "/".join((p.namespace, *p.types)) if p.namespace else "/".join(p.types)
    name = "/".join(p.names)
    where = f" under resource group '{p.resource_group}'" if p.resource_group else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{typ}/{name}'{where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )
