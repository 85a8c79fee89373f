"""ARM resource documents exactly as a GET returns them, for building estates.

The scenario corpus (`sandbox/scenarios.py`) describes dozens of designs; writing every
document by hand would bury the design under boilerplate (etags, GUIDs, provisioning
states, the subnet's back-references to the NICs and gateways in it). These functions
write that boilerplate the way ARM does, from the few facts that make a design:

* ids are built from (subscription, resource group, type path, names);
* etags and resource GUIDs are derived from the id (uuid5), so a rebuilt estate is
  byte-for-byte the same file;
* a subnet lists the ip configurations placed in it (ARM's `ipConfigurations` back-links),
  which `Estate.finish()` fills in once every NIC, gateway and endpoint is known;
* a VNet embeds its subnets and peerings, as a VNet GET does (the emulator stores them as
  child resources too).

Shapes follow the published examples in `../shared/fixtures/real/arm` (VirtualNetworkGet,
VirtualNetworkGatewayGet, VirtualNetworkGatewayConnectionGet, PrivateEndpointGet, …) and
`sandbox/estates/seed.json`.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]

NET = "Microsoft.Network"


def guid(seed: str, salt: str = "") -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed.lower() + "#" + salt))


def etag(seed: str, salt: str = "") -> str:
    return f'W/"{guid(seed, "etag" + salt)}"'


def rid(sub: str, rg: str, provider: str, *type_names: str) -> str:
    """`rid(sub, rg, "Microsoft.Network", "virtualNetworks", "vnet-a")`."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/" + "/".join(type_names)


def net_id(sub: str, rg: str, *type_names: str) -> str:
    return rid(sub, rg, NET, *type_names)


def ref(i: str) -> Doc:
    return {"id": i}


def name_of(i: str) -> str:
    return i.rstrip("/").rsplit("/", 1)[-1]


def rg_of(i: str) -> str:
    parts = i.split("/")
    return parts[parts.index("resourceGroups") + 1]


def sub_of(i: str) -> str:
    return i.split("/")[2]


def vnet_of_subnet(subnet_id: str) -> str:
    return subnet_id.rsplit("/subnets/", 1)[0]


# --- the estate being built ---------------------------------------------------------------


