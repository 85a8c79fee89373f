"""What `/vpn status` gathered, before it is put into words: `StatusReport`, and a
`Failure` for each thing that could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commands.core.errors import AzureFailure
from commands.core.model import Connection, Gateway, Subscription
from commands.core.text import Rich
from commands.findings.connections.facts import Assessed, ConnectionFacts
from commands.watch.state import CounterSample


@dataclass(frozen=True)
class Failure:
    """Something that could not be read: the operation, what it was read for, and why."""

    operation: str  # e.g. "list gateways", "getBgpPeerStatus"
    what: Rich  # e.g. "gateway `vgw-eun`", "subscription `Prod` (sub1)"
    error: AzureFailure
    gateway: str = ""  # rid_key of the gateway in scope it concerns, if any


@dataclass
class StatusReport:
    """Everything `/vpn status` gathered, before it is put into words."""

    label: str  # "Australia", "vgw-eun"
    facts: ConnectionFacts
    findings: list[Assessed]
    failures: list[Failure]
    all_gateways: list[Gateway]  # every gateway seen in every subscription
    subscriptions: list[Subscription]
    list_shape: dict[str, Connection] = field(default_factory=dict)  # connections whose GET failed
    samples: Mapping[str, CounterSample] = field(default_factory=dict)
    reverses: Mapping[str, Connection] = field(default_factory=dict)  # connection key -> other half
