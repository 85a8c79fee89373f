"""The api-versions the emulator serves, per resource type, and ARM's answer to any other.

ARM refuses a request whose api-version the resource type does not serve: 400
`InvalidApiVersionParameter`, "The api-version '2016-03-30' is invalid. The supported versions
are '…'." (the wording clients report, e.g. Azure/azure-sdk-for-net#2276,
Azure/azure-cli#28038). Accepting any version would let a client send one Azure does not serve
and never know: tests/integration/bot/arm/test_api_versions.py checks that every version the
SDKs the bot uses send is listed here (they are: the SDK's own default, pinned there).

Each list holds the versions the installed SDKs send (first), the versions of Azure's
published definitions and examples in ../shared/fixtures/real (the newest stable folders), and
earlier stable versions Azure serves that other Microsoft clients (the az CLI) send. A type
of a namespace that is not listed (Microsoft.Compute…) is served at any version: the bot
reads none, and the sandbox does not know their versions.
"""

from __future__ import annotations

from sandbox.arm import ids
from sandbox.arm.state import ArmError

# azure-mgmt-network 33 sends 2026-03-01 for every operation the bot calls; the published
# definitions and examples are 2025-03-01, 2025-01-01 and 2024-07-01.
NETWORK = (
    "2026-03-01",
    "2026-01-01",
    "2025-09-01",
    "2025-07-01",
    "2025-05-01",
    "2025-03-01",
    "2025-01-01",
    "2024-10-01",
    "2024-07-01",
    "2024-05-01",
    "2024-03-01",
    "2024-01-01",
    "2023-11-01",
    "2023-09-01",
    "2023-06-01",
    "2023-05-01",
    "2023-04-01",
    "2023-02-01",
    "2022-11-01",
    "2022-09-01",
    "2022-07-01",
    "2022-05-01",
    "2022-01-01",
    "2021-08-01",
    "2021-05-01",
    "2021-03-01",
    "2021-02-01",
    "2020-11-01",
)
# azure-mgmt-privatedns 2 sends 2024-06-01; the published folders are 2024-06-01, 2020-06-01,
# 2020-01-01 and 2018-09-01.
PRIVATE_DNS = ("2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01")
# azure-mgmt-dnsresolver 1.1 sends 2025-05-01.
DNS_RESOLVER = ("2025-05-01", "2023-07-01-preview", "2022-07-01", "2020-04-01-preview")
# azure-mgmt-resource 26 (resource groups, generic resources) sends 2025-04-01; the published
# folders are 2025-04-01, 2024-11-01, 2024-07-01 and 2024-03-01.
RESOURCES = (
    "2025-04-01",
    "2024-11-01",
    "2024-08-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-09-01",
    "2021-04-01",
    "2021-01-01",
    "2020-06-01",
)
# azure-mgmt-resource-subscriptions 1 sends 2022-12-01.
SUBSCRIPTIONS = ("2022-12-01", "2021-01-01", "2020-01-01", "2016-06-01")
# Microsoft.Sql has no SDK here: the bot reads servers as generic resources at 2021-11-01
# (bot/arm/resources.py SQL_API_VERSION); the az CLI 2.91 sends 2024-11-01-preview.
SQL = ("2021-11-01", "2024-11-01-preview", "2023-08-01", "2022-05-01-preview", "2014-04-01")

# azure-mgmt-resourcegraph 8 sends 2021-03-01 (resources); azure-mgmt-monitor 7 sends 2015-04-01
# for the Activity Log (its only version); azure-mgmt-resourcehealth 1 sends 2025-05-01.
RESOURCE_GRAPH = ("2024-04-01", "2022-10-01", "2021-06-01-preview", "2021-03-01", "2020-04-01-preview", "2019-04-01")
INSIGHTS_EVENTS = ("2015-04-01",)
RESOURCE_HEALTH = (
    "2025-05-01",
    "2024-02-01",
    "2023-10-01-preview",
    "2022-10-01",
    "2018-07-01",
    "2017-07-01",
    "2015-01-01",
)
# Extension APIs, found by the last provider of the path (they sit under any resource).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "microsoft.resourcegraph": RESOURCE_GRAPH,
    "microsoft.insights": INSIGHTS_EVENTS,
    "microsoft.resourcehealth": RESOURCE_HEALTH,
}

# namespace/first type (lower case) → versions; "namespace" alone → the rest of the namespace.
SERVED: dict[str, tuple[str, ...]] = {
    "microsoft.network/privatednszones": PRIVATE_DNS,
    "microsoft.network/dnsresolvers": DNS_RESOLVER,
    "microsoft.network": NETWORK,
    "microsoft.sql": SQL,
    "microsoft.resources/subscriptions": SUBSCRIPTIONS,
    "microsoft.resources": RESOURCES,
}


def served(path: str) -> tuple[str, ...] | None:
    """The api-versions served at this request path; None when any is (a namespace not listed)."""
    p = ids.parse(path)
    segs = [s.lower() for s in path.split("/") if s]
    last = max((i for i, s in enumerate(segs[:-1]) if s == "providers"), default=-1)
    if last >= 0 and segs[last + 1] in EXTENSIONS:
        return EXTENSIONS[segs[last + 1]]
    if p is None:
        return SUBSCRIPTIONS if segs == ["subscriptions"] else None
    if not p.namespace:
        # /subscriptions/S (the subscription), …/resourcegroups[/RG], …/resources
        return SUBSCRIPTIONS if len(segs) == 2 else RESOURCES
    ns = p.namespace.lower()
    if p.types and p.types[0].lower() == "locations":
        # An operation's status URL carries the version of the request that started it:
        # any version the namespace serves.
        return tuple(v for k, vs in SERVED.items() if k == ns or k.startswith(ns + "/") for v in vs) or None
    first = f"{ns}/{p.types[0].lower()}" if p.types else ns
    return SERVED.get(first) or SERVED.get(ns)


def check(path: str, api_version: str) -> None:
    """Raise ARM's 400 when `api_version` is not served at `path`."""
    versions = served(path)
    if versions is None or api_version in versions:
        return
    raise ArmError(
        400,
        "InvalidApiVersionParameter",
        f"The api-version '{api_version}' is invalid. The supported versions are '{','.join(versions)}'.",
    )
