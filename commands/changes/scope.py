"""Which resources a thing involves, and their neighbours: the VPN estate around a gateway,
a connection, a VNet, a peering — what a change to could explain a problem with it.

* a gateway: its connections and their local network gateways, its VNet (peerings both ways,
  the route tables and NSGs of its subnets);
* a connection: its gateways, its local network gateway, its reverse connection;
* a VNet: its peerings and the remote halves, its subnets' route tables and NSGs, its
  gateways and their connections, its private endpoints, the private DNS zones linked to it;
* a peering: its VNet, its remote half and remote VNet, the gateways of both (transit);
* a private endpoint: its VNet, the private DNS zones of its zone groups and those linked to
  its VNet, and in each the A record sets of its names that do not give its address now (a
  record that resolves right cannot explain its problem);
* a SQL server: its private endpoints, and the client VMs' NICs and the NSGs in effect on them.

A child resource (a peering, a DNS record or link, a NAT rule) is found by its own id or by
its parent's: `Involved.covers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from commands.core.model import PrivateEndpoint, ResourceId, name_of, rid_key
from commands.judgement.estate import Estate

# How a child resource is named beside its parent (its type's last segment).
CHILD_WORDS = {
    "securityrules": "rule",
    "routes": "route",
    "virtualnetworkpeerings": "peering",
    "subnets": "subnet",
    "virtualnetworklinks": "link",
    "natrules": "NAT rule",
}
# Private DNS record set types (`privateDnsZones/<type>/<name>`).
RECORD_TYPES = frozenset({"a", "aaaa", "cname", "mx", "ptr", "soa", "srv", "txt"})


@dataclass
class Involved:
    """Resource keys, and how to name each."""

    keys: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, rid: str, name: str = "") -> None:
        if not rid:
            return
        k = rid_key(rid)
        self.keys.add(k)
        if name and k not in self.names:
            self.names[k] = name

    def name(self, rid: str) -> str:
        """How to name a resource: its own name here, else a child's with its parent's
        ("allow-sql-out (rule of nsg-snet-app)", "sql-x (A record of privatelink…)")."""
        k = rid_key(rid)
        if k in self.names:
            return self.names[k]
        parent = _parent(k)
        if parent != k and self.covers(parent):
            kind = type_of(rid).rsplit("/", 1)[-1]
            word = CHILD_WORDS.get(kind, f"{kind.upper()} record" if kind in RECORD_TYPES else kind)
            return f"{name_of(rid)} ({word} of {self.names.get(parent) or name_of(parent)})"
        return name_of(rid)

    def covers(self, rid: str) -> bool:
        """The resource, or one of its parents (a peering of a VNet here), is involved."""
        k = rid_key(rid)
        while k:
            if k in self.keys:
                return True
            parent = _parent(k)
            if parent == k:
                return False
            k = parent
        return False


def _parent(k: str) -> str:
    """The key of the parent resource (drops the last type/name pair), or the key itself."""
    parts = k.split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return k
    after = len(parts) - 1 - low[::-1].index("providers")
    # …/providers/NS/t1/n1[/t2/n2…]: a child has more than one type/name pair after NS
    if len(parts) - after - 2 <= 2:
        return k
    return "/".join(parts[:-2])


def type_of(rid: str) -> str:
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return ""
    return "/".join((r.provider, *r.types)).lower()


def everything(est: Estate) -> Involved:
    """The whole VPN estate read."""
    out = Involved()
    for g in est.gateways:
        out.add(g.id, g.name)
    for c in est.connections:
        out.add(c.id, c.name)
    for lng in est.local_gateways:
        out.add(lng.id, lng.name)
    for v in est.vnets:
        _vnet_itself(est, out, v.id)
    for t in est.route_tables:
        out.add(t.id, t.name)
    for pe in est.private_endpoints:
        out.add(pe.id, pe.name)
    for z in est.zones:
        out.add(z.id, z.name)
        for link in z.links:
            out.add(link.id, f"{link.name} (link of {z.name})")
    return out


def around(est: Estate, ids: Iterable[str]) -> Involved:
    """These resources and their neighbours (see the module docstring)."""
    out = Involved()
    for rid in ids:
        _expand(est, out, rid)
    return out


def _expand(est: Estate, out: Involved, rid: str) -> None:
    kind = type_of(rid)
    if kind.endswith("/virtualnetworkgateways"):
        _gateway(est, out, rid)
    elif kind.endswith("/connections"):
        _connection(est, out, rid)
    elif kind.endswith("/localnetworkgateways"):
        out.add(rid, name_of(rid))
        for c in est.connections:
            if rid_key(c.local_network_gateway_id) == rid_key(rid):
                out.add(c.id, c.name)
    elif kind.endswith("/virtualnetworkpeerings"):
        _peering(est, out, rid)
    elif kind.endswith("/virtualnetworks"):
        _vnet(est, out, rid)
    elif kind.endswith("/privateendpoints"):
        _endpoint(est, out, rid)
    elif kind == "microsoft.sql/servers":
        _server(est, out, rid)
    else:
        out.add(rid, name_of(rid))


def _gateway(est: Estate, out: Involved, rid: str) -> None:
    gk = rid_key(rid)
    gw = next((g for g in est.gateways if rid_key(g.id) == gk), None)
    out.add(rid, gw.name if gw else name_of(rid))
    for c in est.connections:
        if gk in (rid_key(c.gateway1_id), rid_key(c.gateway2_id)):
            out.add(c.id, c.name)
            out.add(c.local_network_gateway_id, name_of(c.local_network_gateway_id))
    if gw is not None and gw.vnet_id:
        _vnet_itself(est, out, gw.vnet_id)


def _connection(est: Estate, out: Involved, rid: str) -> None:
    ck = rid_key(rid)
    conn = next((c for c in est.connections if rid_key(c.id) == ck), None)
    out.add(rid, conn.name if conn else name_of(rid))
    if conn is None:
        return
    for g in (conn.gateway1_id, conn.gateway2_id):
        out.add(g, name_of(g))
    out.add(conn.local_network_gateway_id, name_of(conn.local_network_gateway_id))
    for c in est.connections:
        if (
            conn.gateway2_id
            and rid_key(c.gateway1_id) == rid_key(conn.gateway2_id)
            and rid_key(c.gateway2_id) == rid_key(conn.gateway1_id)
        ):
            out.add(c.id, c.name)


def _peering(est: Estate, out: Involved, rid: str) -> None:
    pk = rid_key(rid)
    for v in est.vnets:
        for p in v.peerings:
            if rid_key(p.id) != pk:
                continue
            out.add(p.id, f"{p.name} (peering of {v.name})")
            out.add(v.id, v.name)
            out.add(p.remote_vnet_id, name_of(p.remote_vnet_id))
            for side in (v.id, p.remote_vnet_id):
                for g in est.gateways:
                    if rid_key(g.vnet_id) == rid_key(side):
                        out.add(g.id, g.name)
            remote = next((x for x in est.vnets if rid_key(x.id) == rid_key(p.remote_vnet_id)), None)
            for back in remote.peerings if remote else ():
                if rid_key(back.remote_vnet_id) == rid_key(v.id):
                    out.add(back.id, f"{back.name} (peering of {remote.name if remote else ''})")
            return
    out.add(rid, name_of(rid))


def _vnet_itself(est: Estate, out: Involved, vnet_id: str) -> None:
    """A VNet with its peerings (both halves), and its subnets' route tables and NSGs."""
    vk = rid_key(vnet_id)
    vnet = next((v for v in est.vnets if rid_key(v.id) == vk), None)
    out.add(vnet_id, vnet.name if vnet else name_of(vnet_id))
    if vnet is None:
        return
    for p in vnet.peerings:
        out.add(p.id, f"{p.name} (peering of {vnet.name})")
    for other in est.vnets:
        for p in other.peerings:
            if rid_key(p.remote_vnet_id) == vk:
                out.add(p.id, f"{p.name} (peering of {other.name})")
    for s in vnet.subnets:
        out.add(s.route_table_id, name_of(s.route_table_id))
        out.add(s.nsg_id, name_of(s.nsg_id))
    for t in est.route_tables:
        if any(rid_key(sid).startswith(vk + "/") for sid in t.subnet_ids):
            out.add(t.id, t.name)


