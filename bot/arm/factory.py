"""Build the Azure port from the bot's settings.

`azure_from_settings(settings)` accepts `bot.settings.Settings` or any object with these
attributes (read with getattr, so a partial stand-in works too):

| attribute          | type             | default | meaning                                             |
|--------------------|------------------|---------|-----------------------------------------------------|
| `arm_url`          | str              | ""      | set: the sandbox ARM emulator (VPNOPS_ARM_URL)      |
| `subscription_ids` | tuple[str, ...]  | ()      | AZURE_SUBSCRIPTION_IDS; empty = all the identity sees|
| `concurrency`      | int              | 16      | VPNOPS_CONCURRENCY: HTTP requests in flight at most |
| `arm_timeout_s`    | float            | 60.0    | VPNOPS_ARM_TIMEOUT_S: deadline of a call outside a job |
| `arm_cache_ttl_s`  | float            | 60.0    | VPNOPS_ARM_CACHE_TTL_S: reads shared this long (0: off); diagnostic actions twice as long |
| `arm_time_scale`   | float            | 0.0     | VPNOPS_ARM_TIME_SCALE: sandbox only, the emulator's --time-scale (0: 0.005) |
| `secret_key`       | str              | ""      | VPNOPS_SECRET_KEY: keys the shared-key digests      |
| `metrics_url`      | str              | ""      | VPNOPS_METRICS_URL: metrics endpoint with {region}  |
| `logs_url`         | str              | ""      | VPNOPS_LOGS_URL: the Log Analytics query endpoint   |

Nothing from the Azure SDK is imported until the function runs, so importing this module
is cheap on the Slack ack path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commands.core.port import AzurePort

# The sandbox is on this machine: when it says nothing, poll it quickly. Real Azure always
# sends Retry-After; 1 s is only the fallback.
SANDBOX_POLLING_INTERVAL_S = 0.05
AZURE_POLLING_INTERVAL_S = 1.0
# The sandbox answers a long-running operation with ARM's Retry-After (10 s) and finishes it
# after a poll or two, whenever they come: its seconds are 5 ms here, so a /vpn status in the
# console does not wait 20 s per gateway action. Against Azure every wait is Azure's own.
SANDBOX_POLL_DELAY_SCALE = 0.005


def azure_from_settings(settings: Any) -> AzurePort:
    """The `AzurePort` for these settings: the sandbox emulator when `arm_url` is set (a
    static token; plain HTTP only to loopback — anything else raises InsecureArmUrlError),
    else real Azure with DefaultAzureCredential."""
    from bot.arm.client import ArmClient
    from bot.arm.credentials import StaticTokenCredential, check_arm_url, default_credential
    from bot.runtime.signing import digest_key

    arm_url = str(getattr(settings, "arm_url", "") or "").strip()
    subscription_ids = tuple(str(s) for s in (getattr(settings, "subscription_ids", ()) or ()) if str(s).strip())
    concurrency = int(getattr(settings, "concurrency", 16) or 16)
    timeout_s = float(getattr(settings, "arm_timeout_s", 60.0) or 60.0)
    ttl = getattr(settings, "arm_cache_ttl_s", 60.0)
    ttl_s = max(0.0, float(60.0 if ttl is None else ttl))
    secret_key = str(getattr(settings, "secret_key", "") or "")
    keyed = digest_key(secret_key) if secret_key else None
    metrics_url = str(getattr(settings, "metrics_url", "") or "").strip()
    logs_url = str(getattr(settings, "logs_url", "") or "").strip() or None
    if arm_url:
        # The sandbox serves Azure Monitor's batch metrics API beside ARM (sandbox/arm/metrics.py).
        metrics_url = metrics_url or check_arm_url(arm_url) + "/metrics/{region}"
        # An emulator in its realistic mode runs Azure's time at `arm_time_scale`: the client's
        # waits (polls, Retry-After, the token buckets) and the shared reads' TTL run at it too.
        scale = float(getattr(settings, "arm_time_scale", 0.0) or 0.0)
        if scale > 0:
            ttl_s *= scale
        return ArmClient(
            StaticTokenCredential(),
            digest_key=keyed,
            metrics_url=metrics_url,
            logs_url=check_arm_url(logs_url, "VPNOPS_LOGS_URL") if logs_url else None,
            base_url=check_arm_url(arm_url),
            subscription_ids=subscription_ids,
            concurrency=concurrency,
            call_timeout_s=timeout_s,
            cache_ttl_s=ttl_s,
            action_cache_ttl_s=2 * ttl_s,
            polling_interval_s=SANDBOX_POLLING_INTERVAL_S,
            poll_delay_scale=scale if scale > 0 else SANDBOX_POLL_DELAY_SCALE,
        )
    return ArmClient(
        default_credential(),
        digest_key=keyed,
        metrics_url=metrics_url,
        logs_url=check_arm_url(logs_url, "VPNOPS_LOGS_URL") if logs_url else None,
        subscription_ids=subscription_ids,
        concurrency=concurrency,
        call_timeout_s=timeout_s,
        cache_ttl_s=ttl_s,
        action_cache_ttl_s=2 * ttl_s,
        polling_interval_s=AZURE_POLLING_INTERVAL_S,
    )
