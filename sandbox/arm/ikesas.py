"""`getikesas` of a connection, as the gateway would answer it from the connection's state.

VirtualNetworkGatewayConnections_GetIkeSas answers a string (200 = string; the published
example VirtualNetworkGatewayConnectionGetIkeSas's body is `"{"Status":"Successful","Data":null}"`).
The definition gives no schema for the SAs inside; their fields are those of Azure
PowerShell's Get-AzVirtualNetworkGatewayConnectionIkeSa model (main mode: localEndpoint,
remoteEndpoint, initiatorCookie, responderCookie, encryption, integrity, dhGroup,
lifeTimeSeconds, isSaInitiator, elapsedTimeInseconds, quickModeSa[]; quick mode: encryption,
integrity, pfsGroupId, inboundSPI, outboundSPI, localTrafficSelectors, remoteTrafficSelectors,
lifetimeKilobytes, lifeTimeSeconds, inbound/outbound packets and octets).

An estate may give the answer itself (`actions["<connection id>/getikesas"]`: the list of
SAs, or the string). Otherwise it follows the connection: no SA unless it is Connected; one
IKE SA per tunnel, with the connection's custom IPsec/IKE policy or Azure's default
proposal (IKE AES256/SHA256/DHGroup2, IPsec GCMAES256 without PFS, lifetimes 28,800 s and
27,000 s: https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices#ipsec),
and the traffic selectors Azure negotiates: any-to-any on a route-based connection, the
custom `trafficSelectorPolicies` (else the VNet's address space against the local network
gateway's) with policy-based selectors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.arm import ids

if TYPE_CHECKING:
    from sandbox.arm.state import Estate

DEFAULT_MAIN = {"encryption": "AES256", "integrity": "SHA256", "dhGroup": "DHGroup2", "lifeTimeSeconds": 28800}
DEFAULT_QUICK = {"encryption": "GCMAES256", "integrity": "GCMAES256", "pfsGroupId": "None", "lifeTimeSeconds": 27000}


def as_string(body: Any) -> str:
    """The action's answer as the string ARM returns (an estate may give the list itself)."""
    if isinstance(body, str):
        return body
    return json.dumps({"Status": "Successful", "Data": body}, separators=(",", ":"))


def _props(estate: Estate, rid: str) -> dict[str, Any]:
    doc = estate.view(ids.key(rid)) if rid else None
    return (doc or {}).get("properties") or {}


def _public_ips(estate: Estate, gw: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for ipc in gw.get("ipConfigurations") or []:
        pip = ((ipc.get("properties") or {}).get("publicIPAddress") or {}).get("id", "")
        ip = _props(estate, pip).get("ipAddress") if pip else None
        if ip:
            out.append(str(ip))
    return out


def _vnet_prefixes(estate: Estate, gw: dict[str, Any]) -> list[str]:
    for ipc in gw.get("ipConfigurations") or []:
        subnet = ((ipc.get("properties") or {}).get("subnet") or {}).get("id", "")
        if "/subnets/" in subnet.lower():
            vnet = subnet[: subnet.lower().index("/subnets/")]
            return list((_props(estate, vnet).get("addressSpace") or {}).get("addressPrefixes") or [])
    return []


def synthesize(estate: Estate, connection: dict[str, Any]) -> str:
    """The answer for a connection whose estate gives none (see the module docstring)."""
    p = connection.get("properties") or {}
    if str(p.get("connectionStatus", "")).lower() != "connected":
        return as_string(None)
    gw = _props(estate, (p.get("virtualNetworkGateway1") or {}).get("id", ""))
    local_ips = _public_ips(estate, gw) or ["0.0.0.0"]
    lng = _props(estate, (p.get("localNetworkGateway2") or {}).get("id", ""))
    gw2 = _props(estate, (p.get("virtualNetworkGateway2") or {}).get("id", ""))
    remote_ips = [lng["gatewayIpAddress"]] if lng.get("gatewayIpAddress") else _public_ips(estate, gw2) or ["0.0.0.0"]
    policy = (p.get("ipsecPolicies") or [None])[0]
    main = dict(DEFAULT_MAIN)
    quick = dict(DEFAULT_QUICK)
    if isinstance(policy, dict):
        main.update(
            encryption=policy.get("ikeEncryption", main["encryption"]),
            integrity=policy.get("ikeIntegrity", main["integrity"]),
            dhGroup=policy.get("dhGroup", main["dhGroup"]),
        )
        quick.update(
            encryption=policy.get("ipsecEncryption", quick["encryption"]),
            integrity=policy.get("ipsecIntegrity", quick["integrity"]),
            pfsGroupId=policy.get("pfsGroup", quick["pfsGroupId"]),
            lifeTimeSeconds=policy.get("saLifeTimeSeconds", quick["lifeTimeSeconds"]),
        )
    if p.get("usePolicyBasedTrafficSelectors"):
        pairs = [
            (list(t.get("localAddressRanges") or []), list(t.get("remoteAddressRanges") or []))
            for t in p.get("trafficSelectorPolicies") or []
        ] or [
            (_vnet_prefixes(estate, gw), list((lng.get("localNetworkAddressSpace") or {}).get("addressPrefixes") or []))
        ]
    else:
        pairs = [(["0.0.0.0/0"], ["0.0.0.0/0"])]
    tunnels = p.get("tunnelConnectionStatus") or [{}]
    sas: list[dict[str, Any]] = []
    for i, t in enumerate(tunnels):
        local, remote = local_ips[i % len(local_ips)], remote_ips[i % len(remote_ips)]
        ingress = int(t.get("ingressBytesTransferred", p.get("ingressBytesTransferred", 0)) or 0)
        egress = int(t.get("egressBytesTransferred", p.get("egressBytesTransferred", 0)) or 0)
        sas.append(
            {
                "localEndpoint": local,
                "remoteEndpoint": remote,
                "initiatorCookie": 1000 + i,
                "responderCookie": 2000 + i,
                "localUdpEncapsulationPort": 0,
                "remoteUdpEncapsulationPort": 0,
                **main,
                "isSaInitiator": str(p.get("connectionMode", "")).lower() != "responderonly",
                "elapsedTimeInseconds": 3600,
                "quickModeSa": [
                    {
                        **quick,
                        "localEndpoint": local,
                        "remoteEndpoint": remote,
                        "inboundSPI": 3000 + i * 10 + n,
                        "outboundSPI": 4000 + i * 10 + n,
                        "localTrafficSelectors": lsel,
                        "remoteTrafficSelectors": rsel,
                        "lifetimeKilobytes": 102400000,
                        "isSaInitiator": True,
                        "elapsedTimeInseconds": 1200,
                        "inboundPackets": ingress // 1000,
                        "inboundOctets": ingress,
                        "outboundPackets": egress // 1000,
                        "outboundOctets": egress,
                    }
                    for n, (lsel, rsel) in enumerate(pairs)
                ],
            }
        )
    return as_string(sas)