def _vnet(est: Estate, out: Involved, vnet_id: str) -> None:
    vk = rid_key(vnet_id)
    _vnet_itself(est, out, vnet_id)
    for g in est.gateways:
        if rid_key(g.vnet_id) == vk:
            _gateway(est, out, g.id)
    for pe in est.private_endpoints:
        if rid_key(pe.vnet_id) == vk:
            _endpoint(est, out, pe.id)
    for z in est.zones:
        for link in z.links:
            if rid_key(link.vnet_id) == vk:
                out.add(z.id, z.name)
                out.add(link.id, f"{link.name} (link of {z.name})")


def _endpoint(est: Estate, out: Involved, rid: str) -> None:
    pe = next((p for p in est.private_endpoints if rid_key(p.id) == rid_key(rid)), None)
    out.add(rid, pe.name if pe else name_of(rid))
    if pe is None:
        return
    out.add(pe.vnet_id, name_of(pe.vnet_id))
    zones = {rid_key(cfg.zone_id): cfg.zone_id for group in pe.zone_groups for cfg in group.configs if cfg.zone_id}
    for z in est.zones:
        if any(rid_key(link.vnet_id) == rid_key(pe.vnet_id) for link in z.links):
            zones.setdefault(rid_key(z.id), z.id)
    for zone_id in zones.values():
        out.add(zone_id, name_of(zone_id))
        for name in record_names(pe):
            if not _record_right(est, zone_id, name, pe):
                out.add(f"{zone_id}/A/{name}", f"{name} (A record of {name_of(zone_id)})")


