"""The bot's settings, built once from the environment.

This module is the ONLY reader of the process environment (ruff TID251 bans `os.environ`
in `commands/`; in `bot/` it is a convention kept here). Setting names are spelled the
same in Python and in Bicep (deploy/), so an app setting in the portal maps to one field.

Secrets (signing secret, bot token, alert token, the deployment key, the storage
connection string) are kept out of `repr()` and registered with `bot.logging.add_secret`,
so they never reach a log line.

Two kinds of bad value: one the bot cannot even start with (a number that is not one, an
unknown jobs mode) raises `SettingsError`; one that leaves the bot able to verify Slack's
requests but not to do its job right (an approver id that is not a Slack user id) is kept
in `Settings.errors`, so `console` and `serve` stop at start with it and, on Functions,
every command is answered with it (`bot.slack.listeners.commands`). `Settings.warnings`
are said at start, in `/vpn help` and in `/vpn health` ("no approvers").
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from commands.core.policy import KINDS, MAX_NEEDED, ActionPolicy, default_policy
from commands.core.registry import DomainSettings

# Names, exactly as the Bicep templates and local.settings.json spell them.
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
SLACK_API_URL = "SLACK_API_URL"
AZURE_SUBSCRIPTION_IDS = "AZURE_SUBSCRIPTION_IDS"
VPNOPS_ARM_URL = "VPNOPS_ARM_URL"
VPNOPS_ARM_TIMEOUT_S = "VPNOPS_ARM_TIMEOUT_S"
# Azure Monitor's metrics endpoint with {region} in it; unset: the public regional endpoint,
# or, with VPNOPS_ARM_URL, the sandbox's (VPNOPS_ARM_URL + "/metrics/{region}").
VPNOPS_METRICS_URL = "VPNOPS_METRICS_URL"
VPNOPS_ARM_CACHE_TTL_S = "VPNOPS_ARM_CACHE_TTL_S"
VPNOPS_ARM_TIME_SCALE = "VPNOPS_ARM_TIME_SCALE"
VPNOPS_CONCURRENCY = "VPNOPS_CONCURRENCY"
VPNOPS_APPROVERS = "VPNOPS_APPROVERS"
VPNOPS_APPROVER_GROUP = "VPNOPS_APPROVER_GROUP"
# Per-action approval policy (commands/core/policy.py): a JSON object, kind → policy.
VPNOPS_ACTION_POLICY = "VPNOPS_ACTION_POLICY"
# Where packet captures go (bot/store/blobs.py): a blob endpoint URL (user delegation SAS with
# the bot's identity) or a connection string with an account key (Azurite); and the container.
VPNOPS_CAPTURE_STORAGE = "VPNOPS_CAPTURE_STORAGE"
VPNOPS_CAPTURE_CONTAINER = "VPNOPS_CAPTURE_CONTAINER"
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
# The deployment's own secret (Key Vault, like the signing secret): keys the HMAC every
# queue message carries and the digests of VPN shared keys (bot/runtime/signing.py).
VPNOPS_SECRET_KEY = "VPNOPS_SECRET_KEY"
# The Slack app and the workspace (T…) or Enterprise org (E…) it is installed in: every
# request from Slack must name them (api_app_id; team / enterprise), see bot/slack/binding.py.
SLACK_APP_ID = "SLACK_APP_ID"
SLACK_TEAM_ID = "SLACK_TEAM_ID"
# Which subscriptions a command from a channel may read: JSON {"C0123ABCD": ["<sub id>"], "*": [...]}.
VPNOPS_CHANNEL_SCOPES = "VPNOPS_CHANNEL_SCOPES"
# Who may mute alerts besides the approvers: a Slack user group (handle or S… id).
VPNOPS_MUTE_GROUP = "VPNOPS_MUTE_GROUP"
# How long one job may take, answer included (Slack's rate-limit waits count).
VPNOPS_JOB_DEADLINE_S = "VPNOPS_JOB_DEADLINE_S"
# Where `python -m bot serve` listens (loopback unless told otherwise).
VPNOPS_BIND = "VPNOPS_BIND"
# VPN troubleshoot (/vpn troubleshoot): the storage account Network Watcher writes its logs to
# (ARM id), the blob container URL for them, how long a job waits for the result before the
# timer takes over, and when the bot gives up on one run (its own deadline, beyond one call's).
VPNOPS_TROUBLESHOOT_STORAGE_ID = "VPNOPS_TROUBLESHOOT_STORAGE_ID"
VPNOPS_TROUBLESHOOT_STORAGE_PATH = "VPNOPS_TROUBLESHOOT_STORAGE_PATH"
VPNOPS_TROUBLESHOOT_WAIT_S = "VPNOPS_TROUBLESHOOT_WAIT_S"
VPNOPS_TROUBLESHOOT_DEADLINE_S = "VPNOPS_TROUBLESHOOT_DEADLINE_S"
# The Log Analytics query endpoint ("" = the public cloud's https://api.loganalytics.io, or the
# sandbox emulator's own when VPNOPS_ARM_URL is set).
VPNOPS_LOGS_URL = "VPNOPS_LOGS_URL"

JobsMode = Literal["thread", "queue"]

# Slack user ids: U… (or W… on Enterprise Grid), upper-case letters and digits (the
# sandbox's readable ids add "_": U_ALICE). Group ids are S…, channel ids C/G/D…,
# app ids A…, workspace ids T…, org ids E….
USER_ID = re.compile(r"^[UW][A-Z0-9_]{1,30}$")
GROUP = re.compile(r"^(?:S[A-Z0-9_]{1,30}|@?[a-z0-9][a-z0-9._-]{0,79})$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]{1,30}$")
APP_ID = re.compile(r"^A[A-Z0-9_]{1,30}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9_]{1,30}$")
_SUBSCRIPTION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")
MIN_SECRET_KEY = 32
NO_APPROVERS = "No approvers"


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
    arm_cache_ttl_s: float = 60.0  # reads shared between requests this long (0: not shared)
    # The sandbox only: wall seconds per Azure second of an emulator in its realistic mode
    # (`python -m bot emulator --realistic --time-scale S`); 0 = the default for the target.
    arm_time_scale: float = 0.0
    concurrency: int = 16
    metrics_url: str = ""  # VPNOPS_METRICS_URL ("" = public, or the sandbox's beside arm_url)
    # --- approvals -------------------------------------------------------------------------
    approvers: frozenset[str] = frozenset()
    approver_group: str = ""
    request_ttl_minutes: int = 60
    # --- alerts and watch ------------------------------------------------------------------
    alert_channel: str = ""
    alert_token: str = field(default="", repr=False)
    watch_schedule: str = "0 */5 * * * *"
    mute_group: str = ""
    # --- state and jobs ------------------------------------------------------------------
    store_url: str = "sqlite:.state/vpnops.sqlite"
    storage_connection: str = field(default="", repr=False)
    jobs_mode: JobsMode = "thread"
    queue_name: str = "vpnops-jobs"
    # --- behaviour -------------------------------------------------------------------------
    progress_every_s: float = 2.0
    log_level: str = "INFO"
    port: int = 3000
    bind: str = "127.0.0.1"
    job_deadline_s: float = 300.0
    troubleshoot_storage_id: str = ""
    troubleshoot_storage_path: str = ""
    troubleshoot_wait_s: float = 240.0
    troubleshoot_deadline_s: float = 1200.0
    logs_url: str = ""
    # --- trust ---------------------------------------------------------------------------
    secret_key: str = field(default="", repr=False)
    secret_key_ephemeral: bool = False  # made up at start (no VPNOPS_SECRET_KEY; threads only)
    slack_app_id: str = ""
    slack_team_id: str = ""
    # (channel id, subscription ids) pairs; "*" = every channel not listed. Empty = no scopes.
    channel_scopes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # --- per-action approval policy (VPNOPS_ACTION_POLICY) ---------------------------------
    action_policies: tuple[ActionPolicy, ...] = ()
    capture_storage: str = field(default="", repr=False)
    capture_container: str = "vpn-captures"
    # --- what is wrong with the values above (see the module docstring) --------------------
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

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
        secret_key = s(VPNOPS_SECRET_KEY)
        if secret_key and len(secret_key) < MIN_SECRET_KEY and not secret_key.startswith("@Microsoft.KeyVault("):
            raise SettingsError(
                f"{VPNOPS_SECRET_KEY} must be at least {MIN_SECRET_KEY} characters (it keys the jobs queue's "
                f"signatures), got {len(secret_key)}. Example: {VPNOPS_SECRET_KEY}=$(openssl rand -hex 32)"
            )
        if not secret_key and jobs == "queue":
            raise SettingsError(
                f"{VPNOPS_SECRET_KEY} is not set: with {VPNOPS_JOBS}=queue every queue message is signed with it, "
                "and the worker runs nothing it cannot verify. Store a random value in Key Vault "
                f"(deploy/ does). Example: {VPNOPS_SECRET_KEY}=$(openssl rand -hex 32)"
            )
        errors: list[str] = []
        if secret_key.startswith("@Microsoft.KeyVault("):
            # App Service leaves the reference in place when it cannot resolve it: a public
            # string must never seal jobs, so nothing runs until it resolves.
            errors.append(
                f"{VPNOPS_SECRET_KEY} is a Key Vault reference the platform could not resolve (is the identity "
                "granted Key Vault Secrets User on it?). Nothing runs until it resolves."
            )
        approvers = _user_ids(s(VPNOPS_APPROVERS), VPNOPS_APPROVERS, errors)
        approver_group = _group(s(VPNOPS_APPROVER_GROUP), VPNOPS_APPROVER_GROUP, errors)
        mute_group = _group(s(VPNOPS_MUTE_GROUP), VPNOPS_MUTE_GROUP, errors)
        app_id = _pattern(s(SLACK_APP_ID), SLACK_APP_ID, APP_ID, "A0123ABCDEF (Basic Information → App ID)", errors)
        team_id = _pattern(
            s(SLACK_TEAM_ID), SLACK_TEAM_ID, TEAM_ID, "T0123ABCD (or E0123ABCD for an org-wide install)", errors
        )
        scopes = _channel_scopes(s(VPNOPS_CHANNEL_SCOPES), errors)
        policies = _action_policies(s(VPNOPS_ACTION_POLICY), errors)
        settings = cls(
            signing_secret=s(SLACK_SIGNING_SECRET),
            bot_token=s(SLACK_BOT_TOKEN),
            slack_api_url=_api_url(s(SLACK_API_URL)),
            subscription_ids=_csv(s(AZURE_SUBSCRIPTION_IDS)),
            arm_url=s(VPNOPS_ARM_URL).rstrip("/"),
            arm_timeout_s=_number(env, VPNOPS_ARM_TIMEOUT_S, 60.0, minimum=1.0),
            metrics_url=s(VPNOPS_METRICS_URL).rstrip("/"),
            arm_cache_ttl_s=_number(env, VPNOPS_ARM_CACHE_TTL_S, 60.0, minimum=0.0),
            arm_time_scale=_number(env, VPNOPS_ARM_TIME_SCALE, 0.0, minimum=0.0),
            concurrency=int(_number(env, VPNOPS_CONCURRENCY, 16, minimum=1, whole=True)),
            approvers=approvers,
            approver_group=approver_group,
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
            bind=s(VPNOPS_BIND, "127.0.0.1"),
            job_deadline_s=_number(env, VPNOPS_JOB_DEADLINE_S, 300.0, minimum=10.0),
            troubleshoot_storage_id=s(VPNOPS_TROUBLESHOOT_STORAGE_ID),
            troubleshoot_storage_path=s(VPNOPS_TROUBLESHOOT_STORAGE_PATH),
            troubleshoot_wait_s=_number(env, VPNOPS_TROUBLESHOOT_WAIT_S, 240.0, minimum=0.0),
            troubleshoot_deadline_s=_number(env, VPNOPS_TROUBLESHOOT_DEADLINE_S, 1200.0, minimum=60.0),
            logs_url=s(VPNOPS_LOGS_URL).rstrip("/"),
            mute_group=mute_group,
            secret_key=secret_key or secrets.token_hex(32),
            secret_key_ephemeral=not secret_key,
            slack_app_id=app_id,
            slack_team_id=team_id,
            channel_scopes=scopes,
            action_policies=policies,
            capture_storage=s(VPNOPS_CAPTURE_STORAGE),
            capture_container=s(VPNOPS_CAPTURE_CONTAINER, "vpn-captures"),
            errors=tuple(errors),
        )
        settings = replace_warnings(settings)
        settings.register_secrets()
        return settings

    def register_secrets(self) -> None:
        """Tell the log redactor the exact secret values, so they never reach a log line."""
        from bot.logging import add_secret

        for value in (
            self.signing_secret,
            self.bot_token,
            self.alert_token,
            self.storage_connection,
            self.secret_key,
            self.capture_storage if "accountkey=" in self.capture_storage.lower() else "",
        ):
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
            mute_group=self.mute_group,
            notices=tuple(w for w in self.warnings if w.startswith(NO_APPROVERS)),
            troubleshoot_storage_id=self.troubleshoot_storage_id,
            troubleshoot_storage_path=self.troubleshoot_storage_path,
            # The asking job may wait only within its own deadline (answer included).
            troubleshoot_wait_s=min(self.troubleshoot_wait_s, max(0.0, self.job_deadline_s - 30.0)),
            troubleshoot_deadline_s=self.troubleshoot_deadline_s,
            policies=self.action_policies,
        )

    def scope_for(self, channel: str) -> tuple[str, ...] | None:
        """The subscriptions a command from `channel` may read: None = no scope configured
        (everything the bot reads); () = nothing. A channel not listed gets the "*" entry."""
        if not self.channel_scopes:
            return None
        table = dict(self.channel_scopes)
        if channel in table:
            return table[channel]
        return table.get("*", ())

    def problems(self) -> list[str]:
        """Every error and warning, errors first (for `/vpn health` and the start-up lines)."""
        return [*self.errors, *self.warnings]

    @property
    def sandbox(self) -> bool:
        """True when Azure is the sandbox ARM emulator rather than real Azure."""
        return bool(self.arm_url)

    def missing_for_slack(self) -> list[str]:
        """Names of the settings a real Slack workspace needs that are not set."""
        return [n for n, v in ((SLACK_SIGNING_SECRET, self.signing_secret), (SLACK_BOT_TOKEN, self.bot_token)) if not v]


def replace_warnings(settings: Settings) -> Settings:
    """`settings` with its warnings: what works but is probably not what was meant."""
    from dataclasses import replace

    warnings: list[str] = []
    if not settings.approvers and not settings.approver_group:
        warnings.append(
            f"{NO_APPROVERS}: {VPNOPS_APPROVERS} and {VPNOPS_APPROVER_GROUP} are empty, so peering change requests "
            f"can be filed but nobody can approve them. Example: {VPNOPS_APPROVERS}=U012AB3CD,U045EF6GH"
        )
    if settings.secret_key_ephemeral and not settings.sandbox:  # the sandbox's digests are throwaway
        warnings.append(
            f"{VPNOPS_SECRET_KEY} is not set: a random key is used until this process stops, so shared-key digests "
            "are not comparable across restarts. Set it to a random value of 32+ characters."
        )
    if not settings.slack_team_id and not settings.sandbox:
        # One signing secret serves the app in every workspace it is installed in (and a
        # Slack Connect guest's clicks are signed too): without the installation's id a
        # request from any of them is taken (bot.slack.binding).
        warnings.append(
            f"{SLACK_TEAM_ID} is not set, so requests from every workspace the app is installed in are accepted. "
            f"Set it to this installation's workspace (or org) id. Example: {SLACK_TEAM_ID}=T0123ABCD"
        )
    return replace(settings, warnings=tuple(warnings))


def _user_ids(raw: str, name: str, errors: list[str]) -> frozenset[str]:
    """Slack user ids, comma-separated. A value that is not one is an error naming it,
    never a bogus approver nobody can be."""
    ids: set[str] = set()
    for item in _csv(raw):
        if USER_ID.match(item):
            ids.add(item)
            continue
        hint = ""
        if any(sep in item for sep in ";| \t"):
            parts = [p for p in re.split(r"[;|\s]+", item) if p]
            hint = f" (separate ids with commas: {','.join(parts)})"
        elif item.startswith("@") or item.startswith("<@"):
            hint = " (that is a name or a mention; use the member id from the profile's ⋯ → Copy member ID)"
        errors.append(
            f"{name} holds {item[:60]!r}, which is not a Slack user id{hint}. Slack user ids look like U012AB3CD. "
            f"Example: {name}=U012AB3CD,U045EF6GH"
        )
    return frozenset(ids)


def _group(raw: str, name: str, errors: list[str]) -> str:
    if raw and not GROUP.match(raw):
        errors.append(
            f"{name} holds {raw[:60]!r}, which is neither a user group id (S…) nor a handle. Example: {name}=netops"
        )
        return ""
    return raw


def _pattern(raw: str, name: str, pattern: re.Pattern[str], example: str, errors: list[str]) -> str:
    if raw and not pattern.match(raw):
        errors.append(f"{name} holds {raw[:60]!r}, which is not what it needs. Example: {name}={example}")
        return ""
    return raw


def _channel_scopes(raw: str, errors: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`VPNOPS_CHANNEL_SCOPES`: a JSON object, channel id (or "*") → subscription ids."""
    if not raw:
        return ()
    example = f'{VPNOPS_CHANNEL_SCOPES}={{"C0123ABCD": ["<subscription id>"], "*": []}}'
    try:
        data: Any = json.loads(raw)
    except ValueError:
        errors.append(f"{VPNOPS_CHANNEL_SCOPES} is not JSON. Example: {example}")
        return ()
    if not isinstance(data, dict):
        errors.append(f"{VPNOPS_CHANNEL_SCOPES} must be a JSON object. Example: {example}")
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for channel, subs in data.items():
        if channel != "*" and not CHANNEL_ID.match(str(channel)):
            errors.append(
                f"{VPNOPS_CHANNEL_SCOPES}: {str(channel)[:40]!r} is not a channel id (C…). Example: {example}"
            )
            continue
        if not isinstance(subs, list) or not all(isinstance(x, str) and _SUBSCRIPTION.match(x) for x in subs):
            errors.append(
                f"{VPNOPS_CHANNEL_SCOPES}: the value for {channel} must be a list of subscription ids. Example: {example}"
            )
            continue
        out.append((str(channel), tuple(x.lower() for x in subs)))
    return tuple(out)


