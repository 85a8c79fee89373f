"""The single checks: one connection, pair, BGP peer or gateway in, a finding (or None) out.

Every finding says what is wrong, the evidence, and what to look at next; names from the
estate are words or code spans, never markup. `/vpn status` runs them all through
`assess()`; the watch calls some on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, name_of, rid_key
from commands.core.reply import Finding
from commands.core.text import Rich, RichLike, code, join, rich
from commands.core.units import ago, human_bytes, human_duration, parse_timespan
from commands.findings.connections.facts import (
    KeyCheck,
    arm_is,
    busiest,
    counters,
    direction,
    is_v2v,
    label,
    pair_key,
    remote_name,
    resource_group,
)

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


# --- a connection's state -------------------------------------------------------------------


def connection_state(conn: Connection, now: datetime | None = None) -> Finding | None:
    """NotConnected (critical), Connecting (warning), a failed provisioning (critical)."""
    if arm_is(conn.provisioning_state, "Failed"):
        return Finding(
            "critical",
            rich(label(conn), " is in a Failed provisioning state"),
            evidence="Its last update did not complete, so Azure may not run the tunnel as configured.",
            next_step=rich(
                "Re-apply its configuration: ",
                code(f"az network vpn-connection update -g {resource_group(conn.id)} -n {conn.name}"),
                "; if it stays Failed, reset the gateway.",
            ),
            key=f"provisioning_failed:{rid_key(conn.id)}",
        )
    status = conn.status or "Unknown"
    last = f"Last connected {ago(conn.last_established, now)}." if conn.last_established and now else ""
    if arm_is(status, "NotConnected"):
        return _not_connected(conn, last)
    if arm_is(status, "Connecting"):
        return Finding(
            "warning",
            rich(label(conn), " is stuck Connecting"),
            evidence=" ".join(x for x in ("IKE negotiation has not completed.", last) if x),
            next_step=rich(
                "A connection that never leaves Connecting usually has a shared key or IKE/IPsec policy that "
                "does not match the other side (",
                code(remote_name(conn)),
                "); compare both ends' settings.",
            ),
            doc_url=DOC_S2S_TROUBLESHOOT,
            key=f"connecting:{rid_key(conn.id)}",
        )
    return None


def _not_connected(conn: Connection, last: str) -> Finding:
    remote = remote_name(conn)
    if is_v2v(conn):
        step = rich(
            "Check that ",
            code(remote),
            " has the reverse connection and that both use the same shared key (",
            code(f"/vpn status {remote}"),
            ").",
        )
        doc = DOC_V2V
    else:
        step = rich(
            "Check the on-premises device behind ",
            code(remote),
            ": it is up, it points at the gateway's public IP, and its shared key, IKE version and IPsec "
            "policy match this connection.",
        )
        doc = DOC_S2S_TROUBLESHOOT
    return Finding(
        "critical",
        rich(label(conn), " is NotConnected"),
        evidence=rich(
            " ".join(x for x in (f"{conn.connection_type or 'Connection'}; {counters(conn, None)}.", last) if x)
        ),
        next_step=step,
        doc_url=doc,
        key=f"down:{rid_key(conn.id)}",
    )


def tunnel_down(conn: Connection) -> Finding | None:
    """A tunnel of an active-active connection down (redundancy lost), even when the
    connection as a whole says Connected; every tunnel down under a Connected status."""
    if not conn.tunnels or arm_is(conn.status, "NotConnected"):
        return None
    down = [t for t in conn.tunnels if not arm_is(t.status, "Connected")]
    if not down:
        return None
    up = [t for t in conn.tunnels if arm_is(t.status, "Connected")]
    detail = join(
        "; ",
        [
            rich(
                code(t.name),
                f" {t.status or 'Unknown'} (↑ {human_bytes(t.egress_bytes)}, ↓ {human_bytes(t.ingress_bytes)})",
            )
            for t in conn.tunnels
        ],
    )
    if up:
        return Finding(
            "warning",
            rich(label(conn), ": tunnel ", join(", ", [code(t.name) for t in down]), " is down — redundancy lost"),
            evidence=rich(f"{len(up)} of {len(conn.tunnels)} tunnels up: ", detail, "."),
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
        rich(label(conn), ": every tunnel is down although the connection says ", conn.status or "Unknown"),
        evidence=rich("Tunnels: ", detail, "."),
        next_step=rich("Treat it as down: check ", code(remote_name(conn)), " and both tunnels' IKE settings."),
        doc_url=DOC_ACTIVE_ACTIVE,
        key=f"tunnel_down:{rid_key(conn.id)}",
    )


# --- traffic one way --------------------------------------------------------------------------


def _return_path_hint(sender_gw: Gateway | None, receiver: str, bgp_both: bool) -> Rich:
    """Replies to the sending gateway's VPN clients need a route back from the receiving side.

    Azure's P2S routing rules: over a VNet-to-VNet connection without BGP, the remote
    gateway does not learn the P2S client pool, so replies to VPN clients have no way back.
    """
    if sender_gw is None or not sender_gw.p2s_address_pool or bgp_both:
        return rich()
    return rich(
        " ",
        code(sender_gw.name),
        "'s VPN clients send from ",
        join(", ", [code(p) for p in sender_gw.p2s_address_pool]),
        ": without BGP on both connections ",
        code(receiver),
        " does not learn that pool, so its replies have no route back.",
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
    here = name_of(conn.gateway1_id) or "this gateway"
    there = remote_name(conn)
    hint = rich()
    if is_v2v(conn):
        bgp_both = conn.enable_bgp and reverse is not None and reverse.enable_bgp
        # The sender is this side when bytes go out, the far side when they only come in.
        sender, receiver = (conn.gateway1_id, there) if out > 0 else (conn.gateway2_id, here)
        hint = _return_path_hint((gateways or {}).get(rid_key(sender)), receiver, bgp_both)
    if out > 0:
        title = rich(label(conn), " sends but receives nothing")
        step = _sends_only_step(conn, reverse, here, there, hint)
    else:
        title = rich(label(conn), " receives but sends nothing back")
        step = _receives_only_step(conn, here, there, hint)
    key_ids = sorted({rid_key(conn.id)} | ({rid_key(reverse.id)} if reverse else set()))
    return Finding(
        "critical",
        title,
        evidence=rich(
            counters(conn, now),
            " (counters restart at each reconnect).",
            rich(" Its reverse ", label(reverse), ": ", counters(reverse, now), ".") if reverse else None,
        ),
        next_step=step,
        doc_url=DOC_P2S_ROUTING if hint else DOC_V2V if is_v2v(conn) else DOC_S2S_TROUBLESHOOT,
        key="one_way:" + "|".join(key_ids),
    )


def _sends_only_step(conn: Connection, reverse: Connection | None, here: str, there: str, hint: Rich) -> Rich:
    if not is_v2v(conn):
        return rich(
            "Packets leave ",
            code(here),
            " but nothing comes back from ",
            code(there),
            ": check the on-premises device's route back to the Azure address space (and VPN client pool), "
            "its traffic selectors and firewall.",
        )
    rev_name: RichLike = code(reverse.name) if reverse else rich("the connection from ", code(there))
    return rich(
        "Packets leave ",
        code(here),
        " but nothing comes back from ",
        code(there),
        ": check the reverse connection ",
        rev_name,
        " on ",
        code(there),
        " and that its shared key equals this one's.",
        hint,
        " Then ",
        code(f"/vpn routes {there}"),
        ".",
    )


def _receives_only_step(conn: Connection, here: str, there: str, hint: Rich) -> Rich:
    if not is_v2v(conn):
        return rich(
            code(here),
            " gets traffic from ",
            code(there),
            " but sends none back: check that the VNet routes the on-premises prefixes to the gateway (",
            code(f"/vpn routes {here}"),
            ") and that no NSG or route table sends replies elsewhere.",
        )
    return rich(
        code(here),
        " gets traffic from ",
        code(there),
        " but never answers: check that this side routes the senders' addresses back through ",
        code(here),
        " (",
        code(f"/vpn routes {here}"),
        ") and that the shared keys of both connections match.",
        hint,
    )


# --- the two halves of a VNet-to-VNet pair ------------------------------------------------------


def missing_reverse(conn: Connection, reverse: Connection | None, remote_complete: bool) -> Finding | None:
    """A VNet-to-VNet connection whose remote gateway has no connection back.

    Only claimed when the remote gateway's connections were read in full
    (`remote_complete`), so a failed read never turns into a false accusation.
    """
    if not is_v2v(conn) or reverse is not None or not remote_complete or not conn.gateway2_id:
        return None
    here, there = name_of(conn.gateway1_id), remote_name(conn)
    create = (
        f"az network vpn-connection create -g {resource_group(conn.gateway2_id)} -n {there}-to-{here} "
        f"--vnet-gateway1 {there} --vnet-gateway2 {conn.gateway1_id} --shared-key <the key of {conn.name}>"
    )
    return Finding(
        "critical",
        rich(label(conn), " has no reverse connection from ", code(there), " to ", code(here)),
        evidence=rich(
            "A VNet-to-VNet tunnel is two connection resources, one per direction, with the same shared key; ",
            code(there),
            " has no connection to ",
            code(here),
            ", so the tunnel cannot come up.",
        ),
        next_step=rich("Create it on ", code(there), ": ", code(create)),
        doc_url=DOC_V2V,
        key=f"missing_reverse:{rid_key(conn.id)}",
    )


def shared_key_mismatch(conn: Connection, reverse: Connection, check: KeyCheck | None) -> Finding | None:
    """The two halves of a VNet-to-VNet pair with different shared keys (compared by digest,
    never shown)."""
    if check != "different":
        return None
    update = (
        f"az network vpn-connection shared-key update -g {resource_group(reverse.id)} "
        f"--connection-name {reverse.name} --value <the key of {conn.name}>"
    )
    return Finding(
        "critical",
        rich(code(conn.name), " and ", code(reverse.name), " use different shared keys"),
        evidence=(
            "Both halves of a VNet-to-VNet tunnel must use the same shared key; the keys were compared by "
            "digest and are not shown."
        ),
        next_step=rich("Set the same key on both: ", code(update)),
        doc_url=DOC_SHARED_KEY,
        key="shared_key:" + "|".join(sorted(pair_key(conn, reverse))),
    )


def shared_keys_unreadable(pairs: list[tuple[Connection, Connection]]) -> Finding | None:
    """One note when the bot may not read shared keys: say so instead of guessing."""
    if not pairs:
        return None
    shown = join(", ", [rich(code(a.name), "/", code(b.name)) for a, b in pairs[:5]])
    more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
    return Finding(
        "info",
        rich("Could not compare shared keys: the bot lacks ", code(SHARED_KEY_PERMISSION)),
        evidence=rich("Pairs not compared: ", shown, more, "."),
        next_step=rich(
            "Grant the bot's identity ",
            code(SHARED_KEY_PERMISSION),
            " on those connections (a custom role), or compare the keys in the portal.",
        ),
        doc_url=DOC_SHARED_KEY,
        key="shared_key_unreadable",
    )


# --- BGP ----------------------------------------------------------------------------------------


def bgp_one_side(
    conn: Connection, reverse: Connection | None, gw1: Gateway | None, gw2: Gateway | None
) -> Finding | None:
    """BGP enabled on one half of a VNet-to-VNet pair only (connections or gateways)."""
    if not is_v2v(conn):
        return None
    on: list[Rich] = []
    off: list[Rich] = []
    for c in (conn, reverse):
        if c is not None:
            (on if c.enable_bgp else off).append(rich("connection ", code(c.name)))
    if on:
        for gw in (gw1, gw2):
            if gw is not None:
                (on if gw.enable_bgp else off).append(rich("gateway ", code(gw.name)))
    if not on or not off:
        return None
    ids = sorted({rid_key(conn.id)} | ({rid_key(reverse.id)} if reverse else set()))
    return Finding(
        "warning",
        rich("BGP is on for one side of ", direction(conn), " only"),
        evidence=rich("BGP on: ", join(", ", on), ". BGP off: ", join(", ", off), "."),
        next_step=rich(
            "Enable BGP on both connections and both gateways (each gateway with its own ASN), or on none; here: ",
            _bgp_fix(conn, reverse, gw1, gw2),
            ". With BGP on one side only, routes learned on one side are never advertised back.",
        ),
        doc_url=DOC_BGP,
        key="bgp_one_side:" + "|".join(ids),
    )


def _bgp_fix(conn: Connection, reverse: Connection | None, gw1: Gateway | None, gw2: Gateway | None) -> Rich:
    """What turns BGP on where it is off: the first connection without it, else the gateway."""
    conn_off = [c for c in (conn, reverse) if c is not None and not c.enable_bgp]
    if conn_off:
        c = conn_off[0]
        return rich(code(f"az network vpn-connection update -g {resource_group(c.id)} -n {c.name} --enable-bgp true"))
    gw_off = [g for g in (gw1, gw2) if g is not None and not g.enable_bgp]
    return rich("configure BGP (an ASN of its own) on gateway ", code(gw_off[0].name)) if gw_off else rich()


def bgp_asn_clash(conn: Connection, gw1: Gateway | None, gw2: Gateway | None) -> Finding | None:
    """Both gateways of a BGP VNet-to-VNet connection on the same ASN: eBGP never forms."""
    if not is_v2v(conn) or not conn.enable_bgp or gw1 is None or gw2 is None:
        return None
    if not (gw1.enable_bgp and gw2.enable_bgp) or gw1.bgp_asn is None or gw1.bgp_asn != gw2.bgp_asn:
        return None
    return Finding(
        "warning",
        rich(code(gw1.name), " and ", code(gw2.name), f" both use BGP ASN {gw1.bgp_asn}"),
        evidence="Gateways joined VNet-to-VNet with BGP need different ASNs, or the BGP session never forms.",
        next_step=rich(
            "Give one gateway another private ASN: ",
            code(f"az network vnet-gateway update -g {resource_group(gw2.id)} -n {gw2.name} --asn <64512-65514>"),
        ),
        doc_url=DOC_BGP,
        key="bgp_asn:" + "|".join(sorted({rid_key(gw1.id), rid_key(gw2.id)})),
    )


def bgp_peer_not_connected(gateway: Gateway, peer: BgpPeer) -> Finding | None:
    """A BGP peer of the gateway that is not Connected; a Connected one that sent no routes."""
    asn = f" (AS {peer.asn})" if peer.asn is not None else ""
    instance = rich(" (from instance ", code(peer.local_address), ")") if peer.local_address else None
    who = rich("BGP peer ", code(peer.neighbor), asn, " of ", code(gateway.name), instance)
    # An active-active gateway has a session per instance to the same peer: one key each.
    at = f"{peer.local_address}>" if peer.local_address else ""
    key = f"bgp_peer:{rid_key(gateway.id)}:{at}{peer.neighbor}"
    routes = code(f"/vpn routes {gateway.name}")
    if arm_is(peer.state, "Connected"):
        if peer.routes_received > 0:
            return None
        up = parse_timespan(peer.connected_duration)
        return Finding(
            "info",
            rich(who, " is Connected but has sent no routes"),
            evidence=f"Connected for {human_duration(up.total_seconds()) if up else '?'}, 0 routes received.",
            next_step=rich(
                "Check what the peer advertises (its prefixes and filters); ",
                routes,
                " shows what this gateway learned.",
            ),
            doc_url=DOC_BGP,
            key=key,
        )
    return Finding(
        "warning",
        rich(who, " is ", peer.state or "Unknown"),
        evidence=(
            f"Messages sent {peer.messages_sent}, received {peer.messages_received}; "
            f"{peer.routes_received} routes received."
        ),
        next_step=rich(
            "Check that the connection carrying this peer is Connected, and that the peer's ASN and BGP "
            "address match what this side expects (the local network gateway's BGP settings, or the remote "
            "gateway's); its BGP address must be reachable through the tunnel. ",
            routes,
        ),
        doc_url=DOC_BGP,
        key=key,
    )


# --- the gateway ------------------------------------------------------------------------------


def gateway_state(gateway: Gateway) -> Finding | None:
    """A gateway whose provisioning failed: its connections cannot be trusted."""
    if not arm_is(gateway.provisioning_state, "Failed"):
        return None
    return Finding(
        "critical",
        rich("Gateway ", code(gateway.name), " is in a Failed provisioning state"),
        evidence="Its last update did not complete.",
        next_step=rich(
            "Reset it: ",
            code(f"az network vnet-gateway reset -g {resource_group(gateway.id)} -n {gateway.name}"),
        ),
        key=f"gateway_failed:{rid_key(gateway.id)}",
    )


def p2s_summary(gateway: Gateway, clients: tuple[P2SClient, ...] | None) -> Finding | None:
    """How many VPN clients are on the gateway and who moves the most bytes (info)."""
    if clients is None:
        return None
    n = len(clients)
    pool: RichLike = join(", ", [code(p) for p in gateway.p2s_address_pool]) if gateway.p2s_address_pool else "?"
    if n == 0:
        title = rich("No VPN clients on ", code(gateway.name))
        evidence = rich("Client pool ", pool, ".")
    else:
        users = len({c.user_name or c.private_ip for c in clients})
        total_in = sum(c.ingress_bytes for c in clients)
        total_out = sum(c.egress_bytes for c in clients)
        top = ", ".join(f"{u} {human_bytes(b)}" for u, b in busiest(clients))
        title = rich(
            f"{n} VPN client{'s' if n != 1 else ''} on ",
            code(gateway.name),
            f" ({users} user{'s' if users != 1 else ''})",
        )
        evidence = rich(
            "Pool ", pool, f"; ↓ {human_bytes(total_in)} in, ↑ {human_bytes(total_out)} out. Busiest: {top}."
        )
    return Finding("info", title, evidence=evidence, next_step="", doc_url=DOC_P2S, key=f"p2s:{rid_key(gateway.id)}")
