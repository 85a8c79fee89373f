"""`/vpn troubleshoot <connection|gateway>`: Network Watcher's VPN troubleshoot, followed to its
result (see `commands.troubleshoot.run` for how a run outlives the job that asked)."""

from __future__ import annotations

import re
from datetime import timedelta

from commands.core.errors import AzureFailure
from commands.core.estate import subscriptions_in_scope
from commands.core.model import ResourceId, name_of
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply, Text
from commands.core.text import Icon, Rich, code, link, rich, user
from commands.findings.dns import facts as dnsf
from commands.judgement.estate import read_estate
from commands.judgement.progress import Progress
from commands.path.watchers import no_watcher_reply, watcher_in
from commands.troubleshoot import run
from commands.troubleshoot.render import result_reply, storage_lines
from commands.troubleshoot.target import TROUBLESHOOT_DOC, find, need_target, refusal

USAGE = "troubleshoot <connection|gateway>"
EXAMPLE = "/vpn troubleshoot cn-eun-to-aue"
_STORAGE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}$", re.I
)
_STORAGE_PATH = re.compile(r"^https://[a-z0-9]{3,24}\.blob\.[^/]+/[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?/?$", re.I)
STORAGE_DOC = "https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-cli"


@command("troubleshoot", usage=USAGE, example=EXAMPLE)
def troubleshoot(ctx: Ctx, args: str) -> Reply | None:
    """Run Network Watcher's VPN troubleshoot on a connection or gateway and say what it found, in plain words.

    `/vpn troubleshoot <connection|gateway>` — Azure takes a few minutes: the message shows the
    progress, and if the bot restarts meanwhile the result is posted in the channel when
    Azure has it. Route-based gateways and their site-to-site and VNet-to-VNet connections
    only (not point-to-site, not policy-based); one run at a time per subscription. Network
    Watcher writes its logs to the storage account set in `VPNOPS_TROUBLESHOOT_STORAGE_ID` /
    `VPNOPS_TROUBLESHOOT_STORAGE_PATH`.
    """
    query = need_target(args, "troubleshoot", EXAMPLE)
    storage = _storage(ctx)
    if isinstance(storage, Reply):
        return storage
    storage_id, storage_path = storage
    subs = subscriptions_in_scope(ctx, "your VPN gateways")
    estate = read_estate(ctx, subs, Progress(ctx), frozenset({dnsf.GATEWAYS, dnsf.CONNECTIONS}))
    target = find(query, estate, "troubleshoot")
    if isinstance(target, Reply):
        return target
    refused = refusal(target, estate)
    if refused is not None:
        return refused
    sub = ResourceId.parse(target.id).subscription_id
    watcher = watcher_in(ctx, sub, target.location)
    if watcher is None:
        return no_watcher_reply(sub, target.location, "VPN troubleshoot")
    now = ctx.now()
    key = run.key_of(target.id)
    record = {
        "target_id": target.id,
        "target_name": target.name,
        "watcher_id": watcher.id,
        "poll_url": "",
        "started_at": now.isoformat(),
        "deadline_at": (now + timedelta(seconds=ctx.settings.troubleshoot_deadline_s)).isoformat(),
        "lease_until": (now + run.LEASE).isoformat(),
        "channel": ctx.channel,
        "user": ctx.user,
        "storage_id": storage_id,
        "storage_path": storage_path,
    }
    if not run.claim(ctx, key, record):
        holder = run.running(ctx.store, key, now)
        if holder is None:  # it ended between the two reads: one more try is fair
            holder = None if run.claim(ctx, key, record) else run.running(ctx.store, key, now) or {}
        if holder is not None:
            return _busy(holder, target.name)
    try:
        first = ctx.azure.start_troubleshoot(watcher.id, target.id, storage_id, storage_path)
    except AzureFailure as e:
        run.release(ctx, key, record["started_at"])
        if e.kind == "conflict":
            return _busy(None, target.name, azure_said=e.message or e.code)
        if e.kind == "forbidden" and "microsoft.storage" in e.message.lower():
            return _no_storage_rights(storage_id, e)
        raise
    record["poll_url"] = first.poll_url
    run.renew(ctx, key, record["started_at"], first.poll_url)
    ctx.out.progress(run.progress_text(target.name, 0))
    try:
        last = run.follow(
            ctx,
            key,
            record,
            first,
            ctx.settings.troubleshoot_wait_s,
            lambda s: ctx.out.progress(run.progress_text(target.name, s)),
        )
    except AzureFailure as e:
        if e.kind in ("throttled", "unavailable", "timeout"):
            return _later(target.name, record, rich(f"Azure answered {e.kind} while the bot followed it"))
        run.release(ctx, key, record["started_at"])
        raise
    if last.done:
        run.release(ctx, key, record["started_at"])
        return result_reply(record, last)
    return _later(target.name, record, rich("it is still running"))