@dataclass
class Estate:
    """An estate under construction: `add` documents, then `finish()` for the file."""

    comment: str
    subscriptions: list[Doc] = field(default_factory=list)
    resources: list[Doc] = field(default_factory=list)
    actions: dict[str, Any] = field(default_factory=dict)
    shared_keys: dict[str, str] = field(default_factory=dict)
    counter_growth: dict[str, dict[str, int]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # rg id -> location
    # Azure Monitor metrics: gateway id -> metric -> series specs (sandbox/arm/metrics.py)
    metrics: dict[str, dict[str, list[Doc]]] = field(default_factory=dict)

    def metric(self, gateway_id: str, name: str, per_minute: float, wave: float = 0.0, **spec: Any) -> None:
        """One series of a gateway metric: `per_minute` is the one-minute sample; `dimensions`,
        `outages` (see sandbox/arm/metrics.py) go in `spec`."""
        entry: Doc = {**spec, "perMinute": per_minute}
        if wave:
            entry["wave"] = wave
        self.metrics.setdefault(gateway_id, {}).setdefault(name, []).append(entry)

    def tunnel_metrics(
        self,
        gateway_id: str,
        connection: str,
        remote_ip: str,
        *,
        egress: float,
        ingress: float,
        drops: tuple[float, float] = (0, 0),
        mismatch: tuple[float, float] = (0, 0),
        packet_bytes: int = 1100,
    ) -> None:
        """A tunnel's metrics on its gateway: bytes a minute each way, and (in, out) packet
        drops and traffic-selector-mismatch drops a minute."""
        dims = {"dimensions": {"ConnectionName": connection, "RemoteIP": remote_ip}}
        e_pk, i_pk = round(egress / packet_bytes), round(ingress / packet_bytes)
        wave = 0.2
        for name, value, w in (
            ("TunnelEgressBytes", egress, wave),
            ("TunnelIngressBytes", ingress, wave),
            ("TunnelAverageBandwidth", round((egress + ingress) / 60), wave),
            ("TunnelEgressPackets", e_pk, wave),
            ("TunnelIngressPackets", i_pk, wave),
            ("TunnelPeakPackets", round((e_pk + i_pk) / 60 * 2.5), 0.0),
            ("TunnelIngressPacketDropCount", drops[0], 0.0),
            ("TunnelEgressPacketDropCount", drops[1], 0.0),
            ("TunnelIngressPacketDropTSMismatch", mismatch[0], 0.0),
            ("TunnelEgressPacketDropTSMismatch", mismatch[1], 0.0),
        ):
            self.metric(gateway_id, name, value, w if value else 0.0, **dims)

    # The estate's past (sandbox/arm/history.py): changes, Resource Health, Service Health.
    changes: list[Doc] = field(default_factory=list)
    resource_health: dict[str, list[Doc]] = field(default_factory=dict)
    service_health: list[Doc] = field(default_factory=list)

    def subscription(self, sub: str, name: str, tenant: str = "72f988bf-86f1-41af-91ab-2d7cd011db47") -> str:
        self.subscriptions.append({"subscriptionId": sub, "displayName": name, "tenantId": tenant, "state": "Enabled"})
        return sub

    def group(self, sub: str, rg: str, location: str) -> None:
        self.groups[f"/subscriptions/{sub}/resourceGroups/{rg}"] = location

    def add(self, *docs: Doc) -> Doc:
        for d in docs:
            self.resources.append(d)
        return docs[0]

    def action(self, resource_id: str, name: str, body: Any) -> None:
        self.actions[f"{resource_id}/{name}"] = body

    def get(self, resource_id: str) -> Doc:
        k = resource_id.lower()
        for d in self.resources:
            if d["id"].lower() == k:
                return d
        raise KeyError(resource_id)

    def vnets(self) -> list[Doc]:
        return [d for d in self.resources if d.get("type") == f"{NET}/virtualNetworks"]

    def finish(self) -> Doc:
        """The estate file: subnets get their ipConfigurations back-links, and the peerings
        their remote address spaces, from what was added."""
        back: dict[str, list[Doc]] = {}
        for d in self.resources:
            for ipc_id, subnet_id in _ip_configs(d):
                back.setdefault(subnet_id.lower(), []).append({"id": ipc_id})
        for v in self.vnets():
            for s in v["properties"]["subnets"]:
                links = back.get(s["id"].lower())
                if links:
                    s["properties"]["ipConfigurations"] = links
                table = self._maybe((s["properties"].get("routeTable") or {}).get("id", ""))
                if table is not None:
                    table["properties"]["subnets"].append({"id": s["id"]})
            for p in v["properties"]["virtualNetworkPeerings"]:
                remote = self._maybe(p["properties"]["remoteVirtualNetwork"]["id"])
                if remote is not None and "remoteAddressSpace" not in p["properties"]:
                    prefixes = list(remote["properties"]["addressSpace"]["addressPrefixes"])
                    p["properties"]["remoteAddressSpace"] = {"addressPrefixes": prefixes}
                    p["properties"]["remoteVirtualNetworkAddressSpace"] = {"addressPrefixes": prefixes}
        out: Doc = {"$comment": self.comment, "subscriptions": self.subscriptions}
        if self.groups:
            out["resourceGroups"] = [
                {
                    "id": g,
                    "name": g.rsplit("/", 1)[-1],
                    "type": "Microsoft.Resources/resourceGroups",
                    "location": loc,
                    "properties": {"provisioningState": "Succeeded"},
                }
                for g, loc in self.groups.items()
            ]
        out["resources"] = copy.deepcopy(self.resources)
        out["actions"] = copy.deepcopy(self.actions)
        optional = {
            "sharedKeys": self.shared_keys,
            "counterGrowth": self.counter_growth,
            "metrics": self.metrics,
            "changes": self.changes,
            "resourceHealth": self.resource_health,
            "serviceHealth": self.service_health,
        }
        out.update({key: copy.deepcopy(value) for key, value in optional.items() if value})
        return out

    def _maybe(self, resource_id: str) -> Doc | None:
        try:
            return self.get(resource_id)
        except KeyError:
            return None


def _ip_configs(d: Doc) -> list[tuple[str, str]]:
    """(ip configuration id, subnet id) of a NIC, a gateway or a resolver endpoint."""
    p = d.get("properties") or {}
    out = []
    for c in p.get("ipConfigurations") or []:
        sub = (c.get("properties") or c).get("subnet") or {}
        if sub.get("id"):
            out.append((c.get("id") or f"{d['id']}/ipConfigurations/default", sub["id"]))
    return out


# --- virtual networks ----------------------------------------------------------------------


def vnet(
    sub: str,
    rg: str,
    name: str,
    location: str,
    prefixes: list[str],
    subnets: list[tuple[str, str]] | list[tuple[str, str, dict[str, Any]]],
    dns: list[str] | None = None,
) -> Doc:
    """A VNet with subnets `(name, prefix[, extra properties])`; peerings are added with `peer`."""
    vid = net_id(sub, rg, "virtualNetworks", name)
    subs = []
    for s in subnets:
        sname, prefix = s[0], s[1]
        extra: dict[str, Any] = s[2] if len(s) > 2 else {}
        sid = f"{vid}/subnets/{sname}"
        props: Doc = {
            "provisioningState": "Succeeded",
            "addressPrefix": prefix,
            "delegations": [],
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
        }
        if extra.get("routeTable"):
            props["routeTable"] = ref(extra["routeTable"])
        if extra.get("delegation"):
            svc = extra["delegation"]
            dname = svc.replace("/", ".")
            props["delegations"] = [
                {
                    "name": dname,
                    "id": f"{sid}/delegations/{dname}",
                    "type": f"{NET}/virtualNetworks/subnets/delegations",
                    "properties": {
                        "serviceName": svc,
                        "actions": [f"{NET}/virtualNetworks/subnets/join/action"],
                        "provisioningState": "Succeeded",
                    },
                }
            ]
        subs.append(
            {"name": sname, "id": sid, "etag": etag(vid), "type": f"{NET}/virtualNetworks/subnets", "properties": props}
        )
    return {
        "name": name,
        "id": vid,
        "etag": etag(vid),
        "type": f"{NET}/virtualNetworks",
        "location": location,
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": guid(vid),
            "addressSpace": {"addressPrefixes": list(prefixes)},
            "dhcpOptions": {"dnsServers": list(dns or [])},
            "subnets": subs,
            "virtualNetworkPeerings": [],
            "enableDdosProtection": False,
        },
    }


