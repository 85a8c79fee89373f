"""The bot's settings, built once from the environment.

This module is the ONLY reader of the process environment (ruff TID251 bans `os.environ`
in `commands/`; in `bot/` it is a convention kept here). Setting names are spelled the
same in Python and in Bicep (deploy/), so an app setting in the portal maps to one field.

Secrets (signing secret, bot token, alert token, storage connection string) are kept out
of `repr()` and registered with `bot.logging.add_secret`, so they never reach a log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from commands.core.registry import DomainSettings

# Names, exactly as the Bicep templates and local.settings.json spell them.
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
SLACK_API_URL = "SLACK_API_URL"
AZURE_SUBSCRIPTION_IDS = "AZURE_SUBSCRIPTION_IDS"
VPNOPS_ARM_URL = "VPNOPS_ARM_URL"
VPNOPS_ARM_TIMEOUT_S = "VPNOPS_ARM_TIMEOUT_S"
VPNOPS_CONCURRENCY = "VPNOPS_CONCURRENCY"
VPNOPS_APPROVERS = "VPNOPS_APPROVERS"
VPNOPS_APPROVER_GROUP = "VPNOPS_APPROVER_GROUP"
VPNOPS_REQUEST_TTL_MINUTES = "VPNOPS_REQUEST_TTL_MINUTES"
VPNOPS_ALERT_CHANNEL = "VPNOPS_ALERT_CHANNEL"
VPNOPS_ALERT_TOKEN = "VPNOPS_ALERT_TOKEN"
VPNOPS_WATCH_SCHEDULE = "VPNOPS_WATCH_SCHEDULE"
VPNOPS_STORE = "VPNOPS_STORE"
AZURE_WEBJOBS_STORAGE = "AzureWebJobsStorage"
VPNOPS_STORAGE_CONNECTION = "VPNOPS_STORAGE_CONNECTION"
VPNOPS_JOBS = "VPNOPS_JOBS"
VPNOPS_QUEUE = "VPNOPS_QUEUE"
VPNOPS_PROGRESS_EVERY_S = "VPNOPS_PROGRESS_EVERY_S"
VPNOPS_LOG_LEVEL = "VPNOPS_LOG_LEVEL"
PORT = "PORT"

JobsMode = Literal["thread", "queue"]


class SettingsError(ValueError):
    """A setting is present but unusable; the message names it, says what is wrong and
    what a right value looks like."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with. Build it with `Settings.from_env()`."""

    # --- Slack ---------------------------------------------------------------------------
    signing_secret: str = field(default="", repr=False)
    bot_token: str = field(default="", repr=False)
    slack_api_url: str = ""  # "" = the real Slack Web API; else e.g. http://127.0.0.1:PORT/api/
    # --- Azure ---------------------------------------------------------------------------
    subscription_ids: tuple[str, ...] = ()  # empty = every subscription the identity sees
    arm_url: str = ""  # set = the sandbox ARM emulator (static credential, loopback only)
    arm_timeout_s: float = 60.0
    concurrency: int = 16
    # --- approvals -------------------------------------------------------------------------
    approvers: frozenset[str] = frozenset()
    approver_group: str = ""
    request_ttl_minutes: int = 60
    # --- alerts and watch ------------------------------------------------------------------
    alert_channel: str = ""
    alert_token: str = field(default="", repr=False)
    watch_schedule: str = "0 */5 * * * *"
    # --- state and jobs ------------------------------------------------------------------
    store_url: str = "sqlite:.state/vpnops.sqlite"
    storage_connection: str = field(default="", repr=False)
    jobs_mode: JobsMode = "thread"
    queue_name: str = "vpnops-jobs"
    # --- behaviour -------------------------------------------------------------------------
    progress_every_s: float = 2.0
    log_level: str = "INFO"
    port: int = 3000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from `environ` (default: the process environment).

        Raises SettingsError naming the setting when a value cannot be used.
        """
        env: Mapping[str, str] = os.environ if environ is None else environ

        def s(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        jobs = s(VPNOPS_JOBS, "thread").lower()
        if jobs not in ("thread", "queue"):
            raise SettingsError(
                f"{VPNOPS_JOBS} must be 'thread' or 'queue', got {jobs!r}. Example: {VPNOPS_JOBS}=queue"
            )
        settings = cls(
            signing_secret=s(SLACK_SIGNING_SECRET),
            bot_token=s(SLACK_BOT_TOKEN),
            slack_api_url=_api_url(s(SLACK_API_URL)),
            subscription_ids=_csv(s(AZURE_SUBSCRIPTION_IDS)),
            arm_url=s(VPNOPS_ARM_URL).rstrip("/"),
            arm_timeout_s=_number(env, VPNOPS_ARM_TIMEOUT_S, 60.0, minimum=1.0),
            concurrency=int(_number(env, VPNOPS_CONCURRENCY, 16, minimum=1, whole=True)),
            approvers=frozenset(_csv(s(VPNOPS_APPROVERS))),
            approver_group=s(VPNOPS_APPROVER_GROUP),
            request_ttl_minutes=int(_number(env, VPNOPS_REQUEST_TTL_MINUTES, 60, minimum=1, whole=True)),
            alert_channel=s(VPNOPS_ALERT_CHANNEL),
            alert_token=s(VPNOPS_ALERT_TOKEN),
            watch_schedule=s(VPNOPS_WATCH_SCHEDULE, "0 */5 * * * *"),
            store_url=s(VPNOPS_STORE, "sqlite:.state/vpnops.sqlite"),
            storage_connection=s(VPNOPS_STORAGE_CONNECTION) or s(AZURE_WEBJOBS_STORAGE),
            jobs_mode="queue" if jobs == "queue" else "thread",
            queue_name=s(VPNOPS_QUEUE, "vpnops-jobs"),
            progress_every_s=_number(env, VPNOPS_PROGRESS_EVERY_S, 2.0, minimum=0.0),
            log_level=s(VPNOPS_LOG_LEVEL, "INFO").upper(),
            port=int(_number(env, PORT, 3000, minimum=1, whole=True)),
        )
        settings.register_secrets()
        return settings

    def register_secrets(self) -> None:
        """Tell the log redactor the exact secret values, so they never reach a log line."""
        from bot.logging import add_secret

        for value in (self.signing_secret, self.bot_token, self.alert_token, self.storage_connection):
            add_secret(value)

    def domain(self) -> DomainSettings:
        """The subset the domain (commands/) runs with."""
        return DomainSettings(
            concurrency=self.concurrency,
            approvers=self.approvers,
            approver_group=self.approver_group,
            request_ttl_minutes=self.request_ttl_minutes,
            alert_channel=self.alert_channel,
            progress_every_s=self.progress_every_s,
        )

    @property
    def sandbox(self) -> bool:
        """True when Azure is the sandbox ARM emulator rather than real Azure."""
        return bool(self.arm_url)

    def missing_for_slack(self) -> list[str]:
        """Names of the settings a real Slack workspace needs that are not set."""
        return [n for n, v in ((SLACK_SIGNING_SECRET, self.signing_secret), (SLACK_BOT_TOKEN, self.bot_token)) if not v]


def _csv(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _api_url(value: str) -> str:
    # slack_sdk joins base_url + method name, so the base must end with "/".
    if value and not value.endswith("/"):
        value += "/"
    return value


def _number(env: Mapping[str, str], name: str, default: float, minimum: float, whole: bool = False) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(int(raw)) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name} must be {kind} ≥ {minimum:g}, got {raw!r}. Example: {name}={default:g}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be ≥ {minimum:g}, got {raw!r}. Example: {name}={default:g}")
    return value
