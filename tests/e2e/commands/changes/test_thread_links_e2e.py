"""A change the bot made links to its request's thread, end to end: the console drives the
real Bolt app, the worker, the Azure SDKs against the ARM emulator, the renderer and the
Slack API emulator (which serves `chat.getPermalink` as Slack documents it:
https://api.slack.com/methods/chat.getPermalink — `https://<team>.slack.com/archives/<channel>/p<ts
without its dot>` for a message that starts a thread).

Expectations from Slack's rules, not from the bot: the link target is the permalink of the
request's card (the message whose thread holds the approval and the outcome), so following
it opens that thread; when Slack gives no permalink the words stay, unlinked."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.console.app import Console
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[4]
SEED = ROOT / "sandbox" / "estates" / "seed.json"
LINK = re.compile(r"<(https://[^|>]+)\|request #1> in <#([A-Z0-9_]+)>")


def _approved_change(con: Console) -> str:
    """A peering change asked by one user and approved in its thread by another; the
    request card's ref ("CHANNEL:TS")."""
    con.run(["/vpn peering vnet-eun/peer-eun-to-aue allowForwardedTraffic off reason: test"])
    con.run(["/as bob", "/approve 1"])
    ref = str(con.store.get_request(1).body["message_ref"])
    thread = con.slack.thread(ref)
    assert any("applied" in m.text.lower() for m in thread), "the outcome is answered in the request's thread"
    return ref


def _target(url: str) -> str:
    """The message a Slack permalink points at, as "CHANNEL:TS" (Slack's documented form:
    /archives/<channel>/p<ts digits>, the last six of them the ts's microseconds)."""
    parts = urlsplit(url)
    m = re.fullmatch(r"/archives/([A-Z0-9_]+)/p(\d+)", parts.path)
    assert m, url
    digits = m.group(2)
    return f"{m.group(1)}:{digits[:-6]}.{digits[-6:]}"


def _posted_mrkdwn(con: Console, after: int) -> str:
    return "\n".join(json.dumps(m.blocks) + m.text for m in con.slack.messages()[after:])


def test_vpn_changes_links_the_bots_change_to_its_request_thread() -> None:
    with Console(load_estate(SEED), out=io.StringIO()) as con:
        ref = _approved_change(con)
        seen = len(con.slack.messages())
        con.run(["/vpn changes vnet-eun since 2h"])
        posted = _posted_mrkdwn(con, seen)
        calls = con.slack.calls_to("chat.getPermalink")
    links = LINK.findall(posted.replace("\\u200b", "").replace("\u200b", ""))
    assert links, posted[:2000]
    url, channel = links[0]
    assert urlsplit(url).netloc == "sandbox.slack.com"
    assert _target(url) == ref and channel == ref.partition(":")[0]
    assert [c.args["message_ts"] for c in calls] == [ref.partition(":")[2]]  # asked once


def test_without_a_permalink_the_words_stay_and_no_link_is_made() -> None:
    """Slack refusing `chat.getPermalink` (the card was deleted: `message_not_found`) costs
    the link, not the answer: "request #1 in #channel" as words."""
    with Console(load_estate(SEED), out=io.StringIO()) as con:
        ref = _approved_change(con)
        channel, _, ts = ref.partition(":")
        con.slack.api("chat.delete", {"channel": channel, "ts": ts}, f"Bearer {con.slack.token}")
        seen = len(con.slack.messages())
        con.run(["/vpn changes vnet-eun since 2h"])
        posted = _posted_mrkdwn(con, seen).replace("\\u200b", "").replace("\u200b", "")
        calls = con.slack.calls_to("chat.getPermalink")
    assert calls and not calls[-1].ok and calls[-1].error == "message_not_found"
    assert f"request #1 in <#{channel}>" in posted
    assert "|request #1>" not in posted and "archives/" not in posted


def test_an_alert_on_the_changed_peering_links_the_change_to_its_request_thread(tmp_path: Path) -> None:
    """The common alert schema's sample (../shared/fixtures/real/alerts) fired on the peering
    the bot just changed: "What changed" names the bot's change with the link to its thread."""
    sample = ROOT.parent / "shared" / "fixtures" / "real" / "alerts" / "alerts-common-schema.sample-alert-payload.json"
    if not sample.exists():
        pytest.skip("../shared/fixtures/real is absent: the published alert payloads are not here")
    est = load_estate(SEED)
    vnet = next(r for r in est["resources"] if r["name"] == "vnet-eun")
    peering = next(p["id"] for p in vnet["properties"]["virtualNetworkPeerings"] if p["name"] == "peer-eun-to-aue")
    body = json.loads(sample.read_text(encoding="utf-8"))
    ess = body["data"]["essentials"]
    ess["monitorCondition"] = "Fired"
    ess.pop("resolvedDateTime", None)
    ess["alertTargetIDs"] = [peering]
    ess["configurationItems"] = ["peer-eun-to-aue"]
    path = tmp_path / "alert.json"
    with Console(est, out=io.StringIO()) as con:
        ref = _approved_change(con)
        ess["firedDateTime"] = (datetime.now(UTC)).isoformat().replace("+00:00", "Z")
        path.write_text(json.dumps(body), encoding="utf-8")
        seen = len(con.slack.messages())
        con.run([f"/webhook alerts {path}"])
        posted = _posted_mrkdwn(con, seen).replace("\\u200b", "").replace("\u200b", "")
    assert "What changed" in posted, posted[:2000]
    links = LINK.findall(posted)
    assert links, posted[:3000]
    assert _target(links[0][0]) == ref


def test_a_red_status_problem_links_the_bots_change_under_it_to_its_request_thread() -> None:
    """The scenario's 🔴 (a P2S pool overlapping the spoke: topology:overlap) is about
    `vgw-hub` and `vnet-spoke`; the bot's change to the hub's peering to that spoke is a
    change to a neighbour, so it is shown under the problem — linked to its thread."""
    est = load_estate(ROOT / "sandbox" / "estates" / "scenarios" / "p2s-pool-overlaps-spoke.json")
    with Console(est, out=io.StringIO()) as con:
        con.run(["/vpn peering vnet-hub/hub-to-spoke allowForwardedTraffic off reason: test"])
        con.run(["/as bob", "/approve 1"])
        ref = str(con.store.get_request(1).body["message_ref"])
        seen = len(con.slack.messages())
        con.run(["/vpn status all"])
        first = next(m for m in con.slack.messages()[seen:] if m.via == "chat.postMessage" and not m.thread_ts)
    text = json.dumps(first.blocks).replace("\\u200b", "")
    assert ":red_circle:" in text or "🔴" in text or "\\ud83d\\udd34" in text
    under = [line for line in text.split("\\n") if "made by vpnops" in line]
    assert under and "hub-to-spoke" in under[0], text[:2000]
    links = LINK.findall(under[0])
    assert links and _target(links[0][0]) == ref
