/**
 * Adaptive Card basics shared by every card the bot sends: the schema version Teams renders
 * (1.5), the attachment wrapper, the two buttons, and the deep link to the personal tab.
 */
export { CHECK_LABELS } from '../../../api/src/health/port';
import type { Attachment } from 'botbuilder';
import type { JsonObject } from '../../../api/src/store/types';
import type { AlertSeverity, HealthState } from '../../../api/src/store/health-types';

export const ADAPTIVE_CARD_VERSION = '1.5';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** The Action.Execute verb of "Check again"; the invoke handler answers it with a fresh status card. */
export const CHECK_AGAIN_VERB = 'checkAgain';

export interface AdaptiveCard extends JsonObject {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: JsonObject[];
}

/** Where "Open Exchange Connect" leads: the app's personal tab. */
export interface TabLink {
  teamsAppId: string;
  entityId: string;
}

export function tabDeepLink(link: TabLink): string {
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(link.teamsAppId)}/${encodeURIComponent(link.entityId)}`;
}

export function adaptiveCard(body: JsonObject[], actions: JsonObject[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

export function cardAttachment(card: AdaptiveCard): Attachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

export function checkAgainAction(): JsonObject {
  return { type: 'Action.Execute', title: 'Check again', verb: CHECK_AGAIN_VERB, data: {} };
}

export function openTabAction(link: TabLink): JsonObject {
  return { type: 'Action.OpenUrl', title: 'Open Exchange Connect', url: tabDeepLink(link) };
}

/** Our own fixed wording, which may use Adaptive Card markdown. Never pass data through it. */
export function text(value: string, extra: JsonObject = {}): JsonObject {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

/**
 * Text that came from a store, Exchange or Microsoft (messages, addresses, remedies): a TextRun,
 * which Adaptive Cards never read as markdown, so a `[link](…)` in it stays text.
 */
export function plain(value: string, extra: JsonObject = {}): JsonObject {
  const { weight, isSubtle, spacing, ...block } = extra;
  return {
    type: 'RichTextBlock',
    inlines: [
      {
        type: 'TextRun',
        text: value,
        ...(weight !== undefined ? { weight } : {}),
        ...(isSubtle !== undefined ? { isSubtle } : {}),
      },
    ],
    ...(spacing !== undefined ? { spacing } : {}),
    ...block,
  };
}

/**
 * Title/value pairs. Teams reads FactSet values as markdown, so each pair is a RichTextBlock of
 * two TextRuns instead: the value is shown exactly as it is.
 */
export function facts(pairs: [string, string | undefined][]): JsonObject {
  return {
    type: 'Container',
    spacing: 'Small',
    items: pairs
      .filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '')
      .map(([title, value]): JsonObject => ({
        type: 'RichTextBlock',
        spacing: 'None',
        inlines: [
          { type: 'TextRun', text: `${title}: `, weight: 'Bolder' },
          { type: 'TextRun', text: value },
        ],
      })),
  };
}

/** An instant as admins read it in a fact: `2026-11-28 16:41 UTC`. */
export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const SEVERITY_COLOUR: Record<AlertSeverity, 'attention' | 'warning' | 'good'> = {
  critical: 'attention',
  warning: 'warning',
  info: 'good',
};

export const STATE_COLOUR: Record<HealthState, 'attention' | 'warning' | 'good'> = {
  failing: 'attention',
  degraded: 'warning',
  healthy: 'good',
};

/** A coloured band with the card's headline, as Teams shows severity. */
export function header(
  title: string,
  style: 'attention' | 'warning' | 'good' | 'accent',
  subtitle?: string,
): JsonObject {
  return {
    type: 'Container',
    style,
    bleed: true,
    items: [
      {
        type: 'RichTextBlock',
        inlines: [{ type: 'TextRun', text: title, size: 'Medium', weight: 'Bolder' }],
      },
      ...(subtitle ? [plain(subtitle, { spacing: 'Small', isSubtle: true })] : []),
    ],
  };
}
