"""`/vpn sharedkey sync <connection> from <connection>`: make one half of a VNet-to-VNet pair
use the other half's shared key, after approval.

Azure's rules (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal,
https://learn.microsoft.com/rest/api/network-gateway/virtual-network-gateway-connections/set-shared-key):
a VNet-to-VNet link is two connections, one from each gateway, and the tunnel comes up only
when both carry the same shared key. `GetSharedKey` reads one connection's key,
`SetSharedKey` sets another's (a long-running PUT). Setting one end's key re-negotiates the
tunnel: it is down until both ends match.

The key passes through the worker's memory only, inside the adapter (`bot.arm.actions`
`copy_shared_key`): it is never shown, logged, stored, queued or put into a Slack payload.
The plan and the outcome say only "equal" or "different", from keyed digests
(`AzurePort.shared_key_digest`) compared in memory. Not revertible: the previous key was
never kept anywhere, so it cannot be put back (setting it again needs someone who knows it).
"""

from __future__ import annotations

import hmac

from commands.actions.engine import file_action, new_request
from commands.actions.spec import SENT_NO_ANSWER, SENT_REFUSED, Spec, Verdict
from commands.actions.targets import check_name, one_connection, split_reason
from commands.core.errors import AzureFailure, UsageError
from commands.core.freshness import fresh_reads
from commands.core.model import Connection
from commands.core.registry import Ctx, command
from commands.core.reply import Finding, Reply
from commands.core.text import code, prose, rich
from commands.peering.request import Loaded

DOC_V2V = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal"
USAGE = "sharedkey sync <connection> from <connection> [reason: text]"
EXAMPLE = "/vpn sharedkey sync cn-aue-to-eun from cn-eun-to-aue reason: one-way counters"


def parse(text: str) -> tuple[str, str, str]:
    body, reason = split_reason(text)
    words = body.split()
    if len(words) != 4 or words[0].lower() != "sync" or words[2].lower() != "from":
        raise UsageError(
            "Say which connection gets which connection's key.",
            rich("Usage: ", code(f"/vpn {USAGE}"), prose(" — the first connection takes the key of the second.")),
            EXAMPLE,
        )
    return check_name(words[1], "connection", EXAMPLE), check_name(words[3], "connection", EXAMPLE), reason


def equal_keys(ctx: Ctx, a: str, b: str) -> bool:
    """Whether two connections' keys are equal (keyed digests compared in constant time)."""
    return hmac.compare_digest(ctx.azure.shared_key_digest(a), ctx.azure.shared_key_digest(b))


@command("sharedkey", usage=USAGE, example=EXAMPLE, aliases=("shared-key", "psk"))
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def sharedkey(ctx: Ctx, args: str) -> Reply | None:
    """Set one half of a VNet-to-VNet pair's shared key to the other half's, after approval.

    The key is never shown: the plan says whether the two keys are equal or different, and warns that
    the tunnel drops until both ends match. Not revertible.
    """
    target_name, source_name, reason = parse(args)

    def example(to: str, source: str) -> str:
        # two different connections, as the command needs
        other = source if source.lower() != to.lower() else "<the other half>"
        return f"/vpn sharedkey sync {to} from {other} reason: {reason}"

    target = one_connection(ctx, target_name, EXAMPLE, lambda n: example(n, source_name))
    source = one_connection(ctx, source_name, EXAMPLE, lambda n: example(target_name, n))
    ctx.out.progress(rich(f"Comparing the shared keys of {target.name} and {source.name}…"))
    findings = preflight(ctx, target, source)
    same = _compare(ctx, target, source)
    rows = [[f"shared key of {target.name}", f"{same} {source.name}'s", f"equal to {source.name}'s"]]
    params = {
        "summary": f"set the shared key of {target.name} to {source.name}'s",
        "rows": rows,
        "locks": [target.id, source.id],
        "related": [target.id, source.id, target.gateway1_id, target.gateway2_id],
        "source": source.id,
        "source_name": source.name,
        "warnings": [
            f"The tunnel between {target.name} and {source.name} re-negotiates when the key is set and stays down "
            "until both ends carry the same key."
        ],
        "not_revertible": "the previous key is never read into the bot or kept anywhere, so it cannot be put back",
    }
    req = new_request(ctx, "sharedkey_sync", target.id, target.name, reason, params)
    return file_action(ctx, req, findings)


