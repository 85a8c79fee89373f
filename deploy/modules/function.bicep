// Flex Consumption Function App (Linux, Python 3.11) running as the bot identity.
// Flex Consumption takes its runtime from functionAppConfig, so FUNCTIONS_WORKER_RUNTIME
// and FUNCTIONS_EXTENSION_VERSION must NOT be app settings (the platform rejects them).

@description('Name of the Function App (becomes <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app; the app also gets azd-service-name.')
param tags object = {}

@description('Resource id of the bot user-assigned identity.')
param identityId string

@description('Client id of the bot user-assigned identity.')
param identityClientId string

@description('Name of the Function storage account (identity-based AzureWebJobsStorage).')
param storageAccountName string

@description('Blob endpoint of the Function storage account.')
param blobEndpoint string

@description('Table endpoint of the Function storage account.')
param tableEndpoint string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (not a secret: local auth is disabled).')
param appInsightsConnectionString string

@description('Key Vault secret URI of SLACK_SIGNING_SECRET.')
param signingSecretUri string

@description('Key Vault secret URI of SLACK_BOT_TOKEN.')
param botTokenUri string

@description('Key Vault secret URI of VPNOPS_ALERT_TOKEN.')
param alertTokenUri string

@description('Key Vault secret URI of VPNOPS_SECRET_KEY (seals jobs-queue messages; never in the storage account).')
param secretKeyUri string

@description('Bot settings that are not secrets: [{name, value}] with the names of bot/settings.py.')
param botSettings array

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Instances kept warm for HTTP (Slack) triggers; 0 = scale to zero (the ack path is light, see bench/cold_start.py).')
@minValue(0)
@maxValue(10)
param alwaysReadyHttpInstances int = 0

@description('Upper bound of instances the plan may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var platformSettings = [
  // Functions host storage with the identity (no connection string, no key).
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // The bot's own storage clients (bot/store's tables, bot/runtime/queue.py's jobs queue on the
  // same account): an endpoint URL, not a connection string, so the clients sign in as
  // the identity that AZURE_CLIENT_ID names (no key exists to put here).
  {
    name: 'VPNOPS_STORAGE_CONNECTION'
    value: tableEndpoint
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  // /vpn capture: the capture files' container on the same account, reached with a user
  // delegation SAS signed by the identity (bot/store/blobs.py): the blob endpoint, no key.
  {
    name: 'VPNOPS_CAPTURE_STORAGE'
    value: blobEndpoint
  }
  {
    name: 'VPNOPS_CAPTURE_CONTAINER'
    value: 'vpn-captures'
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
  // Secrets from Key Vault, resolved by the platform as keyVaultReferenceIdentity.
  {
    name: 'SLACK_SIGNING_SECRET'
    value: '@Microsoft.KeyVault(SecretUri=${signingSecretUri})'
  }
  {
    name: 'SLACK_BOT_TOKEN'
    value: '@Microsoft.KeyVault(SecretUri=${botTokenUri})'
  }
  {
    name: 'VPNOPS_ALERT_TOKEN'
    value: '@Microsoft.KeyVault(SecretUri=${alertTokenUri})'
  }
  {
    name: 'VPNOPS_SECRET_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${secretKeyUri})'
  }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: Flex Consumption zone redundancy exists only in some regions and needs 2+ always-ready instances; a chat bot that Slack retries tolerates a zone outage. Add zoneRedundant: true where your region and budget allow.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: Slack and Azure Monitor call /api/slack/events and /api/alerts from the internet; requests are authenticated by Slack's signature and the function key + token.
  // checkov:skip=CKV_AZURE_17: Slack cannot present a client certificate; its HMAC signature is the caller authentication.
  // checkov:skip=CKV_AZURE_212: Flex Consumption has no fixed instance count; warm instances are alwaysReadyHttpInstances (0 by default, cost), and Slack retries a missed request.
  // checkov:skip=CKV_AZURE_213: Flex Consumption scales to zero and does not support the App Service health check; /api/health is there for external probes.
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      // App settings inline (not a sites/config resource): one PUT with the site, and no
      // half-configured app between two deployments steps.
      appSettings: concat(platformSettings, botSettings)
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      cors: {
        allowedOrigins: []
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        alwaysReady: alwaysReadyHttpInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ] : []
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

output name string = app.name
output hostName string = app.properties.defaultHostName
output slackEventsUrl string = 'https://${app.properties.defaultHostName}/api/slack/events'
