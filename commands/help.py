"""`/vpn help`: generated from the command registry, so it can never fall behind it."""

from __future__ import annotations

import inspect

from commands.core.registry import COMMAND_MODULES, COMMANDS, Command, Ctx, command, load, lookup
from commands.core.reply import Context, Divider, Header, Reply, Text, code

INTRO = (
    "Ask about your Azure VPNs without leaving Slack: gateways and tunnels, routes, peerings, "
    "private endpoints and DNS. Changes to peerings need a second person's approval."
)


@command("help", usage="help [command]", example="/vpn help status")
def help_command(ctx: Ctx, args: str) -> Reply:
    """List every command with an example, or explain one command in detail."""
    return help_reply(args)


def visible_commands() -> list[Command]:
    """Commands in COMMAND_MODULES order, whatever order their modules happened to be imported in
    (a timer or a console extension may import one module before the rest)."""
    load()
    order = {mod: i for i, mod in enumerate(COMMAND_MODULES)}
    shown = [c for c in COMMANDS.values() if not c.hidden]
    return sorted(shown, key=lambda c: order.get(c.fn.__module__, len(order)))


def help_reply(topic: str = "") -> Reply:
    """Every command (usage, what it does, one example), or one command's details."""
    topic = topic.strip().split(" ")[0].lstrip("/") if topic.strip() else ""
    if topic.lower() == "vpn":
        topic = ""
    if topic:
        return command_help(topic)
    cmds = visible_commands()
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


def command_help(name: str) -> Reply:
    """`/vpn help <command>`: the command's whole docstring, usage, aliases and example."""
    c = lookup(name)
    if c is None or c.hidden:
        from commands.core.parse import suggest

        guess = suggest(name)
        what = f"There is no command {code(name[:40])}."
        if guess:
            what += f" Did you mean {code(guess)}?"
        names = ", ".join(f"`{x.name}`" for x in visible_commands())
        return (
            Reply(fallback=f"There is no command {name[:40]!r}.", visibility="ephemeral")
            .add(Text(f":warning: {what}"))
            .add(Text(f"Commands: {names}"))
            .add(Context("Example: `/vpn help status`"))
        )
    doc = plain(inspect.getdoc(c.fn) or c.summary)
    r = Reply(fallback=f"/vpn {c.usage}: {c.summary}", visibility="ephemeral")
    r.add(Header(f"/vpn {c.name}"), Text(f"*Usage:* `/vpn {plain(c.usage)}`"), Text(doc))
    if c.aliases:
        r.add(Text("*Also:* " + ", ".join(f"`{a}`" for a in c.aliases)))
    if c.example:
        r.add(Divider(), Context(f"Example: `{plain(c.example)}`"))
    return r