def subnet_id(v: Doc, name: str) -> str:
    return f"{v['id']}/subnets/{name}"


def peer(
    local: Doc,
    remote_id: str,
    name: str,
    *,
    state: str = "Connected",
    access: bool = True,
    forwarded: bool = False,
    transit: bool = False,
    remote_gateways: bool = False,
    sync: str = "FullyInSync",
) -> Doc:
    """Add a peering to `local` (a VNet document) towards `remote_id`; returns the peering."""
    pid = f"{local['id']}/virtualNetworkPeerings/{name}"
    p = {
        "name": name,
        "id": pid,
        "etag": etag(pid),
        "type": f"{NET}/virtualNetworks/virtualNetworkPeerings",
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": guid(pid),
            "peeringState": state,
            "peeringSyncLevel": sync,
            "remoteVirtualNetwork": ref(remote_id),
            "allowVirtualNetworkAccess": access,
            "allowForwardedTraffic": forwarded,
            "allowGatewayTransit": transit,
            "useRemoteGateways": remote_gateways,
            "doNotVerifyRemoteGateways": False,
            "peerCompleteVnets": True,
        },
    }
    local["properties"]["virtualNetworkPeerings"].append(p)
    return p


def peer_pair(
    a: Doc, b: Doc, *, a_to_b: str = "", b_to_a: str = "", a_transit: bool = False, b_uses: bool = False, **kw: Any
) -> tuple[Doc, Doc]:
    """Both sides of a Connected peering; `a_transit`/`b_uses` set up gateway transit from a to b."""
    pa = peer(a, b["id"], a_to_b or f"{a['name']}-to-{b['name']}", transit=a_transit, **kw)
    pb = peer(b, a["id"], b_to_a or f"{b['name']}-to-{a['name']}", remote_gateways=b_uses, **kw)
    return pa, pb


def route_table(sub: str, rg: str, name: str, location: str, routes: list[Doc], propagate: bool = True) -> Doc:
    """`routes`: `route("name", "0.0.0.0/0", "VirtualAppliance", "10.0.3.4")` entries."""
    tid = net_id(sub, rg, "routeTables", name)
    return {
        "name": name,
        "id": tid,
        "etag": etag(tid),
        "type": f"{NET}/routeTables",
        "location": location,
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": guid(tid),
            "disableBgpRoutePropagation": not propagate,
            "routes": [
                {
                    **r,
                    "id": f"{tid}/routes/{r['name']}",
                    "etag": etag(tid, r["name"]),
                    "type": f"{NET}/routeTables/routes",
                }
                for r in routes
            ],
            "subnets": [],
        },
    }


def route(name: str, prefix: str, hop: str, ip: str = "") -> Doc:
    props: Doc = {"provisioningState": "Succeeded", "addressPrefix": prefix, "nextHopType": hop}
    if ip:
        props["nextHopIpAddress"] = ip
    return {"name": name, "properties": props}


# --- gateways -----------------------------------------------------------------------------


def public_ip(sub: str, rg: str, name: str, location: str, ip: str, ipconfig_id: str = "") -> Doc:
    pid = net_id(sub, rg, "publicIPAddresses", name)
    props: Doc = {
        "provisioningState": "Succeeded",
        "ipAddress": ip,
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": "Static",
        "idleTimeoutInMinutes": 4,
        "ipTags": [],
    }
    if ipconfig_id:
        props["ipConfiguration"] = ref(ipconfig_id)
    return {
        "name": name,
        "id": pid,
        "etag": etag(pid),
        "type": f"{NET}/publicIPAddresses",
        "location": location,
        "sku": {"name": "Standard", "tier": "Regional"},
        "zones": ["1", "2", "3"],
        "properties": props,
    }


@dataclass
class P2S:
    """A gateway's point-to-site configuration."""

    pool: list[str]
    auth: list[str]  # AAD | Certificate | Radius
    protocols: list[str] = field(default_factory=lambda: ["OpenVPN"])
    tenant: str = ""
    radius_server: str = ""


