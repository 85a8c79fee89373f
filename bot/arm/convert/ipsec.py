"""The IPsec/IKE layer: a connection's policy, selectors, mode and APIPA addresses; a gateway's
point-to-site configuration and APIPA addresses; live IKE SAs (`getikesas`); NAT rules.

`getikesas` answers a *string* (VirtualNetworkGatewayConnections_GetIkeSas, 200 = string):
the published example's is `"{"Status":"Successful","Data":null}"`, a JSON document wrapped
in quotes once more. The SAs inside follow the model Azure PowerShell's
Get-AzVirtualNetworkGatewayConnectionIkeSa prints (PSVirtualNetworkGatewayConnectionIkeSa…:
localEndpoint, remoteEndpoint, encryption, integrity, dhGroup, lifeTimeSeconds,
isSaInitiator, elapsedTimeInseconds, quickModeSa[] with localTrafficSelectors,
remoteTrafficSelectors, pfsGroupId, inbound/outbound packets and bytes). So `ike_sas`
unwraps as many layers of quoting as it finds, and reads either a bare list or
`{"Data": [...]}` (`Data: null` = no SA).

The NatRule list's published example (VirtualNetworkGatewayNatRuleList) answers a bare
array where the definition says `{"value": [...]}`: `nat_rules` reads both.
"""

from __future__ import annotations

import json
from typing import Any

from bot.arm.convert.wire import (
    Json,
    at_path,
    integer,
    json_list,
    json_obj,
    json_objs,
    opt_int,
    props,
    resource_name,
    strs,
    text,
)
from commands.core.model import (
    IkeSa,
    IpsecPolicy,
    NatRule,
    P2SCertificate,
    P2SConfig,
    QuickModeSa,
    TrafficSelector,
)


def ipsec_policies(v: object) -> tuple[IpsecPolicy, ...]:
    return tuple(
        IpsecPolicy(
            ike_encryption=text(p.get("ikeEncryption")),
            ike_integrity=text(p.get("ikeIntegrity")),
            dh_group=text(p.get("dhGroup")),
            ipsec_encryption=text(p.get("ipsecEncryption")),
            ipsec_integrity=text(p.get("ipsecIntegrity")),
            pfs_group=text(p.get("pfsGroup")),
            sa_lifetime_s=opt_int(p.get("saLifeTimeSeconds")),
            sa_data_kb=opt_int(p.get("saDataSizeKilobytes")),
        )
        for p in json_objs(v)
    )


def traffic_selectors(v: object) -> tuple[TrafficSelector, ...]:
    return tuple(
        TrafficSelector(local=strs(t.get("localAddressRanges")), remote=strs(t.get("remoteAddressRanges")))
        for t in json_objs(v)
    )


def custom_bgp(v: object) -> tuple[tuple[str, str], ...]:
    """`gatewayCustomBgpIpAddresses[]` → (ipConfigurationId, customBgpIpAddress)."""
    return tuple(
        (text(a.get("ipConfigurationId")), text(a.get("customBgpIpAddress")))
        for a in json_objs(v)
        if text(a.get("customBgpIpAddress"))
    )


def connection_ipsec(p: Json) -> dict[str, Any]:
    """The IPsec fields of a connection's properties, as `Connection` keyword arguments."""
    return {
        "ipsec_policies": ipsec_policies(p.get("ipsecPolicies")),
        "policy_based_selectors": p.get("usePolicyBasedTrafficSelectors") is True,
        "traffic_selectors": traffic_selectors(p.get("trafficSelectorPolicies")),
        "connection_mode": text(p.get("connectionMode")),
        "dpd_timeout_s": opt_int(p.get("dpdTimeoutSeconds")),
        "custom_bgp_addresses": custom_bgp(p.get("gatewayCustomBgpIpAddresses")),
        "authentication_type": text(p.get("authenticationType")),
    }


def gateway_custom_bgp(bgp: Json) -> tuple[tuple[str, str], ...]:
    """`bgpSettings.bgpPeeringAddresses[].customBgpIpAddresses` per IP configuration."""
    return tuple(
        (text(a.get("ipconfigurationId")), ip)
        for a in json_objs(bgp.get("bgpPeeringAddresses"))
        for ip in strs(a.get("customBgpIpAddresses"))
    )


