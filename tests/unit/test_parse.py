"""Parsing `/vpn` text: the subcommand, Slack's escaping undone, suggestions, never a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.core import registry
from commands.core.parse import normalise, parse, split_args, suggest
from commands.core.reply import Reply, Text
from commands.help import help_reply


@pytest.fixture
def fake_commands() -> Iterator[None]:
    """Two commands registered for the test (removed afterwards, so the help of other tests is unchanged)."""
    registry.load()

    @registry.command("frobnicate", usage="frobnicate <thing>", example="/vpn frobnicate vgw-eun", aliases=("frob",))
    def frobnicate(ctx: registry.Ctx, args: str) -> Reply:
        """Frobnicate a thing, for the parser's tests.

        Longer explanation that only `/vpn help frobnicate` shows.
        """
        return Reply("ok", [Text(args)])

    @registry.command("secretcmd", usage="secretcmd", example="/vpn secretcmd", hidden=True)
    def secret(ctx: registry.Ctx, args: str) -> None:
        """Hidden."""

    yield
    registry.COMMANDS.pop("frobnicate", None)
    registry.COMMANDS.pop("secretcmd", None)


def test_empty_text_means_help() -> None:
    assert parse("").command == "help"
    assert parse("   \u00a0 ").command == "help"


@pytest.mark.parametrize("word", ["help", "HELP", "-h", "--help", "?"])
def test_help_words_mean_help(word: str) -> None:
    p = parse(f"{word} status")
    assert (p.command, p.args) == ("help", "status")


def test_the_first_word_is_the_command_and_the_rest_its_arguments(fake_commands: None) -> None:
    p = parse("  Frobnicate   vgw-eun   now ")
    assert (p.command, p.args, p.argv, p.error) == ("frobnicate", "vgw-eun now", ("vgw-eun", "now"), None)


def test_an_alias_gives_the_canonical_name(fake_commands: None) -> None:
    assert parse("frob x").command == "frobnicate"


def test_the_command_typed_twice_is_tolerated(fake_commands: None) -> None:
    assert parse("/vpn frobnicate x").command == "frobnicate"


def test_an_unknown_command_suggests_the_closest_one_and_shows_the_help(fake_commands: None) -> None:
    p = parse("frobnicat vgw")
    assert p.command == "" and p.suggestion == "frobnicate"
    assert p.error is not None and p.error.visibility == "ephemeral"
    first = p.error.parts[0]
    assert isinstance(first, Text)
    assert first.text == ":warning: Unknown command `frobnicat`. Did you mean `frobnicate`?"
    assert p.error.fallback == "Unknown command `frobnicat`. Did you mean `frobnicate`?"
    help_texts = " ".join(getattr(x, "text", "") for x in p.error.parts)
    assert "/vpn frobnicate &lt;thing&gt;" in help_texts


def test_stauts_suggests_status_when_status_is_registered() -> None:
    if registry.lookup("status") is None:
        pytest.skip("commands.status is not written yet")
    p = parse("stauts australia")
    assert p.error is not None and p.error.fallback == "Unknown command `stauts`. Did you mean `status`?"


def test_nothing_close_gives_no_suggestion(fake_commands: None) -> None:
    p = parse("zzzzzzzzzz")
    assert p.suggestion == "" and p.error is not None
    assert p.error.fallback == "Unknown command `zzzzzzzzzz`."


def test_hidden_commands_are_not_suggested(fake_commands: None) -> None:
    assert suggest("secretcm") != "secretcmd"


def test_a_user_typed_name_with_mentions_and_backticks_stays_inert_in_the_error() -> None:
    p = parse("<!channel>`x`")
    assert p.error is not None
    first = p.error.parts[0]
    assert isinstance(first, Text) and "<!channel>" not in first.text and "&lt;" not in first.text
    assert "@channel" in first.text


def test_slack_links_entities_and_smart_quotes_are_undone() -> None:
    assert normalise("checklist <http://sql-eun.database.windows.net|sql-eun.database.windows.net>") == (
        "checklist sql-eun.database.windows.net"
    )
    assert normalise("checklist <http://sql-eun.database.windows.net>") == "checklist sql-eun.database.windows.net"
    assert normalise("peering a/b x on reason: “NVA &amp; firewall”") == 'peering a/b x on reason: "NVA & firewall"'
    assert normalise("<@U123|bob> <#C1|ops>") == "@bob #ops"


def test_quoted_arguments_stay_one_word_and_unbalanced_quotes_are_literal() -> None:
    assert split_args('peering "vnet eun/peer 1" on') == ["peering", "vnet eun/peer 1", "on"]
    assert split_args("reason: it's broken") == ["reason:", "it's", "broken"]
    assert split_args(r"path C:\temp") == ["path", r"C:\temp"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    p = parse(text)
    assert p.command or p.error is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["<", ">", "|", "&amp;", "“", "'", '"', "`", "@", "#", "http://", " ", "x"]), max_size=30)
)
def test_parse_never_raises_on_slack_markup_soup(pieces: list[str]) -> None:
    p = parse("".join(pieces))
    assert p.command or p.error is not None


def test_help_lists_every_visible_command_with_usage_summary_and_example(fake_commands: None) -> None:
    reply = help_reply()
    text = "\n".join(getattr(p, "text", "") for p in reply.parts)
    for c in registry.COMMANDS.values():
        if c.hidden:
            assert f"/vpn {c.usage}" not in text
            continue
        assert c.summary.replace("<", "&lt;").replace(">", "&gt;") in text
        assert c.example.replace("<", "&lt;").replace(">", "&gt;") in text
    assert "Longer explanation" not in text
    assert reply.visibility == "ephemeral"


def test_help_for_one_command_shows_its_whole_docstring(fake_commands: None) -> None:
    reply = help_reply("frobnicate")
    text = "\n".join(getattr(p, "text", "") for p in reply.parts)
    assert "Longer explanation that only `/vpn help frobnicate` shows." in text
    assert "*Usage:* `/vpn frobnicate &lt;thing&gt;`" in text
    assert "`frob`" in text and "Example: `/vpn frobnicate vgw-eun`" in text


def test_help_for_an_unknown_command_suggests_and_lists(fake_commands: None) -> None:
    reply = help_reply("frobnicat")
    text = "\n".join(getattr(p, "text", "") for p in reply.parts)
    assert "There is no command `frobnicat`. Did you mean `frobnicate`?" in text
    assert "`frobnicate`" in text.split("Commands:")[1]
