"""`/vpn help`: generated from the command registry, so it can never fall behind it."""

from __future__ import annotations

from commands.core.parse import suggest
from commands.core.registry import Command, Ctx, Registry, command
from commands.core.reply import Context, Divider, Header, Reply, Text
from commands.core.text import Icon, Rich, code, em, join, prose, rich, strong

INTRO = (
    "Ask about your Azure VPNs without leaving Slack: gateways and tunnels, routes, peerings, "
    "private endpoints and DNS. Changes to peerings need a second person's approval."
)


@command("help", usage="help [command]", example="/vpn help status")
def help_command(ctx: Ctx, args: str) -> Reply:
    """List every command with an example, or explain one command in detail."""
    if ctx.registry is None:
        raise RuntimeError("help needs the registry: the worker passes it in Ctx.registry")
    return help_reply(ctx.registry, args, ctx.settings.notices)


def help_reply(registry: Registry, topic: str = "", notices: tuple[str, ...] = ()) -> Reply:
    """Every command (usage, what it does, one example), or one command's details.
    `notices` — what is odd about the configuration ("no approvers") — come first."""
    topic = topic.strip().split(" ")[0].lstrip("/") if topic.strip() else ""
    if topic.lower() == "vpn":
        topic = ""
    if topic:
        return command_help(registry, topic)
    cmds = registry.visible()
    r = Reply(fallback="vpnops commands: " + ", ".join(c.name for c in cmds), visibility="ephemeral")
    r.add(Header("vpnops — Azure VPN chat-ops"), Text(INTRO))
    for notice in notices:
        r.add(Text(rich(Icon.WARNING, " ", notice)))
    for c in cmds:
        r.add(Text(_entry(c)))
    r.add(
        Context(rich("Details of one command: ", code("/vpn help <command>"), ", e.g. ", code("/vpn help status"), "."))
    )
    return r


def _entry(c: Command) -> Rich:
    return rich(
        strong(code(f"/vpn {c.usage}")),
        rich("\n", prose(c.summary)) if c.summary else None,
        rich("\n", em("Example:"), " ", code(c.example)) if c.example else None,
    )


def command_help(registry: Registry, name: str) -> Reply:
    """`/vpn help <command>`: the command's whole docstring, usage, aliases and example."""
    c = registry.command(name)
    if c is None or c.hidden:
        guess = suggest(registry, name)
        what = rich("There is no command ", code(name[:40]), ".")
        if guess:
            what += rich(" Did you mean ", code(guess), "?")
        return (
            Reply(fallback=f"There is no command {name[:40]!r}.", visibility="ephemeral")
            .add(Text(rich(Icon.WARNING, " ", what)))
            .add(Text(rich("Commands: ", join(", ", [code(x.name) for x in registry.visible()]))))
            .add(Context(rich("Example: ", code("/vpn help status"))))
        )
    r = Reply(fallback=rich(f"/vpn {c.usage}: ", prose(c.summary)), visibility="ephemeral")
    r.add(Header(f"/vpn {c.name}"), Text(rich(strong("Usage:"), " ", code(f"/vpn {c.usage}"))), Text(prose(c.doc)))
    if c.aliases:
        r.add(Text(rich(strong("Also:"), " ", join(", ", [code(a) for a in c.aliases]))))
    if c.example:
        r.add(Divider(), Context(rich("Example: ", code(c.example))))
    return r


def unknown_command(registry: Registry, word: str, guess: str) -> Reply:
    """A mistyped command: the closest one and one line (not the whole help).

    "⚠️ Unknown command `stauts`. Did you mean `/vpn status` (Is every tunnel up…)?" and where
    to find the rest; with no close command, the command names in one line."""
    shown = word if len(word) <= 40 else word[:39] + "…"
    what = rich("Unknown command ", code(shown), ".")
    cmd = registry.command(guess) if guess else None
    if cmd is not None:
        what += rich(" Did you mean ", code(f"/vpn {cmd.usage}"), "? ", _first_sentence(cmd.summary))
    else:
        what += rich(" Commands: ", join(", ", [code(c.name) for c in registry.visible()]), ".")
    what += rich(" ", code("/vpn help"), " lists every command.")
    fallback = rich("Unknown command ", code(shown), ".", rich(" Did you mean ", code(cmd.name), "?") if cmd else None)
    return Reply(fallback=fallback, visibility="ephemeral").add(Text(rich(Icon.WARNING, " ", what)))


def _first_sentence(text: str) -> Rich:
    end = text.find("? ")
    end = end if end != -1 else text.find(". ")
    return prose(text[: end + 1] if end != -1 else text)
