"""Read scopes through the whole path: a command from a channel sees only the subscriptions
VPNOPS_CHANNEL_SCOPES gives that channel; it says so, and never calls Azure for the rest."""

from __future__ import annotations

from bot.settings import Settings
from tests.reliability.harness import ALICE, BOB, PEERING_EUN, Rig

SEED_SUB = "3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"
OTHER_SUB = "00000000-0000-0000-0000-000000000001"


def rig_with(scopes: tuple[tuple[str, tuple[str, ...]], ...]) -> Rig:
    return Rig(settings=Settings(channel_scopes=scopes, approvers=frozenset({BOB})))


def test_a_channel_scoped_to_another_subscription_sees_none_of_the_estate() -> None:
    with rig_with((("C_VPNOPS", (OTHER_SUB,)), ("*", (SEED_SUB,)))) as rig:
        before = len(rig.arm.requests)
        answer = rig.slash("status all", ALICE)
        assert answer.answered
        said = "\n".join(answer.block_texts)
        assert "vgw-eun" not in said and "vgw-aue" not in said
        touched = [r.path for r in rig.arm.requests[before:]]
        assert not any(SEED_SUB in p for p in touched if "/resourceGroups/" in p)
        refused = rig.slash("peering vnet-eun/peer-eun-to-aue forwarded-traffic off", ALICE)
        assert refused.answered and rig.store.list_requests() == []
        assert not any(r.method == "PUT" for r in rig.arm.requests)
        assert PEERING_EUN not in "\n".join(refused.block_texts)


def test_a_channel_scoped_to_the_estates_subscription_sees_it() -> None:
    with rig_with((("C_VPNOPS", (SEED_SUB,)),)) as rig:
        said = "\n".join(rig.slash("status all", ALICE).block_texts)
        assert "vgw-eun" in said


def test_a_resource_outside_the_scope_is_refused_before_azure_is_called() -> None:
    from bot.runtime.scope import SCOPE_CODE, scoped
    from commands.core.errors import AzureFailure

    with rig_with((("C_VPNOPS", (OTHER_SUB,)),)) as rig:
        port = scoped(rig.console.deps.azure_port(), rig.console.settings.scope_for("C_VPNOPS"), "C_VPNOPS")
        before = len(rig.arm.requests)
        for call in (lambda: port.peering(PEERING_EUN), lambda: port.gateways(SEED_SUB)):
            try:
                call()
            except AzureFailure as exc:
                assert exc.kind == "forbidden" and exc.code == SCOPE_CODE and "C_VPNOPS" in exc.message
            else:
                raise AssertionError("read outside the scope")
        assert [s.id for s in port.subscriptions()] == []
        assert len(rig.arm.requests) - before <= 1  # at most the subscriptions list, never the resources
