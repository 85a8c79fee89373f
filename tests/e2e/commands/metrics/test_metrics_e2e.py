"""`/vpn metrics` and the rates in `/vpn status`, end to end: the real Bolt app over signed
HTTP, azure-monitor-querymetrics' MetricsClient over HTTP to the sandbox's batch metrics API,
and the chart uploaded to the Slack emulator through Slack's current upload flow.

Slack: files.upload is retired; `files.getUploadURLExternal`, a POST of the bytes to the URL
it returns, then `files.completeUploadExternal` ("Finishes an upload started with
files.getUploadURLExternal"; `channel_id` shares it, `thread_ts` makes it a reply — "use its
parent" ts; https://docs.slack.dev/reference/methods/files.completeUploadExternal/) put the
file into the answer's thread. slack_sdk's `files_upload_v2` makes those three calls.
"""

from __future__ import annotations

import io

from bot.console.app import Console
from sandbox.estate import ESTATES, load_estate


def run(lines: list[str], deny: tuple[str, ...] = ()) -> tuple[str, Console]:
    out = io.StringIO()
    con = Console(load_estate(ESTATES / "hub-spoke.json"), out=out)
    try:
        for action in deny:
            con.arm.deny(action)
        for line in lines:
            con.run_line(line)
            con.wait()
    finally:
        con.close()
    return out.getvalue(), con


def test_a_connection_s_chart_is_uploaded_into_the_answer_s_thread() -> None:
    text, con = run(["/vpn metrics cn-hub-to-onprem"])
    assert "the last hour: ↑" in text
    (png,) = [f for f in con.slack.files() if f.get("filetype") == "png"]
    assert png["bytes"].startswith(b"\x89PNG\r\n\x1a\n") and png["size"] > 1000
    assert png["alt_txt"]  # the picture in words
    shared = [m for m in con.slack.messages() if m.via == "files.completeUploadExternal"]
    assert len(shared) == 1 and shared[0].thread_ts  # in the thread, not in the channel
    head = con.slack.message(f"{shared[0].channel}:{shared[0].thread_ts}")
    assert head is not None and "cn-hub-to-onprem" in head.text
    batch = [r for r in con.arm.requests if "metrics:getBatch" in r.path]
    assert len(batch) == 4 and all(r.method == "POST" and r.status == 200 for r in batch)


def test_unreadable_metrics_are_said_never_zero() -> None:
    text, _ = run(["/vpn metrics cn-hub-to-onprem", "/vpn status vgw-hub"], deny=("Microsoft.Insights/metrics/read",))
    metrics_answer, status_answer = text.split("/vpn status vgw-hub", 1)
    assert "Could not read the metrics" in metrics_answer and "Monitoring Reader" in metrics_answer
    assert "bit/s" not in metrics_answer
    assert "read metrics (metrics:getBatch) failed" in status_answer
    assert "metrics could not be read" in status_answer
    assert "All clear" not in status_answer


def test_status_shows_each_connection_s_rates_in_the_thread() -> None:
    text, _ = run(["/vpn status vgw-hub"])
    first, thread = text.split("(thread of", 1)
    assert "the last hour: ↑" in thread and "Azure Monitor, the last hour: peak" in thread
    assert "the last hour: ↑" not in first


def test_a_bad_window_says_which_are_right() -> None:
    text, _ = run(["/vpn metrics cn-hub-to-onprem 2h"])
    assert "Unknown window" in text and "`6h`" in text
