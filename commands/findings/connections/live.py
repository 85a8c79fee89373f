"""A connection's live IKE SAs (`getikesas`) against what it is configured with.

IKE negotiates in two phases: phase 1 (the IKE SA: encryption, integrity, DH group, the
shared key or certificate) and phase 2 (the IPsec "quick mode"/child SAs: the IPsec
proposal, PFS and the traffic selectors). Which phase is missing says which settings of the
far device to compare (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect,
https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto: with a custom policy
Azure proposes and accepts only that policy's algorithms).

Only `/vpn connection` reads the SAs (one long-running call per connection), so these are
that command's own findings, shown beside the judgement's.
"""

from __future__ import annotations

from commands.core.model import Connection, IkeSa, IpsecPolicy, rid_key
from commands.core.reply import Finding
from commands.core.text import code, rich
from commands.findings.connections.facts import label, remote_name

DOC_TROUBLESHOOT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect"
DOC_POLICY = "https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"


def _same(a: str, b: str) -> bool:
    return not a or not b or a.replace("-", "").lower() == b.replace("-", "").lower()


def live_findings(conn: Connection, sas: list[IkeSa]) -> list[Finding]:
    """Phase 1 missing, phase 2 missing, or algorithms other than the custom policy's."""
    out: list[Finding] = []
    down = (conn.status or "").lower() in ("notconnected", "connecting")
    far = remote_name(conn)
    if not sas and down:
        out.append(
            Finding(
                "warning",
                rich(label(conn), ": no IKE SA — phase 1 never completes"),
                evidence=rich("getikesas answers no security association while the connection is ", conn.status, "."),
                next_step=rich(
                    "Compare on ",
                    code(far),
                    f": the IKE version ({conn.protocol or 'IKEv2'}), the pre-shared key, the phase-1 proposal and "
                    "the peer address (the gateway's public IP); check UDP 500/4500 reach the device.",
                ),
                doc_url=DOC_TROUBLESHOOT,
                key=f"ike_phase1:{rid_key(conn.id)}",
                causes=(f"down:{rid_key(conn.id)}", f"connecting:{rid_key(conn.id)}"),
            )
        )
    if sas and not any(sa.quick_mode for sa in sas):
        out.append(
            Finding(
                "warning",
                rich(label(conn), ": IKE is up but no IPsec SA — phase 2 fails"),
                evidence=rich(f"{len(sas)} IKE SA(s), no quick-mode SA under any."),
                next_step=rich(
                    "Compare on ",
                    code(far),
                    ": the traffic selectors (mirror images of Azure's), PFS group and IPsec encryption/integrity.",
                ),
                doc_url=DOC_TROUBLESHOOT,
                key=f"ike_phase2:{rid_key(conn.id)}",
            )
        )
    if conn.ipsec_policies and sas:
        differs = _policy_differs(conn.ipsec_policies[0], sas)
        if differs:
            out.append(
                Finding(
                    "warning",
                    rich(label(conn), ": the SAs use other algorithms than its custom policy"),
                    evidence=rich("; ".join(differs) + "."),
                    next_step=rich(
                        "With a custom policy Azure accepts only its algorithms: re-read the connection (a change may "
                        "be pending) and make the device's proposal the same."
                    ),
                    doc_url=DOC_POLICY,
                    key=f"ike_policy:{rid_key(conn.id)}",
                )
            )
    return out


def _policy_differs(p: IpsecPolicy, sas: list[IkeSa]) -> list[str]:
    out: list[str] = []
    for sa in sas:
        if not (_same(sa.encryption, p.ike_encryption) and _same(sa.integrity, p.ike_integrity)):
            out.append(f"IKE {sa.encryption}/{sa.integrity}, policy {p.ike_encryption}/{p.ike_integrity}")
        if not _same(sa.dh_group, p.dh_group):
            out.append(f"DH {sa.dh_group}, policy {p.dh_group}")
        for q in sa.quick_mode:
            if not (_same(q.encryption, p.ipsec_encryption) and _same(q.integrity, p.ipsec_integrity)):
                out.append(f"IPsec {q.encryption}/{q.integrity}, policy {p.ipsec_encryption}/{p.ipsec_integrity}")
            if not _same(q.pfs_group, p.pfs_group):
                out.append(f"PFS {q.pfs_group}, policy {p.pfs_group}")
    return list(dict.fromkeys(out))


__all__ = ["live_findings"]
