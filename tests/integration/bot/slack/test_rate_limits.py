"""Slack rate limits never lose an answer: a 429 is waited out (Retry-After) within the
job's deadline; past it, what was not delivered goes back on the queue as a delivery job
with idempotency keys, and is posted exactly once."""

from __future__ import annotations

from bot.settings import Settings
from tests.reliability.harness import ALICE, Rig


def answers(rig: Rig) -> list[str]:
    """The answers' first messages (an answer's details hang in its thread)."""
    return [
        m.text
        for m in rig.slack.messages("C_VPNOPS")
        if m.via != "ack" and not m.text.startswith("⏳") and not m.thread_ts
    ]


def threads(rig: Rig) -> list[str]:
    """The messages posted in a thread, each with the ts it hangs off."""
    return [f"{m.thread_ts} {m.text}" for m in rig.slack.messages("C_VPNOPS") if m.thread_ts]


def test_a_429_within_the_deadline_is_retried_after_retry_after_and_answers_once() -> None:
    with Rig() as rig:
        rig.slack.rate_limit("response_url", 2, retry_after=1)
        answer = rig.slash("status australia", ALICE)
        assert answer.answered
        assert rig.slack.rate_limited == 2
        assert len([t for t in answers(rig) if "australia" in t.lower() or "vgw-aue" in t]) == 1
        assert len(threads(rig)) == len(set(threads(rig))) >= 1  # its thread, once


def test_a_429_past_the_deadline_goes_back_to_the_queue_and_is_posted_once() -> None:
    with Rig(settings=Settings(job_deadline_s=1.0)) as rig:
        rig.slack.rate_limit("response_url", 100, retry_after=1)
        for method in ("chat.postMessage", "chat.postEphemeral"):
            rig.slack.rate_limit(method, 3, retry_after=1)
        rig.slash("status australia", ALICE)
        rig.console.wait(timeout=60)
        deliveries = [j for j in rig.dispatcher.submitted if j.kind == "delivery"]
        assert deliveries, "nothing was re-queued"
        assert [j.id.rsplit("-d", 1)[1] for j in deliveries] == [str(i) for i in range(1, len(deliveries) + 1)]
        sent = [m for m in rig.slack.messages("C_VPNOPS") if m.via in ("chat.postMessage", "chat.postEphemeral")]
        final = [m for m in sent if not m.thread_ts]
        assert len(final) == 1, [m.text for m in final]  # the answer, once
        assert "australia" in final[0].text.lower() or "vgw-aue" in final[0].text
        # Its thread, once, under it — though the first message was re-queued before it had a ts.
        under = [m for m in sent if m.thread_ts]
        assert under and all(m.thread_ts == final[0].ts for m in under)
        assert len(under) == len({m.text for m in under})


def test_a_redelivered_delivery_job_posts_nothing_twice() -> None:
    from bot.runtime.worker import run_job

    with Rig(settings=Settings(job_deadline_s=1.0)) as rig:
        rig.slack.rate_limit("response_url", 100, retry_after=1)
        for method in ("chat.postMessage", "chat.postEphemeral"):
            rig.slack.rate_limit(method, 1, retry_after=1)
        rig.slash("status australia", ALICE)
        rig.console.wait(timeout=60)
        delivery, *_ = [j for j in rig.dispatcher.submitted if j.kind == "delivery"]
        posted = len(rig.slack.messages("C_VPNOPS"))
        run_job(delivery, rig.console.deps)  # the queue delivers at least once: again
        run_job(delivery, rig.console.deps)
        assert len(rig.slack.messages("C_VPNOPS")) == posted
