"""What `/vpn status` read and judged, before it is put into words: `StatusReport`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commands.core.model import Connection, Gateway, Subscription, rid_key
from commands.core.reply import Finding
from commands.findings.connections.facts import ConnectionFacts
from commands.judgement.estate import Estate
from commands.judgement.judge import Judgement
from commands.watch.state import CounterSample


@dataclass
class StatusReport:
    """The gateways in scope, read in depth, and the judgement's findings about them."""

    label: str  # "Australia", "vgw-eun"
    estate: Estate
    judgement: Judgement
    subscriptions: list[Subscription]
    samples: Mapping[str, CounterSample] = field(default_factory=dict)

    @property
    def facts(self) -> ConnectionFacts:
        assert self.estate.depth is not None, "status reads its gateways in depth"
        return self.estate.depth.facts

    @property
    def list_shape(self) -> dict[str, Connection]:
        """Connections whose GET failed (status unknown)."""
        return self.estate.depth.list_shape if self.estate.depth is not None else {}

    @property
    def reverses(self) -> Mapping[str, Connection]:
        return self.estate.depth.reverses if self.estate.depth is not None else {}

    @property
    def gateway_keys(self) -> set[str]:
        return {rid_key(gf.gateway.id) for gf in self.facts.gateways}

    @property
    def connection_keys(self) -> set[str]:
        return {rid_key(c.id) for gf in self.facts.gateways for c in gf.connections}

    @property
    def findings(self) -> list[Finding]:
        """The root causes, ranked, that concern a gateway in scope (or one of its connections)."""
        return self.judgement.touching(self.gateway_keys | self.connection_keys)

    def subjects(self, f: Finding) -> frozenset[str]:
        """Every resource a finding (and the symptoms under it) is about."""
        return frozenset(s for x in f.every() for s in self.judgement.subjects.get(x.key, frozenset()))

    @property
    def all_gateways(self) -> list[Gateway]:
        return self.estate.gateways