def _compare(ctx: Ctx, target: Connection, source: Connection) -> str:
    try:
        return "equal to" if equal_keys(ctx, target.id, source.id) else "different from"
    except AzureFailure as exc:
        return f"not comparable ({exc.kind}) with"


def preflight(ctx: Ctx, target: Connection, source: Connection) -> list[Finding]:
    key = f"sharedkey:{target.id}"
    if target.id.lower() == source.id.lower():
        return [Finding("critical", "A connection cannot take its own key", key=f"{key}:self")]
    pair = (
        target.connection_type.lower() == "vnet2vnet"
        and source.connection_type.lower() == "vnet2vnet"
        and (target.gateway1_id or "").lower() == (source.gateway2_id or "").lower()
        and (target.gateway2_id or "").lower() == (source.gateway1_id or "").lower()
    )
    if not pair:
        return [
            Finding(
                "critical",
                rich(code(target.name), " and ", code(source.name), " are not the two halves of one VNet-to-VNet link"),
                evidence="A shared-key sync sets one half's key to the other half's: the connection from each gateway "
                "to the other (virtualNetworkGateway1 and virtualNetworkGateway2 swapped).",
                doc_url=DOC_V2V,
                key=f"{key}:pair",
            )
        ]
    out: list[Finding] = []
    for c in (target, source):
        if c.provisioning_state in ("Updating", "Deleting"):
            out.append(
                Finding(
                    "critical",
                    rich("Another operation is changing ", code(c.name), " right now"),
                    evidence=f"provisioningState {c.provisioning_state}",
                    next_step="Wait until it reads Succeeded, then ask again.",
                    key=f"{key}:busy:{c.id}",
                )
            )
    try:
        if equal_keys(ctx, target.id, source.id):
            out.append(
                Finding(
                    "critical",
                    rich("Nothing to sync: ", code(target.name), " and ", code(source.name), " have equal keys"),
                    evidence="If the tunnel is still down, the keys are not the cause: look at the IKE logs and the "
                    "other settings (IPsec policy, traffic selectors).",
                    key=f"{key}:equal",
                )
            )
    except AzureFailure as exc:
        out.append(
            Finding(
                "critical",
                rich("The shared keys could not be read"),
                evidence=rich(f"{exc}. ", exc.advice),
                next_step="The bot needs Microsoft.Network/connections/sharedKey/read on both connections.",
                key=f"{key}:unreadable",
            )
        )
    return out


def _recheck(ctx: Ctx, cur: Loaded) -> str:
    req = cur.req
    target = ctx.azure.connection(req.target_id)
    source = ctx.azure.connection(str(req.params["source"]))
    blockers = [f for f in preflight(ctx, target, source) if f.severity == "critical"]
    if blockers:
        return "; ".join(str(b.title).replace("`", "") for b in blockers) + ". Nothing was written."
    return ""


def _write(ctx: Ctx, cur: Loaded) -> None:
    ctx.azure.copy_shared_key(str(cur.req.params["source"]), cur.req.target_id)


def _verify(ctx: Ctx, cur: Loaded, sent: str) -> Verdict:
    req = cur.req
    source = str(req.params["source"])
    name = str(req.params.get("source_name") or "the source")
    same = equal_keys(ctx, req.target_id, source)
    row = f"shared key of {req.target_name}"
    if same:
        return Verdict("applied", "", {row: f"equal to {name}'s"})
    after = {row: f"different from {name}'s"}
    if sent == SENT_NO_ANSWER:
        return Verdict("unknown", "the write got no answer and the keys still differ; it may still land.", after)
    if sent == SENT_REFUSED:
        return Verdict("not_applied", "Azure refused the write: the keys still differ.", after)
    return Verdict("not_applied", "the keys still differ after the write (changed again right after?).", after)


SHAREDKEY_SYNC = Spec("sharedkey_sync", "Shared-key sync", _recheck, _write, _verify, guarded=True)
