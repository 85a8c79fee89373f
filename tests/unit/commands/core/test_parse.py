"""Parsing `/vpn` text: the subcommand, Slack's escaping undone, suggestions, never a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.inbound import from_slack
from bot.slack.mrkdwn import mrkdwn
from commands.catalog import REGISTRY
from commands.core import registry
from commands.core.parse import Parsed, normalise, split_args, suggest
from commands.core.parse import parse as parse_with
from commands.core.registry import Registry
from commands.core.reply import Context, Reply, Text
from commands.help import help_reply, unknown_command


@registry.command("frobnicate", usage="frobnicate <thing>", example="/vpn frobnicate vgw-eun", aliases=("frob",))
def frobnicate(ctx: registry.Ctx, args: str) -> Reply:
    """Frobnicate a thing, for the parser's tests.

    Longer explanation that only `/vpn help frobnicate` shows.
    """
    return Reply("ok", [Text(args)])


@registry.command("secretcmd", usage="secretcmd", example="/vpn secretcmd", hidden=True)
def secret(ctx: registry.Ctx, args: str) -> None:
    """Hidden."""


# The catalog plus two commands of these tests' own.
TEST_REGISTRY: Registry = REGISTRY.with_(commands=(frobnicate, secret))


@pytest.fixture
def fake_commands() -> Iterator[Registry]:
    yield TEST_REGISTRY


def texts(reply: Reply) -> str:
    """The reply's text as Slack receives it (mrkdwn)."""
    return "\n".join(mrkdwn(p.text) for p in reply.parts if isinstance(p, (Text, Context)))


def parse(text: str) -> Parsed:
    return parse_with(TEST_REGISTRY, text)


def error_of(p: Parsed) -> Reply | None:
    """The answer the Slack listener gives for an unknown command."""
    return None if p.command else unknown_command(TEST_REGISTRY, p.word, p.suggestion)


def test_empty_text_means_help() -> None:
    assert parse("").command == "help"
    assert parse("   \u00a0 ").command == "help"


@pytest.mark.parametrize("word", ["help", "HELP", "-h", "--help", "?"])
def test_help_words_mean_help(word: str) -> None:
    p = parse(f"{word} status")
    assert (p.command, p.args) == ("help", "status")


def test_the_first_word_is_the_command_and_the_rest_its_arguments(fake_commands: None) -> None:
    p = parse("  Frobnicate   vgw-eun   now ")
    assert (p.command, p.args, p.argv, error_of(p)) == ("frobnicate", "vgw-eun now", ("vgw-eun", "now"), None)


def test_an_alias_gives_the_canonical_name(fake_commands: None) -> None:
    assert parse("frob x").command == "frobnicate"


def test_the_command_typed_twice_is_tolerated(fake_commands: None) -> None:
    assert parse("/vpn frobnicate x").command == "frobnicate"


def test_an_unknown_command_suggests_the_closest_one_in_one_line_not_the_whole_help(fake_commands: None) -> None:
    p = parse("frobnicat vgw")
    assert p.command == "" and p.suggestion == "frobnicate"
    error = error_of(p)
    assert error is not None and error.visibility == "ephemeral"
    (only,) = error.parts
    assert isinstance(only, Text)
    said = mrkdwn(only.text)
    assert said.startswith(":warning: Unknown command `frobnicat`. Did you mean `/vpn frobnicate &lt;thing&gt;`?")
    assert "`/vpn help` lists every command." in said
    assert str(error.fallback) == "Unknown command `frobnicat`. Did you mean `frobnicate`?"


def test_stauts_suggests_status_when_status_is_registered() -> None:
    if REGISTRY.command("status") is None:
        pytest.skip("commands.status is not written yet")
    error = error_of(parse("stauts australia"))
    assert error is not None and str(error.fallback) == "Unknown command `stauts`. Did you mean `status`?"


def test_nothing_close_gives_no_suggestion(fake_commands: None) -> None:
    p = parse("zzzzzzzzzz")
    error = error_of(p)
    assert p.suggestion == "" and error is not None
    assert str(error.fallback) == "Unknown command `zzzzzzzzzz`."


def test_hidden_commands_are_not_suggested(fake_commands: None) -> None:
    assert suggest(TEST_REGISTRY, "secretcm") != "secretcmd"


def test_a_user_typed_name_with_mentions_and_backticks_stays_inert_in_the_error() -> None:
    error = error_of(parse(from_slack("<!channel>`x`")))
    assert error is not None
    first = error.parts[0]
    assert isinstance(first, Text) and "<!channel>" not in mrkdwn(first.text) and "&lt;" not in mrkdwn(first.text)
    assert "@channel" in mrkdwn(first.text)


def slack(text: str) -> str:
    return normalise(from_slack(text))


def test_slack_links_entities_and_smart_quotes_are_undone() -> None:
    assert slack("checklist <http://sql-eun.database.windows.net|sql-eun.database.windows.net>") == (
        "checklist sql-eun.database.windows.net"
    )
    assert slack("checklist <http://sql-eun.database.windows.net>") == "checklist sql-eun.database.windows.net"
    assert slack("peering a/b x on reason: “NVA &amp; firewall”") == 'peering a/b x on reason: "NVA & firewall"'
    assert slack("<@U123|bob> <#C1|ops>") == "@bob #ops"


def test_quoted_arguments_stay_one_word_and_unbalanced_quotes_are_literal() -> None:
    assert split_args('peering "vnet eun/peer 1" on') == ["peering", "vnet eun/peer 1", "on"]
    assert split_args("reason: it's broken") == ["reason:", "it's", "broken"]
    assert split_args(r"path C:\temp") == ["path", r"C:\temp"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    p = parse(text)
    assert p.command or error_of(p) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["<", ">", "|", "&amp;", "“", "'", '"', "`", "@", "#", "http://", " ", "x"]), max_size=30)
)
def test_parse_never_raises_on_slack_markup_soup(pieces: list[str]) -> None:
    p = parse(from_slack("".join(pieces)))
    assert p.command or error_of(p) is not None


def test_help_lists_every_visible_command_with_usage_summary_and_example(fake_commands: None) -> None:
    reply = help_reply(TEST_REGISTRY)
    text = texts(reply)
    for c in TEST_REGISTRY.commands:
        if c.hidden:
            assert f"/vpn {c.usage}" not in text
            continue
        assert c.summary.replace("<", "&lt;").replace(">", "&gt;") in text
        assert c.example.replace("<", "&lt;").replace(">", "&gt;") in text
    assert "Longer explanation" not in text
    assert reply.visibility == "ephemeral"


def test_help_for_one_command_shows_its_whole_docstring(fake_commands: None) -> None:
    reply = help_reply(TEST_REGISTRY, "frobnicate")
    text = texts(reply)
    assert "Longer explanation that only `/vpn help frobnicate` shows." in text
    assert "*Usage:* `/vpn frobnicate &lt;thing&gt;`" in text
    assert "`frob`" in text and "Example: `/vpn frobnicate vgw-eun`" in text


def test_help_for_an_unknown_command_suggests_and_lists(fake_commands: None) -> None:
    reply = help_reply(TEST_REGISTRY, "frobnicat")
    text = texts(reply)
    assert "There is no command `frobnicat`. Did you mean `frobnicate`?" in text
    assert "`frobnicate`" in text.split("Commands:")[1]
