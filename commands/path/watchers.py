"""Which Network Watcher serves a region, and the answer when there is none.

Network Watcher is regional: one per subscription and region, created automatically when a
virtual network is (named `NetworkWatcher_<region>` in `NetworkWatcherRG`) unless that was
opted out of (https://learn.microsoft.com/azure/network-watcher/network-watcher-create).
Its diagnostics (next hop, IP flow verify, VPN troubleshoot) run only through the watcher of
the resource's own region.
"""

from __future__ import annotations

from commands.core.netwatch import NetworkWatcher
from commands.core.regions import display_name
from commands.core.registry import Ctx
from commands.core.reply import Context, Reply, Text
from commands.core.text import Icon, code, link, rich

WATCHER_DOC = "https://learn.microsoft.com/azure/network-watcher/network-watcher-create"


def _region_key(location: str) -> str:
    return location.replace(" ", "").lower()


def watcher_in(ctx: Ctx, subscription_id: str, location: str) -> NetworkWatcher | None:
    """The subscription's Network Watcher in `location` (None when the region has none).
    An AzureFailure listing them propagates: "could not read" is never "none"."""
    wanted = _region_key(location)
    found = [w for w in ctx.azure.network_watchers(subscription_id) if _region_key(w.location) == wanted]
    return found[0] if found else None


def no_watcher_reply(subscription_id: str, location: str, what: str) -> Reply:
    """Network Watcher is not enabled in the region: say so, and how to enable it."""
    region = display_name(location) or location
    cmd = (
        f"az network watcher configure --resource-group NetworkWatcherRG --locations {_region_key(location)} "
        f"--enabled true --subscription {subscription_id}"
    )
    return Reply(
        fallback=f"Network Watcher is not enabled in {region}",
        visibility="ephemeral",
        parts=[
            Text(
                rich(
                    Icon.WARNING,
                    f" Network Watcher is not enabled in {region} for this subscription, so {what} cannot run there.",
                )
            ),
            Text(rich("Enable it (it costs nothing until a diagnostic runs): ", code(cmd))),
            Context(
                rich(
                    "Or in the portal: Network Watcher → Overview → Create/enable. ",
                    link(WATCHER_DOC, "Enable Network Watcher"),
                )
            ),
        ],
    )
