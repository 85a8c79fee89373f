"""The Azure Functions bindings of vpnops: one Blueprint, registered by `function_app.py`.

    POST /api/slack/events   slash commands, buttons and shortcuts (Slack signs them)
    GET  /api/health         is this instance configured (names of missing settings, no values)
    POST /api/alerts         Azure Monitor alert webhooks (function key + ?token=), see bot/monitor/webhook.py
    queue  %VPNOPS_QUEUE%          the worker: runs one Job per message
    queue  %VPNOPS_QUEUE%-poison   a Job that failed maxDequeueCount times: tell the user
    timer  %VPNOPS_WATCH_SCHEDULE% the watch, and the change requests' housekeeping

Bindings only: each function binds the Functions invocation id to every log line it
writes (one KQL query on `invocation_id` shows the whole story of a request) and calls
`bot.runtime.host`, which does the work (imported on the first call, so a cold instance
pays only for the bindings when the host loads this module). Slack drops a request it has no HTTP 200 for
within 3 s, and ARM calls take 5-60 s: the HTTP function only verifies, acks and
enqueues; the queue function does the work. Nothing on the Slack HTTP side imports the
Azure management SDK.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from bot.logging import bind, get_logger
from bot.settings import SettingsError

log = get_logger(__name__)

bp = func.Blueprint()

QUEUE_SETTING = "%VPNOPS_QUEUE%"
POISON_QUEUE_SETTING = "%VPNOPS_QUEUE%-poison"
# The Functions host's identity-based storage connection (AzureWebJobsStorage__accountName
# on Azure, a connection string locally): the same account the bot's own clients use.
STORAGE_CONNECTION = "AzureWebJobsStorage"


def _invocation(context: func.Context | None) -> str:
    return getattr(context, "invocation_id", "") or ""


def _json(data: dict[str, Any], status: int) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


@bp.route(route="slack/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def slack_events(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Slack's Request URL for slash commands and interactivity.

    Anonymous at the Functions level because Slack cannot send a function key in a
    header; Bolt's request verification (signature over the raw body + a timestamp no
    older than 5 minutes) is the authentication, and runs before any listener.
    """
    from bot.runtime.host import runtime

    started = time.perf_counter()
    with bind(invocation_id=_invocation(context), function="slack_events"):
        try:
            ack = runtime.ack()
        except SettingsError as exc:
            # Slack shows the user "dispatch_failed"; the operator finds the reason here.
            log.error("settings_invalid", error=str(exc))
            return func.HttpResponse("vpnops is misconfigured; see the Function logs", status_code=500)
        from bot.slack.adapter import handle_http

        status, headers, body = handle_http(ack.app, req.get_body(), dict(req.headers), urlencode(dict(req.params)))
        log.info("slack_http", status=status, ack_ms=round((time.perf_counter() - started) * 1000, 1))
        return func.HttpResponse(body=body, status_code=status, headers=headers)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Is this instance configured? Names what is missing, never a value; no Azure call."""
    from bot.runtime.host import health_report

    with bind(invocation_id=_invocation(context), function="health"):
        report, status = health_report()
        return _json(report, status)


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_SETTING, connection=STORAGE_CONNECTION)
def worker(msg: func.QueueMessage, context: func.Context) -> None:
    """Runs one Job (`bot.runtime.host.run_message`)."""
    from bot.runtime.host import run_message

    run_message(msg.get_body(), msg.dequeue_count or 1, _invocation(context), msg.id or "")


@bp.queue_trigger(arg_name="msg", queue_name=POISON_QUEUE_SETTING, connection=STORAGE_CONNECTION)
def poison(msg: func.QueueMessage, context: func.Context) -> None:
    """The poison queue: jobs that failed maxDequeueCount (host.json) times."""
    from bot.runtime.host import handle_poison

    handle_poison(msg.get_body(), _invocation(context))


@bp.route(route="alerts", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def alerts(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Azure Monitor action-group webhooks (common alert schema) → the alert channel.

    FUNCTION level: the host refuses a call without the function key (`?code=`) before
    this runs; `bot.monitor.webhook.handle_webhook` then checks the shared `?token=` in
    constant time, the size, the schema, and posts once (see bot/monitor/webhook.py).
    """
    from bot.runtime.host import runtime

    with bind(invocation_id=_invocation(context), function="alerts"):
        try:
            work = runtime.work()
        except SettingsError as exc:
            log.error("settings_invalid", error=str(exc))
            return _json({"ok": False, "error": "misconfigured", "reason": "see the Function logs"}, 500)
        from bot.monitor.webhook import handle_webhook

        resp = handle_webhook(req.get_body(), dict(req.params), work.deps, settings=work.settings)
        return _json(resp.body, resp.status)


@bp.timer_trigger(arg_name="timer", schedule="%VPNOPS_WATCH_SCHEDULE%", run_on_startup=False, use_monitor=True)
def watch(timer: func.TimerRequest, context: func.Context) -> None:
    """One watch cycle (`bot.runtime.timer.run_watch`): sample every connection, alert on
    transitions, post recoveries. Overlapping runs are safe: the store's conditional
    writes decide which run announces a transition."""
    from bot.runtime.host import runtime
    from bot.runtime.timer import resume_troubleshoots, run_watch, sweep_requests

    with bind(invocation_id=_invocation(context), function="watch"):
        if timer.past_due:
            log.warning("watch_past_due")
        result = run_watch(runtime.work().deps)
        log.info("watch_done", summary=result.summary, failures=len(result.failures))
        # Same schedule for the change requests' housekeeping: expiry, interrupted applies.
        sweep_requests(runtime.work().deps)
        # And VPN troubleshoot runs whose job ended before Azure had the result.
        resume_troubleshoots(runtime.work().deps)


def register_functions(app: func.FunctionApp) -> None:
    """Register every vpnops function on `app` (the composition root calls this once)."""
    app.register_functions(bp)
