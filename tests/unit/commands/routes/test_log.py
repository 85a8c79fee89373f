"""`/vpn routes log …`: a pasted VPN client log compared with what the serving gateway hands out."""

from __future__ import annotations

from tests.unit.commands.routes.estates import SEED_LOG, hub_spoke, seed_transit, seed_v2v
from tests.unit.commands.routes.replies import run, text_of


def test_pasted_seed_log_reports_routes_address_gateway_and_missing_dns() -> None:
    [reply], _ = run(seed_v2v(), "log\n" + SEED_LOG)
    text = text_of(reply)
    assert "Routes received: `10.0.0.0/16`, `10.1.0.0/16`" in text
    assert "Assigned address: `172.16.10.2/25`" in text
    assert "Gateway: `vgw-eun`" in text
    assert "No DNS servers were pushed" in text
    oneway = next(f for f in reply.findings if "10.1.0.0/16" in f.title)
    assert oneway.severity == "warning"


def test_log_from_a_transit_hub_is_all_as_expected_except_dns() -> None:
    az = seed_transit()
    [reply], _ = run(az, "log " + SEED_LOG)
    severe = [str(f.title) for f in reply.findings if f.severity in ("critical", "warning")]
    assert severe == ["No DNS servers were pushed: the client will not resolve private zones"]


def test_missing_route_from_the_log_is_critical() -> None:
    az = seed_transit()
    one_route = "\n".join(line for line in SEED_LOG.splitlines() if "10.1.0.0" not in line)
    [reply], _ = run(az, "log " + one_route)
    missing = next(f for f in reply.findings if f.severity == "critical")
    assert "10.1.0.0/16" in missing.title and "download" in missing.next_step


def test_partial_log_says_which_lines_could_not_be_read() -> None:
    bad = (
        SEED_LOG
        + "[3/23/2020 1:28:15 PM] PId:[1] TId:[2] [hub-eun] [Verbose] Received option: route 10.9.0.0 255.0.255.0\n"
    )
    [reply], _ = run(seed_v2v(), "log " + bad)
    f = next(f for f in reply.findings if "could not be read" in f.title)
    assert f.title.startswith("1 line") and "line 6" in f.evidence


def test_log_with_nothing_readable_says_what_a_log_looks_like() -> None:
    [reply], _ = run(seed_v2v(), "log hello there")
    assert reply.visibility == "ephemeral"
    assert "could not find Azure VPN client log lines" in text_of(reply)


def test_log_of_an_unknown_gateway_still_shows_what_was_read() -> None:
    other = SEED_LOG.replace("172.16.10.2", "192.168.99.2").replace("hub-eun", "home-office")
    [reply], _ = run(seed_v2v(), "log " + other)
    text = text_of(reply)
    assert "Could not tell which gateway served this client" in text
    assert "Routes received: `10.0.0.0/16`, `10.1.0.0/16`" in text


def test_log_with_a_site_to_site_route_notes_the_return_path() -> None:
    az = hub_spoke()
    log = (
        SEED_LOG.replace("10.0.0.0 255.255.0.0", "10.10.0.0 255.255.0.0")
        .replace("10.1.0.0 / 255.255.0.0", "192.168.50.0 / 255.255.255.0")
        .replace("172.16.10.2", "172.20.0.9")
    )
    [reply], _ = run(az, "log " + log)
    text = text_of(reply)
    assert "Gateway: `vgw-hub`" in text
    note = next(f for f in reply.findings if "192.168.50.0/24" in f.title)
    assert note.severity == "info" and "lng-branch" in note.evidence
    assert "10.11.0.0/16" in next(f.title for f in reply.findings if f.severity == "critical")  # spoke1 not received
