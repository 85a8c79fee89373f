"""`/vpn diagnose [region|vnet]`: the command, from the text typed to the answer.

Text that names neither a region nor a VNet raises `UsageError`, and subscriptions that
cannot be listed raise `AzureFailure`: the worker's one policy (`bot/runtime/failures.py`)
words both. Lists that fail once the subscriptions are known are part of the answer.
"""

from __future__ import annotations

from commands.changes.context import annotate
from commands.core.estate import subscriptions_in_scope
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Reply
from commands.diagnose.assess import diagnose_view
from commands.diagnose.render import no_vnets, render
from commands.diagnose.scope import resolve_scope
from commands.judgement.estate import read_estate, read_in_depth, read_peered_vnets
from commands.judgement.judge import judge
from commands.judgement.nsgs import read_client_rules
from commands.judgement.progress import Progress
from commands.judgement.view import problems
from commands.status.deltas import earlier_samples

USAGE = "diagnose [region|vnet]"
EXAMPLE = "/vpn diagnose europe"


@command("diagnose", usage=USAGE, example=EXAMPLE, aliases=("diag", "doctor"))
def diagnose(ctx: Ctx, args: str) -> Reply:
    """What is wrong with the whole topology, why, and what to do instead: peerings, gateway transit, VNet-to-VNet connections, overlapping address spaces and private endpoint DNS — ranked, each with the evidence, Azure's rule and the fix.

    No argument looks at everything; `australia`, `europe`, `us`, `asia`… at every region of
    an area; `australiaeast` at one region; a VNet's name (or `resource-group/name`, or its
    id) at that VNet and what it is joined to. When VNets in several regions are joined for
    VPN users, the answer ends with the design options side by side.
    """
    progress = Progress(ctx)
    subs = subscriptions_in_scope(ctx, "your VNets")
    est = read_estate(ctx, subs, progress)
    scope = resolve_scope(unquote(args), est.vnets)
    if isinstance(scope, Reply):
        return scope
    if not scope.vnet_keys:
        return no_vnets(scope, est)
    read_peered_vnets(ctx, est, progress, of=scope.vnet)
    scope = scope.with_hubs(est.vnets)
    read_in_depth(ctx, est, scope.label, scope.gateway)
    read_client_rules(ctx, est)  # the SQL checklist's ports, as /vpn checklist checks them
    progress.say("Putting the findings together…", force=True)
    est.samples = earlier_samples(ctx)  # the rates against the SKU's benchmark, as status has them
    judgement = judge(est)
    view = diagnose_view(est, judgement, scope)
    # Issue 22: under each 🔴 root cause, what changed before it and whether Azure reports a problem.
    return annotate(ctx, render(view), est, problems(view.findings), judgement.subjects)
