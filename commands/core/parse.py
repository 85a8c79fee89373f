"""Parsing `/vpn` text into a subcommand and its arguments.

Only the first word is decided here (which command); each command parses its own
arguments (e.g. `commands.core.regions.parse_regions`). The text arrives as the user typed
it (`bot/slack/inbound.py` undid Slack's escaping); Slack clients also turn quotes into
typographic ones (“ ” ‘ ’) and may insert non-breaking spaces, which `normalise` undoes.

`parse` never raises, whatever the text: an unknown subcommand gives a `Parsed` with
`command == ""`, the word as typed and the closest known command (`suggestion`);
`commands.help.unknown_command` words the answer.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass

from commands.core.registry import Registry

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "«": '"', "»": '"'})
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_HELP_WORDS = frozenset({"help", "-h", "--help", "?", "h", "usage"})


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing `/vpn <text>`.

    command: the canonical command name ("help" for empty text), "" when unknown
    args:    the rest of the text, normalised (what the command function receives)
    argv:    `args` split into words, quotes honoured where balanced
    suggestion: the closest known command for an unknown one ("" if none is close)
    """

    command: str
    args: str = ""
    argv: tuple[str, ...] = ()
    suggestion: str = ""
    word: str = ""  # the subcommand as typed


def normalise(text: str) -> str:
    """Straighten quotes; collapse whitespace."""
    s = str(text or "").translate(_QUOTES)
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


def unquote(text: str) -> str:
    """The words of `text` without the quotes or backticks around them: `"vgw-aue"`,
    `“vgw-aue”` (as Slack clients type it), `'West Europe'` and `` `vnet-hub` `` all mean the
    name inside."""
    return " ".join(w.strip("`") for w in split_args(text) if w.strip("`"))


def suggest(registry: Registry, word: str) -> str:
    """The known command closest to `word` by edit similarity, or "" if none is close."""
    best = difflib.get_close_matches(word.lower(), registry.words(), n=1, cutoff=0.6)
    if not best:
        return ""
    hit = registry.command(best[0])
    return hit.name if hit else best[0]


def parse(registry: Registry, text: str) -> Parsed:
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
    cmd = registry.command(word)
    if cmd is not None:
        return Parsed(command=cmd.name, args=rest, argv=argv, word=word)
    return Parsed(command="", args=rest, argv=argv, suggestion=suggest(registry, word), word=word)
