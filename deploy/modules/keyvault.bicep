// Key Vault (RBAC authorization) for the Slack signing secret, the bot token, the alert
// webhook token and the deployment secret (VPNOPS_SECRET_KEY: it seals every jobs-queue
// message, so it must never sit in the storage account the queue is in). The Function App
// reads them through Key Vault references (@Microsoft.KeyVault(SecretUri=…)) with the bot
// identity, which may read these four secrets and nothing else: Key Vault Secrets User is
// assigned per secret, not per vault.

@description('Name of the Key Vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the Key Vault.')
param location string

@description('Tags applied to the Key Vault.')
param tags object = {}

@description('Principal id of the bot identity that reads the secrets.')
param readerPrincipalId string

@description('Slack app Signing Secret (Basic Information → App Credentials).')
@secure()
param slackSigningSecret string

@description('Slack Bot User OAuth Token, xoxb-… (OAuth & Permissions).')
@secure()
param slackBotToken string

@description('Shared token Azure Monitor action groups put in the /api/alerts URL.')
@secure()
param alertToken string

@description('The deployment secret: seals jobs-queue messages (HMAC) and keys shared-key digests.')
@secure()
param secretKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: Key Vault references from a Flex Consumption app without VNet integration resolve over the public endpoint; access is RBAC per secret to one identity.
  // checkov:skip=CKV_AZURE_189: Key Vault references from a Flex Consumption app without VNet integration need the public endpoint; access is RBAC per secret to one identity.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Flex Consumption without VNet integration resolves Key Vault references over the
      // public endpoint; RBAC on each secret is the control. See checkov skip CKV_AZURE_109.
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Setting name (as in bot/settings.py) -> secret name and value.
var secrets = [
  {
    setting: 'SLACK_SIGNING_SECRET'
    name: 'slack-signing-secret'
    value: slackSigningSecret
  }
  {
    setting: 'SLACK_BOT_TOKEN'
    name: 'slack-bot-token'
    value: slackBotToken
  }
  {
    setting: 'VPNOPS_ALERT_TOKEN'
    name: 'vpnops-alert-token'
    value: alertToken
  }
  {
    setting: 'VPNOPS_SECRET_KEY'
    name: 'vpnops-secret-key'
    value: secretKey
  }
]

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for s in secrets: {
  // checkov:skip=CKV_AZURE_41: Slack signing secrets and bot tokens do not expire; an expiry date would make the Key Vault reference fail and the bot go silent. Rotate by setting a new version (docs/deploy.md).
  parent: vault
  name: s.name
  properties: {
    value: s.value
    contentType: 'text/plain'
    attributes: {
      enabled: true
    }
  }
}]

// Key Vault Secrets User
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (s, i) in secrets: {
  name: guid(vault.id, s.name, readerPrincipalId, keyVaultSecretsUser)
  scope: secret[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

output name string = vault.name
output signingSecretUri string = secret[0].properties.secretUri
output botTokenUri string = secret[1].properties.secretUri
output alertTokenUri string = secret[2].properties.secretUri
output secretKeyUri string = secret[3].properties.secretUri