def gateway(
    est: Estate,
    v: Doc,
    name: str,
    *,
    public_ips: list[str],
    sku: str = "VpnGw2AZ",
    bgp: bool = False,
    asn: int = 65515,
    apipa: list[list[str]] | None = None,
    p2s: P2S | None = None,
    gateway_type: str = "Vpn",
    vpn_type: str = "RouteBased",
    nat_rules: list[Doc] | None = None,
    default_site: str = "",
    bgp_nat_translation: bool = False,
    provisioning: str = "Succeeded",
) -> Doc:
    """A virtual network gateway in `v`'s GatewaySubnet, with its public IPs (added to `est`).

    Two `public_ips` make it active-active. Instance BGP addresses are the GatewaySubnet's
    .4 and .5 (active-active) or .30 (one instance), as Azure assigns them; `apipa` gives
    each instance its custom APIPA BGP addresses.
    """
    sub, rg, loc = sub_of(v["id"]), rg_of(v["id"]), v["location"]
    gid = net_id(sub, rg, "virtualNetworkGateways", name)
    gw_subnet = next(s for s in v["properties"]["subnets"] if s["name"] == "GatewaySubnet")
    base = gw_subnet["properties"]["addressPrefix"].split("/")[0].rsplit(".", 1)[0]
    active_active = len(public_ips) > 1
    defaults = [f"{base}.4", f"{base}.5"] if active_active else [f"{base}.30"]
    ipcs, peering_addresses = [], []
    for i, ip in enumerate(public_ips):
        cname = f"ipconfig-{i + 1}" if active_active else "default"
        cid = f"{gid}/ipConfigurations/{cname}"
        pip = public_ip(sub, rg, f"pip-{name}-{i + 1}" if active_active else f"pip-{name}", loc, ip, cid)
        est.add(pip)
        ipcs.append(
            {
                "name": cname,
                "id": cid,
                "etag": etag(gid),
                "properties": {
                    "provisioningState": "Succeeded",
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": ref(pip["id"]),
                    "subnet": ref(gw_subnet["id"]),
                },
            }
        )
        peering_addresses.append(
            {
                "ipconfigurationId": cid,
                "defaultBgpIpAddresses": [defaults[i]],
                "customBgpIpAddresses": list((apipa or [[]] * len(public_ips))[i]),
                "tunnelIpAddresses": [ip],
            }
        )
    props: Doc = {
        "provisioningState": provisioning,
        "resourceGuid": guid(gid),
        "ipConfigurations": ipcs,
        "natRules": list(nat_rules or []),
        "enableBgpRouteTranslationForNat": bgp_nat_translation,
        "disableIPSecReplayProtection": False,
        "sku": {"name": sku, "tier": sku, "capacity": 2},
        "gatewayType": gateway_type,
        "activeActive": active_active,
        "enablePrivateIpAddress": False,
        "allowRemoteVnetTraffic": False,
        "allowVirtualWanTraffic": False,
    }
    if gateway_type == "Vpn":
        props.update(
            vpnType=vpn_type,
            enableBgp=bgp,
            vpnGatewayGeneration="Generation2" if sku not in ("Basic", "VpnGw1") else "Generation1",
            bgpSettings={
                "asn": asn,
                "bgpPeeringAddress": ",".join(defaults),
                "peerWeight": 0,
                "bgpPeeringAddresses": peering_addresses,
            },
            customRoutes={"addressPrefixes": []},
        )
        if default_site:
            props["gatewayDefaultSite"] = ref(default_site)
        if p2s is not None:
            props["vpnClientConfiguration"] = _p2s(gid, p2s)
    else:
        props.update(vpnType="RouteBased", enableBgp=False, bgpSettings={"asn": 65515, "peerWeight": 0})
    return est.add(
        {
            "name": name,
            "id": gid,
            "etag": etag(gid),
            "type": f"{NET}/virtualNetworkGateways",
            "location": loc,
            "properties": props,
        }
    )


def _p2s(gid: str, p: P2S) -> Doc:
    cfg: Doc = {
        "vpnClientAddressPool": {"addressPrefixes": list(p.pool)},
        "vpnClientProtocols": list(p.protocols),
        "vpnAuthenticationTypes": list(p.auth),
        "vpnClientRootCertificates": [],
        "vpnClientRevokedCertificates": [],
        "vpnClientIpsecPolicies": [],
        "radiusServers": [],
        "vngClientConnectionConfigurations": [],
    }
    if "Certificate" in p.auth:
        cfg["vpnClientRootCertificates"] = [
            {
                "name": "P2SRootCert",
                "id": f"{gid}/vpnClientRootCertificates/P2SRootCert",
                "etag": etag(gid, "root"),
                "properties": {
                    "provisioningState": "Succeeded",
                    "publicCertData": "MIIC5zCCAc+gAwIBAgIQ" + guid(gid)[:18],
                },
            }
        ]
    if "AAD" in p.auth:
        t = p.tenant or "72f988bf-86f1-41af-91ab-2d7cd011db47"
        cfg.update(
            aadTenant=f"https://login.microsoftonline.com/{t}/",
            aadAudience="c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
            aadIssuer=f"https://sts.windows.net/{t}/",
        )
    if "Radius" in p.auth:
        cfg["radiusServerAddress"] = p.radius_server
        cfg["radiusServers"] = [{"radiusServerAddress": p.radius_server, "radiusServerScore": 1}]
    return cfg


