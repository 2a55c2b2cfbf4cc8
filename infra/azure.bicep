// Exchange Connect in Azure: one Linux App Service (tab, API, consent callback, bot endpoint and the
// health scheduler in one Node process), a Key Vault for service-account passwords and the bot's
// secret, and the Azure Bot registration with its Teams channel.

@maxLength(20)
@minLength(4)
@description('Prefix of every resource name; web app and Key Vault names must be globally unique.')
param resourceBaseName string

param location string = resourceGroup().location

@description('App Service plan SKU. B1 or above: the health scheduler needs Always On.')
param webAppSku string = 'B1'

@description('Node.js LTS runtime of the Linux web app; the deploy artifact is built on the same major version.')
param linuxFxVersion string = 'NODE|22-lts'

@description('Command App Service runs to start the production server: the compiled build, plain node.')
param startupCommand string = 'node dist/app/src/main.js'

@description('Teams app id (the bot\'s "Open Exchange Connect" deep link).')
param teamsAppId string

@description('Client id of the multi-tenant Entra app (admin consent, certificate tokens, tab SSO).')
param aadAppClientId string

@description('Client id of the bot\'s single-tenant Entra app.')
param botAadAppClientId string

@description('Tenant of the bot\'s Entra app (the publisher tenant).')
param botTenantId string

@secure()
@description('Client secret of the bot\'s Entra app; stored in Key Vault, never in app settings.')
param botAadAppClientSecret string

@maxLength(42)
param botDisplayName string

param botServiceSku string = 'F0'

var webAppName = resourceBaseName
var keyVaultName = '${resourceBaseName}-kv'
var publicHostName = '${webAppName}.azurewebsites.net'
var botPasswordSecretName = 'bot-app-password'
// Built-in role "Key Vault Secrets Officer": the app writes new secret versions when an admin
// updates the service-account password, and reads them for the health checks.
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
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
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: botPasswordSecretName
  properties: {
    value: botAadAppClientSecret
    contentType: 'Entra client secret of the Exchange Connect bot'
  }
}

resource serverfarm 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true // Linux
  }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: linuxFxVersion
      appCommandLine: startupCommand
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '1' }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        { name: 'WEBSITES_PORT', value: '8080' }
        { name: 'EC_PORT', value: '8080' }
        { name: 'EC_PUBLIC_URL', value: 'https://${publicHostName}' }
        { name: 'EC_CLIENT_ID', value: aadAppClientId }
        { name: 'EC_KEY_VAULT_URL', value: keyVault.properties.vaultUri }
        { name: 'EC_BOT_APP_ID', value: botAadAppClientId }
        // /home is the App Service's persistent storage; the package itself is read-only.
        { name: 'EC_DATABASE_FILE', value: '/home/data/exchange-connect.db' }
        { name: 'EC_APP_CERT_FILE', value: '/home/site/certs/app-cert.pem' }
        { name: 'EC_APP_KEY_FILE', value: '/home/site/certs/app-cert.key' }
        // One sealing key for every instance (the tab seals service-account passwords to it).
        { name: 'EC_SEALING_KEY_FILE', value: '/home/site/certs/sealing-key.pem' }
        { name: 'EC_TEAMS_APP_ID', value: teamsAppId }
        { name: 'EC_BOT_LOGIN_AUTHORITY', value: 'https://login.microsoftonline.com/${botTenantId}' }
        // Read by botbuilder's ConfigurationBotFrameworkAuthentication.
        { name: 'MicrosoftAppType', value: 'SingleTenant' }
        { name: 'MicrosoftAppId', value: botAadAppClientId }
        { name: 'MicrosoftAppTenantId', value: botTenantId }
        {
          name: 'MicrosoftAppPassword'
          value: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=${botPasswordSecret.name})'
        }
      ]
    }
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, webApp.id, keyVaultSecretsOfficerRoleId)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: webApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botAadAppClientId
    msaAppType: 'SingleTenant'
    msaAppTenantId: botTenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Persisted by arm/deploy into env/.env.<env>.
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output TAB_DOMAIN string = webApp.properties.defaultHostName
output TAB_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output KEY_VAULT_URI string = keyVault.properties.vaultUri
