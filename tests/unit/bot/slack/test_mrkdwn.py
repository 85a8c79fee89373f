"""Untrusted text in mrkdwn: inert everywhere, still copy-pasteable inside code spans."""

from __future__ import annotations

from bot.slack.mrkdwn import esc, inert, literal, mrkdwn
from commands.core.text import Icon, channel, code, link, pre, rich, strong, user


def code_span(text: str) -> str:
    return mrkdwn(code(text))


def test_esc_makes_mentions_links_and_formatting_inert() -> None:
    out = esc("<!channel> <@U123> <http://x|y> *bold* `tick`")
    assert "<" not in out and ">" not in out
    assert "*\u200b" in out and "`\u200b" in out


def test_names_inside_code_spans_paste_back_exactly() -> None:
    # Slack applies no formatting inside a code span: a zero-width space there would end up
    # in the pasted az command and break it (e.g. a resource group called rg_net_prod).
    assert literal("rg_net_prod*x~y") == "rg_net_prod*x~y"
    assert code_span("rg_net") == "`rg_net`"


def test_code_spans_cannot_be_closed_or_carry_mentions() -> None:
    out = code_span("a`b <!here> & c")
    assert out.count("`") == 2
    assert "<!here>" not in out and "&lt;!here&gt;" in out and "&amp;" in out


def test_words_never_become_markup_whatever_they_hold() -> None:
    out = mrkdwn(rich("VNet ", "<!channel> *x* _y_ `z`", " is down"))
    assert "<" not in out and "*\u200b" in out and "_\u200b" in out and "`\u200b" in out


def test_spans_render_in_slacks_syntax() -> None:
    assert mrkdwn(rich(Icon.WARNING, " ", strong("Next:"), " ", code("az x"))) == ":warning: *Next:* `az x`"
    assert mrkdwn(link("https://learn.microsoft.com/a|b", "Microsoft Learn")) == (
        "<https://learn.microsoft.com/a%7Cb|Microsoft Learn>"
    )
    assert mrkdwn(pre(["az network vnet show -n a_b*", "x <y> & `z`"])) == (
        "```az network vnet show -n a_b*\nx &lt;y&gt; &amp; 'z'```"
    )


def test_people_and_channels_are_mentions_only_when_they_are_slack_ids() -> None:
    assert mrkdwn(user("U123ABC")) == "<@U123ABC>"
    assert mrkdwn(user("<!here>")) == "&lt;!here&gt;"
    assert mrkdwn(user("", empty="someone")) == "someone"
    assert mrkdwn(channel("C0123")) == "<#C0123>"
    assert mrkdwn(channel("ops")) == "#ops"


def test_a_notification_neither_pings_nor_links() -> None:
    assert inert(rich("approved by ", user("U123ABC"), " — ", link("https://x.example", "docs"))) == (
        "approved by @U123ABC — docs"
    )


def test_a_thread_reference_links_its_label_only_when_slack_gave_a_permalink() -> None:
    from commands.core.text import ThreadRef

    url = "https://acme.slack.com/archives/C123/p1700000000000100"
    linked = ThreadRef("C123", "1700000000.000100", "request #12", url)
    assert mrkdwn(rich("(", linked, ")")) == f"(<{url}|request #12> in <#C123>)"
    # Without a permalink, the same words and no link (never a broken one).
    assert mrkdwn(ThreadRef("C123", "1700000000.000100", "request #12")) == "request #12 in <#C123>"
    # A notification neither links nor mentions.
    assert inert(linked) == "request #12 in #C123"
    # A label is words; a URL cannot end Slack's syntax early.
    odd = ThreadRef("C123", "1.2", "<!channel> *x*", "https://a.slack.com/p|x>y")
    assert mrkdwn(odd) == "<https://a.slack.com/p%7Cx%3Ey|&lt;!channel&gt; *\u200bx*\u200b> in <#C123>"