def _storage(ctx: Ctx) -> tuple[str, str] | Reply:
    sid, spath = ctx.settings.troubleshoot_storage_id, ctx.settings.troubleshoot_storage_path
    problems = []
    if not _STORAGE_ID.match(sid):
        problems.append(
            rich(
                code("VPNOPS_TROUBLESHOOT_STORAGE_ID"),
                " must be a storage account's resource id" + (f" (it is {sid!r})" if sid else " (it is not set)"),
                ", e.g. ",
                code(
                    "/subscriptions/<id>/resourceGroups/rg-ops/providers/Microsoft.Storage/storageAccounts/stvpnopsdiag"
                ),
            )
        )
    if not _STORAGE_PATH.match(spath):
        problems.append(
            rich(
                code("VPNOPS_TROUBLESHOOT_STORAGE_PATH"),
                " must be a blob container URL" + (f" (it is {spath!r})" if spath else " (it is not set)"),
                ", e.g. ",
                code("https://stvpnopsdiag.blob.core.windows.net/vpn-troubleshoot"),
            )
        )
    if not problems:
        return sid, spath
    r = Reply(fallback="VPN troubleshoot needs a storage account", visibility="ephemeral")
    r.add(Text(rich(Icon.WARNING, " VPN troubleshoot writes its logs to a storage account, and the bot has none set:")))
    for p in problems:
        r.add(Text(rich("• ", p)))
    r.add(
        Context(
            rich(
                "The bot's identity also needs rights on that account (docs/deploy.md, “VPN troubleshoot”). ",
                link(STORAGE_DOC, "VPN troubleshoot with the Azure CLI"),
            )
        )
    )
    return r


def _busy(holder: dict[str, object] | None, target: str, azure_said: str = "") -> Reply:
    r = Reply(fallback="Another VPN troubleshoot is running in this subscription", visibility="ephemeral")
    if holder is not None and not holder:
        r.add(
            Text(
                rich(
                    Icon.WAITING, " Another VPN troubleshoot was starting in this subscription; try again in a moment."
                )
            )
        )
    elif holder is not None:
        r.add(
            Text(
                rich(
                    Icon.WAITING,
                    " VPN troubleshoot of ",
                    code(str(holder.get("target_name"))),
                    " is running in this subscription (asked by ",
                    user(str(holder.get("user") or "")),
                    f" at {str(holder.get('started_at'))[:16].replace('T', ' ')} UTC). Azure runs one at a time per "
                    "subscription; its result will be posted where it was asked. Try ",
                    code(f"/vpn troubleshoot {target}"),
                    " when it is done.",
                )
            )
        )
    else:
        r.add(
            Text(
                rich(
                    Icon.WAITING,
                    " Azure refused to start VPN troubleshoot: another troubleshoot is running in this subscription "
                    "(one at a time, perhaps started from the portal or the CLI). Try again in a few minutes.",
                )
            )
        )
        if azure_said:
            r.add(Context(rich("Azure said: ", azure_said)))
    r.add(Context(rich(link(TROUBLESHOOT_DOC, "VPN troubleshoot: one at a time per subscription"))))
    return r


def _later(target: str, record: dict[str, str], why: Rich) -> Reply:
    r = Reply(fallback=f"VPN troubleshoot of {target} is still running")
    r.add(
        Text(
            rich(
                Icon.WAITING,
                " VPN troubleshoot of ",
                code(target),
                ": ",
                why,
                ". The bot keeps following it and will post the result in this channel when Azure has it.",
            )
        )
    )
    r.more(*storage_lines(record["storage_id"], record["storage_path"]))
    return r


def _no_storage_rights(storage_id: str, e: AzureFailure) -> Reply:
    """Network Watcher writes the logs with the bot's own rights on the storage account."""
    r = Reply(fallback="The bot may not write VPN troubleshoot's logs to the storage account", visibility="ephemeral")
    r.add(
        Text(
            rich(
                Icon.REFUSED,
                " Azure refused to start VPN troubleshoot: the bot's identity lacks rights on the storage account ",
                code(name_of(storage_id)),
                ", where Network Watcher writes the logs as the bot.",
            )
        )
    )
    r.add(
        Text(
            rich(
                "Grant the identity, on that account only, the storage actions VPN troubleshoot needs "
                "(docs/deploy.md, “Network Watcher, VPN troubleshoot and IKE logs”).",
            )
        )
    )
    if e.message:
        r.add(Context(rich("Azure said: ", e.message)))
    return r
