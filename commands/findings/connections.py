"""Findings about VPN gateways and their connections, in plain words.

Pure functions over `commands.core.model` dataclasses and the small facts containers below:
no I/O, no clock (the caller passes `now`). `/vpn status` calls `assess()`; `/vpn diagnose`
and the watch may call the single checks. Every finding says what is wrong, the evidence,
and what to look at next; every name from the estate goes through `esc()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, ResourceId, name_of, rid_key
from commands.core.reply import SEVERITY_RANK, Finding, code, esc, literal
from commands.core.units import ago, human_bytes, human_duration, parse_timespan
from commands.findings import dedup, ranked

DOC_V2V = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal"
DOC_S2S_TROUBLESHOOT = (
    "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect"
)
DOC_BGP = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"
DOC_ACTIVE_ACTIVE = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable"
DOC_SHARED_KEY = "https://learn.microsoft.com/cli/azure/network/vpn-connection/shared-key"
DOC_P2S = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-about"
DOC_P2S_ROUTING = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"

SHARED_KEY_PERMISSION = "Microsoft.Network/connections/sharedKey/read"

KeyCheck = Literal["same", "different", "unreadable"]


# --- facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayFacts:
    """What was read about one gateway in scope."""

    gateway: Gateway
    connections: tuple[Connection, ...] = ()  # owned (virtualNetworkGateway1 = this gateway), after GET
    connections_complete: bool = True  # False when the connection list could not be read
    bgp_peers: tuple[BgpPeer, ...] | None = None  # None: BGP off, or getBgpPeerStatus failed
    p2s_clients: tuple[P2SClient, ...] | None = None  # None: no P2S, or the health call failed


@dataclass(frozen=True)
class ConnectionFacts:
    """Everything the connection checks look at.

    `connections` holds every connection seen (in scope and the reverse halves of
    VNet-to-VNet pairs outside it), keyed by `rid_key`. `complete` holds the keys of
    gateways whose connections are known in full: a missing reverse is only claimed for
    those, never guessed. `shared_keys` maps a pair {key a, key b} to the comparison.
    """

    gateways: tuple[GatewayFacts, ...] = ()
    connections: Mapping[str, Connection] = field(default_factory=dict)
    known_gateways: Mapping[str, Gateway] = field(default_factory=dict)
    complete: frozenset[str] = frozenset()
    shared_keys: Mapping[frozenset[str], KeyCheck] = field(default_factory=dict)
    now: datetime | None = None


@dataclass(frozen=True)
class Assessed:
    """A finding and what it is about (ids of gateways and connections), for headlines."""

    finding: Finding
    gateway_ids: tuple[str, ...] = ()
    connection_ids: tuple[str, ...] = ()


# --- words --------------------------------------------------------------------------------


def remote_name(conn: Connection) -> str:
    """The far end of a connection: the remote gateway, local network gateway or circuit."""
    return name_of(conn.gateway2_id or conn.local_network_gateway_id or conn.peer_id) or "?"


def direction(conn: Connection) -> str:
    """ "vgw-eun → vgw-aue" (plain text; escape before putting it in mrkdwn)."""
    return f"{name_of(conn.gateway1_id) or '?'} → {remote_name(conn)}"


def label(conn: Connection) -> str:
    """`name` (gw1 → gw2), escaped for mrkdwn."""
    return f"{code(conn.name)} ({esc(direction(conn))})"


def cli(text: str) -> str:
    """A name for a copy-pasteable command inside a code span.

    Inside a code span Slack applies no formatting, so the zero-width breaks `esc()` puts
    after `*_~` would only corrupt the pasted command; `&<>` stay escaped (Slack's rule
    for every message) and a backtick, which would close the span, is dropped.
    """
    return literal(text)


def _rg(rid: str) -> str:
    try:
        return ResourceId.parse(rid).resource_group or "<resource group>"
    except ValueError:
        return "<resource group>"  # escaped by cli()


def _counters(conn: Connection, now: datetime | None) -> str:
    since = f" since {ago(conn.last_established, now)}" if conn.last_established and now else ""
    return f"↑ {human_bytes(conn.egress_bytes)} out, ↓ {human_bytes(conn.ingress_bytes)} in{since}"


def _is(value: str, name: str) -> bool:
    """ARM enum values compared case-insensitively ("Connected" vs "connected")."""
    return (value or "").lower() == name.lower()


def is_v2v(conn: Connection) -> bool:
    return _is(conn.connection_type, "Vnet2Vnet")


def pair_key(a: Connection, b: Connection) -> frozenset[str]:
    return frozenset({rid_key(a.id), rid_key(b.id)})


# --- single checks -----------------------------------------------------------------------


def connection_state(conn: Connection, now: datetime | None = None) -> Finding | None:
    """NotConnected (critical), Connecting (warning), a failed provisioning (critical)."""
    if _is(conn.provisioning_state, "Failed"):
        return Finding(
            "critical",
            f"{label(conn)} is in a Failed provisioning state",
            evidence="Its last update did not complete, so Azure may not run the tunnel as configured.",
            next_step=(
                "Re-apply its configuration: "
                f"`az network vpn-connection update -g {cli(_rg(conn.id))} -n {cli(conn.name)}`; "
                "if it stays Failed, reset the gateway."
            ),
            key=f"provisioning_failed:{rid_key(conn.id)}",
        )
    status = conn.status or "Unknown"
    last = f"Last connected {ago(conn.last_established, now)}." if conn.last_established and now else ""
    if _is(status, "NotConnected"):
        if is_v2v(conn):
            step = (
                f"Check that {code(remote_name(conn))} has the reverse connection and that both use the same "
                f"shared key (`/vpn status {cli(remote_name(conn))}`)."
            )
            doc = DOC_V2V
        else:
            step = (
                f"Check the on-premises device behind {code(remote_name(conn))}: it is up, it points at the "
                "gateway's public IP, and its shared key, IKE version and IPsec policy match this connection."
            )
            doc = DOC_S2S_TROUBLESHOOT
        return Finding(
            "critical",
            f"{label(conn)} is NotConnected",
            evidence=" ".join(
                x for x in (f"{conn.connection_type or 'Connection'}; {_counters(conn, None)}.", last) if x
            ),
            next_step=step,
            doc_url=doc,
            key=f"down:{rid_key(conn.id)}",
        )
    if _is(status, "Connecting"):
        return Finding(
            "warning",
            f"{label(conn)} is stuck Connecting",
            evidence=" ".join(x for x in ("IKE negotiation has not completed.", last) if x),
            next_step=(
                "A connection that never leaves Connecting usually has a shared key or IKE/IPsec policy that "
                f"does not match the other side ({code(remote_name(conn))}); compare both ends' settings."
            ),
            doc_url=DOC_S2S_TROUBLESHOOT,
            key=f"connecting:{rid_key(conn.id)}",
        )
    return None


def tunnel_down(conn: Connection) -> Finding | None:
    """A tunnel of an active-active connection down (redundancy lost), even when the
    connection as a whole says Connected; every tunnel down under a Connected status."""
    if not conn.tunnels or _is(conn.status, "NotConnected"):
        return None
    down = [t for t in conn.tunnels if not _is(t.status, "Connected")]
    if not down:
        return None
    up = [t for t in conn.tunnels if _is(t.status, "Connected")]
    detail = "; ".join(
        f"{code(t.name)} {esc(t.status or 'Unknown')} (↑ {human_bytes(t.egress_bytes)}, ↓ {human_bytes(t.ingress_bytes)})"
        for t in conn.tunnels
    )
    names = ", ".join(code(t.name) for t in down)
    if up:
        return Finding(
            "warning",
            f"{label(conn)}: tunnel {names} is down — redundancy lost",
            evidence=f"{len(up)} of {len(conn.tunnels)} tunnels up: {detail}.",
            next_step=(
                "Traffic still flows over the remaining tunnel. Check the far end's tunnel to the gateway's "
                "other public IP (an active-active gateway has one per instance): same shared key, same "
                "IKE/IPsec policy, and its BGP peering address if BGP is on."
            ),
            doc_url=DOC_ACTIVE_ACTIVE,
            key=f"tunnel_down:{rid_key(conn.id)}",
        )
    return Finding(
        "critical",
        f"{label(conn)}: every tunnel is down although the connection says {esc(conn.status or 'Unknown')}",
        evidence=f"Tunnels: {detail}.",
        next_step=f"Treat it as down: check {code(remote_name(conn))} and both tunnels' IKE settings.",
        doc_url=DOC_ACTIVE_ACTIVE,
        key=f"tunnel_down:{rid_key(conn.id)}",
    )


def _return_path_hint(sender_gw: Gateway | None, receiver: str, bgp_both: bool) -> str:
    """Replies to the sending gateway's VPN clients need a route back from the receiving side.

    Azure's P2S routing rules: over a VNet-to-VNet connection without BGP, the remote
    gateway does not learn the P2S client pool, so replies to VPN clients have no way back.
    """
    if sender_gw is None or not sender_gw.p2s_address_pool or bgp_both:
        return ""
    pool = ", ".join(code(p) for p in sender_gw.p2s_address_pool)
    return (
        f" {code(sender_gw.name)}'s VPN clients send from {pool}: without BGP on both connections "
        f"{code(receiver)} does not learn that pool, so its replies have no route back."
    )


def one_way(
    conn: Connection,
    reverse: Connection | None = None,
    gateways: Mapping[str, Gateway] | None = None,
    now: datetime | None = None,
) -> Finding | None:
    """Traffic in one direction only: bytes out and none in, or the reverse.

    For a VNet-to-VNet pair the finding names both halves, from `conn`'s side; its key is
    the same from either side, so a pair seen from both ends is reported once.
    """
    out, inn = conn.egress_bytes, conn.ingress_bytes
    if (out > 0) == (inn > 0):
        return None
    gws = gateways or {}
    bgp_both = conn.enable_bgp and reverse is not None and reverse.enable_bgp
    here = name_of(conn.gateway1_id) or "this gateway"
    there = remote_name(conn)
    key_ids = sorted({rid_key(conn.id)} | ({rid_key(reverse.id)} if reverse else set()))
    key = "one_way:" + "|".join(key_ids)
    rev = ""
    if reverse is not None:
        rev = f" Its reverse {label(reverse)}: {_counters(reverse, now)}."
    hint = ""
    if is_v2v(conn):
        # The sender is this side when bytes go out, the far side when they only come in.
        sender, receiver = (conn.gateway1_id, there) if out > 0 else (conn.gateway2_id, here)
        hint = _return_path_hint(gws.get(rid_key(sender)), receiver, bgp_both)
    if out > 0:
        title = f"{label(conn)} sends but receives nothing"
        if is_v2v(conn):
            rev_name = code(reverse.name) if reverse else f"the connection from {code(there)}"
            step = (
                f"Packets leave {code(here)} but nothing comes back from {code(there)}: check the reverse "
                f"connection {rev_name} on {code(there)} and that its shared key equals this one's."
                + hint
                + f" Then `/vpn routes {cli(there)}`."
            )
        else:
            step = (
                f"Packets leave {code(here)} but nothing comes back from {code(there)}: check the on-premises "
                "device's route back to the Azure address space (and VPN client pool), its traffic selectors "
                "and firewall."
            )
    else:
        title = f"{label(conn)} receives but sends nothing back"
        if is_v2v(conn):
            step = (
                f"{code(here)} gets traffic from {code(there)} but never answers: check that this side routes "
                f"the senders' addresses back through {code(here)} (`/vpn routes {cli(here)}`) and that the "
                "shared keys of both connections match." + hint
            )
        else:
            step = (
                f"{code(here)} gets traffic from {code(there)} but sends none back: check that the VNet routes "
                f"the on-premises prefixes to the gateway (`/vpn routes {cli(here)}`) and that no NSG or "
                "route table sends replies elsewhere."
            )
    return Finding(
        "critical",
        title,
        evidence=f"{_counters(conn, now)} (counters restart at each reconnect).{rev}",
        next_step=step,
        doc_url=DOC_P2S_ROUTING if hint else DOC_V2V if is_v2v(conn) else DOC_S2S_TROUBLESHOOT,
        key=key,
    )


def find_reverse(conn: Connection, connections: Iterable[Connection]) -> Connection | None:
    """The other half of a VNet-to-VNet pair: gateway1/gateway2 swapped."""
    if not is_v2v(conn):
        return None
    g1, g2 = rid_key(conn.gateway1_id), rid_key(conn.gateway2_id)
    for c in connections:
        if rid_key(c.gateway1_id) == g2 and rid_key(c.gateway2_id) == g1 and rid_key(c.id) != rid_key(conn.id):
            return c
    return None


def reverse_index(connections: Iterable[Connection]) -> dict[str, Connection]:
    """connection key -> the other half of its VNet-to-VNet pair, for every pair present.

    One pass instead of `find_reverse` per connection (an estate has thousands)."""
    by_ends: dict[tuple[str, str], Connection] = {}
    v2v = [c for c in connections if is_v2v(c)]
    for c in v2v:
        by_ends.setdefault((rid_key(c.gateway1_id), rid_key(c.gateway2_id)), c)
    out: dict[str, Connection] = {}
    for c in v2v:
        rev = by_ends.get((rid_key(c.gateway2_id), rid_key(c.gateway1_id)))
        if rev is not None and rid_key(rev.id) != rid_key(c.id):
            out[rid_key(c.id)] = rev
    return out


def missing_reverse(conn: Connection, reverse: Connection | None, remote_complete: bool) -> Finding | None:
    """A VNet-to-VNet connection whose remote gateway has no connection back.

    Only claimed when the remote gateway's connections were read in full
    (`remote_complete`), so a failed read never turns into a false accusation.
    """
    if not is_v2v(conn) or reverse is not None or not remote_complete or not conn.gateway2_id:
        return None
    here, there = name_of(conn.gateway1_id), remote_name(conn)
    return Finding(
        "critical",
        f"{label(conn)} has no reverse connection from {code(there)} to {code(here)}",
        evidence=(
            "A VNet-to-VNet tunnel is two connection resources, one per direction, with the same shared key; "
            f"{code(there)} has no connection to {code(here)}, so the tunnel cannot come up."
        ),
        next_step=(
            f"Create it on {code(there)}: `az network vpn-connection create -g {cli(_rg(conn.gateway2_id))} "
            f"-n {cli(there)}-to-{cli(here)} --vnet-gateway1 {cli(there)} --vnet-gateway2 {cli(conn.gateway1_id)} "
            f"--shared-key &lt;the key of {cli(conn.name)}&gt;`"
        ),
        doc_url=DOC_V2V,
        key=f"missing_reverse:{rid_key(conn.id)}",
    )


def shared_key_mismatch(conn: Connection, reverse: Connection, check: KeyCheck | None) -> Finding | None:
    """The two halves of a VNet-to-VNet pair with different shared keys (compared by digest,
    never shown)."""
    if check != "different":
        return None
    return Finding(
        "critical",
        f"{code(conn.name)} and {code(reverse.name)} use different shared keys",
        evidence=(
            "Both halves of a VNet-to-VNet tunnel must use the same shared key; the keys were compared by "
            "digest and are not shown."
        ),
        next_step=(
            "Set the same key on both: "
            f"`az network vpn-connection shared-key update -g {cli(_rg(reverse.id))} "
            f"--connection-name {cli(reverse.name)} --value &lt;the key of {cli(conn.name)}&gt;`"
        ),
        doc_url=DOC_SHARED_KEY,
        key="shared_key:" + "|".join(sorted(pair_key(conn, reverse))),
    )


def shared_keys_unreadable(pairs: list[tuple[Connection, Connection]]) -> Finding | None:
    """One note when the bot may not read shared keys: say so instead of guessing."""
    if not pairs:
        return None
    shown = ", ".join(f"{code(a.name)}/{code(b.name)}" for a, b in pairs[:5])
    more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
    return Finding(
        "info",
        f"Could not compare shared keys: the bot lacks {code(SHARED_KEY_PERMISSION)}",
        evidence=f"Pairs not compared: {shown}{more}.",
        next_step=(
            f"Grant the bot's identity {code(SHARED_KEY_PERMISSION)} on those connections (a custom role), "
            "or compare the keys in the portal."
        ),
        doc_url=DOC_SHARED_KEY,
        key="shared_key_unreadable",
    )


def bgp_one_side(
    conn: Connection, reverse: Connection | None, gw1: Gateway | None, gw2: Gateway | None
) -> Finding | None:
    """BGP enabled on one half of a VNet-to-VNet pair only (connections or gateways)."""
    if not is_v2v(conn):
        return None
    on: list[str] = []
    off: list[str] = []
    for what, flag in (
        (f"connection {code(conn.name)}", conn.enable_bgp),
        *([(f"connection {code(reverse.name)}", reverse.enable_bgp)] if reverse else []),
    ):
        (on if flag else off).append(what)
    if on:
        for gw in (gw1, gw2):
            if gw is not None:
                (on if gw.enable_bgp else off).append(f"gateway {code(gw.name)}")
    if not on or not off:
        return None
    ids = sorted({rid_key(conn.id)} | ({rid_key(reverse.id)} if reverse else set()))
    conn_off = [c for c in (conn, reverse) if c is not None and not c.enable_bgp]
    if conn_off:
        fix = (
            f"`az network vpn-connection update -g {cli(_rg(conn_off[0].id))} -n {cli(conn_off[0].name)} "
            "--enable-bgp true`"
        )
    else:
        gw_off = [g for g in (gw1, gw2) if g is not None and not g.enable_bgp]
        fix = f"configure BGP (an ASN of its own) on gateway {code(gw_off[0].name)}" if gw_off else ""
    return Finding(
        "warning",
        f"BGP is on for one side of {esc(direction(conn))} only",
        evidence=f"BGP on: {', '.join(on)}. BGP off: {', '.join(off)}.",
        next_step=(
            "Enable BGP on both connections and both gateways (each gateway with its own ASN), or on none; "
            f"here: {fix}. With BGP on one side only, routes learned on one side are never advertised back."
        ),
        doc_url=DOC_BGP,
        key="bgp_one_side:" + "|".join(ids),
    )


def bgp_asn_clash(conn: Connection, gw1: Gateway | None, gw2: Gateway | None) -> Finding | None:
    """Both gateways of a BGP VNet-to-VNet connection on the same ASN: eBGP never forms."""
    if not is_v2v(conn) or not conn.enable_bgp or gw1 is None or gw2 is None:
        return None
    if not (gw1.enable_bgp and gw2.enable_bgp) or gw1.bgp_asn is None or gw1.bgp_asn != gw2.bgp_asn:
        return None
    return Finding(
        "warning",
        f"{code(gw1.name)} and {code(gw2.name)} both use BGP ASN {gw1.bgp_asn}",
        evidence="Gateways joined VNet-to-VNet with BGP need different ASNs, or the BGP session never forms.",
        next_step=(
            f"Give one gateway another private ASN: `az network vnet-gateway update -g {cli(_rg(gw2.id))} "
            f"-n {cli(gw2.name)} --asn &lt;64512-65514&gt;`"
        ),
        doc_url=DOC_BGP,
        key="bgp_asn:" + "|".join(sorted({rid_key(gw1.id), rid_key(gw2.id)})),
    )


def bgp_peer_not_connected(gateway: Gateway, peer: BgpPeer) -> Finding | None:
    """A BGP peer of the gateway that is not Connected; a Connected one that sent no routes."""
    asn = f" (AS {peer.asn})" if peer.asn is not None else ""
    who = f"BGP peer {code(peer.neighbor)}{asn} of {code(gateway.name)}"
    key = f"bgp_peer:{rid_key(gateway.id)}:{peer.neighbor}"
    if _is(peer.state, "Connected"):
        if peer.routes_received > 0:
            return None
        up = parse_timespan(peer.connected_duration)
        return Finding(
            "info",
            f"{who} is Connected but has sent no routes",
            evidence=f"Connected for {human_duration(up.total_seconds()) if up else '?'}, 0 routes received.",
            next_step="Check what the peer advertises (its prefixes and filters); `/vpn routes "
            f"{cli(gateway.name)}` shows what this gateway learned.",
            doc_url=DOC_BGP,
            key=key,
        )
    state = peer.state or "Unknown"
    return Finding(
        "warning",
        f"{who} is {esc(state)}",
        evidence=(
            f"Messages sent {peer.messages_sent}, received {peer.messages_received}; "
            f"{peer.routes_received} routes received."
        ),
        next_step=(
            "Check that the connection carrying this peer is Connected, and that the peer's ASN and BGP "
            "address match what this side expects (the local network gateway's BGP settings, or the remote "
            f"gateway's); its BGP address must be reachable through the tunnel. `/vpn routes {cli(gateway.name)}`"
        ),
        doc_url=DOC_BGP,
        key=key,
    )


def gateway_state(gateway: Gateway) -> Finding | None:
    """A gateway whose provisioning failed: its connections cannot be trusted."""
    if not _is(gateway.provisioning_state, "Failed"):
        return None
    return Finding(
        "critical",
        f"Gateway {code(gateway.name)} is in a Failed provisioning state",
        evidence="Its last update did not complete.",
        next_step=f"Reset it: `az network vnet-gateway reset -g {cli(_rg(gateway.id))} -n {cli(gateway.name)}`",
        key=f"gateway_failed:{rid_key(gateway.id)}",
    )


def busiest(clients: Iterable[P2SClient], n: int = 3) -> list[tuple[str, int]]:
    """The users moving most bytes (in + out), summed over their sessions."""
    totals: dict[str, int] = {}
    for c in clients:
        who = c.user_name or c.private_ip or c.public_ip or "?"
        totals[who] = totals.get(who, 0) + c.ingress_bytes + c.egress_bytes
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def p2s_summary(gateway: Gateway, clients: tuple[P2SClient, ...] | None) -> Finding | None:
    """How many VPN clients are on the gateway and who moves the most bytes (info)."""
    if clients is None:
        return None
    n = len(clients)
    pool = ", ".join(code(p) for p in gateway.p2s_address_pool) or "?"
    if n == 0:
        title = f"No VPN clients on {code(gateway.name)}"
        evidence = f"Client pool {pool}."
    else:
        users = len({c.user_name or c.private_ip for c in clients})
        total_in = sum(c.ingress_bytes for c in clients)
        total_out = sum(c.egress_bytes for c in clients)
        top = ", ".join(f"{esc(u)} {human_bytes(b)}" for u, b in busiest(clients))
        title = (
            f"{n} VPN client{'s' if n != 1 else ''} on {code(gateway.name)} ({users} user{'s' if users != 1 else ''})"
        )
        evidence = f"Pool {pool}; ↓ {human_bytes(total_in)} in, ↑ {human_bytes(total_out)} out. Busiest: {top}."
    return Finding(
        "info",
        title,
        evidence=evidence,
        next_step="",
        doc_url=DOC_P2S,
        key=f"p2s:{rid_key(gateway.id)}",
    )


# --- all of it ----------------------------------------------------------------------------


def assess(facts: ConnectionFacts, summaries: bool = False) -> list[Assessed]:
    """Every connection finding for the gateways in `facts`, deduplicated and ranked.

    `summaries` adds the informational P2S summaries (status shows them per gateway
    instead, so it leaves them out).
    """
    every = list(facts.connections.values())
    reverses = reverse_index(every)
    gws = dict(facts.known_gateways)
    for gf in facts.gateways:
        gws.setdefault(rid_key(gf.gateway.id), gf.gateway)
    in_scope = {rid_key(gf.gateway.id) for gf in facts.gateways}

    def reverse_of(c: Connection) -> Connection | None:
        return reverses.get(rid_key(c.id))

    orphans_to: dict[str, list[Connection]] = {}
    for c in every:
        if is_v2v(c) and rid_key(c.gateway1_id) not in in_scope and reverse_of(c) is None:
            orphans_to.setdefault(rid_key(c.gateway2_id), []).append(c)

    out: list[Assessed] = []
    unreadable: list[tuple[Connection, Connection]] = []
    seen_pairs: set[frozenset[str]] = set()

    def add(f: Finding | None, gateways: Iterable[str] = (), connections: Iterable[str] = ()) -> None:
        if f is not None:
            out.append(Assessed(f, tuple(gateways), tuple(connections)))

    for gf in facts.gateways:
        gw = gf.gateway
        add(gateway_state(gw), gateways=[gw.id])
        for conn in gf.connections:
            rev = reverse_of(conn)
            ids = [conn.id] + ([rev.id] if rev else [])
            add(connection_state(conn, facts.now), connections=[conn.id])
            add(tunnel_down(conn), connections=[conn.id])
            add(missing_reverse(conn, rev, rid_key(conn.gateway2_id) in facts.complete), connections=[conn.id])
            # One-way: when both halves are in scope, speak from the sending half.
            sender_in_scope = rev is not None and rid_key(rev.gateway1_id) in in_scope and rev.egress_bytes > 0
            if not (conn.egress_bytes == 0 and conn.ingress_bytes > 0 and sender_in_scope):
                add(one_way(conn, rev, gws, facts.now), connections=ids)
            if rev is not None:
                pk = pair_key(conn, rev)
                if pk not in seen_pairs:
                    seen_pairs.add(pk)
                    check = facts.shared_keys.get(pk)
                    add(shared_key_mismatch(conn, rev, check), connections=ids)
                    if check == "unreadable":
                        unreadable.append((conn, rev))
            g1, g2 = gws.get(rid_key(conn.gateway1_id)), gws.get(rid_key(conn.gateway2_id))
            add(bgp_one_side(conn, rev, g1, g2), connections=ids)
            add(bgp_asn_clash(conn, g1, g2), gateways=[x.id for x in (g1, g2) if x])
        # Incoming halves whose owner is outside scope but whose remote is here.
        for conn in orphans_to.get(rid_key(gw.id), ()):
            add(missing_reverse(conn, None, gf.connections_complete), connections=[conn.id])
        for peer in gf.bgp_peers or ():
            add(bgp_peer_not_connected(gw, peer), gateways=[gw.id])
        if summaries:
            add(p2s_summary(gw, gf.p2s_clients), gateways=[gw.id])
    add(shared_keys_unreadable(unreadable), connections=[c.id for pair in unreadable for c in pair])

    kept = {id(f) for f in dedup([a.finding for a in out])}
    unique = [a for a in out if id(a.finding) in kept]
    # Most severe first; within a severity, what the user sees first (a missing or down
    # connection, traffic one way), then the configuration behind it (keys, BGP).
    order = {id(f): i for i, f in enumerate(ranked([a.finding for a in unique]))}
    return sorted(
        unique,
        key=lambda a: (
            SEVERITY_RANK.get(a.finding.severity, 9),
            KIND_ORDER.get(a.finding.key.split(":", 1)[0], len(KIND_ORDER)),
            order[id(a.finding)],
        ),
    )


# Within a severity, the order findings are shown in (by the prefix of their key).
KIND_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "gateway_failed",
            "provisioning_failed",
            "missing_reverse",
            "down",
            "one_way",
            "shared_key",
            "tunnel_down",
            "connecting",
            "bgp_one_side",
            "bgp_asn",
            "bgp_peer",
            "shared_key_unreadable",
            "p2s",
        )
    )
}
