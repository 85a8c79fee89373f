"""`/vpn bgp <connection> on|off`: turn BGP on or off for one connection, after approval.

Azure's rules (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview,
https://learn.microsoft.com/azure/vpn-gateway/bgp-howto, the BGP section of the VPN
Gateway FAQ https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp):
* BGP on a connection needs BGP on its gateway (`enableBgp`, an ASN — not the Basic SKU);
* the far end must speak BGP too: the other gateway (VNet-to-VNet) with BGP on, or, for
  site-to-site, the local network gateway's `bgpSettings` (the device's ASN and BGP peer
  address);
* the two ends' ASNs must differ;
* reserved ASNs: Azure reserves 8074, 8075, 12076 (public) and 65515, 65517, 65518, 65519,
  65520 (private), which an on-premises device cannot use (65515 is an Azure gateway's own
  default); IANA reserves 23456, 64496-64511, 65535-65551 and 4294967295, which no gateway
  can use.

The write is a PUT of the whole connection (`If-Match` the etag the plan saw). A GET never
returns the shared key and a PUT carries it; the adapter reads it (GetSharedKey) into the
PUT body in memory only (`bot.arm.actions`). Reading back: `enableBgp` as asked and a new
etag, and — for a VNet-to-VNet pair — the keys of both halves still compare as before.
Revertible: a request that sets it back.
"""

from __future__ import annotations

from commands.actions.engine import file_action, new_request
from commands.actions.spec import SENT_NO_ANSWER, SENT_REFUSED, Spec, Verdict, read_settled
from commands.actions.targets import check_name, one_connection, split_reason
from commands.core.errors import AzureFailure, UsageError
from commands.core.freshness import fresh_reads
from commands.core.model import Connection, name_of
from commands.core.registry import Ctx, command
from commands.core.reply import Finding, Reply
from commands.core.text import code, prose, rich
from commands.findings.peerings import on_off
from commands.peering.request import Loaded

DOC_BGP = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"
DOC_ASN = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp"
USAGE = "bgp <connection> on|off [reason: text]"
EXAMPLE = "/vpn bgp cn-aue-to-eun on reason: learn the hub's routes dynamically"
AZURE_RESERVED = frozenset({8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520})
AZURE_DEFAULT_ASN = 65515


def iana_reserved(asn: int) -> bool:
    return asn == 23456 or 64496 <= asn <= 64511 or 65535 <= asn <= 65551 or asn == 4294967295


def reserved_words(asn: int, on_premises: bool) -> str:
    """Why `asn` cannot be the far end's ASN ("" when it can)."""
    if iana_reserved(asn):
        return f"ASN {asn} is reserved by IANA and cannot be configured on a BGP peer of Azure VPN Gateway"
    if on_premises and asn in AZURE_RESERVED:
        return f"ASN {asn} is reserved by Azure: an on-premises device cannot use it with Azure VPN Gateway"
    if not on_premises and asn in AZURE_RESERVED - {AZURE_DEFAULT_ASN}:
        return f"ASN {asn} is reserved by Azure"
    return ""


def parse(text: str) -> tuple[str, bool, str]:
    body, reason = split_reason(text)
    words = body.split()
    if len(words) != 2:
        raise UsageError("Which connection, and on or off?", rich("Usage: ", code(f"/vpn {USAGE}")), EXAMPLE)
    value = words[1].lower()
    if value not in ("on", "off"):
        raise UsageError(rich(code(words[1]), " is neither on nor off."), prose("Say `on` or `off`."), EXAMPLE)
    return check_name(words[0], "connection", EXAMPLE), value == "on", reason


@command("bgp", usage=USAGE, example=EXAMPLE)
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def bgp(ctx: Ctx, args: str) -> Reply | None:
    """Turn BGP on or off for one connection, after approval.

    Checked first: the gateway has BGP, the far end (the other gateway, or the local network
    gateway's bgpSettings) has an ASN that differs and is not reserved. The connection's shared
    key is kept. Revertible.
    """
    name, enable, reason = parse(args)
    c = one_connection(ctx, name, EXAMPLE, lambda n: f"/vpn bgp {n} {on_off(enable)} reason: {reason}")
    ctx.out.progress(rich(f"Planning BGP {on_off(enable)} for {c.name}…"))
    findings = preflight(ctx, c, enable)
    return _file(ctx, c, enable, reason, findings)


