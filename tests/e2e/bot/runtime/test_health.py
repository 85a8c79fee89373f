"""`/vpn health` through the whole path: the watch's last run, what it could not read, the
poison queue (none in-process) and the settings' problems."""

from __future__ import annotations

from bot.settings import Settings
from tests.reliability.harness import ALICE, Rig


def said(rig: Rig) -> str:
    answer = rig.slash("health", ALICE)
    assert answer.answered
    return "\n".join(answer.block_texts)


def test_health_before_and_after_a_watch_run() -> None:
    with Rig() as rig:
        before = said(rig)
        assert "The watch has not run yet" in before and "needs attention" in before
        assert "Poison queue:* none (jobs run in this process)" in before
        rig.console.run_line("/watch")
        rig.console.wait()
        after = said(rig)
        assert "Watch:* last run" in after and "0 min ago" in after
        assert "Every subscription the watch looked at could be read" in after


def test_health_names_a_subscription_the_watch_could_not_read() -> None:
    with Rig() as rig:
        sub = "3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"
        rig.arm.deny("Microsoft.Network/virtualNetworkGateways/read", f"/subscriptions/{sub}")
        rig.console.run_line("/watch")
        rig.console.wait()
        text = said(rig)
        assert "Subscriptions that could not be read:" in text and "forbidden" in text


def test_help_says_there_are_no_approvers_in_the_ack() -> None:
    import json

    from bot.runtime.jobs import Job, ThreadPoolDispatcher
    from bot.settings import replace_warnings
    from bot.slack.adapter import handle_http
    from bot.slack.app import create_app
    from sandbox.slack_emulator import SlackEmulator

    with SlackEmulator() as slack:
        jobs: list[Job] = []
        for approvers, expected in ((frozenset(), True), (frozenset({"U_BOB"}), False)):
            settings = replace_warnings(
                Settings(signing_secret=slack.signing_secret, slack_api_url=slack.api_url, approvers=approvers)
            )
            app = create_app(settings, ThreadPoolDispatcher(jobs.append))
            body, headers, _ = slack.command_request("help", ALICE)
            status, _, out = handle_http(app, body, headers)
            text = json.dumps(json.loads(out), ensure_ascii=False).replace("\u200b", "")  # mrkdwn escaping
            assert status == 200 and ("No approvers" in text and "VPNOPS_APPROVERS" in text) == expected
