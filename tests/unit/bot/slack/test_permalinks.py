"""Filling in thread references' permalinks before rendering (bot/slack/permalinks.py).
The lookup here is a plain function standing for Slack; the real call is tested against the
Slack emulator (tests/integration/bot/slack/test_messenger.py)."""

from __future__ import annotations

from bot.slack.permalinks import MAX_PER_REPLY, link_threads, thread_refs
from commands.core.reply import Fields, Finding, Reply, Text
from commands.core.text import ThreadRef, rich, strong


def test_every_thread_reference_is_filled_wherever_it_is_and_each_thread_asked_once() -> None:
    a = ThreadRef("C1", "1.1", "request #1")
    b = ThreadRef("C1", "2.2", "request #2")
    symptom = Finding("warning", rich("symptom ", b))
    reply = Reply(fallback=rich("x ", a)).add(
        Text(rich("first ", strong(a))),
        Fields(((rich("who"), rich(b)),)),
        Finding("critical", "root", evidence=rich(a), explains=(symptom,)),
    )
    reply.more(Text(rich(b)))
    asked: list[tuple[str, str]] = []

    def lookup(channel: str, ts: str) -> str:
        asked.append((channel, ts))
        return f"https://t.slack.com/archives/{channel}/p{ts.replace('.', '')}" if ts == "1.1" else ""

    out = link_threads(reply, lookup)
    assert sorted(asked) == [("C1", "1.1"), ("C1", "2.2")]
    refs = thread_refs(out)
    assert len(refs) == 6  # the notification, first message, fields, finding, symptom, thread
    assert all(r.url == "https://t.slack.com/archives/C1/p11" for r in refs if r.ts == "1.1")
    assert all(r.url == "" for r in refs if r.ts == "2.2")  # no permalink: words only
    assert thread_refs(reply)[0].url == ""  # the reply itself is not changed


def test_a_reply_without_threads_costs_no_lookup_and_many_threads_a_bounded_number() -> None:
    plain = Reply(fallback="nothing").add(Text("words"))
    assert link_threads(plain, lambda c, t: (_ for _ in ()).throw(AssertionError("asked"))) is plain
    many = Reply(fallback="many").add(
        *(Text(rich(ThreadRef("C1", f"{i}.0", f"request #{i}"))) for i in range(MAX_PER_REPLY + 5))
    )
    asked: list[str] = []
    link_threads(many, lambda c, t: asked.append(t) or "https://t.slack.com/x")
    assert len(asked) == MAX_PER_REPLY