def nat_rule(gw_id: str, name: str, mode: str, internal: str, external: str, ipconfig: str = "") -> Doc:
    """A static NAT rule of a gateway (`mode` EgressSnat | IngressSnat)."""
    nid = f"{gw_id}/natRules/{name}"
    props: Doc = {
        "provisioningState": "Succeeded",
        "type": "Static",
        "mode": mode,
        "internalMappings": [{"addressSpace": internal}],
        "externalMappings": [{"addressSpace": external}],
    }
    if ipconfig:
        props["ipConfigurationId"] = ipconfig
    return {
        "name": name,
        "id": nid,
        "etag": etag(nid),
        "type": f"{NET}/virtualNetworkGateways/natRules",
        "properties": props,
    }


def local_gateway(
    sub: str, rg: str, name: str, location: str, ip: str, prefixes: list[str], asn: int | None = None, bgp_ip: str = ""
) -> Doc:
    lid = net_id(sub, rg, "localNetworkGateways", name)
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": guid(lid),
        "gatewayIpAddress": ip,
        "localNetworkAddressSpace": {"addressPrefixes": list(prefixes)},
    }
    if asn is not None:
        props["bgpSettings"] = {"asn": asn, "bgpPeeringAddress": bgp_ip, "peerWeight": 0}
    return {
        "name": name,
        "id": lid,
        "etag": etag(lid),
        "type": f"{NET}/localNetworkGateways",
        "location": location,
        "properties": props,
    }


@dataclass
class Tunnel:
    name: str
    status: str = "Connected"
    ingress: int = 0
    egress: int = 0
    since: str = "2026-11-02T06:14:09.6351827Z"


def connection(
    est: Estate,
    sub: str,
    rg: str,
    name: str,
    location: str,
    gw1: str,
    *,
    gw2: str = "",
    lng: str = "",
    peer_circuit: str = "",
    kind: str = "",
    status: str = "Connected",
    ingress: int = 0,
    egress: int = 0,
    tunnels: list[Tunnel] | None = None,
    bgp: bool = False,
    shared_key: str = "",
    policy_based: bool = False,
    ipsec_policies: list[Doc] | None = None,
    selectors: list[Doc] | None = None,
    ingress_nat: list[str] | None = None,
    egress_nat: list[str] | None = None,
    custom_bgp: list[tuple[str, str]] | None = None,
    growth: tuple[int, int] | None = None,
) -> Doc:
    """A connection of `gw1` to a VNet gateway (`gw2`), a local network gateway (`lng`) or an
    ExpressRoute circuit (`peer_circuit`), with its status and counters as a GET shows them.

    `growth` (ingress, egress) bytes per watch cycle go into the estate's counterGrowth.
    """
    cid = net_id(sub, rg, "connections", name)
    ctype = kind or ("Vnet2Vnet" if gw2 else "ExpressRoute" if peer_circuit else "IPsec")
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": guid(cid),
        "virtualNetworkGateway1": {"id": gw1, "properties": {}},
        "connectionType": ctype,
        "routingWeight": 0,
        "enableBgp": bgp,
        "expressRouteGatewayBypass": False,
        "enablePrivateLinkFastPath": False,
    }
    if gw2:
        props["virtualNetworkGateway2"] = {"id": gw2, "properties": {}}
    if lng:
        props["localNetworkGateway2"] = {"id": lng, "properties": {}}
    if peer_circuit:
        props["peer"] = ref(peer_circuit)
    if ctype != "ExpressRoute":
        props.update(
            connectionProtocol="IKEv2",
            dpdTimeoutSeconds=45,
            connectionMode="Default",
            useLocalAzureIpAddress=False,
            usePolicyBasedTrafficSelectors=policy_based,
            ipsecPolicies=list(ipsec_policies or []),
            trafficSelectorPolicies=list(selectors or []),
            ingressNatRules=[ref(x) for x in ingress_nat or []],
            egressNatRules=[ref(x) for x in egress_nat or []],
        )
        if custom_bgp:
            props["gatewayCustomBgpIpAddresses"] = [
                {"ipConfigurationId": ipc, "customBgpIpAddress": ip} for ipc, ip in custom_bgp
            ]
    props["connectionStatus"] = status
    props["ingressBytesTransferred"] = ingress
    props["egressBytesTransferred"] = egress
    if tunnels is not None:
        props["tunnelConnectionStatus"] = [
            {
                "tunnel": t.name,
                "connectionStatus": t.status,
                "ingressBytesTransferred": t.ingress,
                "egressBytesTransferred": t.egress,
                "lastConnectionEstablishedUtcTime": t.since,
            }
            for t in tunnels
        ]
    if shared_key:
        est.shared_keys[cid] = shared_key
    if growth is not None:
        est.counter_growth[cid] = {"ingress": growth[0], "egress": growth[1]}
    return est.add(
        {
            "name": name,
            "id": cid,
            "etag": etag(cid),
            "type": f"{NET}/connections",
            "location": location,
            "properties": props,
        }
    )