def _record_right(est: Estate, zone_id: str, name: str, pe: PrivateEndpoint) -> bool:
    """The zone's A record of this name gives the endpoint's address now (read, and right): a
    change to it, whatever it was, did not leave the name resolving wrong, so it cannot explain
    a problem of the endpoint. Unread or missing: it may."""
    zone = next((z for z in est.zones if rid_key(z.id) == rid_key(zone_id)), None)
    if zone is None or zone.records_failure is not None or not pe.private_ips:
        return False
    rec = next((r for r in zone.records if r.name.lower() == name and r.record_type.upper() == "A"), None)
    return rec is not None and bool(rec.ips) and set(rec.ips) <= set(pe.private_ips)


def record_names(pe: PrivateEndpoint) -> set[str]:
    """The names of the A records that resolve this endpoint: its zone groups' record sets,
    its DNS configs' first labels, and (Private Link's convention) its target's name
    (https://learn.microsoft.com/azure/private-link/private-endpoint-dns)."""
    names = {r.name for g in pe.zone_groups for cfg in g.configs for r in cfg.records if r.name}
    names |= {r.fqdn.split(".", 1)[0] for r in pe.custom_dns if r.fqdn}
    names |= {name_of(c.target_id) for c in pe.connections if c.target_id}
    return {n.lower() for n in names if n}


def _server(est: Estate, out: Involved, rid: str) -> None:
    """A SQL server: its private endpoints, and the client VMs' NICs and the security groups in
    effect on them (read for the checklist's ports: `commands.judgement.nsgs`)."""
    out.add(rid, name_of(rid))
    for pe in est.private_endpoints:
        if any(rid_key(c.target_id) == rid_key(rid) for c in pe.connections):
            _endpoint(est, out, pe.id)
            for client in est.client_rules.get(rid_key(pe.id), ()):
                out.add(client.nic.id, client.nic.name)
                for g in client.groups:
                    out.add(g.nsg_id, name_of(g.nsg_id))