def _file(ctx: Ctx, c: Connection, enable: bool, reason: str, findings: list[Finding], revert_of: int = 0) -> Reply:
    key_words = _key_words(ctx, c)
    rows = [
        [f"connection {c.name} enableBgp", on_off(c.enable_bgp), on_off(enable)],
        [f"connection {c.name} shared key", key_words, key_words],
    ]
    params = {
        "summary": f"turn BGP {on_off(enable)} for connection {c.name}",
        "rows": rows,
        "locks": [c.id],
        "related": [c.id, c.gateway1_id, c.gateway2_id or c.local_network_gateway_id],
        "enable": enable,
        "revert": f"a new request sets enableBgp back to {on_off(not enable)}",
    }
    req = new_request(ctx, "bgp", c.id, c.name, reason, params, plan_etag=c.etag, revert_of=revert_of)
    return file_action(ctx, req, findings)


def _key_words(ctx: Ctx, c: Connection) -> str:
    """The shared key as the plan shows it: never the key, only whether the pair's halves match."""
    other = reverse_of(ctx, c)
    if other is None:
        return "kept (carried in the write)"
    try:
        same = ctx.azure.shared_key_digest(c.id) == ctx.azure.shared_key_digest(other.id)
    except AzureFailure:
        return "kept (could not compare)"
    return f"kept; {'equal to' if same else 'different from'} {other.name}'s"


def reverse_of(ctx: Ctx, c: Connection) -> Connection | None:
    """The other half of a VNet-to-VNet pair: the connection from gateway2 back to gateway1."""
    if c.connection_type.lower() != "vnet2vnet" or not c.gateway2_id:
        return None
    try:
        back = ctx.azure.gateway_connections(c.gateway2_id)
    except AzureFailure:
        return None
    for b in back:
        if (b.gateway1_id or "").lower() == c.gateway2_id.lower() and (b.gateway2_id or "").lower() == (
            c.gateway1_id or ""
        ).lower():
            return b
    return None


def preflight(ctx: Ctx, c: Connection, enable: bool) -> list[Finding]:
    """Azure's rules for BGP on this connection (critical = refused)."""
    key = f"bgp:{c.id}"
    if c.enable_bgp == enable:
        return [
            Finding(
                "critical",
                rich(f"Nothing to change: BGP is already {on_off(enable)} for ", code(c.name)),
                key=f"{key}:noop",
            )
        ]
    if c.provisioning_state in ("Updating", "Deleting"):
        return [
            Finding(
                "critical",
                rich("Another operation is changing ", code(c.name), " right now"),
                evidence=f"provisioningState {c.provisioning_state}",
                next_step="Wait until it reads Succeeded, then ask again.",
                key=f"{key}:busy",
            )
        ]
    if not enable:
        return [
            Finding(
                "warning",
                rich("Routes learned over BGP on ", code(c.name), " are withdrawn"),
                evidence="Without BGP the connection carries only the static prefixes of the far end "
                "(the local network gateway's addressPrefixes, or the other VNet's address space).",
                doc_url=DOC_BGP,
                key=f"{key}:off",
            )
        ]
    gw = ctx.azure.gateway(c.gateway1_id)
    out: list[Finding] = []
    if not gw.enable_bgp or gw.bgp_asn is None:
        out.append(
            Finding(
                "critical",
                rich("Gateway ", code(gw.name), " does not have BGP"),
                evidence="A connection can use BGP only when its gateway has BGP enabled with an ASN.",
                next_step=rich("Enable BGP on ", code(gw.name), " first (an ASN and a BGP peer address)."),
                doc_url="https://learn.microsoft.com/azure/vpn-gateway/bgp-howto",
                key=f"{key}:gateway",
            )
        )
        return out
    far_name, far_asn, on_prem = _far_end(ctx, c)
    if far_asn is None:
        what = "its bgpSettings (the device's ASN and BGP peer address)" if on_prem else "BGP enabled"
        out.append(
            Finding(
                "critical",
                rich("The far end ", code(far_name), f" has no {what}"),
                evidence="Both ends of a BGP connection must speak BGP.",
                next_step=rich("Configure BGP on ", code(far_name), " first."),
                doc_url="https://learn.microsoft.com/azure/vpn-gateway/bgp-howto",
                key=f"{key}:far",
            )
        )
        return out
    if far_asn == gw.bgp_asn:
        out.append(
            Finding(
                "critical",
                rich(code(gw.name), " and ", code(far_name), f" both use ASN {far_asn}"),
                evidence="The two ends of a BGP session over a VPN connection must have different ASNs.",
                next_step=rich("Give one of them another ASN first."),
                doc_url=DOC_ASN,
                key=f"{key}:same_asn",
            )
        )
    why = reserved_words(far_asn, on_prem)
    if why:
        out.append(
            Finding(
                "critical",
                rich("The far end ", code(far_name), f" uses a reserved ASN ({far_asn})"),
                evidence=why + ".",
                next_step="Use a private ASN (64512-65514, 65521-65534) or your own public ASN.",
                doc_url=DOC_ASN,
                key=f"{key}:reserved",
            )
        )
    return out