def ipsec_policy(
    ike_enc: str = "AES256",
    ike_int: str = "SHA384",
    dh: str = "DHGroup24",
    enc: str = "GCMAES256",
    integ: str = "GCMAES256",
    pfs: str = "PFS24",
) -> Doc:
    return {
        "saLifeTimeSeconds": 27000,
        "saDataSizeKilobytes": 102400000,
        "ipsecEncryption": enc,
        "ipsecIntegrity": integ,
        "ikeEncryption": ike_enc,
        "ikeIntegrity": ike_int,
        "dhGroup": dh,
        "pfsGroup": pfs,
    }


# --- NICs and VMs ---------------------------------------------------------------------------


def nic_and_vm(
    est: Estate,
    v: Doc,
    subnet: str,
    vm: str,
    ip: str,
    *,
    applied_dns: list[str] | None = None,
    routes: list[Doc] | None = None,
    forwarding: bool = False,
) -> Doc:
    """A VM with one NIC in `v`/`subnet` at `ip`; `routes` is its effectiveRouteTable."""
    sub, rg, loc = sub_of(v["id"]), rg_of(v["id"]), v["location"]
    nid = net_id(sub, rg, "networkInterfaces", f"nic-{vm}")
    vmid = rid(sub, rg, "Microsoft.Compute", "virtualMachines", vm)
    est.add(
        {
            "name": f"nic-{vm}",
            "id": nid,
            "etag": etag(nid),
            "type": f"{NET}/networkInterfaces",
            "location": loc,
            "properties": {
                "provisioningState": "Succeeded",
                "resourceGuid": guid(nid),
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "id": f"{nid}/ipConfigurations/ipconfig1",
                        "etag": etag(nid),
                        "type": f"{NET}/networkInterfaces/ipConfigurations",
                        "properties": {
                            "provisioningState": "Succeeded",
                            "privateIPAddress": ip,
                            "privateIPAllocationMethod": "Static",
                            "subnet": ref(subnet_id(v, subnet)),
                            "primary": True,
                            "privateIPAddressVersion": "IPv4",
                        },
                    }
                ],
                "dnsSettings": {
                    "dnsServers": [],
                    "appliedDnsServers": list(applied_dns or v["properties"]["dhcpOptions"]["dnsServers"]),
                },
                "enableAcceleratedNetworking": True,
                "enableIPForwarding": forwarding,
                "primary": True,
                "virtualMachine": ref(vmid),
                "nicType": "Standard",
                "hostedWorkloads": [],
                "tapConfigurations": [],
            },
        },
        {
            "name": vm,
            "id": vmid,
            "type": "Microsoft.Compute/virtualMachines",
            "location": loc,
            "properties": {
                "vmId": guid(vmid),
                "provisioningState": "Succeeded",
                "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                "networkProfile": {"networkInterfaces": [ref(nid)]},
            },
        },
    )
    if routes is not None:
        est.action(nid, "effectiveRouteTable", {"value": routes})
    return est.get(nid)


def eff(
    prefixes: list[str] | str,
    hop: str,
    ips: list[str] | None = None,
    source: str = "Default",
    state: str = "Active",
    name: str = "",
) -> Doc:
    """One entry of an effective route table."""
    r: Doc = {
        "source": source,
        "state": state,
        "addressPrefix": [prefixes] if isinstance(prefixes, str) else list(prefixes),
        "nextHopType": hop,
        "nextHopIpAddress": list(ips or []),
    }
    if name:
        r["name"] = name
    return r


# Azure's default system routes besides the VNet's own space (virtual-networks-udr-overview).
def system_routes(own: list[str], internet: bool = True) -> list[Doc]:
    out = [eff(own, "VnetLocal")]
    if internet:
        out.append(eff("0.0.0.0/0", "Internet"))
    for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"):
        out.append(eff(p, "None"))
    return out


# --- gateway actions -------------------------------------------------------------------------


def learned(
    local: str,
    network: str,
    *,
    origin: str = "Network",
    next_hop: str = "",
    source: str = "",
    as_path: str = "",
    weight: int = 32768,
) -> Doc:
    return {
        "localAddress": local,
        "network": network,
        "nextHop": next_hop,
        "sourcePeer": source or local,
        "origin": origin,
        "asPath": as_path,
        "weight": weight,
    }


def bgp_peer(
    local: str, neighbor: str, asn: int, state: str = "Connected", routes: int = 0, up: str = "12.04:21:17.5520000"
) -> Doc:
    connected = state == "Connected"
    return {
        "localAddress": local,
        "neighbor": neighbor,
        "asn": asn,
        "state": state,
        "connectedDuration": up if connected else "",
        "routesReceived": routes if connected else 0,
        "messagesSent": 18244 if connected else 2210,
        "messagesReceived": 18239 if connected else 0,
    }


