"""Every command through the real path, on one estate, with the ARM emulator recording what
was said: each request the bot sent (path, query, body) and each answer (status, headers,
body), as `sandbox.arm_emulator.RequestRecord`s.

The path is the console's (`bot.console.app.Console`): signed slash commands into the Bolt
app, the worker, the real Azure SDKs against the emulator, the Slack emulator. The lines are
the golden transcripts' scripts (`tests/golden/scripts/common.txt` and the estate's own),
then lines made from the estate itself, so an estate with no script (a scenario) is driven
through every command on every resource it holds: `/vpn status` of each gateway and
connection, `/vpn routes` of each gateway, NIC and VM, `/vpn peering` and `/vpn diagnose` of
each VNet, `/vpn checklist` of each SQL server, one peering change per peering (filed by
alice, approved by bob: the one write), and the watch.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings
from sandbox.arm_emulator import RequestRecord
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[2]
ESTATES_DIR = ROOT / "sandbox" / "estates"
SCRIPTS = ROOT / "tests" / "golden" / "scripts"


def estate_files() -> list[Path]:
    """Every estate in the repo: sandbox/estates/*.json and every scenario under scenarios/
    (the `<name>.json` beside each `<name>.expect.json`)."""
    expected = (ESTATES_DIR / "scenarios").rglob("*.expect.json")
    scenarios = (e.with_name(e.name.removesuffix(".expect.json") + ".json") for e in expected)
    return sorted(ESTATES_DIR.glob("*.json")) + sorted(scenarios)


def _type_is(doc: dict[str, Any], arm_type: str) -> bool:
    return str(doc.get("type", "")).lower() == arm_type.lower()


def _names(estate: dict[str, Any], arm_type: str) -> list[str]:
    return sorted({str(d.get("name") or "") for d in estate.get("resources") or () if _type_is(d, arm_type)} - {""})


def peerings(estate: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(vnet, peering, allowForwardedTraffic) of every peering embedded in the estate's VNets."""
    out = []
    for v in estate.get("resources") or ():
        if not _type_is(v, "Microsoft.Network/virtualNetworks"):
            continue
        for p in (v.get("properties") or {}).get("virtualNetworkPeerings") or ():
            props = p.get("properties") or {}
            out.append((str(v.get("name")), str(p.get("name")), bool(props.get("allowForwardedTraffic"))))
    return out


def _p2s_gateways(estate: dict[str, Any]) -> list[str]:
    return sorted(
        str(d.get("name"))
        for d in estate.get("resources") or ()
        if _type_is(d, "Microsoft.Network/virtualNetworkGateways")
        and (d.get("properties") or {}).get("vpnClientConfiguration")
    )


def _an_address(estate: dict[str, Any]) -> str:
    """A private address of the estate to send a flow to: a private endpoint NIC's, else any NIC's."""
    found = []
    for d in estate.get("resources") or ():
        if _type_is(d, "Microsoft.Network/networkInterfaces"):
            for c in (d.get("properties") or {}).get("ipConfigurations") or ():
                ip = (c.get("properties") or {}).get("privateIPAddress")
                if ip:
                    found.append((".nic." not in str(d.get("name")), str(ip)))
    return sorted(found)[0][1] if found else "10.0.0.4"


def own_lines(estate: dict[str, Any]) -> Iterator[str]:
    """`/vpn` lines that touch every resource of the estate (the peering changes apart)."""
    yield "/vpn status all"
    for name in _names(estate, "Microsoft.Network/virtualNetworkGateways"):
        yield f"/vpn status {name}"
        yield f"/vpn routes gateway {name}"
    for name in _names(estate, "Microsoft.Network/connections"):
        yield f"/vpn status {name}"
        yield f"/vpn connection {name}"
    for name in _p2s_gateways(estate):
        yield f"/vpn p2s {name}"
    for name in _names(estate, "Microsoft.Network/networkInterfaces"):
        yield f"/vpn routes nic {name}"
    for name in _names(estate, "Microsoft.Compute/virtualMachines"):
        yield f"/vpn routes vm {name}"
        # Network Watcher from the VM towards a private endpoint's address (or any).
        yield f"/vpn path {name} {_an_address(estate)} tcp 1433"
    for name in _names(estate, "Microsoft.Network/connections") + _names(
        estate, "Microsoft.Network/virtualNetworkGateways"
    ):
        yield f"/vpn troubleshoot {name}"
        yield f"/vpn logs {name}"
    for name in _names(estate, "Microsoft.Network/virtualNetworks"):
        yield f"/vpn peering {name}"
        yield f"/vpn diagnose {name}"
    for name in _names(estate, "Microsoft.Sql/servers"):
        yield f"/vpn checklist {name}"
    yield "/vpn diagnose"


# Without Azurite: an account nobody reaches (a capture start needs storage configured; its
# stop, which would mint a SAS there, is not run).
NO_CAPTURE_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Zm9v;"
    "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
)


def _connections(estate: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in estate.get("resources") or () if _type_is(d, "Microsoft.Network/connections")]


def _approve(console: Any, *who: str) -> None:
    for user in who:
        console.switch_user(user, quiet=True)
        console.click("approval_approve")
    console.switch_user("alice", quiet=True)


def _actions(console: Any, estate: dict[str, Any], own_estate: bool) -> None:
    """The actions under approval (commands/actions), each filed by alice and approved: a reset
    of every connection and gateway, BGP turned over on every connection, a shared-key sync of
    every VNet-to-VNet pair, and (on the sandbox's own estates) a capture started and stopped
    on the first connection and gateway. Pre-flight refusals write nothing; that is fine."""
    conns = _connections(estate)
    for c in conns:
        console.run_line(f"/vpn reset connection {c['name']} reason: conformance")
        _approve(console, "bob")
        on = bool((c.get("properties") or {}).get("enableBgp"))
        console.run_line(f"/vpn bgp {c['name']} {'off' if on else 'on'} reason: conformance")
        _approve(console, "bob")
    for g in _names(estate, "Microsoft.Network/virtualNetworkGateways"):
        console.run_line(f"/vpn reset gateway {g} reason: conformance")
        _approve(console, "bob", "carol")
    gw = {c["name"]: _gateways(c) for c in conns}
    for a, (a1, a2) in gw.items():
        for b, (b1, b2) in gw.items():
            if a < b and a1 and a2 and (a1, a2) == (b2, b1):
                console.run_line(f"/vpn sharedkey sync {a} from {b} reason: conformance")
                _approve(console, "bob")
    if own_estate:
        targets = [f"connection {conns[0]['name']}"] if conns else []
        targets += [f"gateway {g}" for g in _names(estate, "Microsoft.Network/virtualNetworkGateways")[:1]]
        for t in targets:
            console.run_line(f"/vpn capture start {t} 1 filter src 10.0.0.0/8 proto tcp reason: conformance")
            _approve(console, "bob")
            console.wait()


def _gateways(c: dict[str, Any]) -> tuple[str, str]:
    p = c.get("properties") or {}
    return (
        str((p.get("virtualNetworkGateway1") or {}).get("id") or "").lower(),
        str((p.get("virtualNetworkGateway2") or {}).get("id") or "").lower(),
    )


@dataclass(frozen=True)
class Drive:
    """What one estate's drive produced: the emulator's records and the console's output."""

    estate: Path
    records: tuple[RequestRecord, ...]
    output: str


def drive(estate_path: Path, capture_storage: str = "") -> Drive:
    """Run every command on the estate through the console; return what ARM saw.
    `capture_storage`: Azurite's connection string (captures are stopped into it), "" when
    Azurite is not at hand (captures are started, and their scheduled stop dropped)."""
    from bot.console.app import Console

    estate = load_estate(estate_path)
    lines = (SCRIPTS / "common.txt").read_text(encoding="utf-8").splitlines()
    own = SCRIPTS / f"{estate_path.stem}.txt"
    if own.exists():
        lines += own.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    base = dataclasses.replace(Settings(), capture_storage=capture_storage or NO_CAPTURE_STORAGE)
    with Console(estate, out=out, base_settings=base) as console:
        console.arm.record_bodies = True
        # A capture's stop is scheduled at its end (a delayed job the console would wait for):
        # here it runs at once with Azurite at hand, and is dropped without it.
        now_or_never = capture_storage != ""
        console.deps.requeue = lambda job, delay_s: console.dispatcher.submit(job) if now_or_never else None
        console.switch_user("alice", quiet=True)
        console.run(lines)
        console.switch_user("alice", quiet=True)
        console.run(own_lines(estate))
        for vnet, peering, forwarded in peerings(estate):
            flag = "off" if forwarded else "on"
            console.run_line(f"/vpn peering {vnet}/{peering} allowForwardedTraffic {flag} reason: conformance")
            console.switch_user("bob", quiet=True)
            console.click("approval_approve")
            console.switch_user("alice", quiet=True)
        _actions(console, estate, own_estate=estate_path.parent == ESTATES_DIR)
        console.run(["/watch", "/watch"])
        console.wait()
        records = tuple(console.arm.requests)
    return Drive(estate_path, records, out.getvalue())
