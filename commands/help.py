"""`/vpn help`: generated from the command registry, so it can never fall behind it."""

from __future__ import annotations

from commands.core.parse import suggest
from commands.core.registry import Command, Ctx, Registry, command
from commands.core.reply import Context, Divider, Header, Reply, Text, code

INTRO = (
    "Ask about your Azure VPNs without leaving Slack: gateways and tunnels, routes, peerings, "
    "private endpoints and DNS. Changes to peerings need a second person's approval."
)


@command("help", usage="help [command]", example="/vpn help status")
def help_command(ctx: Ctx, args: str) -> Reply:
    """List every command with an example, or explain one command in detail."""
    if ctx.registry is None:
        raise RuntimeError("help needs the registry: the worker passes it in Ctx.registry")
    return help_reply(ctx.registry, args)


def help_reply(registry: Registry, topic: str = "") -> Reply:
    """Every command (usage, what it does, one example), or one command's details."""
    topic = topic.strip().split(" ")[0].lstrip("/") if topic.strip() else ""
    if topic.lower() == "vpn":
        topic = ""
    if topic:
        return command_help(registry, topic)
    cmds = registry.visible()
    r = Reply(fallback="vpnops commands: " + ", ".join(c.name for c in cmds), visibility="ephemeral")
    r.add(Header("vpnops — Azure VPN chat-ops"), Text(INTRO))
    for c in cmds:
        r.add(Text(_entry(c)))
    r.add(Context("Details of one command: `/vpn help &lt;command&gt;`, e.g. `/vpn help status`."))
    return r


def plain(text: str) -> str:
    """Our own help text, made safe for mrkdwn: `<region|gateway>` in a usage line would
    otherwise be read by Slack as a link (Slack's rule: escape &, < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _entry(c: Command) -> str:
    line = f"*`/vpn {plain(c.usage)}`*"
    if c.summary:
        line += f"\n{plain(c.summary)}"
    if c.example:
        line += f"\n_Example:_ `{plain(c.example)}`"
    return line


def command_help(registry: Registry, name: str) -> Reply:
    """`/vpn help <command>`: the command's whole docstring, usage, aliases and example."""
    c = registry.command(name)
    if c is None or c.hidden:
        guess = suggest(registry, name)
        what = f"There is no command {code(name[:40])}."
        if guess:
            what += f" Did you mean {code(guess)}?"
        names = ", ".join(f"`{x.name}`" for x in registry.visible())
        return (
            Reply(fallback=f"There is no command {name[:40]!r}.", visibility="ephemeral")
            .add(Text(f":warning: {what}"))
            .add(Text(f"Commands: {names}"))
            .add(Context("Example: `/vpn help status`"))
        )
    doc = plain(c.doc)
    r = Reply(fallback=f"/vpn {c.usage}: {c.summary}", visibility="ephemeral")
    r.add(Header(f"/vpn {c.name}"), Text(f"*Usage:* `/vpn {plain(c.usage)}`"), Text(doc))
    if c.aliases:
        r.add(Text("*Also:* " + ", ".join(f"`{a}`" for a in c.aliases)))
    if c.example:
        r.add(Divider(), Context(f"Example: `{plain(c.example)}`"))
    return r


def unknown_command(registry: Registry, word: str, guess: str) -> Reply:
    """ "Unknown command `stauts`. Did you mean `status`?" followed by the help."""
    shown = word if len(word) <= 40 else word[:39] + "…"
    what = f"Unknown command {code(shown)}."
    if guess:
        what += f" Did you mean {code(guess)}?"
    fallback = f"Unknown command `{shown}`." + (f" Did you mean `{guess}`?" if guess else "")
    r = Reply(fallback=fallback, visibility="ephemeral").add(Text(f":warning: {what}"))
    r.parts.extend(help_reply(registry).parts)
    return r
