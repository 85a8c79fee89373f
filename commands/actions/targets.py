"""Finding the connection or gateway a command names, and the words every action parses.

A name is looked up in every subscription in scope; an id is read directly. A name that
is both a connection and a gateway is not guessed: the answer asks which (say
`connection <name>` or `gateway <name>`). Several of one kind: the ids to choose from."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import Connection, Gateway
from commands.core.registry import Ctx
from commands.core.text import code, join, prose, rich
from commands.core.units import plural

# Azure's names for connections and gateways: 1-80 letters, digits, _ . - (start with a
# letter or digit, end with a letter, digit or _). Checked before any lookup.
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$")
_REASON = re.compile(r"\breason\s*:", re.IGNORECASE)
MAX_REASON = 500


@dataclass
class Found:
    connections: list[Connection] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    failed: list[AzureFailure] = field(default_factory=list)


def split_reason(text: str) -> tuple[str, str]:
    """(`text` before `reason:`, the reason, whitespace folded)."""
    m = _REASON.search(text)
    if not m:
        return text, ""
    reason = " ".join(text[m.end() :].split())
    if len(reason) > MAX_REASON:
        raise UsageError(f"The reason is {len(reason)} characters long; keep it under {MAX_REASON}.")
    return text[: m.start()], reason


def check_name(name: str, what: str, example: str) -> str:
    if name.lower().startswith("/subscriptions/"):
        return name.rstrip("/")
    if not NAME.match(name):
        raise UsageError(
            rich(code(name), f" cannot be a {what} name."),
            prose("Names are 1-80 letters, digits, `_`, `.` or `-`, starting with a letter or digit."),
            example,
        )
    return name


# The command's example, with a name the bot can see in it (`example_for("vgw-hub")` →
# "/vpn reset vgw-hub reason: …"): an example naming what was just not found misleads.
ExampleFor = Callable[[str], str]


def find(
    ctx: Ctx, target: str, connections: bool = True, gateways: bool = True, example_for: ExampleFor | None = None
) -> Found:
    """Every connection and/or gateway answering to `target` (a name or an id); none is a
    UsageError with the closest names read and an example (`example_for`) naming one of them."""
    out = Found()
    kinds = (connections, gateways)
    if target.startswith("/"):
        return _by_id(ctx, target, kinds, example_for("<name>") if example_for else "")
    subs = subscriptions_in_scope(ctx, "your VPN gateways")
    tasks: list[Callable[[], object]] = []
    owners: list[str] = []
    for s in subs:
        for on, read in ((connections, ctx.azure.connections), (gateways, ctx.azure.gateways)):
            if on:
                tasks.append(functools.partial(read, s.id))
                owners.append(s.id)
    unread: set[str] = set()
    for sub, o in zip(owners, gather(tasks, ctx.settings.concurrency), strict=True):
        if o.error is not None:
            out.failed.append(o.error)
            unread.add(sub)
            continue
        for item in o.value or []:  # type: ignore[attr-defined]
            if isinstance(item, Connection):
                out.connections.append(item)
            elif isinstance(item, Gateway):
                out.gateways.append(item)
    names = [c.name for c in out.connections] + [g.name for g in out.gateways]
    out.connections = by_name(out.connections, target, groups=False)
    out.gateways = by_name(out.gateways, target, groups=False)
    if not out.connections and not out.gateways:
        _none(target, out, names, (len(unread), len(subs)), kinds, example_for)
    return out


def _by_id(ctx: Ctx, target: str, kinds: tuple[bool, bool], example: str) -> Found:
    """The connection or gateway with this id (read fresh); none is a UsageError."""
    out = Found()
    low = target.lower()
    try:
        if kinds[0] and "/microsoft.network/connections/" in low:
            out.connections.append(ctx.azure.connection(target))
        if kinds[1] and "/microsoft.network/virtualnetworkgateways/" in low:
            out.gateways.append(ctx.azure.gateway(target))
    except AzureFailure as exc:
        if exc.kind != "not_found":
            raise
    if not out.connections and not out.gateways:
        what = " or ".join(w for w, on in zip(("connection", "gateway"), kinds, strict=True) if on)
        raise UsageError(
            rich(f"No {what} has the id ", code(target), "."),
            rich("Check the id, or give the name: ", code("/vpn status all"), " lists them."),
            example,
        )
    return out


def _none(
    target: str,
    found: Found,
    names: list[str],
    unread: tuple[int, int],
    kinds: tuple[bool, bool],
    example_for: ExampleFor | None,
) -> None:
    """Nothing is called `target`: say so, with the names closest to it among those read
    (connections and gateways alike, as the command takes them). `unread`: (subscriptions
    not read, subscriptions) — none read is Azure's failure, not "no such name"."""
    what = " or ".join(w for w, on in zip(("connection", "gateway"), kinds, strict=True) if on)
    every = " and ".join(f"{w}s" for w, on in zip(("connection", "gateway"), kinds, strict=True) if on)
    failed, subs = unread
    if found.failed and failed >= subs:
        raise found.failed[0]
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(target.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = (
        rich("Did you mean ", join(", ", (code(by_lower[c]) for c in close)), "?")
        if close
        else rich(code("/vpn status all"), f" lists the {every} the bot can see.")
    )
    partly = rich(" (", plural(failed, "subscription"), f" of {subs} could not be read)") if failed else ""
    real = by_lower[close[0]] if close else min(names, default="")
    example = example_for(real or "<name>") if example_for else ""
    raise UsageError(
        rich(f"No {what} named ", code(target), " in the subscriptions the bot can see", partly, "."), hint, example
    )


def one_connection(ctx: Ctx, target: str, example: str, example_for: ExampleFor | None = None) -> Connection:
    """The one connection called `target`, read fresh (GET: status, tunnels, etag)."""
    found = find(ctx, target, connections=True, gateways=False, example_for=example_for)
    if len(found.connections) > 1:
        ids = join("\n", (rich("• ", code(c.id)) for c in found.connections))
        raise UsageError(
            rich(f"{len(found.connections)} connections are called ", code(target), "."),
            rich("Give the full id of the one you mean:\n", ids),
            example,
        )
    return ctx.azure.connection(found.connections[0].id)


def connection_or_gateway(
    ctx: Ctx, target: str, kind: str, command: str, example_for: ExampleFor | None = None
) -> Connection | Gateway:
    """The connection or the gateway `target` names (`kind` "connection" | "gateway" | "" =
    either). A name that is both, or several of one kind: UsageError saying how to choose."""
    found = find(ctx, target, kind in ("", "connection"), kind in ("", "gateway"), example_for)
    if found.connections and found.gateways:
        raise UsageError(
            rich(code(target), " is both a connection and a gateway. Which one?"),
            rich(
                "Say ",
                code(f"/vpn {command} connection {target} …"),
                " or ",
                code(f"/vpn {command} gateway {target} …"),
                ".",
            ),
            f"/vpn {command} gateway {target} reason: …",
        )
    items: list[Connection | Gateway] = [*found.connections, *found.gateways]
    if len(items) > 1:
        ids = join("\n", (rich("• ", code(i.id)) for i in items))
        raise UsageError(
            rich(f"{len(items)} resources are called ", code(target), "."),
            rich("Give the full id of the one you mean:\n", ids),
        )
    one = items[0]
    if isinstance(one, Connection):
        return ctx.azure.connection(one.id)
    return ctx.azure.gateway(one.id)
