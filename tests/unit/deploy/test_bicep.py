"""The deployment in deploy/, azure.yaml, host.json and friends: parsed and checked.

No Azure here, so these check what can be known without deploying: every Bicep file
parses (pycep-parser, the parser checkov uses), passes checkov's Azure policies with each
skip justified, documents every parameter, names every role GUID, grants only what the
bot uses, keeps secrets in Key Vault, and spells app settings as bot/settings.py does.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pycep import BicepParser

import bot.settings as settings_module
from bot.runtime.queue import DEFAULT_QUEUE
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
BICEP_FILES = sorted(DEPLOY.rglob("*.bicep"))
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"

# Built-in role definition GUIDs the templates may use, with their names.
BUILT_IN_ROLES = {
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}
GUID = re.compile(r"'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'")

# App settings the Functions platform defines (not the bot's): spelled as Azure documents.
PLATFORM_SETTINGS = {
    "AzureWebJobsStorage",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "AzureWebJobsFeatureFlags",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "AZURE_CLIENT_ID",
    "FUNCTIONS_WORKER_RUNTIME",
}
BOT_SETTINGS = {v for k, v in vars(settings_module).items() if k.isupper() and isinstance(v, str)}

# The actions the bot performs beyond Reader (commands/port.py's writes and ARM actions).
CUSTOM_ROLE_ACTIONS = {
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
    "Microsoft.Network/virtualNetworks/peer/action",
    "Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action",
    "Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus/action",
    "Microsoft.Network/virtualNetworkGateways/getLearnedRoutes/action",
    "Microsoft.Network/virtualNetworkGateways/getAdvertisedRoutes/action",
    "Microsoft.Network/virtualNetworkGateways/getVpnClientConnectionHealth/action",
    "Microsoft.Network/networkInterfaces/effectiveRouteTable/action",
    "Microsoft.Network/connections/sharedKey/read",
    # The batch metrics API (commands/port.py metrics_batch), at subscription scope.
    "Microsoft.Insights/metrics/read",
    "Microsoft.Network/connections/getikesas/action",
    # /vpn path (issue 19): Network Watcher next hop, IP flow verify, a NIC's effective NSGs.
    "Microsoft.Network/networkWatchers/nextHop/action",
    "Microsoft.Network/networkWatchers/ipFlowVerify/action",
    "Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action",
    # /vpn troubleshoot (issue 19).
    "Microsoft.Network/networkWatchers/troubleshoot/action",
    # The actions under approval (commands/actions, bot/arm/actions.py).
    "Microsoft.Network/virtualNetworkGateways/reset/action",
    "Microsoft.Network/connections/resetconnection/action",
    "Microsoft.Network/connections/write",
    "Microsoft.Network/connections/sharedKey/write",
    "Microsoft.Network/virtualNetworkGateways/startPacketCapture/action",
    "Microsoft.Network/virtualNetworkGateways/stopPacketCapture/action",
    "Microsoft.Network/connections/startPacketCapture/action",
    "Microsoft.Network/connections/stopPacketCapture/action",
}


def parse(path: Path) -> dict[str, Any]:
    return BicepParser().parse(file_path=path)  # type: ignore[no-any-return]


def test_there_is_a_main_template_and_its_modules() -> None:
    names = {p.relative_to(DEPLOY).as_posix() for p in BICEP_FILES}
    assert "main.bicep" in names
    assert {"modules/function.bicep", "modules/storage.bicep", "modules/keyvault.bicep"} <= names


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_bicep_file_parses(path: Path) -> None:
    tree = parse(path)
    assert tree.get("resources") or tree.get("modules"), f"{path.name} declares nothing"


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_parameter_has_a_description(path: Path) -> None:
    for name, param in parse(path).get("parameters", {}).items():
        kinds = {d.get("type") for d in param.get("decorators", [])}
        assert "description" in kinds, f"{path.name}: param {name} has no @description"


def test_every_module_reference_points_at_a_file() -> None:
    for path in BICEP_FILES:
        for ref in re.findall(r"^module \w+ '([^']+)'", path.read_text(), re.MULTILINE):
            assert (path.parent / ref).is_file(), f"{path.name} references missing {ref}"


def test_every_role_guid_is_a_known_built_in_role_named_beside_it() -> None:
    for path in BICEP_FILES:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            for guid in GUID.findall(line):
                assert guid in BUILT_IN_ROLES, f"{path.name}:{i + 1}: unknown role GUID {guid}"
                context = line + "\n" + lines[i - 1]
                assert BUILT_IN_ROLES[guid] in context, f"{path.name}:{i + 1}: {guid} without its name"


def test_custom_role_holds_exactly_the_bots_actions_and_no_wildcards() -> None:
    text = (DEPLOY / "modules" / "role-definition.bicep").read_text()
    actions = set(re.findall(r"^\s*'(Microsoft\.[^']+)'", text, re.MULTILINE))
    assert actions >= CUSTOM_ROLE_ACTIONS
    assert not any("*" in a for a in actions)
    writes = {a for a in actions if a.endswith(("/write", "/delete"))}
    assert writes == {
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
        "Microsoft.Network/connections/write",  # /vpn bgp
        "Microsoft.Network/connections/sharedKey/write",  # /vpn sharedkey sync
    }
    extra = actions - CUSTOM_ROLE_ACTIONS
    assert all(a.endswith("/read") for a in extra), f"unexpected non-read actions: {extra - CUSTOM_ROLE_ACTIONS}"


def test_target_scopes_get_reader_and_the_custom_role_only() -> None:
    for name in ("target-subscription.bicep", "target-resource-group.bicep"):
        text = (DEPLOY / "modules" / name).read_text()
        assert set(GUID.findall(text)) == {"acdd72a7-3385-48ef-bd42-f606fba81ae7"}  # Reader
        assert "customRoleGuid" in text
        assert text.count("Microsoft.Authorization/roleAssignments") == 2


def test_storage_allows_no_shared_keys_and_the_identity_gets_data_roles() -> None:
    tree = parse(DEPLOY / "modules" / "storage.bicep")
    account = next(r for r in tree["resources"].values() if r["type"] == "Microsoft.Storage/storageAccounts")
    props = account["config"]["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    text = (DEPLOY / "modules" / "storage.bicep").read_text()
    for role in ("Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor"):
        assert role in text


def _app_settings() -> dict[str, str]:
    """Every `{name: 'X', value: …}` app setting in the templates, name → value source."""
    out: dict[str, str] = {}
    for path in (DEPLOY / "main.bicep", DEPLOY / "modules" / "function.bicep"):
        for name, value in re.findall(r"name: '([A-Za-z_]+)'\s*\n\s*value: ([^\n]+)", path.read_text()):
            out[name] = value.strip()
    return out


def test_app_setting_names_are_spelled_as_in_bot_settings() -> None:
    names = set(_app_settings())
    unknown = names - BOT_SETTINGS - PLATFORM_SETTINGS
    assert not unknown, f"app settings bot/settings.py does not know: {unknown}"
    needed = {
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "VPNOPS_ALERT_TOKEN",
        "AZURE_SUBSCRIPTION_IDS",
        "VPNOPS_JOBS",
        "VPNOPS_QUEUE",
        "VPNOPS_STORE",
        "VPNOPS_STORAGE_CONNECTION",
        "VPNOPS_WATCH_SCHEDULE",
        "VPNOPS_SECRET_KEY",
        "SLACK_APP_ID",
        "SLACK_TEAM_ID",
        "VPNOPS_CHANNEL_SCOPES",
        "VPNOPS_MUTE_GROUP",
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
    }
    assert needed <= names


def test_secrets_are_key_vault_references_never_values() -> None:
    settings = _app_settings()
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "VPNOPS_ALERT_TOKEN", "VPNOPS_SECRET_KEY"):
        assert settings[name].startswith("'@Microsoft.KeyVault(SecretUri="), name
    main = parse(DEPLOY / "main.bicep")
    for name in ("slackSigningSecret", "slackBotToken", "alertToken", "secretKey"):
        param = main["parameters"][name]
        assert {"secure"} <= {d.get("type") for d in param.get("decorators", [])}, name
        assert param.get("default") is None, f"{name} must not have a default value"
    keyvault = (DEPLOY / "modules" / "keyvault.bicep").read_text()
    assert "enableRbacAuthorization: true" in keyvault
    assert "enablePurgeProtection: true" in keyvault


def test_the_deployment_secret_is_in_key_vault_and_not_in_the_storage_account() -> None:
    """VPNOPS_SECRET_KEY seals the jobs queue's messages: whoever holds the storage account
    must not hold the key (bot/runtime/signing.py)."""
    storage = (DEPLOY / "modules" / "storage.bicep").read_text()
    assert "secretKey" not in storage and "VPNOPS_SECRET_KEY" not in storage
    keyvault = (DEPLOY / "modules" / "keyvault.bicep").read_text()
    assert "setting: 'VPNOPS_SECRET_KEY'" in keyvault and "value: secretKey" in keyvault
    param = parse(DEPLOY / "main.bicep")["parameters"]["secretKey"]
    kinds = {d.get("type") for d in param.get("decorators", [])}
    assert {"secure", "min_length"} <= kinds


def test_the_function_app_runs_python_311_on_flex_consumption_as_the_user_assigned_identity() -> None:
    text = (DEPLOY / "modules" / "function.bicep").read_text()
    assert "tier: 'FlexConsumption'" in text and "name: 'FC1'" in text
    assert re.search(r"name: 'python'\s*\n\s*version: '3.11'", text)
    assert "type: 'UserAssigned'" in text
    assert "keyVaultReferenceIdentity: identityId" in text
    assert "httpsOnly: true" in text
    # Flex Consumption rejects these as app settings: the runtime is in functionAppConfig.
    assert not {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION"} & set(_app_settings())


def test_the_jobs_queue_the_template_creates_is_the_one_the_bot_uses() -> None:
    main = (DEPLOY / "main.bicep").read_text()
    assert f"var jobsQueueName = '{DEFAULT_QUEUE}'" in main
    assert Settings().queue_name == DEFAULT_QUEUE
    assert "'${jobsQueueName}-poison'" in (DEPLOY / "modules" / "storage.bicep").read_text()


def test_every_checkov_skip_says_why() -> None:
    skip = re.compile(r"checkov:skip=(CKV_[A-Z0-9_]+)(:?)(.*)")
    found = 0
    for path in BICEP_FILES:
        for m in skip.finditer(path.read_text()):
            found += 1
            assert m.group(2) == ":" and len(m.group(3).strip()) >= 30, (
                f"{path.name}: {m.group(1)} skipped without a reason"
            )
    assert found, "no skips at all? then this test should go"


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov lives in .venv-tools: run `make tools` (make test does)")
def test_checkov_passes_on_the_bicep() -> None:
    out = subprocess.run(
        [
            str(CHECKOV),
            "--framework",
            "bicep",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
            "-d",
            str(DEPLOY),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(out.stdout)
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['file_path']}:{c['resource']}" for c in report["results"]["failed_checks"]]
    assert summary["parsing_errors"] == 0
    assert failed == [], failed
    assert summary["passed"] > 20
    assert out.returncode == 0


def test_host_json_bounds_retries_timeouts_and_pins_the_extension_bundle() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    queues = host["extensions"]["queues"]
    assert 1 < queues["maxDequeueCount"] <= 5  # then the poison queue tells the user
    assert 1 <= queues["batchSize"] <= 32
    assert queues["messageEncoding"] == "base64"  # what bot.runtime.queue writes
    h, m, s = (int(x) for x in host["functionTimeout"].split(":"))
    assert 60 <= h * 3600 + m * 60 + s <= 30 * 60


def test_azure_yaml_points_azd_at_deploy_and_the_function_app() -> None:
    doc = yaml.safe_load((ROOT / "azure.yaml").read_text())
    assert doc["infra"]["path"] == "deploy"
    api = doc["services"]["api"]
    assert (api["host"], api["language"], api["project"]) == ("function", "python", ".")
    assert "'azd-service-name': 'api'" in (DEPLOY / "modules" / "function.bicep").read_text()
    params = json.loads((DEPLOY / "main.parameters.json").read_text())["parameters"]
    required = {name for name, p in parse(DEPLOY / "main.bicep")["parameters"].items() if p.get("default") is None}
    assert required <= set(params), f"azd cannot fill {required - set(params)}"


def test_local_settings_example_uses_known_names_and_holds_no_real_secret() -> None:
    values = json.loads((DEPLOY / "local.settings.example.json").read_text())["Values"]
    assert set(values) - BOT_SETTINGS - PLATFORM_SETTINGS == set()
    assert values["VPNOPS_QUEUE"] == DEFAULT_QUEUE
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "VPNOPS_ALERT_TOKEN"):
        assert values[name].startswith("<"), f"{name} must be a placeholder"


def test_funcignore_ships_the_app_and_leaves_out_tests_venvs_and_local_secrets() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".funcignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".venv-tools", "tests", "local.settings.json", "node_modules"} <= ignored
    assert not {"bot", "commands", "sandbox", "function_app.py", "host.json", "requirements.txt"} & ignored
