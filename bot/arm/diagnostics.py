"""The port's diagnostic logs area: a resource's diagnostic settings, a Log Analytics
workspace's id for queries, and a KQL query through azure-monitor-query's `LogsQueryClient`.

* Diagnostic settings (`Microsoft.Insights/diagnosticSettings`, DiagnosticSettings_List,
  api-version 2021-05-01-preview): azure-mgmt-monitor 7 no longer carries this operation
  group, so the list is read as ARM's JSON through the resources client's own pipeline
  (`bot.arm.raw`: same token, retries, deadline, in-flight limit, error mapping).
* A workspace's `customerId` (the GUID the query API takes; the settings name the
  workspace by ARM id): a GET of the workspace (Microsoft.OperationalInsights/workspaces,
  api-version 2023-09-01) through the same pipeline.
* The query: `LogsQueryClient.query_workspace`, against the Log Analytics endpoint
  (https://api.loganalytics.io, or the sandbox's over loopback — the emulator serves
  `POST /v1/workspaces/{id}/query`), with the same credential, within the call's deadline
  (`server_timeout`). A partial result is kept and said as such, never as complete.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from bot.arm.calls import ArmCalls
from bot.arm.convert import netwatch as nwconvert
from bot.arm.credentials import is_loopback_http
from bot.arm.pipeline import PUBLIC_ARM
from bot.arm.raw import NETWORK_API_VERSION, get_json, list_json
from commands.core.errors import AzureFailure
from commands.core.model import ResourceId
from commands.core.netwatch import DiagnosticSetting, LogTable

DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview"
WORKSPACE_API_VERSION = "2023-09-01"
PUBLIC_LOGS = "https://api.loganalytics.io"


class Diagnostics(ArmCalls):
    """Diagnostic settings, workspaces and Log Analytics queries."""

    _logs_url: str | None = None
    _logs_lock = threading.Lock()
    _logs_client: Any = None

    def diagnostic_settings(self, resource_id: str) -> list[DiagnosticSetting]:
        r = _parsed(resource_id)
        client = self._resources(r.subscription_id)
        url = self._pipeline.base_url + _quoted(resource_id) + "/providers/Microsoft.Insights/diagnosticSettings"
        raw = self._call(
            "diagnostic_settings",
            resource_id,
            lambda: list_json(client, url, DIAGNOSTIC_SETTINGS_API_VERSION),
        )
        return [nwconvert.diagnostic_setting(d) for d in raw]

    def workspace_customer_id(self, workspace_id: str) -> str:
        r = _parsed(workspace_id)
        client = self._resources(r.subscription_id)
        url = self._pipeline.base_url + _quoted(workspace_id)
        raw = self._call("workspace", workspace_id, lambda: get_json(client, url, WORKSPACE_API_VERSION))
        found = nwconvert.workspace_customer_id(raw)
        if not found:
            raise AzureFailure("failed", "the workspace has no customerId", "UnreadableResponse", workspace_id)
        return found

    def query_logs(self, workspace_customer_id: str, query: str, hours: float) -> LogTable:
        client = self._logs()
        endpoint = self._logs_endpoint()
        extra: dict[str, Any] = {"enforce_https": False} if is_loopback_http(endpoint) else {}

        def run() -> LogTable:
            from azure.monitor.query import LogsQueryPartialResult, LogsQueryStatus

            got = client.query_workspace(
                workspace_customer_id,
                query,
                timespan=timedelta(hours=hours),
                server_timeout=max(1, int(self._pipeline.call_timeout_s)),
                **extra,
            )
            if got.status == LogsQueryStatus.PARTIAL and isinstance(got, LogsQueryPartialResult):
                reason = getattr(got.partial_error, "message", "") or "the service returned part of the result"
                return nwconvert.log_table(list(got.partial_data), partial=str(reason))
            return nwconvert.log_table(list(got.tables))

        return self._call("query_logs", f"Log Analytics workspace {workspace_customer_id}", run)

    def public_ip_address(self, public_ip_id: str) -> str:
        sub, rg, (name,) = self._parse(public_ip_id, "publicIPAddresses")
        net = self._network(sub)
        url = self._url(sub, rg, "publicIPAddresses", name)
        raw = self._call("public_ip_address", public_ip_id, lambda: get_json(net, url, NETWORK_API_VERSION))
        return nwconvert.public_ip(raw)

    def _logs_endpoint(self) -> str:
        if self._logs_url:
            return self._logs_url.rstrip("/")
        base = self._pipeline.base_url
        return PUBLIC_LOGS if base == PUBLIC_ARM else base.rstrip("/")

    def _logs(self) -> Any:
        with self._logs_lock:
            if self._logs_client is None:
                from azure.monitor.query import LogsQueryClient

                endpoint = self._logs_endpoint()
                self._logs_client = LogsQueryClient(
                    self._pipeline.credential,
                    endpoint=endpoint,
                    retry_total=2,
                    connection_timeout=5,
                    read_timeout=max(5.0, self._pipeline.call_timeout_s),
                )
            return self._logs_client


def _parsed(rid: str) -> ResourceId:
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        raise AzureFailure("bad_request", "not an Azure resource id", "InvalidResourceId", rid) from None
    if not r.subscription_id or not r.names:
        raise AzureFailure("bad_request", "not an Azure resource id", "InvalidResourceId", rid)
    return r


def _quoted(rid: str) -> str:
    return "/" + "/".join(quote(p, safe="") for p in rid.strip("/").split("/"))
