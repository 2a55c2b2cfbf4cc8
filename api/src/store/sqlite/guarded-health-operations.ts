/** The health operations behind the transaction gate, as GuardedOperations does for the rest. */
import type {
  AlertInput,
  ClaimDeliveriesOptions,
  ClaimDueHealthOptions,
  ClaimedDelivery,
  ClaimHealthOptions,
  ClaimNextDeliveriesOptions,
  HealthClaim,
  HealthRunInput,
  HealthStoreOperations,
  SettleDeliveryInput,
} from '../health-port';
import type { AlertDelivery, HealthAlert, HealthResult, IntegrationHealth } from '../health-types';
import type { ListOptions } from '../port';
import type { IsoInstant } from '../types';
import type { Sync } from './statements';

export class GuardedHealthOperations implements HealthStoreOperations {
  constructor(
    private readonly health: Sync<HealthStoreOperations>,
    protected readonly guard: () => Promise<void>,
  ) {}

  async claimDueHealthChecks(options: ClaimDueHealthOptions): Promise<HealthClaim[]> {
    await this.guard();
    return this.health.claimDueHealthChecks(options);
  }
  async claimHealthCheck(options: ClaimHealthOptions): Promise<HealthClaim | undefined> {
    await this.guard();
    return this.health.claimHealthCheck(options);
  }
  async releaseHealthLease(integrationId: string, tenantId: string, owner: string): Promise<void> {
    await this.guard();
    this.health.releaseHealthLease(integrationId, tenantId, owner);
  }
  async recordHealthRun(run: HealthRunInput): Promise<void> {
    await this.guard();
    this.health.recordHealthRun(run);
  }
  async getIntegrationHealth(tenantId: string): Promise<IntegrationHealth | undefined> {
    await this.guard();
    return this.health.getIntegrationHealth(tenantId);
  }
  async setHealthMute(tenantId: string, mutedUntil: IsoInstant | undefined): Promise<boolean> {
    await this.guard();
    return this.health.setHealthMute(tenantId, mutedUntil);
  }
  async listHealthResults(tenantId: string, options: ListOptions): Promise<HealthResult[]> {
    await this.guard();
    return this.health.listHealthResults(tenantId, options);
  }
  async pruneHealthResults(before: Date): Promise<number> {
    await this.guard();
    return this.health.pruneHealthResults(before);
  }
  async addAlert(alert: AlertInput): Promise<HealthAlert> {
    await this.guard();
    return this.health.addAlert(alert);
  }
  async listAlerts(tenantId: string, options: ListOptions): Promise<HealthAlert[]> {
    await this.guard();
    return this.health.listAlerts(tenantId, options);
  }
  async listUnplannedAlerts(options: ListOptions): Promise<HealthAlert[]> {
    await this.guard();
    return this.health.listUnplannedAlerts(options);
  }
  async planAlertDeliveries(
    alertId: string,
    conversationIds: readonly string[],
    now: Date,
  ): Promise<AlertDelivery[]> {
    await this.guard();
    return this.health.planAlertDeliveries(alertId, conversationIds, now);
  }
  async claimAlertDeliveries(options: ClaimDeliveriesOptions): Promise<ClaimedDelivery[]> {
    await this.guard();
    return this.health.claimAlertDeliveries(options);
  }
  async settleAlertDelivery(input: SettleDeliveryInput): Promise<AlertDelivery> {
    await this.guard();
    return this.health.settleAlertDelivery(input);
  }
  async listAlertDeliveries(tenantId: string, alertId: string): Promise<AlertDelivery[]> {
    await this.guard();
    return this.health.listAlertDeliveries(tenantId, alertId);
  }
  async claimNextDeliveryPerConversation(options: ClaimNextDeliveriesOptions): Promise<ClaimedDelivery[]> {
    await this.guard();
    return this.health.claimNextDeliveryPerConversation(options);
  }
  async sentActivityOf(
    tenantId: string,
    alertId: string,
    conversationId: string,
  ): Promise<string | undefined> {
    await this.guard();
    return this.health.sentActivityOf(tenantId, alertId, conversationId);
  }
  async incidentClosedBy(tenantId: string, alertId: string): Promise<HealthAlert | undefined> {
    await this.guard();
    return this.health.incidentClosedBy(tenantId, alertId);
  }
}
