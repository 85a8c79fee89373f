"""VPN troubleshoot's answer in plain words: healthy or not, each finding's summary, detail
and recommended actions, how long it took, and where Network Watcher wrote its logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.core.model import name_of
from commands.core.netwatch import TroubleshootDetail, TroubleshootPoll, TroubleshootResult
from commands.core.reply import Context, Finding, Reply, Text
from commands.core.text import Icon, Rich, code, join, link, rich, strong, user
from commands.troubleshoot.target import TROUBLESHOOT_DOC


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _took(result: TroubleshootResult) -> str:
    a, b = _when(result.start_time), _when(result.end_time)
    if a is None or b is None or b < a:
        return ""
    mins, secs = divmod(int((b - a).total_seconds()), 60)
    return f" in {mins} min {secs} s" if mins else f" in {secs} s"


def _finding(d: TroubleshootDetail, healthy: bool, target: str, i: int) -> Finding:
    actions: list[Rich] = []
    for a in d.actions:
        words = rich(a.text)
        if a.uri:
            words = rich(words, " — ", link(a.uri, a.uri_text or "how"))
        actions.append(words)
    return Finding(
        "ok" if healthy else "critical",
        rich(d.summary or d.reason_type or "A problem was found"),
        rich(d.detail, f" (reason: {d.reason_type})" if d.reason_type and d.reason_type != "NoFault" else None),
        join("\n", actions) if actions else "",
        TROUBLESHOOT_DOC,
        key=f"troubleshoot:{d.reason_type or i}:{target}",
    )


def storage_lines(storage_id: str, storage_path: str) -> list[Context]:
    """Where Network Watcher wrote the logs: the container, and where to find it in the portal
    (a data-plane listing needs the reader's own storage rights, so none is suggested)."""
    account = name_of(storage_id)
    container = storage_path.rstrip("/").rsplit("/", 1)[-1] if storage_path else ""
    return [
        Context(
            rich(
                "Network Watcher wrote its logs (a zip per run) to ",
                code(storage_path),
                " in storage account ",
                code(account),
                f": in the portal, Storage accounts → {account} → Containers → {container or 'the container'}.",
            )
        ),
    ]


def result_reply(v: dict[str, Any], poll: TroubleshootPoll | None, problem: str = "") -> Reply:
    """The answer for a run record `v` (target, storage) and its last poll."""
    target = str(v.get("target_name") or name_of(str(v.get("target_id"))))
    asker = str(v.get("user") or "")
    if poll is None or poll.result is None:
        return _gave_up(v, target, problem)
    res = poll.result
    healthy = res.code.lower() == "healthy"
    head = rich(
        Icon.DONE if healthy else Icon.FAILED,
        " ",
        strong(f"VPN troubleshoot of {target}: {'healthy' if healthy else 'unhealthy'}"),
        f" (Network Watcher{_took(res)})",
    )
    r = Reply(fallback=f"VPN troubleshoot of {target}: {'healthy' if healthy else 'unhealthy'}")
    r.add(Text(head))
    details = res.results or ()
    for i, d in enumerate(details[:3]):
        r.add(_finding(d, healthy, target, i))
    for i, d in enumerate(details[3:], start=3):
        r.more(_finding(d, healthy, target, i))
    if not details:
        r.add(Text("Azure reported no details." if healthy else "Azure reported no details for the problem."))
    if asker:
        r.more(Context(rich("Asked by ", user(asker), ".")))
    r.more(*storage_lines(str(v.get("storage_id", "")), str(v.get("storage_path", ""))))
    return r


def _gave_up(v: dict[str, Any], target: str, problem: str) -> Reply:
    target_id = str(v.get("target_id", ""))
    kind = "vpnConnection" if "/connections/" in target_id.lower() else "vnetGateway"
    show = f"az network watcher troubleshooting show --resource {target_id} --resource-type {kind}"
    r = Reply(fallback=f"VPN troubleshoot of {target}: no result")
    r.add(
        Text(rich(Icon.WARNING, " ", strong(f"VPN troubleshoot of {target}: no result"), f" — {problem or 'unknown'}."))
    )
    r.add(
        Text(
            rich(
                "Azure may still finish it; read its last result with ",
                code(show),
                ", or run ",
                code(f"/vpn troubleshoot {target}"),
                " again.",
            )
        )
    )
    r.more(*storage_lines(str(v.get("storage_id", "")), str(v.get("storage_path", ""))))
    return r
