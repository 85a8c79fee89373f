"""Untrusted text in mrkdwn: inert everywhere, still copy-pasteable inside code spans."""

from __future__ import annotations

from commands.core.reply import code, esc, literal


def test_esc_makes_mentions_links_and_formatting_inert() -> None:
    out = esc("<!channel> <@U123> <http://x|y> *bold* `tick`")
    assert "<" not in out and ">" not in out
    assert "*\u200b" in out and "`\u200b" in out


def test_names_inside_code_spans_paste_back_exactly() -> None:
    # Slack applies no formatting inside a code span: a zero-width space there would end up
    # in the pasted az command and break it (e.g. a resource group called rg_net_prod).
    assert literal("rg_net_prod*x~y") == "rg_net_prod*x~y"
    assert code("rg_net") == "`rg_net`"


def test_code_spans_cannot_be_closed_or_carry_mentions() -> None:
    out = code("a`b <!here> & c")
    assert out.count("`") == 2
    assert "<!here>" not in out and "&lt;!here&gt;" in out and "&amp;" in out
