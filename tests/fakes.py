"""In-memory fakes of the domain's ports, for domain unit tests only.

STYLE.md: "Domain tests: an in-memory fake of the port is fine". Integration and e2e tests
use the real adapter against the sandbox emulators instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.metrics import MetricSeries, MetricsQuery
from commands.core.model import (
    ActivityLog,
    BgpPeer,
    Connection,
    ConnectivityConfiguration,
    DnsResolver,
    DnsZoneGroup,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    GenericResource,
    HealthStatus,
    IkeSa,
    LocalNetworkGateway,
    NatRule,
    NetworkInterface,
    P2SClient,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    ResourceChange,
    RouteTable,
    ServiceEvent,
    SqlServer,
    Subscription,
    VirtualNetwork,
    rid_key,
)
from commands.core.reply import Reply


def _sub_of(rid: str) -> str:
    parts = rid.split("/")
    return parts[2] if len(parts) > 2 else ""


class FakeAzure:
    """A whole estate as dataclasses. `fail[(method, id)] = AzureFailure(...)` injects failures."""

    def __init__(
        self,
        subscriptions: Iterable[Subscription] = (Subscription("sub1", "Sub one"),),
        gateways: Iterable[Gateway] = (),
        connections: Iterable[Connection] = (),
        local_gateways: Iterable[LocalNetworkGateway] = (),
        vnets: Iterable[VirtualNetwork] = (),
        nics: Iterable[NetworkInterface] = (),
        private_endpoints: Iterable[PrivateEndpoint] = (),
        zones: Iterable[PrivateDnsZone] = (),
        resolvers: Iterable[DnsResolver] = (),
        sql_servers: Iterable[SqlServer] = (),
        bgp: dict[str, list[BgpPeer]] | None = None,
        learned: dict[str, list[GatewayRoute]] | None = None,
        advertised: dict[tuple[str, str], list[GatewayRoute]] | None = None,
        p2s: dict[str, list[P2SClient]] | None = None,
        effective: dict[str, list[EffectiveRoute]] | None = None,
        shared_keys: dict[str, str] | None = None,
        route_tables: Iterable[RouteTable] = (),
        connectivity: dict[str, list[ConnectivityConfiguration]] | None = None,
        metrics: Iterable[MetricSeries] = (),
        ike: dict[str, list[IkeSa]] | None = None,
    ) -> None:
        self.subs = list(subscriptions)
        self.gws = {rid_key(g.id): g for g in gateways}
        self.conns = {rid_key(c.id): c for c in connections}
        self.lngs = {rid_key(x.id): x for x in local_gateways}
        self.vnets = {rid_key(v.id): v for v in vnets}
        self.nics = {rid_key(n.id): n for n in nics}
        self.pes = {rid_key(p.id): p for p in private_endpoints}
        self.zones = list(zones)
        self.resolvers = list(resolvers)
        self.sqls = list(sql_servers)
        self.bgp = {rid_key(k): v for k, v in (bgp or {}).items()}
        self.learned = {rid_key(k): v for k, v in (learned or {}).items()}
        self.advertised = {(rid_key(k[0]), k[1]): v for k, v in (advertised or {}).items()}
        self.p2s = {rid_key(k): v for k, v in (p2s or {}).items()}
        self.effective = {rid_key(k): v for k, v in (effective or {}).items()}
        self.shared_keys = {rid_key(k): v for k, v in (shared_keys or {}).items()}
        self.tables = {rid_key(t.id): t for t in route_tables}
        self.connectivity = {rid_key(k): v for k, v in (connectivity or {}).items()}
        self.metric_series = list(metrics)
        # Issue 22: the estate's past (the changes / health reads return these, filtered by time).
        self.graph_changes: list[ResourceChange] = []
        self.log_changes: list[ResourceChange] = []
        self.service_events: list[ServiceEvent] = []
        self.health: dict[str, list[HealthStatus]] = {}
        self.ike = {rid_key(k): v for k, v in (ike or {}).items()}
        self.etags = 0
        self.fail: dict[tuple[str, str], AzureFailure] = {}
        self.calls: list[tuple[str, str]] = []
        self.writes: list[tuple[str, dict[str, bool]]] = []
        self._lock = threading.Lock()

    # -- helpers -------------------------------------------------------------------------
    def _call(self, method: str, key: str) -> None:
        with self._lock:
            self.calls.append((method, key))
        for k in ((method, rid_key(key)), (method, "*")):
            if k in self.fail:
                raise self.fail[k]

    def _get(self, table: dict[str, Any], rid: str, what: str) -> Any:
        try:
            return table[rid_key(rid)]
        except KeyError:
            raise AzureFailure("not_found", f"{what} not found", "ResourceNotFound", rid, 404) from None

    @staticmethod
    def _in(sub: str, items: Iterable[Any]) -> list[Any]:
        return [x for x in items if _sub_of(x.id).lower() == sub.lower()]

    # -- AzurePort -----------------------------------------------------------------------
    def subscriptions(self) -> list[Subscription]:
        self._call("subscriptions", "*")
        return list(self.subs)

    def gateways(self, subscription_id: str) -> list[Gateway]:
        self._call("gateways", subscription_id)
        return self._in(subscription_id, self.gws.values())

    def gateway(self, gateway_id: str) -> Gateway:
        self._call("gateway", gateway_id)
        return self._get(self.gws, gateway_id, "gateway")  # type: ignore[no-any-return]

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        self._call("gateway_connections", gateway_id)
        k = rid_key(gateway_id)
        return [
            dataclasses.replace(c, status="Unknown", tunnels=())
            for c in self.conns.values()
            if rid_key(c.gateway1_id) == k or rid_key(c.gateway2_id) == k
        ]

    def connections(self, subscription_id: str) -> list[Connection]:
        self._call("connections", subscription_id)
        return [
            dataclasses.replace(c, status="Unknown", tunnels=()) for c in self._in(subscription_id, self.conns.values())
        ]

    def connection(self, connection_id: str) -> Connection:
        self._call("connection", connection_id)
        return self._get(self.conns, connection_id, "connection")  # type: ignore[no-any-return]

    def shared_key_digest(self, connection_id: str) -> str:
        self._call("shared_key_digest", connection_id)
        key = self._get(self.shared_keys, connection_id, "shared key")
        return hashlib.sha256(str(key).encode()).hexdigest()

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        self._call("bgp_peer_status", gateway_id)
        return list(self.bgp.get(rid_key(gateway_id), []))

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        self._call("learned_routes", gateway_id)
        return list(self.learned.get(rid_key(gateway_id), []))

    def advertised_routes(self, gateway_id: str, peer: str) -> list[GatewayRoute]:
        self._call("advertised_routes", gateway_id)
        return list(self.advertised.get((rid_key(gateway_id), peer), []))

    def vpn_client_health(self, gateway_id: str) -> list[P2SClient]:
        self._call("vpn_client_health", gateway_id)
        return list(self.p2s.get(rid_key(gateway_id), []))

    def ike_sas(self, connection_id: str) -> list[IkeSa]:
        self._call("ike_sas", connection_id)
        self._get(self.conns, connection_id, "connection")
        return list(self.ike.get(rid_key(connection_id), []))

    def nat_rules(self, gateway_id: str) -> list[NatRule]:
        self._call("nat_rules", gateway_id)
        return list(self._get(self.gws, gateway_id, "gateway").nat_rules)

    def local_network_gateways(self, subscription_id: str) -> list[LocalNetworkGateway]:
        self._call("local_network_gateways", subscription_id)
        return self._in(subscription_id, self.lngs.values())

    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        self._call("virtual_networks", subscription_id)
        return self._in(subscription_id, self.vnets.values())

    def route_tables(self, subscription_id: str) -> list[RouteTable]:
        self._call("route_tables", subscription_id)
        return self._in(subscription_id, self.tables.values())

    def virtual_network(self, vnet_id: str) -> VirtualNetwork:
        self._call("virtual_network", vnet_id)
        return self._get(self.vnets, vnet_id, "virtual network")  # type: ignore[no-any-return]

    def peering(self, peering_id: str) -> Peering:
        self._call("peering", peering_id)
        for v in self.vnets.values():
            for p in v.peerings:
                if rid_key(p.id) == rid_key(peering_id):
                    return p
        raise AzureFailure("not_found", "peering not found", "NotFound", peering_id, 404)

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str | None = None) -> Peering:
        """As the adapter: refused (conflict/PreconditionFailed, nothing written) when `etag`
        is not the peering's current one. `etag=None` writes unconditionally, as someone in
        the portal would."""
        from commands.core.model import PEERING_FLAGS

        self._call("update_peering", peering_id)
        old = self.peering(peering_id)
        if etag is not None and etag != old.etag:
            raise AzureFailure("conflict", "the etag is stale", "PreconditionFailed", peering_id, 412)
        with self._lock:
            self.etags += 1
            new_etag = f'W/"w{self.etags}"'
        new = dataclasses.replace(old, **{PEERING_FLAGS[k]: v for k, v in flags.items()}, etag=new_etag)
        vkey = rid_key(old.vnet_id)
        v = self.vnets[vkey]
        self.vnets[vkey] = dataclasses.replace(
            v, peerings=tuple(new if rid_key(p.id) == rid_key(peering_id) else p for p in v.peerings)
        )
        with self._lock:
            self.writes.append((peering_id, dict(flags)))
        return new

    def connectivity_configurations(self, vnet_id: str) -> list[ConnectivityConfiguration]:
        self._call("connectivity_configurations", vnet_id)
        return list(self.connectivity.get(rid_key(vnet_id), []))

    def network_interfaces(self, subscription_id: str) -> list[NetworkInterface]:
        self._call("network_interfaces", subscription_id)
        return self._in(subscription_id, self.nics.values())

    def network_interface(self, nic_id: str) -> NetworkInterface:
        self._call("network_interface", nic_id)
        return self._get(self.nics, nic_id, "network interface")  # type: ignore[no-any-return]

    def effective_routes(self, nic_id: str) -> list[EffectiveRoute]:
        self._call("effective_routes", nic_id)
        return list(self.effective.get(rid_key(nic_id), []))

    def private_endpoints(self, subscription_id: str) -> list[PrivateEndpoint]:
        self._call("private_endpoints", subscription_id)
        return self._in(subscription_id, self.pes.values())

    def dns_zone_groups(self, private_endpoint_id: str) -> list[DnsZoneGroup]:
        self._call("dns_zone_groups", private_endpoint_id)
        return list(self._get(self.pes, private_endpoint_id, "private endpoint").zone_groups)

    def private_dns_zones(self, subscription_id: str) -> list[PrivateDnsZone]:
        self._call("private_dns_zones", subscription_id)
        return self._in(subscription_id, self.zones)

    def dns_resolvers(self, subscription_id: str) -> list[DnsResolver]:
        self._call("dns_resolvers", subscription_id)
        return self._in(subscription_id, self.resolvers)

    def sql_servers(self, subscription_id: str) -> list[SqlServer]:
        self._call("sql_servers", subscription_id)
        return self._in(subscription_id, self.sqls)

    def resources(self, subscription_id: str, resource_type: str) -> list[GenericResource]:
        self._call("resources", subscription_id)
        return []

    def metrics_batch(self, query: MetricsQuery) -> list[MetricSeries]:
        """The series given for the query's resources and metrics (none: Azure has no data).
        Fails with `fail[("metrics_batch", <first resource id> or "*")]`."""
        self._call("metrics_batch", query.resource_ids[0] if query.resource_ids else "")
        wanted = {rid_key(r) for r in query.resource_ids}
        return [s for s in self.metric_series if rid_key(s.resource_id) in wanted and s.name in query.names]

    def resource_changes(self, subscription_ids: Any, since: Any) -> list[ResourceChange]:
        self._call("resource_changes", "*")
        subs = {s.lower() for s in subscription_ids}
        return [c for c in self.graph_changes if c.at > since and _sub_of(c.resource_id).lower() in subs]

    def activity_log(self, subscription_id: str, since: Any) -> ActivityLog:
        self._call("activity_log", subscription_id)
        mine = [
            c for c in self.log_changes if c.at > since and _sub_of(c.resource_id).lower() == subscription_id.lower()
        ]
        return ActivityLog(tuple(mine), tuple(e for e in self.service_events if e.at is None or e.at > since))

    def resource_health(self, subscription_id: str) -> list[HealthStatus]:
        self._call("resource_health", subscription_id)
        return [v[0] for k, v in self.health.items() if v and _sub_of(k).lower() == subscription_id.lower()]

    def resource_health_history(self, resource_id: str) -> list[HealthStatus]:
        self._call("resource_health_history", resource_id)
        return list(self.health.get(rid_key(resource_id), []))


class RecordingMessenger:
    """Collects what a command says, for domain tests."""

    def __init__(self, groups: dict[str, set[str]] | None = None) -> None:
        self.responses: list[Reply] = []
        self.progress_texts: list[str] = []
        self.posts: list[tuple[str, Reply, str | None, str]] = []
        self.updates: list[tuple[str, Reply]] = []
        self.revisions: list[tuple[Reply, bool]] = []
        self.groups = groups or {}
        self._n = 0
        self._lock = threading.Lock()

    def respond(self, reply: Reply) -> None:
        self.responses.append(reply)

    def revise(self, reply: Reply, final: bool = True) -> None:
        """A revision of the last answer: kept in `revisions`; the final one also replaces
        the last of `responses` (what the user ends up reading)."""
        self.revisions.append((reply, final))
        if final and self.responses:
            self.responses[-1] = reply

    def progress(self, text: str) -> None:
        self.progress_texts.append(text)

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        with self._lock:
            self._n += 1
            ref = f"{channel}:{self._n}"
        self.posts.append((channel, reply, thread, ref))
        return ref

    def update(self, ref: str, reply: Reply) -> None:
        self.updates.append((ref, reply))

    def user_groups_members(self, group: str) -> set[str]:
        return set(self.groups.get(group, set()))
