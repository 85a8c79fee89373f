"""Reading the estate's lists: every kind in every subscription, failures kept per list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.estate import FactFailure, Reader, read_lists
from commands.core.fanout import Outcome, gather
from commands.core.model import Gateway, Subscription, VirtualNetwork
from commands.core.registry import Ctx, DomainSettings
from tests.fakes import FakeAzure, RecordingMessenger

SUBS = [Subscription("sub1", "One"), Subscription("sub2", "Two")]


def rid(sub: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/{kind}/{name}"


def vnet(sub: str, name: str) -> VirtualNetwork:
    return VirtualNetwork(id=rid(sub, "virtualNetworks", name), name=name)


def gateway(sub: str, name: str) -> Gateway:
    return Gateway(id=rid(sub, "virtualNetworkGateways", name), name=name)


READERS: dict[str, Reader] = {
    "vnets": lambda az, s: az.virtual_networks(s),
    "gateways": lambda az, s: az.gateways(s),
}


def azure() -> FakeAzure:
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[vnet("sub1", "vn-a"), vnet("sub2", "vn-b")],
        gateways=[gateway("sub1", "gw-a"), gateway("sub2", "gw-b")],
    )


def ctx_of(az: FakeAzure) -> Ctx:
    return Ctx(azure=az, out=RecordingMessenger(), settings=DomainSettings(concurrency=4))


def test_every_kind_is_read_in_every_subscription_in_subscription_order() -> None:
    az = azure()
    lists = read_lists(ctx_of(az), SUBS, READERS)
    assert [v.name for v in lists.found["vnets"]] == ["vn-a", "vn-b"]
    assert [g.name for g in lists.found["gateways"]] == ["gw-a", "gw-b"]
    assert lists.failures == []
    assert sorted(az.calls) == [
        ("gateways", "sub1"),
        ("gateways", "sub2"),
        ("virtual_networks", "sub1"),
        ("virtual_networks", "sub2"),
    ]


def test_a_failed_list_is_kept_with_its_kind_and_subscription_and_hides_nothing_else() -> None:
    az = azure()
    denied = AzureFailure("forbidden", "no Reader role", "AuthorizationFailed", "sub2", 403)
    az.fail[("gateways", "sub2")] = denied
    lists = read_lists(ctx_of(az), SUBS, READERS)
    assert lists.failures == [FactFailure("gateways", "sub2", denied)]
    assert [g.name for g in lists.found["gateways"]] == ["gw-a"]
    assert [v.name for v in lists.found["vnets"]] == ["vn-a", "vn-b"]


def test_failures_come_in_subscription_then_kind_order() -> None:
    az = azure()
    for key in [("virtual_networks", "sub2"), ("gateways", "sub1"), ("virtual_networks", "sub1")]:
        az.fail[key] = AzureFailure("unavailable", target=key[1])
    lists = read_lists(ctx_of(az), SUBS, READERS)
    assert [(f.subscription_id, f.kind) for f in lists.failures] == [
        ("sub1", "vnets"),
        ("sub1", "gateways"),
        ("sub2", "vnets"),
    ]


def test_no_subscription_reads_nothing_and_every_kind_is_empty() -> None:
    lists = read_lists(ctx_of(azure()), [], READERS)
    assert lists.found == {"vnets": [], "gateways": []}
    assert lists.failures == []


def test_progress_is_reported_per_finished_list() -> None:
    seen: list[tuple[int, int]] = []
    read_lists(ctx_of(azure()), SUBS, READERS, on_progress=lambda done, total: seen.append((done, total)))
    assert sorted(seen)[-1] == (4, 4)
    assert all(total == 4 for _, total in seen)


def test_a_caller_supplied_runner_runs_the_tasks() -> None:
    ran: list[int] = []

    def run(tasks: list[Callable[[], Sequence[Any]]]) -> list[Outcome[Any]]:
        ran.append(len(tasks))
        return gather(tasks, 1)

    lists = read_lists(ctx_of(azure()), SUBS[:1], READERS, run=run)
    assert ran == [2]
    assert [v.name for v in lists.found["vnets"]] == ["vn-a"]
