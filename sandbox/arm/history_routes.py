"""The emulator's routes for the estate's past (`sandbox.arm.history`): Resource Graph's
`resources` query, the Activity Log list, Resource Health's availability statuses.

ARM authorizes each as Azure does, with the action the custom role in deploy/ grants:
`Microsoft.ResourceGraph/resources/read`, `Microsoft.Insights/eventtypes/values/read`,
`Microsoft.ResourceHealth/availabilityStatuses/read`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.arm import ids
from sandbox.arm.state import CONNECTION, GATEWAY, ArmError, clone

if TYPE_CHECKING:
    from sandbox.arm.handler import Answer, Router

GRAPH = ("providers", "microsoft.resourcegraph", "resources")
ACTIVITY = ("providers", "microsoft.insights", "eventtypes", "management", "values")
HEALTH = ("providers", "microsoft.resourcehealth", "availabilitystatuses")
# The resource types whose health the sandbox reports (Resource Health covers VPN gateways
# and their connections: https://learn.microsoft.com/azure/service-health/resource-health-checks-resource-types).
HEALTH_TYPES = (GATEWAY, CONNECTION)


def route(router: Router) -> Answer | None:
    """The answer when the request is for one of these APIs; None otherwise."""
    from sandbox.arm.handler import Answer

    segs = [s for s in router.path.split("/") if s]
    low = tuple(s.lower() for s in segs)
    history = router.emu.history
    if low == GRAPH:
        router._only("POST")
        router._deny("Microsoft.ResourceGraph/resources/read", "/")
        return Answer(200, history.resource_graph(router.body))
    if len(low) == 2 + len(ACTIVITY) and low[0] == "subscriptions" and low[2:] == ACTIVITY:
        router._only("GET")
        _subscription(router, segs[1])
        router._deny("Microsoft.Insights/eventtypes/values/read", f"/subscriptions/{segs[1]}")
        return router._page(history.activity_log(segs[1], router.query.get("$filter", "")))
    cut = _find(low, HEALTH)
    if cut < 0:
        return None
    router._only("GET")
    resource = "/" + "/".join(segs[:cut])
    tail = low[cut + len(HEALTH) :]
    p = ids.parse(resource)
    if p is None:
        raise ArmError(404, "InvalidRequestUri", f"The request URI '{router.path}' is not an ARM resource path.")
    _subscription(router, p.subscription)
    router._deny("Microsoft.ResourceHealth/availabilityStatuses/read", resource)
    if not p.namespace and len(segs[:cut]) == 2:  # /subscriptions/S/providers/…: every resource
        docs = [d for t in HEALTH_TYPES for d in router.estate.top_level(p.subscription, None, t)]
        return router._page(history.current_in(p.subscription, [str(d.get("id")) for d in docs]))
    if router.estate.view(ids.key(resource)) is None:
        raise ArmError(404, "ResourceNotFound", f"The resource '{resource}' was not found.")
    if tail == ("current",):
        return Answer(200, clone(history.statuses(resource, False)[0]))
    if not tail:
        return router._page(history.statuses(resource, True))
    raise ArmError(404, "InvalidRequestUri", f"The request URI '{router.path}' is not served by the sandbox emulator.")


def _find(seq: tuple[str, ...], sub: tuple[str, ...]) -> int:
    for i in range(len(seq) - len(sub) + 1):
        if seq[i : i + len(sub)] == sub:
            return i
    return -1


def _subscription(router: Router, sub: str) -> None:
    if not router.estate.subscription_exists(sub):
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