def _far_end(ctx: Ctx, c: Connection) -> tuple[str, int | None, bool]:
    """(name, ASN when it speaks BGP, on-premises?) of the connection's far end."""
    if c.gateway2_id:
        far = ctx.azure.gateway(c.gateway2_id)
        return far.name, far.bgp_asn if far.enable_bgp else None, False
    if c.local_network_gateway_id:
        for s in ctx.azure.subscriptions():
            for lng in ctx.azure.local_network_gateways(s.id):
                if lng.id.lower() == c.local_network_gateway_id.lower():
                    return lng.name, lng.bgp_asn if lng.bgp_peering_address else None, True
        return name_of(c.local_network_gateway_id), None, True
    return "(none)", None, False


# --- applying -------------------------------------------------------------------------------------


def _recheck(ctx: Ctx, cur: Loaded) -> str:
    req = cur.req
    c = ctx.azure.connection(req.target_id)
    if c.etag != req.plan_etag:
        if c.enable_bgp == bool(req.params.get("enable")):
            return ""  # already as asked: the write is refused by If-Match; verify says what holds
        return (
            f"the connection changed since the plan (enableBgp reads {on_off(c.enable_bgp)}, its etag is new); "
            "nothing written. Ask again."
        )
    blockers = [f for f in preflight(ctx, c, bool(req.params.get("enable"))) if f.severity == "critical"]
    if blockers:
        reasons = "; ".join(str(b.title).replace("`", "") for b in blockers)
        return f"the estate changed since the request: {reasons}. Nothing was written."
    return ""


def _write(ctx: Ctx, cur: Loaded) -> None:
    ctx.azure.set_connection_bgp(cur.req.target_id, bool(cur.req.params.get("enable")), cur.req.plan_etag)


def _verify(ctx: Ctx, cur: Loaded, sent: str) -> Verdict:
    req = cur.req
    want = bool(req.params.get("enable"))
    c = read_settled(ctx.azure.connection, req.target_id)
    after = {
        f"connection {c.name} enableBgp": on_off(c.enable_bgp),
        f"connection {c.name} shared key": _key_words(ctx, c),
    }
    if c.provisioning_state == "Updating":
        return Verdict(
            "unknown", f"Azure still reports {c.name} Updating (enableBgp reads {on_off(c.enable_bgp)}).", after
        )
    if c.enable_bgp == want and c.etag != req.plan_etag:
        return Verdict("applied", "", after)
    if c.etag == req.plan_etag:
        if sent == SENT_NO_ANSWER:
            return Verdict(
                "unknown", "the write got no answer and the connection is still as planned; it may still land.", after
            )
        return Verdict(
            "not_applied",
            f"Azure holds the connection as planned (enableBgp {on_off(c.enable_bgp)}): nothing was written.",
            after,
        )
    if sent == SENT_REFUSED or c.enable_bgp != want:
        return Verdict(
            "not_applied",
            f"the connection changed outside the bot (enableBgp reads {on_off(c.enable_bgp)}); nothing of this request was written. Ask again.",
            after,
        )
    return Verdict("applied", "", after)


def _revert(ctx: Ctx, cur: Loaded) -> Reply:
    req = cur.req
    c = ctx.azure.connection(req.target_id)
    enable = not bool(req.params.get("enable"))
    reason = f"Revert of #{cur.number}" + (f" ({req.reason})" if req.reason else "")
    return _file(ctx, c, enable, reason, preflight(ctx, c, enable), revert_of=cur.number)


BGP = Spec("bgp", "BGP change", _recheck, _write, _verify, guarded=True, revert=_revert)