def advertised(local: str, network: str, as_path: str) -> Doc:
    return {
        "localAddress": local,
        "network": network,
        "nextHop": local,
        "sourcePeer": "",
        "origin": "Igp",
        "asPath": as_path,
        "weight": 0,
    }


def p2s_client(user: str, ip: str, public: str, since: str = "2026-12-07T08:11:04", secs: int = 2710) -> Doc:
    return {
        "vpnConnectionId": "OvpnConnection_" + guid(user)[:20].replace("-", ""),
        "vpnConnectionDuration": secs,
        "vpnConnectionTime": since,
        "publicIpAddress": public,
        "privateIpAddress": ip,
        "vpnUserName": user,
        "maxBandwidth": 2000000,
        "egressPacketsTransferred": 20411,
        "egressBytesTransferred": 18874368,
        "ingressPacketsTransferred": 17702,
        "ingressBytesTransferred": 3145728,
        "maxPacketsPerSecond": 90,
    }


# --- DNS and private endpoints ------------------------------------------------------------------


def resolver(est: Estate, v: Doc, name: str, subnet: str, inbound_ip: str) -> Doc:
    sub, rg, loc = sub_of(v["id"]), rg_of(v["id"]), v["location"]
    did = net_id(sub, rg, "dnsResolvers", name)
    est.add(
        {
            "name": name,
            "id": did,
            "etag": guid(did, "etag"),
            "type": f"{NET}/dnsResolvers",
            "location": loc,
            "properties": {
                "virtualNetwork": ref(v["id"]),
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
                "resourceGuid": guid(did),
            },
        },
        {
            "name": "inbound",
            "id": f"{did}/inboundEndpoints/inbound",
            "etag": guid(did, "inbound"),
            "type": f"{NET}/dnsResolvers/inboundEndpoints",
            "location": loc,
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": ref(subnet_id(v, subnet)),
                        "privateIpAddress": inbound_ip,
                        "privateIpAllocationMethod": "Static",
                    }
                ],
                "provisioningState": "Succeeded",
                "resourceGuid": guid(did, "in"),
            },
        },
    )
    return est.get(did)


def private_zone(est: Estate, sub: str, rg: str, zone: str, records: dict[str, str], links: list[str]) -> str:
    """A private DNS zone with A records `{name: ip}` and links (registration off) to `links` VNets."""
    zid = net_id(sub, rg, "privateDnsZones", zone)
    est.add(
        {
            "id": zid,
            "name": zone,
            "type": f"{NET}/privateDnsZones",
            "etag": guid(zid, "etag"),
            "location": "global",
            "properties": {
                "maxNumberOfRecordSets": 25000,
                "numberOfRecordSets": len(records) + 1,
                "maxNumberOfVirtualNetworkLinks": 1000,
                "numberOfVirtualNetworkLinks": len(links),
                "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
                "numberOfVirtualNetworkLinksWithRegistration": 0,
                "provisioningState": "Succeeded",
            },
        },
        {
            "id": f"{zid}/SOA/@",
            "name": "@",
            "type": f"{NET}/privateDnsZones/SOA",
            "etag": guid(zid, "soa"),
            "properties": {
                "ttl": 3600,
                "fqdn": f"{zone}.",
                "isAutoRegistered": False,
                "soaRecord": {
                    "email": "azureprivatedns-host.microsoft.com",
                    "expireTime": 2419200,
                    "host": "azureprivatedns.net",
                    "minimumTtl": 10,
                    "refreshTime": 3600,
                    "retryTime": 300,
                    "serialNumber": 1,
                },
            },
        },
    )
    for rname, ip in records.items():
        est.add(
            {
                "id": f"{zid}/A/{rname}",
                "name": rname,
                "type": f"{NET}/privateDnsZones/A",
                "etag": guid(zid, rname),
                "properties": {
                    "ttl": 10,
                    "fqdn": f"{rname}.{zone}.",
                    "isAutoRegistered": False,
                    "aRecords": [{"ipv4Address": ip}],
                },
            }
        )
    for vid in links:
        lname = f"link-{name_of(vid)}"
        est.add(
            {
                "id": f"{zid}/virtualNetworkLinks/{lname}",
                "name": lname,
                "type": f"{NET}/privateDnsZones/virtualNetworkLinks",
                "etag": guid(zid, lname),
                "location": "global",
                "properties": {
                    "virtualNetwork": ref(vid),
                    "registrationEnabled": False,
                    "resolutionPolicy": "Default",
                    "virtualNetworkLinkState": "Completed",
                    "provisioningState": "Succeeded",
                },
            }
        )
    return zid