def p2s_config(vpn: Json, auth: tuple[str, ...]) -> P2SConfig | None:
    """A gateway's `vpnClientConfiguration` (None when it has no address pool)."""
    pool = strs(at_path(vpn, "vpnClientAddressPool", "addressPrefixes"))
    if not pool:
        return None
    radius = [text(r.get("radiusServerAddress")) for r in json_objs(vpn.get("radiusServers"))]
    radius.append(text(vpn.get("radiusServerAddress")))
    return P2SConfig(
        address_pool=pool,
        protocols=strs(vpn.get("vpnClientProtocols")),
        auth_types=auth,
        root_certificates=tuple(
            P2SCertificate(resource_name(c), public_cert_data=text(props(c).get("publicCertData")))
            for c in json_objs(vpn.get("vpnClientRootCertificates"))
        ),
        revoked_certificates=tuple(
            P2SCertificate(resource_name(c), thumbprint=text(props(c).get("thumbprint")))
            for c in json_objs(vpn.get("vpnClientRevokedCertificates"))
        ),
        aad_tenant=text(vpn.get("aadTenant")),
        aad_audience=text(vpn.get("aadAudience")),
        aad_issuer=text(vpn.get("aadIssuer")),
        radius_servers=tuple(dict.fromkeys(r for r in radius if r)),
        ipsec_policies=ipsec_policies(vpn.get("vpnClientIpsecPolicies")),
    )


def _unwrap(result: object) -> object:
    """Decode a JSON document however many times it was wrapped in a string."""
    for _ in range(4):
        if not isinstance(result, str):
            return result
        s = result.strip()
        try:
            result = json.loads(s)
            continue
        except ValueError:
            pass
        if len(s) >= 2 and s[0] == s[-1] == '"':
            result = s[1:-1]
            continue
        return None
    return result


def ike_sas(result: object) -> list[IkeSa]:
    """`getikesas`'s string → the IKE SAs (none for `Data: null`, an empty answer or an unreadable one)."""
    doc = _unwrap(result)
    if isinstance(doc, dict):
        doc = doc.get("Data", doc.get("data", doc.get("value")))
    return [_ike_sa(s) for s in json_objs(doc)]


def _ike_sa(s: Json) -> IkeSa:
    init = s.get("isSaInitiator")
    return IkeSa(
        local_endpoint=text(s.get("localEndpoint")),
        remote_endpoint=text(s.get("remoteEndpoint")),
        encryption=text(s.get("encryption")),
        integrity=text(s.get("integrity")),
        dh_group=text(s.get("dhGroup")),
        lifetime_s=opt_int(s.get("lifeTimeSeconds")),
        elapsed_s=opt_int(s.get("elapsedTimeInseconds")),
        azure_initiated=init if isinstance(init, bool) else None,
        quick_mode=tuple(
            QuickModeSa(
                encryption=text(q.get("encryption")),
                integrity=text(q.get("integrity")),
                pfs_group=text(q.get("pfsGroupId")),
                local_selectors=strs(q.get("localTrafficSelectors")),
                remote_selectors=strs(q.get("remoteTrafficSelectors")),
                lifetime_s=opt_int(q.get("lifeTimeSeconds")),
                elapsed_s=opt_int(q.get("elapsedTimeInseconds")),
                packets_in=integer(q.get("inboundPackets")),
                packets_out=integer(q.get("outboundPackets")),
                bytes_in=integer(q.get("inboundOctets", q.get("inboundBytes"))),
                bytes_out=integer(q.get("outboundOctets", q.get("outboundBytes"))),
            )
            for q in json_objs(s.get("quickModeSa"))
        ),
    )


def nat_rule(r: Json) -> NatRule:
    rp = props(r)
    return NatRule(
        id=text(r.get("id")),
        name=resource_name(r),
        mode=text(rp.get("mode")),
        rule_type=text(rp.get("type")) or "Static",
        internal=tuple(s for s in (text(m.get("addressSpace")) for m in json_objs(rp.get("internalMappings"))) if s),
        external=tuple(s for s in (text(m.get("addressSpace")) for m in json_objs(rp.get("externalMappings"))) if s),
    )


def nat_rules(result: object) -> list[NatRule]:
    """A NatRule list: `{"value": [...]}` as the definition says, or the bare array of the
    published example."""
    body = result if isinstance(result, list) else json_obj(result).get("value")
    return [nat_rule(r) for r in json_objs(json_list(body))]
