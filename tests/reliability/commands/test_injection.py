"""Injection: Slack markup in estate names and in reasons stays inert in every message, and
what a user types never steers an ARM request outside the resource it names.

Slack's rule: in mrkdwn, `<!channel>` notifies the channel, `<@U…>` mentions, `<url|text>`
is a link — unless `<`, `>` and `&` are escaped. Names come from the estate (anyone with
write access to a resource group can name a VNet) and reasons from the requester; both
must go through `commands.core.reply.esc`. The estate here is the seed estate with its names
rewritten to carry markup, served by the ARM emulator, read by the real SDK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate
from tests.reliability.harness import ALICE, BOB, Rig

RENAMES = {
    "vgw-aue": "vgw-aue<!channel>",
    "cn-eun-to-aue": "cn-eun-to-aue<@U0EVIL>",
    "vnet-aue": "vnet-aue<http:evil.example|click>",
    "peer-aue-to-eun": "peer-aue-to-eun`*boom*`_x_",
    "nic-vm-aue": "nic-vm-aue<!here>",
    "link-vnet-eun": "link<!subteam^S0EVIL>",
}
# Raw markup that must never reach Slack unescaped (our own links and mentions are fine).
FORBIDDEN = ["<!channel", "<!here", "<!subteam", "<@U0EVIL", "<http:evil", "<http://evil", "<mailto:evil"]
REASON = "<!channel> ping <@U0EVIL> see <http://evil.example|here> `code` *b* &lt;!everyone&gt;"


def hostile_estate() -> dict[str, object]:
    raw = json.dumps(load_estate(SEED_ESTATE))
    for old, new in RENAMES.items():
        raw = raw.replace(old, json.dumps(new)[1:-1])
    return json.loads(raw)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with Rig(hostile_estate()) as r:
        yield r


def _around(text: str, needle: str) -> str:
    i = text.find(needle)
    return text[max(0, i - 150) : i + 80]


def _formatted(node: object) -> list[str]:
    """Strings Slack formats as mrkdwn inside Block Kit (plain_text objects are literal)."""
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except ValueError:
            return []
    out: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return []
        for k, v in node.items():
            if k == "text" and isinstance(v, str) and node.get("type") == "mrkdwn":
                out.append(v)
            elif isinstance(v, (dict, list)):
                out.extend(_formatted(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_formatted(v))
    return out


def every_text(rig: Rig) -> list[str]:
    """Every string the bot sent to Slack that Slack formats: each message's top-level
    `text` (the notification) and the mrkdwn in its blocks, across posts, updates,
    ephemeral messages and response_url answers."""
    out: list[str] = []
    for call in rig.slack.calls:
        args = call.args
        if isinstance(args.get("text"), str):
            out.append(args["text"])
        out.extend(_formatted(args.get("blocks") or []))
        out.extend(_formatted(args.get("attachments") or []))
    return out


def test_hostile_names_are_read_and_shown_but_stay_inert(rig: Rig) -> None:
    texts = [
        "status all",
        "status australia",
        "routes vm-aue",
        "routes vgw-eun",
        "checklist sql-eun.database.windows.net",
        "checklist sql-aue",
        "peering vnet-eun",
        "diagnose australia",
    ]
    seen_names = set()
    for text in texts:
        a = rig.slash(text, ALICE)
        assert a.finished and a.answered and not a.internal_error, (text, a.block_texts)
        body = "\n".join(a.block_texts)
        for name in RENAMES.values():
            if name.replace("<", "&lt;").replace(">", "&gt;").split("`")[0] in body:
                seen_names.add(name)
    # The hostile names were really in the answers (escaped), or the test proves nothing.
    assert {"vgw-aue<!channel>", "cn-eun-to-aue<@U0EVIL>", "vnet-aue<http:evil.example|click>"} <= seen_names
    leaks = [(bad, _around(t, bad)) for t in every_text(rig) for bad in FORBIDDEN if bad in t]
    assert not leaks, leaks


def test_a_backtick_in_a_name_cannot_close_a_code_span(rig: Rig) -> None:
    a = rig.slash("peering vnet-eun", ALICE)
    body = "\n".join(a.block_texts)
    assert "peer-aue-to-eun" in body
    assert "peer-aue-to-eun`*boom*`" not in body  # shown with its backticks neutralised


def test_markup_in_a_reason_is_escaped_in_the_request_the_thread_and_the_audit(rig: Rig) -> None:
    for reason in (REASON, REASON.replace("<", "&lt;").replace(">", "&gt;")):  # as Slack may send it
        ask = rig.slash(f"peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: {reason}", ALICE)
        number = rig.request_number(ask)
        assert number, ask.block_texts
        assert "ping" in "\n".join(ask.block_texts)  # the reason is shown…
        click = rig.click("approval_approve", number, BOB)
        assert click is not None and click.answered
        rig.slash("audit vnet-eun", ALICE)
        rig.slash("requests", ALICE)
        ask = rig.slash(f"peering vnet-eun/peer-eun-to-aue forwarded-traffic on reason: {reason}", ALICE)
        number = rig.request_number(ask)
        assert number
        rig.click("approval_approve", number, BOB)
    leaks = [(bad, _around(t, bad)) for t in every_text(rig) for bad in FORBIDDEN if bad in t]
    assert not leaks, leaks  # …but never as markup


# --- names into ARM paths ----------------------------------------------------------------------

TRAVERSALS = [
    "peering ../../x/y gateway-transit on",
    "peering vnet-eun/../../x gateway-transit on",
    "peering vnet-eun/..%2f..%2fx gateway-transit on",
    "peering vnet-eun/%2e%2e gateway-transit on",
    "peering vnet-eun/peer-eun-to-aue?api-version=1 gateway-transit on",
    "peering vnet-eun/peer-eun-to-aue#x gateway-transit on",
    "peering /subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg-vpn-eun/providers/"
    "Microsoft.Network/virtualNetworks/vnet-eun/virtualNetworkPeerings/../../vnet-aue gateway-transit on",
    "peering /subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/../../subscriptions/x/"
    "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p gateway-transit on",
    "peering /subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg-vpn-eun/providers/"
    "Microsoft.Network/virtualNetworks/vnet-eun%2F..%2F..%2Fx",
    "routes ../../../subscriptions",
    "routes vm-aue/../../x",
    "status ../..",
    "checklist ../../x",
    "checklist /subscriptions/x/resourceGroups/rg/providers/Microsoft.Sql/servers/../../../y",
    "diagnose ../../x",
    "audit ../../x",
]
# What a segment of a request path may be after the server decoded it once: an ARM name
# (letters, digits, `_ . - ( )`), never `.`/`..`, never a `%`-escape left for a second decode.
_SEGMENT_OK = re.compile(r"^[\w.()-]+$")


@pytest.mark.parametrize("text", TRAVERSALS)
def test_a_name_never_steers_an_arm_request_outside_the_resource(text: str) -> None:
    with Rig() as rig:
        a = rig.slash(text, ALICE)
        assert a.finished and a.answered and not a.internal_error, (text, a.block_texts)
        for r in rig.arm.requests:  # the path as the server decoded it
            segments = r.path.strip("/").split("/")
            bad = [s for s in segments if s in (".", "..") or not _SEGMENT_OK.match(s)]
            assert not bad, f"{text!r} made ARM see {r.method} {r.path}: segment(s) {bad}"
            assert r.method in ("GET", "POST"), f"{text!r} wrote: {r.method} {r.path}"
        assert not rig.request_number(a)  # nothing was filed for a resource that is not there
