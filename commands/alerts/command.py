"""`/vpn alerts [unmute <name>]`: the watch's open incidents and the running mutes."""

from __future__ import annotations

import re

from commands.alerts.state import NS_MUTE, active_mutes, require_store
from commands.core.model import name_of, rid_key
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.store import AuditEntry, Store
from commands.core.text import Rich, channel, code, join, prose, rich, strong, user
from commands.core.units import when
from commands.watch.state import open_incidents, parse_time

EXAMPLE = "/vpn alerts unmute cn-eun-to-aue"
# Only a channel id can be shown as a link to the channel; a name is left unsaid.
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")


@command("alerts", usage="alerts [unmute <name>]", example="/vpn alerts")
def alerts(ctx: Ctx, args: str) -> Reply:
    """Open incidents the watch has raised and the mutes still running; `unmute <name>` ends a mute early.

    Alerts themselves arrive in the alert channel: from Azure Monitor (webhook) and from the
    bot's own watch of every tunnel (down, a tunnel of a pair down, one-way traffic, a BGP
    peer leaving Connected), once per incident, with the recovery in the same thread.
    """
    store = require_store(ctx)
    words = args.split()
    if words and words[0].lower() == "unmute":
        return _unmute(ctx, store, " ".join(words[1:]))
    if words:
        return error_reply(
            rich(code("/vpn alerts"), " does not understand ", code(" ".join(words)), "."),
            prose("Use `/vpn alerts` to list open incidents and mutes, or `/vpn alerts unmute <name>`."),
            EXAMPLE,
        )
    now = ctx.now()
    lines = open_incidents(store, now)
    mutes = active_mutes(store, now)
    head = (
        f"{len(lines)} open incident{'s' if len(lines) != 1 else ''}, {len(mutes)} mute{'s' if len(mutes) != 1 else ''}"
    )
    reply = Reply(fallback=head, visibility="ephemeral").add(Text(rich(strong(head))))
    reply.add(Text(join("\n", lines) if lines else "No open incident: every watched tunnel is fine."))
    if mutes:
        muted: list[Rich] = [
            rich(
                "• 🔕 ",
                code(m.get("label") or k),
                f" until {when(parse_time(m.get('until')))} (by ",
                user(str(m.get("by") or ""), "someone"),
                ")",
            )
            for k, m in sorted(mutes.items())
        ]
        reply.add(Text(rich(strong("Muted:"), "\n", join("\n", muted))))
    posted_to = ctx.settings.alert_channel
    reply.add(
        Context(
            rich(
                rich("Alerts are posted to ", channel(posted_to), ". ") if _CHANNEL_ID.match(posted_to or "") else None,
                "Mute and Acknowledge are buttons on each alert message.",
            )
        )
    )
    return reply


def _unmute(ctx: Ctx, store: Store, name: str) -> Reply:
    target = name.strip().lower()
    if not target:
        return error_reply(
            "Unmute what? Give the name (or id) of the muted resource.",
            prose("`/vpn alerts` lists the mutes."),
            EXAMPLE,
        )
    now = ctx.now()
    mutes = active_mutes(store, now)
    hits = [
        k
        for k, m in mutes.items()
        if k == rid_key(target) or str(m.get("label") or "").lower() == target or name_of(k) == target
    ]
    if not hits:
        known = join(", ", [code(m.get("label") or k) for k, m in sorted(mutes.items())]) or "none"
        return error_reply(
            rich("Nothing called ", code(name), " is muted."), rich("Running mutes: ", known, "."), EXAMPLE
        )
    if len(hits) > 1:
        return error_reply(
            rich("Several muted resources are called ", code(name), "."),
            rich("Give the full id: ", join(", ", [code(mutes[k].get("subject") or k) for k in hits])),
        )
    k = hits[0]
    m = mutes[k]
    store.delete_state(NS_MUTE, k)
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_unmuted",
            subject=str(m.get("subject") or k),
            before={"until": m.get("until")},
            note="mute ended early",
        )
    )
    label = m.get("label") or k
    return Reply(fallback=f"Unmuted {label}", visibility="ephemeral").add(
        Text(rich("🔔 ", code(label), " is no longer muted: its alerts are posted again."))
    )
