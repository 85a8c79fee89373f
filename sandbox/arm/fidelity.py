"""Which of ARM's real behaviours the emulator reproduces, chosen per estate, per test or on
the command line.

ARM does not answer one way. Its long-running operations announce their status URL in
`Azure-AsyncOperation`, in `Location`, or in both; the final result of a POST action is at
the `Location` URL, or — as one published report shows — at the `Azure-AsyncOperation` URL
as the result itself, without `status`; `Retry-After` says how long to wait; lists page with
absolute `nextLink`s; etags are escaped strings; a resource's `name` and the last segment of
its id can differ in what Azure publishes; ids carry upstream typos. A client right on one
of these shapes and wrong on another is wrong: so each is selectable.

    Fidelity(lro_headers="async", retry_after_s=10, page_size=2, next_link_host="localhost",
             real_shapes=True)

In an estate file: `"arm": {"lroHeaders": "async", "retryAfter": 10, "pageSize": 2,
"nextLinkHost": "localhost", "realShapes": true}`. On the command line: `python -m bot
emulator --lro-headers async --retry-after 10 --page-size 2 --next-link-host localhost
--real-shapes`.

What each long-running operation the bot starts looks like in Azure — the published
definition against the published example — is `LRO_OPERATIONS` below (and the table in
sandbox/README.md). They disagree for the gateway actions: the definitions say the result is
at the `Location` URL (`final-state-via: location`) and declare no 202 headers; every
published example answers 202 with `Azure-AsyncOperation` only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

LRO_HEADERS = ("async", "location", "both")

# ARM's guidance for Retry-After on 202s and status polls is 10 s at least (Azure/azure-resource-
# manager-rpc, v1.0/Addendum.md, "202 Accepted and Location headers"), and the network provider
# sends 10. ARM never sends 0: azure-core reads 0 as "no header" and waits its own default
# (30 s in the SDKs' ARMPolling; the az CLI took 31 s per gateway action against a sandbox that
# sent 0). 0 stays possible from Python for the benchmarks recorded in docs/performance.md.
ARM_RETRY_AFTER_S = 10
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Fidelity:
    """How the emulator answers where ARM has more than one way (see the module docstring).

    lro_headers:    the headers of a long-running operation's first answer (202, or 201 for
                    a PUT): "both" (`Azure-AsyncOperation` and `Location`; what the network
                    provider sends), "location" (`Location` only; what the definitions of the
                    NIC actions declare), "async" (`Azure-AsyncOperation` only; every published
                    gateway action example). With "async", the status URL of a finished POST
                    action answers with the action's result itself, without `status`.
    retry_after_s:  `Retry-After` on that first answer and on every "still running" poll.
    page_size:      items per page of a list before a `nextLink`.
    next_link_host: "" → `nextLink`s point at the emulator's own host name; another loopback
                    name ("localhost") → at that host name, as ARM's point at other hosts.
    real_shapes:    serve the estate with the shapes Azure's published payloads show (escaped
                    etags, peerings whose `name` is not their id's last segment, private
                    endpoints whose NIC ids say "provders"; `sandbox.arm.shapes`).
    """

    lro_headers: str = "both"
    retry_after_s: float = ARM_RETRY_AFTER_S
    page_size: int = DEFAULT_PAGE_SIZE
    next_link_host: str = ""
    real_shapes: bool = False

    def __post_init__(self) -> None:
        if self.lro_headers not in LRO_HEADERS:
            raise ValueError(
                f"lro_headers must be one of {', '.join(LRO_HEADERS)}, got {self.lro_headers!r}. Example: async"
            )
        if not isinstance(self.retry_after_s, int | float) or self.retry_after_s < 0:
            raise ValueError(
                f"retry_after_s must be a whole number of seconds (ARM sends {ARM_RETRY_AFTER_S}), got {self.retry_after_s!r}"
            )
        if not isinstance(self.page_size, int) or self.page_size < 1:
            raise ValueError(f"page_size must be a whole number ≥ 1, got {self.page_size!r}. Example: 2")
        host = self.next_link_host
        if host and not _is_loopback_name(host):
            raise ValueError(
                f"next_link_host must be a loopback host name (the emulator listens there only), got {host!r}. "
                "Example: localhost"
            )

    @property
    def async_header(self) -> bool:
        return self.lro_headers in ("async", "both")

    @property
    def location_header(self) -> bool:
        return self.lro_headers in ("location", "both")

    def replace(self, **changes: Any) -> Fidelity:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The estate file's `"arm"` object for these settings (only what differs from the default)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[_JSON_NAMES[f.name]] = value
        return out

    @staticmethod
    def from_json(d: Any, where: str = "estate") -> Fidelity:
        """From an estate's `"arm"` object (camelCase keys); ValueError names what is wrong."""
        if d is None:
            return Fidelity()
        if not isinstance(d, dict):
            raise ValueError(f'{where}: "arm" is an object, e.g. {{"lroHeaders": "async", "pageSize": 2}}')
        by_json = {v: k for k, v in _JSON_NAMES.items()}
        d = {k: v for k, v in d.items() if k != "latency"}  # the realistic mode's (sandbox.arm.latency)
        unknown = sorted(set(d) - set(by_json))
        if unknown:
            raise ValueError(f'{where}: unknown "arm" key(s) {unknown}; known: {sorted(by_json)}')
        if d.get("retryAfter") == 0:
            raise ValueError(
                f'{where}: "arm": ARM never sends Retry-After 0 (azure-core reads 0 as "no header" and waits '
                f'30 s); give 1 or more, e.g. "retryAfter": {ARM_RETRY_AFTER_S}'
            )
        try:
            return Fidelity(**{by_json[k]: v for k, v in d.items()})
        except (TypeError, ValueError) as e:
            raise ValueError(f'{where}: "arm": {e}') from None


