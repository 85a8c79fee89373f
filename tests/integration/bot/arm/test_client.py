"""bot.arm.client: the whole ArmClient against the sandbox ARM emulator: paging in every
area, an estate of Azure's published payloads, and concurrent use from
commands.core.fanout.gather.
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from commands.core.fanout import gather
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import (
    CN_EUN_AUE,
    NET_EUN,
    SUB,
    log_of,
    make_client,
)


def test_lists_follow_next_link_across_pages(emu: ArmEmulator) -> None:
    with ArmEmulator(load_estate(SEED_ESTATE), page_size=1) as paged, make_client(paged) as c:
        assert len(c.virtual_networks(SUB)) == 2
        assert len(c.gateways(SUB)) == 2
        assert len(c.private_endpoints(SUB)) == 2
        assert len(c.private_dns_zones(SUB)[0].records) == 2
        assert any("$skiptoken=" in r.query for r in log_of(paged))


def test_example_estate_of_azure_published_payloads_reads_through_the_client() -> None:
    from sandbox.estate import estate_from_examples
    from tests.shared_fixtures import real_files

    files = real_files("arm")
    if not files:
        pytest.skip("../shared/fixtures/real is absent (only the project's workspace has it)")
    estate = estate_from_examples(files)
    subs = {s["subscriptionId"] for s in estate["subscriptions"]}
    with ArmEmulator(estate) as e, make_client(e) as c:
        gateways = [g for s in subs for g in c.gateways(s)]
        connections = [x for s in subs for x in c.connections(s)]
        vnets = [v for s in subs for v in c.virtual_networks(s)]
    assert {g.name for g in gateways} >= {"vpngw"}
    assert connections and all(x.status for x in connections)
    assert vnets


def test_failure_of_one_task_does_not_hide_the_others(emu: ArmEmulator, client: ArmClient) -> None:
    missing = f"{NET_EUN}/connections/cn-gone"
    outcomes = gather([lambda: client.connection(CN_EUN_AUE), lambda: client.connection(missing)], limit=2)
    assert outcomes[0].ok and outcomes[1].error is not None and outcomes[1].error.kind == "not_found"
