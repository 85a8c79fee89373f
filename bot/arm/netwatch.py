"""The port's Network Watcher area: the watchers of a subscription, next hop, IP flow verify,
a NIC's effective security rules, and VPN troubleshoot.

Next hop, IP flow verify and effective security groups are POSTs answering with a
long-running operation whose result is read at the `Location` URL (their definitions'
`final-state-via: location`, networkWatcher.json / virtualNetwork.json 2025-03-01), waited
for within the call's deadline like every other action (`bot.arm.calls`), and retried as the
reads they are (`READ_ONLY_POST`).

VPN troubleshoot is different: it runs for minutes, longer than one call's deadline and
sometimes longer than one job. So it is not waited for here: `start_troubleshoot` POSTs it
and hands back the `Location` URL Azure gave, `poll_troubleshoot` reads that URL (202 while
it runs, with Retry-After; 200 with the TroubleshootingResult), through the network client's
own pipeline (token, retries, in-flight limit). The domain keeps the URL in its store, so a
restarted bot picks the operation up where it was (`commands.troubleshoot.resume`). A URL
that does not point at the ARM endpoint the bot was configured with is refused before any
request: the bot's token goes to ARM only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import HttpResponseError, map_error
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.network.models import NextHopParameters, VerificationIPFlowParameters

from bot.arm.calls import ArmCalls, _log_failure
from bot.arm.convert import netwatch as nwconvert
from bot.arm.pipeline import READ_ONLY_POST, ActionAnswer
from bot.arm.raw import _ERROR_MAP, NETWORK_API_VERSION, list_json
from commands.core.errors import AzureFailure
from commands.core.netwatch import EffectiveNsg, IpFlowVerdict, NetworkWatcher, NextHop, TroubleshootPoll

# What Azure's Retry-After says when it says nothing: the troubleshoot examples' 202s carry one.
DEFAULT_TROUBLESHOOT_RETRY_S = 10.0


class NetworkWatchers(ArmCalls):
    """Network Watcher operations, and a NIC's effective network security groups."""

    def network_watchers(self, subscription_id: str) -> list[NetworkWatcher]:
        net = self._network(subscription_id)
        url = self._url(subscription_id, "", "networkWatchers")
        raw = self._call(
            "network_watchers",
            f"network watchers in {subscription_id}",
            lambda: list_json(net, url, NETWORK_API_VERSION),
        )
        return [nwconvert.network_watcher(w) for w in raw]

    def next_hop(self, watcher_id: str, vm_id: str, nic_id: str, source_ip: str, destination_ip: str) -> NextHop:
        sub, rg, (name,) = self._parse(watcher_id, "networkWatchers")
        ops = self._network(sub).network_watchers
        params = NextHopParameters(
            target_resource_id=vm_id,
            source_ip_address=source_ip,
            destination_ip_address=destination_ip,
            target_nic_resource_id=nic_id or None,
        )
        body = self._object_action(
            "next_hop",
            vm_id,
            lambda polling: ops.begin_get_next_hop(rg, name, params, polling=polling, retry_on_methods=READ_ONLY_POST),
        )
        return nwconvert.next_hop(body)

    def verify_ip_flow(
        self,
        watcher_id: str,
        vm_id: str,
        nic_id: str,
        *,
        direction: str,
        protocol: str,
        local_ip: str,
        local_port: str,
        remote_ip: str,
        remote_port: str,
    ) -> IpFlowVerdict:
        sub, rg, (name,) = self._parse(watcher_id, "networkWatchers")
        ops = self._network(sub).network_watchers
        params = VerificationIPFlowParameters(
            target_resource_id=vm_id,
            direction=direction,
            protocol=protocol,
            local_port=local_port,
            remote_port=remote_port,
            local_ip_address=local_ip,
            remote_ip_address=remote_ip,
            target_nic_resource_id=nic_id or None,
        )
        body = self._object_action(
            "verify_ip_flow",
            vm_id,
            lambda polling: ops.begin_verify_ip_flow(
                rg, name, params, polling=polling, retry_on_methods=READ_ONLY_POST
            ),
        )
        return nwconvert.ip_flow(body)

    def effective_nsgs(self, nic_id: str) -> list[EffectiveNsg]:
        sub, rg, (name,) = self._parse(nic_id, "networkInterfaces")
        ops = self._network(sub).network_interfaces
        raw = self._action(
            "effective_nsgs",
            nic_id,
            lambda polling: ops.begin_list_effective_network_security_groups(
                rg, name, polling=polling, retry_on_methods=READ_ONLY_POST
            ),
        )
        return nwconvert.effective_nsgs(raw)

    # -- VPN troubleshoot ----------------------------------------------------------------------
    def start_troubleshoot(
        self, watcher_id: str, target_id: str, storage_id: str, storage_path: str
    ) -> TroubleshootPoll:
        sub, rg, (name,) = self._parse(watcher_id, "networkWatchers")
        net = self._network(sub)
        url = self._url(sub, rg, "networkWatchers", name, "troubleshoot")
        body = {"targetResourceId": target_id, "properties": {"storageId": storage_id, "storagePath": storage_path}}

        def post() -> TroubleshootPoll:
            request = HttpRequest(
                "POST",
                url,
                params={"api-version": NETWORK_API_VERSION},
                json=body,
                headers={"Accept": "application/json"},
            )
            return self._troubleshoot_answer(net._client.send_request(request), url)

        return self._call("start_troubleshoot", target_id, post)

    def poll_troubleshoot(self, poll_url: str, wait_s: float = 0.0) -> TroubleshootPoll:
        """Read the operation's Location URL until it is done or `wait_s` has passed (waiting
        what Azure's Retry-After says, times the pipeline's poll scale, between reads)."""
        self._check_poll_url(poll_url)
        sub = _subscription_in(poll_url)
        net = self._network(sub)
        deadline = time.monotonic() + max(0.0, wait_s)
        while True:
            got = self._call("poll_troubleshoot", poll_url, lambda: self._read_poll(net, poll_url))
            if got.done:
                return got
            # The sandbox's tests shrink ARM's Retry-After as they do for every LRO (bot.arm.pipeline).
            pause = got.retry_after_s * float(getattr(self._pipeline, "_poll_delay_scale", 1.0))
            if time.monotonic() + pause > deadline:
                return got
            time.sleep(pause)

    def _read_poll(self, net: Any, url: str) -> TroubleshootPoll:
        request = HttpRequest("GET", url, headers={"Accept": "application/json"})
        return self._troubleshoot_answer(net._client.send_request(request), url)

    def _troubleshoot_answer(self, response: Any, url: str) -> TroubleshootPoll:
        """One answer of the troubleshoot POST or of its operation URL. The definition says
        `final-state-via: location`: the `Location` URL answers 202 while it runs, then 200 with
        the result. Where Azure gives only `Azure-AsyncOperation`, that URL answers a status
        (`InProgress`…) while it runs, then the result itself (without `status`)."""
        status = response.status_code
        if status == 202:
            headers = response.headers
            following = str(headers.get("Location") or headers.get("Azure-AsyncOperation") or url)
            self._check_poll_url(following)
            return TroubleshootPoll(done=False, poll_url=following, retry_after_s=_retry_after(headers))
        if status == 200:
            body = response.json()
            state = body.get("status") if isinstance(body, dict) else None
            if state is None:
                return TroubleshootPoll(done=True, poll_url=url, result=nwconvert.troubleshoot_result(body))
            if str(state).lower() in ("inprogress", "notstarted", "running", "accepted"):
                return TroubleshootPoll(done=False, poll_url=url, retry_after_s=_retry_after(response.headers))
            err = body.get("error") if isinstance(body.get("error"), dict) else {}
            kind, code = (
                ("failed", str(err.get("code") or ""))
                if str(state).lower() != "succeeded"
                else ("failed", "UnreadableResponse")
            )
            message = str(err.get("message") or f"the operation ended {state} without a result")
            raise AzureFailure(kind, message, code, url)
        map_error(status_code=status, response=response, error_map=_ERROR_MAP)
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)

    def _check_poll_url(self, url: str) -> None:
        base, got = urlsplit(self._pipeline.base_url), urlsplit(url)
        if (got.scheme, got.netloc.lower()) != (base.scheme, base.netloc.lower()) or not got.path.lower().startswith(
            "/subscriptions/"
        ):
            raise AzureFailure(
                "bad_request",
                f"the operation's URL is not on {base.scheme}://{base.netloc}; the bot sends its token to ARM only",
                "UntrustedOperationUrl",
                f"{got.scheme}://{got.netloc}{got.path}",
            )

    # -- helpers -------------------------------------------------------------------------------
    def _object_action(self, what: str, target: str, start: Callable[[ARMPolling], LROPoller[Any]]) -> dict[str, Any]:
        """A POST action whose answer is one object (NextHopResult, VerificationIPFlowResult):
        read where Azure put it, or AzureFailure "failed" / UnreadableResponse — never a
        made-up verdict."""
        answer = self._lro(what, target, start, action=True)
        body = answer.body if isinstance(answer, ActionAnswer) else None
        if isinstance(answer, ActionAnswer) and answer.source == "status" and isinstance(body, dict):
            body = body.get("properties")
        if not isinstance(body, dict) or not body:
            failure = AzureFailure("failed", "Azure's answer held no result", "UnreadableResponse", target)
            _log_failure(what, failure)
            raise failure
        return body


def _retry_after(headers: Any) -> float:
    raw = headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else DEFAULT_TROUBLESHOOT_RETRY_S
    except (TypeError, ValueError):
        return DEFAULT_TROUBLESHOOT_RETRY_S


def _subscription_in(url: str) -> str:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""
