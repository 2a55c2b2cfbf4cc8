// Exchange Connect in Azure: a Linux App Service running two or more instances (each serves the tab,
// API, consent callback and bot endpoint, and runs health checks through the pg-boss job engine), an
// Azure Database for PostgreSQL Flexible Server they share, a Key Vault for service-account
// passwords and the database URL, and the Azure Bot registration with its Teams channel. Neither the
// app nor the bot has a client secret: both authenticate with the app certificate.

@maxLength(20)
@minLength(4)
@description('Prefix of every resource name; web app and Key Vault names must be globally unique.')
param resourceBaseName string

param location string = resourceGroup().location

@description('App Service plan SKU. B1 or above: the health checks need Always On, and Basic scales out to 3 instances.')
param webAppSku string = 'B1'

@minValue(2)
@description('App Service instances. They share PostgreSQL, so health checks spread over all of them and one can die.')
param webAppInstanceCount int = 2

@description('PostgreSQL Flexible Server compute (Burstable B1ms holds 2,000 integrations at a 15-minute interval).')
param postgresSkuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('Administrator the app connects as.')
param postgresAdminLogin string = 'exchangeconnect'

@secure()
@minLength(16)
@description('PostgreSQL administrator password; only ever written into the Key Vault secret that holds EC_DATABASE_URL.')
param postgresAdminPassword string

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

@maxLength(42)
param botDisplayName string

param botServiceSku string = 'F0'

var webAppName = resourceBaseName
var keyVaultName = '${resourceBaseName}-kv'
var publicHostName = '${webAppName}.azurewebsites.net'
var databaseUrlSecretName = 'database-url'
var postgresServerName = '${resourceBaseName}-pg'
var databaseName = 'exchange_connect'
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

// The database: password authentication (the password lives in Key Vault inside EC_DATABASE_URL;
// the app's store takes a connection URL, while Entra authentication would need a token refreshed
// hourly as the password and a database role created for the managed identity by SQL, which a
// template cannot do). TLS is required by the server (require_secure_transport), and by the URL.
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: postgresServerName
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: 32
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
  }
}

resource postgresDatabase 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 is Azure's rule for "services in Azure", which is where App Service's outbound addresses are.
resource postgresFromAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// The whole URL is the secret, so no app setting ever carries the password.
resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: databaseUrlSecretName
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${postgresDatabase.name}?sslmode=require'
    contentType: 'PostgreSQL connection URL of Exchange Connect (EC_DATABASE_URL)'
  }
}

resource serverfarm 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
    capacity: webAppInstanceCount
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
        // PostgreSQL, not SQLite on /home (a network share where SQLite's locking is unsafe and a
        // second instance impossible). Resolved from Key Vault by the managed identity at start.
        {
          name: 'EC_DATABASE_URL'
          value: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=${databaseUrlSecret.name})'
        }
        { name: 'EC_APP_CERT_FILE', value: '/home/site/certs/app-cert.pem' }
        { name: 'EC_APP_KEY_FILE', value: '/home/site/certs/app-cert.key' }
        // One sealing key for every instance (the tab seals service-account passwords to it).
        { name: 'EC_SEALING_KEY_FILE', value: '/home/site/certs/sealing-key.pem' }
        { name: 'EC_TEAMS_APP_ID', value: teamsAppId }
        // The single-tenant bot's connector tokens: its own tenant, the app certificate (no password).
        { name: 'EC_BOT_LOGIN_AUTHORITY', value: 'https://login.microsoftonline.com/${botTenantId}' }
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
output POSTGRES_SERVER_FQDN string = postgres.properties.fullyQualifiedDomainName
