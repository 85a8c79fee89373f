// vpnops on Azure: everything `azd up` (infra.path: deploy) provisions.
//
//   resource group ─┬─ user-assigned identity (the bot's only identity)
//                   ├─ storage (identity only, no shared keys): host, jobs queue, tables
//                   ├─ Log Analytics + Application Insights (AAD-only ingestion)
//                   ├─ Key Vault (RBAC): Slack signing secret, bot token, alert token, the
//                   │  deployment secret that seals queue jobs and keys shared-key digests
//                   └─ Flex Consumption plan + Function App (Python 3.11)
//   each target scope: Reader + the custom "vpnops operator" role
//
// App setting names are the constants of bot/settings.py.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; makes the resource names unique (e.g. vpnops-prod).')
param environmentName string

@minLength(1)
@description('Azure region for every resource (must offer Flex Consumption, e.g. northeurope).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@secure()
@description('Slack app Signing Secret (Basic Information → App Credentials) → SLACK_SIGNING_SECRET.')
param slackSigningSecret string

@secure()
@description('Slack Bot User OAuth Token, xoxb-… (OAuth & Permissions) → SLACK_BOT_TOKEN.')
param slackBotToken string

@secure()
@description('Random token Azure Monitor action groups append to /api/alerts as ?token=… → VPNOPS_ALERT_TOKEN (e.g. openssl rand -hex 32). Kept in azd env so redeploys keep it.')
param alertToken string

@secure()
@description('The deployment secret (32+ random characters, e.g. openssl rand -hex 32) → VPNOPS_SECRET_KEY: seals every jobs-queue message (HMAC) and keys the shared-key digests. Kept in Key Vault, never in the storage account; keep it in the azd env so redeploys keep it.')
@minLength(32)
param secretKey string

@description('The Slack app id (Basic Information → App ID, A…) → SLACK_APP_ID: requests for another app are refused.')
param slackAppId string = ''

@description('The workspace (T…) or Enterprise org (E…, org-wide install) the app is installed in → SLACK_TEAM_ID: requests from another installation are refused.')
param slackTeamId string = ''

@description('Which subscriptions a command from each channel may read, as JSON {"C0123ABCD": ["<subscription id>"], "*": []} → VPNOPS_CHANNEL_SCOPES. Empty = every channel reads every target subscription.')
param channelScopes string = ''

@description('Slack user group (handle or id) whose members may mute alerts besides the approvers → VPNOPS_MUTE_GROUP.')
param muteGroup string = ''

@description('Subscriptions the bot reads and may change peerings in → AZURE_SUBSCRIPTION_IDS. Empty = this subscription.')
param targetSubscriptionIds array = []

@description('Narrow the grants to these resource groups, each "<subscriptionId>/<resourceGroupName>"; empty = grant on the whole target subscriptions.')
param targetResourceGroups array = []

@description('Slack user ids allowed to approve peering changes, comma-separated → VPNOPS_APPROVERS.')
param approvers string = ''

@description('Slack user group (handle or id) whose members may approve → VPNOPS_APPROVER_GROUP.')
param approverGroup string = ''

@minValue(1)
@description('Minutes before an unapproved change request expires → VPNOPS_REQUEST_TTL_MINUTES.')
param requestTtlMinutes int = 60

@description('Slack channel id alerts are posted to, e.g. C0123456789 → VPNOPS_ALERT_CHANNEL.')
param alertChannel string = ''

@description('NCRONTAB (six fields) of the watch timer → VPNOPS_WATCH_SCHEDULE.')
param watchSchedule string = '0 */5 * * * *'

@minValue(1)
@maxValue(64)
@description('Maximum concurrent ARM calls per command → VPNOPS_CONCURRENCY.')
param concurrency int = 16

@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
@description('Minimum log level → VPNOPS_LOG_LEVEL.')
param logLevel string = 'INFO'

@description('Name of the custom role definition (unique per tenant: change it for a second installation).')
param customRoleName string = 'vpnops operator (${environmentName})'

@minValue(0)
@maxValue(10)
@description('Always-ready instances for the HTTP (Slack) functions; 0 = scale to zero.')
param alwaysReadyHttpInstances int = 0

@description('Upper bound of Function App instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  app: 'vpnops'
}
var subscriptionIds = empty(targetSubscriptionIds) ? [
  subscription().subscriptionId
] : targetSubscriptionIds
var jobsQueueName = 'vpnops-jobs'
var functionAppName = 'func-vpnops-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-vpnops-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stvpnops${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    jobsQueueName: jobsQueueName
    principalId: identity.outputs.principalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-vpnops-${resourceToken}'
    appInsightsName: 'appi-vpnops-${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-vpnops-${take(resourceToken, 13)}'
    location: location
    tags: tags
    readerPrincipalId: identity.outputs.principalId
    slackSigningSecret: slackSigningSecret
    slackBotToken: slackBotToken
    alertToken: alertToken
    secretKey: secretKey
  }
}

