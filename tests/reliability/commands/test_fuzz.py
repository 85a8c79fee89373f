"""Property tests: whatever is typed, pasted, posted or named, the bot answers — no
unhandled exception, and every error answer says what was wrong.

In-process properties use tests/reliability/fuzzing.py (parse → the command's function on
an in-memory estate → Block Kit rendering); the end-to-end ones go through the whole path
(signed Slack request → Bolt → worker → SDK → ARM emulator → Slack emulator).
`bench/fuzz.py` runs the long campaign.
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.monitor.webhook import TOKEN_PARAM, handle_webhook
from bot.slack.inbound import from_slack
from commands.catalog import REGISTRY
from commands.core.parse import parse
from commands.findings.routing.vpnlog import looks_like_vpn_log, parse_vpn_client_log
from commands.help import unknown_command
from tests.reliability.fuzzing import LOG, NAMES, SLACKISMS, World, check, check_shortcut, random_text
from tests.reliability.harness import ALICE, Rig
from tests.shared_fixtures import REAL

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ALERTS = REAL / "alerts"
COMMAND_WORDS = ["status", "routes", "peering", "checklist", "diagnose", "requests", "audit", "alerts", "help", ""]

# Text as people and Slack produce it: any Unicode, weighted towards the awkward bits.
awkward = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("<>&|`*_~/\\.:;,'\"@#!?%=^[]{}()\t\n\r \u00a0\u200b\u202e\ufeff\u0000")),
    ),
    max_size=200,
)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = World.create()
    yield w
    w.close()


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with Rig() as r:
        yield r


def assert_handled(problems: list[str], text: str) -> None:
    assert not problems, f"/vpn {text!r}:\n" + "\n".join(problems)


@FAST
@given(awkward)
def test_parse_never_raises_and_an_unknown_word_is_shown_back(text: str) -> None:
    parsed = parse(REGISTRY, from_slack(text))
    if not parsed.command:
        error = unknown_command(REGISTRY, parsed.word, parsed.suggestion)
        shown = parsed.word if len(parsed.word) <= 40 else parsed.word[:39]
        assert shown in str(error.fallback)
        assert "Unknown command" in str(error.fallback)


@FAST
@given(st.sampled_from(COMMAND_WORDS), awkward)
def test_any_arguments_to_any_command_are_answered(world: World, word: str, args: str) -> None:
    text = f"{word} {args}"
    assert_handled(check(text, world), text)


@FAST
@given(st.randoms(use_true_random=False))
def test_command_shaped_texts_are_answered_and_errors_say_what_is_wrong(world: World, rnd: random.Random) -> None:
    text = random_text(rnd)
    assert_handled(check(text, world), text)


@FAST
@given(
    st.lists(st.one_of(st.sampled_from(LOG.splitlines()), awkward, st.sampled_from(SLACKISMS)), max_size=12),
)
def test_pasted_vpn_client_logs_never_break_the_log_reader(world: World, lines: list[str]) -> None:
    text = "\n".join(lines)
    looks_like_vpn_log(text)
    parse_vpn_client_log(text)
    assert_handled(check("routes log " + text, world), "routes log …")
    assert_handled(check_shortcut(text, world), "(shortcut) …")


# --- the whole path -------------------------------------------------------------------------


@SLOW
@given(st.one_of(st.randoms(use_true_random=False).map(random_text), st.sampled_from(COMMAND_WORDS).map(str)), awkward)
def test_any_command_text_through_slack_bolt_and_the_worker_is_answered(rig: Rig, head: str, tail: str) -> None:
    text = (head + " " + tail)[:3000]
    a = rig.slash(text, ALICE, timeout_s=120)
    assert a.status == 200, (text, a.ack)
    assert a.finished, f"/vpn {text!r} never ended"
    assert not a.internal_error, f"/vpn {text!r}: {a.block_texts}"
    assert a.answered, f"/vpn {text!r} got no answer: {a.block_texts}"


def _alert_samples() -> list[dict[str, Any]]:
    if not ALERTS.exists():
        return [{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"alertRule": "r"}}}]
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(ALERTS.glob("*.json"))]


def _mutate(doc: Any, rnd: random.Random, junk: Any) -> Any:
    """Replace, drop or retype one value somewhere in a JSON document."""
    if isinstance(doc, dict) and doc:
        key = rnd.choice(sorted(doc))
        out = dict(doc)
        roll = rnd.random()
        if roll < 0.2:
            del out[key]
        elif roll < 0.5:
            out[key] = junk
        else:
            out[key] = _mutate(doc[key], rnd, junk)
        return out
    if isinstance(doc, list) and doc:
        i = rnd.randrange(len(doc))
        return [*doc[:i], _mutate(doc[i], rnd, junk), *doc[i + 1 :]]
    return junk


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | awkward,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(awkward, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        json_junk.map(lambda d: json.dumps(d).encode()),
        st.tuples(st.randoms(use_true_random=False), json_junk).map(
            lambda t: json.dumps(_mutate(t[0].choice(_alert_samples()), t[0], t[1])).encode()
        ),
    )
)
def test_any_alert_webhook_body_gets_a_status_and_a_reason_never_an_exception(rig: Rig, body: bytes) -> None:
    token = secrets.token_hex(8)
    s = dataclasses.replace(rig.console.settings, alert_token=token)
    resp = handle_webhook(body, {TOKEN_PARAM: token}, rig.console.deps, settings=s)
    assert 200 <= resp.status < 500, (resp.status, resp.body)
    if resp.status >= 400:
        assert resp.body.get("reason"), resp.body
    rig.dispatcher.wait_idle(30)


# Names an estate may hold: ARM allows letters, digits, `_ . -` (and more for some types);
# a hostile or careless estate may hold anything that survives a URL.
odd_names = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abcxyz019_.-()[]' &<>`*~|!@^+=,;$")),
        st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip(" .") == s and s not in (".", ".."))


@SLOW
@given(odd_names, odd_names)
def test_estate_names_with_odd_characters_are_shown_not_crashed_on(rig: Rig, vnet: str, peering: str) -> None:
    sub = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg-vpn-eun/providers/Microsoft.Network"
    vid = f"{sub}/virtualNetworks/{vnet}"
    rig.arm.put_resource(
        {
            "id": vid,
            "name": vnet,
            "type": "Microsoft.Network/virtualNetworks",
            "location": "northeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.99.0.0/16"]}, "provisioningState": "Succeeded"},
        }
    )
    rig.arm.put_resource(
        {
            "id": f"{vid}/virtualNetworkPeerings/{peering}",
            "name": peering,
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "properties": {
                "remoteVirtualNetwork": {"id": f"{sub}/virtualNetworks/vnet-eun"},
                "peeringState": "Initiated",
                "allowGatewayTransit": False,
                "provisioningState": "Succeeded",
            },
        }
    )
    try:
        for text in ("status europe", "peering vnet-eun", f"peering {vnet}", "diagnose europe"):
            a = rig.slash(text, ALICE, timeout_s=120)
            assert a.finished and not a.internal_error, (text, a.block_texts)
            assert a.answered, (text, a.block_texts)
    finally:
        rig.arm.remove_resource(f"{vid}/virtualNetworkPeerings/{peering}")
        rig.arm.remove_resource(vid)


def test_the_grammar_reaches_every_command(world: World) -> None:
    """The generators are not idle: a seeded sample runs each command at least once."""
    rnd = random.Random(0)
    seen = {parse(REGISTRY, from_slack(random_text(rnd))).command for _ in range(2000)}
    assert {"status", "routes", "peering", "checklist", "requests", "audit", "help"} <= seen
    assert any("/" in n for n in NAMES)