def sql_server_with_endpoint(
    est: Estate,
    v: Doc,
    subnet: str,
    server: str,
    ip: str,
    *,
    zone_id: str = "",
    policy: str = "Default",
    public_access: str = "Disabled",
) -> Doc:
    """An Azure SQL server with a Private Endpoint in `v`/`subnet` at `ip`; `zone_id`: the
    private DNS zone its zone group writes to ("" = no zone group: records kept by hand)."""
    sub, rg, loc = sub_of(v["id"]), rg_of(v["id"]), v["location"]
    sid = rid(sub, rg, "Microsoft.Sql", "servers", server)
    pe = net_id(sub, rg, "privateEndpoints", f"pe-{server}")
    pe_nic = net_id(sub, rg, "networkInterfaces", f"pe-{server}.nic.{guid(pe)}")
    fqdn = f"{server}.database.windows.net"
    approved = {"status": "Approved", "description": "Auto-approved", "actionsRequired": "None"}
    est.add(
        {
            "name": server,
            "id": sid,
            "type": "Microsoft.Sql/servers",
            "location": loc,
            "kind": "v12.0",
            "properties": {
                "administratorLogin": "sqladmin",
                "version": "12.0",
                "state": "Ready",
                "fullyQualifiedDomainName": fqdn,
                "minimalTlsVersion": "1.2",
                "publicNetworkAccess": public_access,
                "restrictOutboundNetworkAccess": "Disabled",
                "privateEndpointConnections": [
                    {
                        "id": f"{sid}/privateEndpointConnections/pe-{server}-{guid(sid)[:8]}",
                        "properties": {
                            "privateEndpoint": ref(pe),
                            "groupIds": ["sqlServer"],
                            "privateLinkServiceConnectionState": approved,
                            "provisioningState": "Ready",
                        },
                    }
                ],
            },
        },
        {
            "name": "default",
            "id": f"{sid}/connectionPolicies/default",
            "type": "Microsoft.Sql/servers/connectionPolicies",
            "location": loc,
            "kind": "system",
            "properties": {"connectionType": policy},
        },
        {
            "name": f"pe-{server}",
            "id": pe,
            "etag": etag(pe),
            "type": f"{NET}/privateEndpoints",
            "location": loc,
            "properties": {
                "provisioningState": "Succeeded",
                "privateLinkServiceConnections": [
                    {
                        "name": f"pe-{server}",
                        "id": f"{pe}/privateLinkServiceConnections/pe-{server}",
                        "etag": etag(pe, "plsc"),
                        "type": f"{NET}/privateEndpoints/privateLinkServiceConnections",
                        "properties": {
                            "provisioningState": "Succeeded",
                            "privateLinkServiceId": sid,
                            "groupIds": ["sqlServer"],
                            "privateLinkServiceConnectionState": approved,
                        },
                    }
                ],
                "manualPrivateLinkServiceConnections": [],
                "customNetworkInterfaceName": "",
                "subnet": ref(subnet_id(v, subnet)),
                "ipConfigurations": [],
                "networkInterfaces": [ref(pe_nic)],
                "customDnsConfigs": [{"fqdn": fqdn, "ipAddresses": [ip]}],
            },
        },
        {
            "name": name_of(pe_nic),
            "id": pe_nic,
            "etag": etag(pe_nic),
            "type": f"{NET}/networkInterfaces",
            "location": loc,
            "properties": {
                "provisioningState": "Succeeded",
                "resourceGuid": guid(pe_nic),
                "ipConfigurations": [
                    {
                        "name": f"privateEndpointIpConfig.{guid(pe_nic, 'ipc')}",
                        "id": f"{pe_nic}/ipConfigurations/privateEndpointIpConfig.{guid(pe_nic, 'ipc')}",
                        "etag": etag(pe_nic),
                        "type": f"{NET}/networkInterfaces/ipConfigurations",
                        "properties": {
                            "provisioningState": "Succeeded",
                            "privateIPAddress": ip,
                            "privateIPAllocationMethod": "Dynamic",
                            "subnet": ref(subnet_id(v, subnet)),
                            "primary": True,
                            "privateIPAddressVersion": "IPv4",
                            "privateLinkConnectionProperties": {
                                "groupId": "sqlServer",
                                "requiredMemberName": "sqlServer",
                                "fqdns": [fqdn],
                            },
                        },
                    }
                ],
                "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
                "enableAcceleratedNetworking": False,
                "enableIPForwarding": False,
                "hostedWorkloads": [],
                "tapConfigurations": [],
                "privateEndpoint": ref(pe),
                "nicType": "Standard",
            },
        },
    )
    if zone_id:
        est.add(
            {
                "name": "default",
                "id": f"{pe}/privateDnsZoneGroups/default",
                "etag": etag(pe, "zg"),
                "properties": {
                    "provisioningState": "Succeeded",
                    "privateDnsZoneConfigs": [
                        {
                            "name": "privatelink-database-windows-net",
                            "properties": {
                                "privateDnsZoneId": zone_id,
                                "recordSets": [
                                    {
                                        "recordType": "A",
                                        "recordSetName": server,
                                        "fqdn": f"{server}.privatelink.database.windows.net",
                                        "ttl": 10,
                                        "provisioningState": "Succeeded",
                                        "ipAddresses": [ip],
                                    }
                                ],
                            },
                        }
                    ],
                },
            }
        )
    return est.get(sid)