_JSON_NAMES = {
    "lro_headers": "lroHeaders",
    "retry_after_s": "retryAfter",
    "page_size": "pageSize",
    "next_link_host": "nextLinkHost",
    "real_shapes": "realShapes",
}


def _is_loopback_name(host: str) -> bool:
    import ipaddress

    h = host.strip("[]").lower()
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


class LroOperation(NamedTuple):
    """One long-running operation the bot starts, as Azure publishes it."""

    operation_id: str
    request: str
    definition: str  # the OpenAPI file (under specification/network/resource-manager/Microsoft.Network/stable/)
    final_state_via: str  # x-ms-long-running-operation-options.final-state-via in that file
    declared_headers: str  # the headers the definition declares on the 202/201
    example: str  # the published x-ms-examples file
    example_headers: str  # the headers its 202/201 carries


# From ../shared/fixtures/real/specs (api-version 2025-03-01, the newest definitions published
# there) and ../shared/fixtures/real/arm (their x-ms-examples). The SDK sends 2026-03-01.
LRO_OPERATIONS: tuple[LroOperation, ...] = (
    LroOperation(
        "VirtualNetworkGateways_GetBgpPeerStatus",
        "POST …/virtualNetworkGateways/{gw}/getBgpPeerStatus",
        "2025-03-01/virtualNetworkGateway.json",
        "location",
        "none",
        "VirtualNetworkGatewayGetBGPPeerStatus.json",
        "Azure-AsyncOperation",
    ),
    LroOperation(
        "VirtualNetworkGateways_GetLearnedRoutes",
        "POST …/virtualNetworkGateways/{gw}/getLearnedRoutes",
        "2025-03-01/virtualNetworkGateway.json",
        "location",
        "none",
        "VirtualNetworkGatewayLearnedRoutes.json",
        "Azure-AsyncOperation",
    ),
    LroOperation(
        "VirtualNetworkGateways_GetAdvertisedRoutes",
        "POST …/virtualNetworkGateways/{gw}/getAdvertisedRoutes?peer=",
        "2025-03-01/virtualNetworkGateway.json",
        "location",
        "none",
        "VirtualNetworkGatewayGetAdvertisedRoutes.json",
        "Azure-AsyncOperation",
    ),
    LroOperation(
        "VirtualNetworkGateways_GetVpnclientConnectionHealth",
        "POST …/virtualNetworkGateways/{gw}/getVpnClientConnectionHealth",
        "2025-03-01/virtualNetworkGateway.json",
        "location",
        "none",
        "VirtualNetworkGatewayGetVpnclientConnectionHealth.json",
        "Azure-AsyncOperation",
    ),
    LroOperation(
        "NetworkInterfaces_GetEffectiveRouteTable",
        "POST …/networkInterfaces/{nic}/effectiveRouteTable",
        "2025-03-01/virtualNetwork.json",
        "location",
        "Location, Retry-After",
        "NetworkInterfaceEffectiveRouteTableList.json (2024-07-01)",
        "Location",
    ),
    LroOperation(
        "VirtualNetworkPeerings_CreateOrUpdate",
        "PUT …/virtualNetworks/{vnet}/virtualNetworkPeerings/{p}",
        "2025-03-01/common.json",
        "azure-async-operation",
        "201: Azure-AsyncOperation, Retry-After",
        "VirtualNetworkPeeringCreate.json",
        "none (200 and 201 bodies only)",
    ),
)
