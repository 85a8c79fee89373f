"""Where a response_url may point: Slack's hooks hosts (commercial and GovSlack), https only."""

from __future__ import annotations

import pytest

from bot.slack.hooks import response_url_problem

EMULATOR = "http://127.0.0.1:40123/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T111/111/xxxxx",
        "https://hooks.slack.com/actions/E111/111/xxx",
        "https://hooks.slack.com:443/actions/T1/2/abc",
        "https://HOOKS.SLACK.COM/commands/T1/2/abc",
        # GovSlack runs on slack-gov.com (https://api.slack-gov.com/gov-slack/about).
        "https://hooks.slack-gov.com/commands/T1/2/abc",
        "",  # none: the answer goes through the Web API
    ],
)
def test_slacks_hooks_hosts_are_accepted(url: str) -> None:
    assert response_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.slack.com/commands/T1/2/abc", "not https"),
        ("https://attacker.example/hook", "host is not Slack's"),
        ("https://hooks.slack.com.attacker.example/commands/T1", "host is not Slack's"),
        ("https://hooks.slack.com@attacker.example/x", "credentials"),
        ("https://user:pw@hooks.slack.com/x", "credentials"),
        ("https://hooks.slack.com:8443/commands/T1", "port other than 443"),
        ("https://slack.com/api/chat.postMessage", "host is not Slack's"),
        ("https://hooks.slack.com/commands/T1 /2", "spaces"),
        ("http://127.0.0.1:40123/response/abc", "not https"),  # the emulator, when SLACK_API_URL is not it
        ("https://hooks.slack.com:99999/x", "not a URL"),
    ],
)
def test_anything_else_is_refused_with_the_reason(url: str, why: str) -> None:
    problem = response_url_problem(url)
    assert problem is not None and why in problem


def test_the_sandbox_emulators_loopback_origin_is_accepted_only_when_it_is_slack_api_url() -> None:
    assert response_url_problem("http://127.0.0.1:40123/response/abc", EMULATOR) is None
    assert response_url_problem("http://127.0.0.1:40124/response/abc", EMULATOR) is not None
    # A non-loopback SLACK_API_URL never widens the rule.
    assert response_url_problem("http://10.0.0.5:80/response/abc", "http://10.0.0.5:80/api/") is not None