module function 'modules/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-vpnops-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    signingSecretUri: keyVault.outputs.signingSecretUri
    botTokenUri: keyVault.outputs.botTokenUri
    alertTokenUri: keyVault.outputs.alertTokenUri
    secretKeyUri: keyVault.outputs.secretKeyUri
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    botSettings: [
      {
        name: 'AZURE_SUBSCRIPTION_IDS'
        value: join(subscriptionIds, ',')
      }
      {
        name: 'VPNOPS_JOBS'
        value: 'queue'
      }
      {
        name: 'VPNOPS_QUEUE'
        value: jobsQueueName
      }
      {
        name: 'VPNOPS_STORE'
        value: 'table'
      }
      {
        name: 'VPNOPS_WATCH_SCHEDULE'
        value: watchSchedule
      }
      {
        name: 'VPNOPS_CONCURRENCY'
        value: string(concurrency)
      }
      {
        name: 'VPNOPS_APPROVERS'
        value: approvers
      }
      {
        name: 'VPNOPS_APPROVER_GROUP'
        value: approverGroup
      }
      {
        name: 'VPNOPS_REQUEST_TTL_MINUTES'
        value: string(requestTtlMinutes)
      }
      {
        name: 'VPNOPS_ALERT_CHANNEL'
        value: alertChannel
      }
      {
        name: 'VPNOPS_LOG_LEVEL'
        value: logLevel
      }
      {
        name: 'SLACK_APP_ID'
        value: slackAppId
      }
      {
        name: 'SLACK_TEAM_ID'
        value: slackTeamId
      }
      {
        name: 'VPNOPS_CHANNEL_SCOPES'
        value: channelScopes
      }
      {
        name: 'VPNOPS_MUTE_GROUP'
        value: muteGroup
      }
    ]
  }
}

// The custom role lives in this subscription and may be assigned at every target scope.
var assignableSubscriptionScopes = [for s in subscriptionIds: '/subscriptions/${s}']
var assignableGroupScopes = [for g in targetResourceGroups: '/subscriptions/${split(g, '/')[0]}/resourceGroups/${split(g, '/')[1]}']

module customRole 'modules/role-definition.bicep' = {
  name: 'vpnops-role'
  params: {
    roleName: customRoleName
    assignableScopes: union([
      subscription().id
    ], empty(targetResourceGroups) ? assignableSubscriptionScopes : assignableGroupScopes)
  }
}

module subscriptionGrants 'modules/target-subscription.bicep' = [for s in (empty(targetResourceGroups) ? subscriptionIds : []): {
  name: 'vpnops-grants-${uniqueString(s)}'
  scope: subscription(s)
  params: {
    principalId: identity.outputs.principalId
    customRoleGuid: customRole.outputs.roleDefinitionGuid
  }
}]

module groupGrants 'modules/target-resource-group.bicep' = [for g in targetResourceGroups: {
  name: 'vpnops-grants-${uniqueString(g)}'
  scope: resourceGroup(split(g, '/')[0], split(g, '/')[1])
  params: {
    principalId: identity.outputs.principalId
    customRoleGuid: customRole.outputs.roleDefinitionGuid
  }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = function.outputs.name
output SLACK_REQUEST_URL string = function.outputs.slackEventsUrl
output VPNOPS_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output VPNOPS_KEY_VAULT string = keyVault.outputs.name
