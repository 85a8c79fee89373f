"""Parsing `/vpn` text into a subcommand and its arguments.

Only the first word is decided here (which command); each command parses its own
arguments (e.g. `commands.core.regions.parse_regions`). Slack delivers the text with its own
transformations, which are undone first:

* `&`, `<`, `>` arrive escaped as `&amp;`, `&lt;`, `&gt;` (Slack's mrkdwn escaping);
* with "Escape channels, users, and links" on, links and mentions arrive as
  `<http://sql-eun.database.windows.net|sql-eun.database.windows.net>`, `<@U123|bob>`,
  `<#C123|ops>` — the user typed the label;
* Slack clients turn quotes into typographic ones (“ ” ‘ ’) and may insert non-breaking
  spaces.

`parse` never raises, whatever the text: an unknown subcommand gives a `Parsed` whose
`error` is the reply to show ("Unknown command `stauts`. Did you mean `status`?" and the
help).
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass

from commands.core.registry import COMMANDS, load, lookup
from commands.core.reply import Reply, Text, code

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "«": '"', "»": '"'})
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_HELP_WORDS = frozenset({"help", "-h", "--help", "?", "h", "usage"})


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing `/vpn <text>`.

    command: the canonical command name ("help" for empty text), "" when unknown
    args:    the rest of the text, normalised (what the command function receives)
    argv:    `args` split into words, quotes honoured where balanced
    error:   the reply to show instead of running anything (unknown command)
    suggestion: the closest known command for an unknown one ("" if none is close)
    """

    command: str
    args: str = ""
    argv: tuple[str, ...] = ()
    error: Reply | None = None
    suggestion: str = ""
    word: str = ""  # the subcommand as typed


def _link(m: re.Match[str]) -> str:
    target, label = m.group(1), m.group(2)
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return "@" + (label or target[1:]).split("^")[0]
    if label:
        return label
    # An auto-linked bare host ("http://sql-eun.database.windows.net") was typed without the scheme.
    return re.sub(r"^(?:https?|mailto):(?://)?", "", target) if "/" not in target.split("://", 1)[-1] else target


def normalise(text: str) -> str:
    """Undo Slack's escaping and link wrapping; straighten quotes; collapse whitespace."""
    s = str(text or "")
    s = _LINK.sub(_link, s)
    s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    s = s.translate(_QUOTES)
    return _SPACES.sub(" ", s).strip()


def split_args(text: str) -> list[str]:
    """Words of `text`; "double" or 'single' quoted groups stay one word. Unbalanced
    quotes are taken literally rather than refused (a user typing `it's` means it)."""
    s = normalise(text)
    if not s:
        return []
    try:
        lex = shlex.shlex(s, posix=True)
        lex.whitespace_split = True
        lex.commenters = ""
        lex.escape = ""  # backslashes are literal: Windows paths, regexes
        return list(lex)
    except ValueError:
        return s.split(" ")


def suggest(word: str, names: list[str] | None = None) -> str:
    """The known command closest to `word` by edit similarity, or "" if none is close."""
    pool = names if names is not None else command_words()
    best = difflib.get_close_matches(word.lower(), pool, n=1, cutoff=0.6)
    if not best:
        return ""
    hit = lookup(best[0])
    return hit.name if hit else best[0]


def command_words() -> list[str]:
    """Every name and alias a user may type as the first word."""
    load()
    words: list[str] = []
    for c in COMMANDS.values():
        if not c.hidden:
            words.append(c.name)
            words.extend(c.aliases)
    return words


def parse(text: str) -> Parsed:
    """Split `/vpn` text into the command and its arguments. Never raises."""
    s = normalise(text)
    if not s:
        return Parsed(command="help")
    word, _, rest = s.partition(" ")
    # "/vpn /vpn status" (the command pasted twice) and "/vpn vpn status" mean "/vpn status".
    if word.lower() in ("/vpn", "vpn") and rest:
        word, _, rest = rest.partition(" ")
    rest = rest.strip()
    argv = tuple(split_args(rest))
    if word.lower() in _HELP_WORDS:
        return Parsed(command="help", args=rest, argv=argv, word=word)
    cmd = lookup(word)
    if cmd is not None:
        return Parsed(command=cmd.name, args=rest, argv=argv, word=word)
    guess = suggest(word)
    return Parsed(command="", args=rest, argv=argv, error=unknown_command(word, guess), suggestion=guess, word=word)


def unknown_command(word: str, guess: str) -> Reply:
    """ "Unknown command `stauts`. Did you mean `status`?" followed by the help."""
    from commands.help import help_reply

    shown = word if len(word) <= 40 else word[:39] + "…"
    what = f"Unknown command {code(shown)}."
    if guess:
        what += f" Did you mean {code(guess)}?"
    fallback = f"Unknown command `{shown}`." + (f" Did you mean `{guess}`?" if guess else "")
    r = Reply(fallback=fallback, visibility="ephemeral").add(Text(f":warning: {what}"))
    r.parts.extend(help_reply().parts)
    return r