def _action_policies(raw: str, errors: list[str]) -> tuple[ActionPolicy, ...]:
    """`VPNOPS_ACTION_POLICY`: a JSON object, kind → {"approvers": "U…,U…", "approver_group":
    "netops", "needed": 2, "requesters": "U…", "requester_group": "…"} (every key optional)."""
    if not raw:
        return ()
    name = VPNOPS_ACTION_POLICY
    example = f'{name}={{"gateway_reset": {{"approver_group": "netops", "needed": 2}}}}'
    try:
        data: Any = json.loads(raw)
    except ValueError:
        errors.append(f"{name} is not JSON. Example: {example}")
        return ()
    if not isinstance(data, dict):
        errors.append(f"{name} must be a JSON object of kind → policy. Example: {example}")
        return ()
    out: list[ActionPolicy] = []
    for kind, body in data.items():
        if kind not in KINDS:
            errors.append(f"{name}: {str(kind)[:40]!r} is not a kind of request; the kinds are {', '.join(KINDS)}.")
            continue
        if not isinstance(body, dict):
            errors.append(f"{name}: the policy of {kind} must be a JSON object. Example: {example}")
            continue
        unknown = sorted(set(body) - {"approvers", "approver_group", "needed", "requesters", "requester_group"})
        if unknown:
            errors.append(f"{name}: {kind} has unknown key(s) {', '.join(unknown)}. Example: {example}")
            continue
        needed = body.get("needed", default_policy(kind).needed)
        if not isinstance(needed, int) or isinstance(needed, bool) or not 1 <= needed <= MAX_NEEDED:
            errors.append(f"{name}: {kind}.needed must be a whole number from 1 to {MAX_NEEDED}. Example: {example}")
            continue

        out.append(
            ActionPolicy(
                kind,
                approvers=_policy_users(body, "approvers", f"{name} {kind}", errors),
                approver_group=_group(str(body.get("approver_group", "")), f"{name} {kind}.approver_group", errors),
                needed=needed,
                requesters=_policy_users(body, "requesters", f"{name} {kind}", errors),
                requester_group=_group(str(body.get("requester_group", "")), f"{name} {kind}.requester_group", errors),
            )
        )
    return tuple(out)


def _policy_users(body: dict[str, Any], key: str, where: str, errors: list[str]) -> frozenset[str]:
    v = body.get(key, "")
    text = ",".join(str(x) for x in v) if isinstance(v, list) else str(v)
    return _user_ids(text, f"{where}.{key}", errors)


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
