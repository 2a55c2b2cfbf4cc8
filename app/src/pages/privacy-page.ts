/**
 * /privacy: what Exchange Connect reads in Exchange and why, what it stores where and for how long
 * (this deployment's retention settings), who sees it, and what disconnecting leaves behind. Written
 * from the code: the permissions, windows and limits below are the constants the app runs with.
 */
import { CONSENT_STATE_TTL_MS } from '../../../api/src/identity/admin-consent';
import { FULL_ACCESS_AS_APP, GRAPH_PERMISSIONS } from '../../../api/src/exchange/permissions';
import { DEFAULT_HEALTH_CHECK_OPTIONS } from '../../../api/src/health/checks';
import { ROOM_WINDOW_MS } from '../../../api/src/integrations/verification';
import { EWS_SHUTDOWN_DATE } from '../../../api/src/powershell-commands';
import { ROOM_SCOPE_APPLY_HOURS, roomScopeCommands } from '../../../api/src/room-scope-commands';
import { html, type Html } from './html';
import { POLICY_PATHS, type PolicyPage } from './layout';
import {
  contactOf,
  days,
  interval,
  KEY_VAULT_SOFT_DELETE_DAYS,
  longDate,
  type PolicySettings,
} from './policy-settings';

const HOUR_MS = 60 * 60 * 1000;
const inDays = (ms: number) => Math.round(ms / (24 * HOUR_MS));

function readsInExchange(s: PolicySettings): Html {
  // The tab's own commands, with placeholders where it would fill in the customer's values.
  const roomScope = roomScopeCommands({
    appId: s.appId,
    servicePrincipalId: '<object id of the Exchange Connect enterprise application>',
    room: '<a room mailbox>',
  });
  const roomWindowDays = inDays(ROOM_WINDOW_MS);
  const healthWindowHours = Math.round(DEFAULT_HEALTH_CHECK_OPTIONS.roomWindowMs / HOUR_MS);
  return html` <h2 id="reads">What Exchange Connect reads in Exchange, and why</h2>
    <p>
      A Global Administrator of your organisation connects Exchange once. To prove the connection works, and
      every ${interval(s.healthIntervalMs)} afterwards to notice when it stops working, Exchange Connect
      reads:
    </p>
    <ul>
      <li>
        the calendar folder of the mailbox verification opens (the signed-in admin's, or a mailbox a Global
        Admin picked) and, in health checks, of a room the platform uses: its name, and on EWS the number of
        items in it;
      </li>
      <li>your room lists and the rooms in them: each room's name and email address;</li>
      <li>
        how many items each room's calendar holds over the next ${roomWindowDays} days when verifying, and
        over the next ${healthWindowHours} hours for up to ${DEFAULT_HEALTH_CHECK_OPTIONS.roomSampleSize}
        rooms per health check. It asks Exchange for item identifiers only and counts them: it never reads a
        subject, body, organiser, attendee list, location or attachment, and it never writes to a mailbox.
      </li>
    </ul>
    <p>How it reaches Exchange depends on how your admin connected it:</p>
    <div class="wide">
      <table>
        <thead>
          <tr>
            <th scope="col">Connection</th>
            <th scope="col">Permission</th>
            <th scope="col">What it allows</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td rowspan="2">Exchange Online over Microsoft Graph (the default)</td>
            <td><code>${GRAPH_PERMISSIONS.calendars}</code> (application)</td>
            <td>
              Read and write calendars in all mailboxes. The meeting-room platform Exchange Connect connects
              reads room and mailbox calendars and books rooms with it; Exchange Connect itself only reads, as
              listed above.
            </td>
          </tr>
          <tr>
            <td><code>${GRAPH_PERMISSIONS.places}</code> (application)</td>
            <td>Read your room lists and rooms (Microsoft Places).</td>
          </tr>
          <tr>
            <td>Exchange Online over Exchange Web Services (legacy, until ${longDate(EWS_SHUTDOWN_DATE)})</td>
            <td><code>${FULL_ACCESS_AS_APP}</code> (application)</td>
            <td>
              Use Exchange Web Services with full access to all mailboxes. Microsoft switches EWS in Exchange
              Online off on ${longDate(EWS_SHUTDOWN_DATE)}; Exchange Connect warns your admins before then.
            </td>
          </tr>
          <tr>
            <td>Exchange Server (on-premises)</td>
            <td>A service account with the <code>ApplicationImpersonation</code> role</td>
            <td>
              Act as any mailbox on your Exchange servers through EWS, with Basic authentication over HTTPS to
              the EWS address your admin entered (or found by Autodiscover).
            </td>
          </tr>
        </tbody>
      </table>
    </div>
    <p>
      Exchange Online permissions are granted by a Global Administrator through Microsoft Entra admin consent
      to the Exchange Connect application (application id <code>${s.appId}</code>). Exchange Connect then
      signs in as that application with a certificate; nobody in your organisation shares a password with it.
      For Exchange Server, the service account's password is sealed in the admin's browser to this
      deployment's key before it is sent, written straight to Azure Key Vault, and never shown again.
    </p>

    <h3 id="least-privilege">Limiting Exchange Connect to room mailboxes</h3>
    <p>
      With Microsoft Graph, an Exchange administrator can limit <code>${GRAPH_PERMISSIONS.calendars}</code>
      to room mailboxes with RBAC for Applications in Exchange Online PowerShell (the last command checks one
      room; changes can take up to ${ROOM_SCOPE_APPLY_HOURS} hours to apply):
    </p>
    <pre><code>${roomScope.servicePrincipal}
${roomScope.scope}
${roomScope.assignment}
${roomScope.test}</code></pre>
    <p>
      Entra grants add up: the scope only restricts once the tenant-wide
      <code>${GRAPH_PERMISSIONS.calendars}</code> grant is removed from the Exchange Connect enterprise
      application in Microsoft Entra. <code>${GRAPH_PERMISSIONS.places}</code> stays granted in Entra (RBAC
      for Applications does not cover it). Exchange Connect proves the scope when verifying (a room opens, the
      admin's own mailbox is refused) and keeps proving it in every health check: if it can open a mailbox
      outside the scope again, your admins get an alert.
    </p>`;
}

function stores(s: PolicySettings): Html {
  const r = s.retention;
  const consentMinutes = Math.round(CONSENT_STATE_TTL_MS / 60_000);
  return html` <h2 id="stores">What Exchange Connect stores, where, and for how long</h2>
    <p>
      Records are kept in this deployment's database: a SQLite file on the app's server (one instance) or
      PostgreSQL (several instances). <strong>No mailbox content is stored</strong>: no message bodies, no
      meeting subjects, organisers, attendees or attachments. Old records are deleted once a day, and when the
      app starts.
    </p>
    <div class="wide">
      <table>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">What it holds</th>
            <th scope="col" class="kept">Kept</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Connection</td>
            <td>
              Method and protocol, the room-only scope if proven, the EWS address and service account name
              (Exchange Server), the Key Vault reference of its password, the verified mailbox address, who
              granted consent and when, the last error.
            </td>
            <td>
              While connected; afterwards as history, marked disconnected, without the Key Vault reference
            </td>
          </tr>
          <tr>
            <td>Verification traces</td>
            <td>
              Each step's result and timing, the mailbox address opened, the calendar folder's name (and item
              count on EWS), room names and addresses with whether each was reachable, Microsoft error codes.
            </td>
            <td>${days(r.traceDays)}; the newest trace of each connection is kept, however old</td>
          </tr>
          <tr>
            <td>Health check results</td>
            <td>
              Each check's status and timing, the mailbox and sampled room addresses, the certificate's expiry
              date, Microsoft error codes.
            </td>
            <td>${days(r.healthResultDays)}</td>
          </tr>
          <tr>
            <td>Alerts and their deliveries</td>
            <td>
              What changed (title, summary, the failing check, Microsoft's code, the fix), and per Teams
              conversation whether the card was sent.
            </td>
            <td>
              ${days(r.alertDays)} once delivered; the alert of a problem that is not fixed yet is kept until
              its recovery has been delivered
            </td>
          </tr>
          <tr>
            <td>Audit log</td>
            <td>
              Who did what and when: the admin's Entra object id and user name, the action, success or
              failure, an error code.
            </td>
            <td>${days(r.auditDays)}</td>
          </tr>
          <tr>
            <td>Admin-consent requests</td>
            <td>
              The tenant, the admin's object id and user name, a hash of the one-time value sent to Entra.
            </td>
            <td>Valid ${consentMinutes} minutes; deleted at the next daily clean-up after that</td>
          </tr>
          <tr>
            <td>Bot conversations</td>
            <td>
              Where alerts go: the Teams conversation reference (conversation, user and bot ids, the user's
              display name, the Bot Framework service address), who installed the bot, a mute if set.
            </td>
            <td>While the bot is installed; afterwards marked removed</td>
          </tr>
          <tr>
            <td>Service-account password (Exchange Server only)</td>
            <td>
              Stored in Azure Key Vault only, never in the database or logs. The vault has soft delete and
              purge protection.
            </td>
            <td>
              Until disconnected or replaced; then recoverable in the vault for
              ${days(KEY_VAULT_SOFT_DELETE_DAYS)} before Azure deletes it for good
            </td>
          </tr>
        </tbody>
      </table>
    </div>
    <p>
      The app's logs record each request (method, path without its query, status, duration) and errors with a
      correlation id. Passwords, tokens and keys are never logged. How long logs are kept is set by the
      hosting platform.
    </p>`;
}

function whoSees(): Html {
  return html` <h2 id="who">Who can see what</h2>
    <ul>
      <li>
        <strong>Global Administrators of your organisation</strong> see your organisation's connection, its
        latest verification, its health and its audit log in the Exchange Connect tab in Teams. Other users
        see only who can connect Exchange. Nobody sees another organisation's records.
      </li>
      <li>
        <strong>Your admins' Teams conversations with the Exchange Connect bot</strong> receive its alert
        cards and recovery cards, and answer its status and check commands.
      </li>
      <li>
        <strong>The publisher operating this deployment</strong> can reach the database and logs to run the
        service. The Exchange data the app accesses remains governed by the data processing agreement between
        your organisation and the publisher.
      </li>
    </ul>`;
}

function disconnecting(s: PolicySettings): Html {
  return html` <h2 id="disconnect">Disconnecting, and what remains</h2>
    <p>
      A Global Administrator selects <strong>Disconnect</strong> in the tab. Exchange Connect then stops
      checking and alerting, marks the connection disconnected, and deletes the service-account password from
      Key Vault (it stays recoverable there for ${days(KEY_VAULT_SOFT_DELETE_DAYS)}, then Azure purges it).
      Records listed above are deleted as their retention runs out.
    </p>
    <p>What disconnecting does not remove, and how to remove it:</p>
    <ul>
      <li>
        <strong>The admin consent in Microsoft Entra.</strong> In the Microsoft Entra admin center, open
        Enterprise applications, select Exchange Connect (application id <code>${s.appId}</code>), then
        Properties → Delete. This removes every permission your organisation granted to it.
      </li>
      <li>
        <strong>RBAC for Applications</strong>, if you limited Exchange Connect to rooms: remove its
        management role assignment, management scope and service principal with
        <code>Remove-ManagementRoleAssignment</code>, <code>Remove-ManagementScope</code> and
        <code>Remove-ServicePrincipal</code>.
      </li>
      <li>
        <strong>Exchange Server:</strong> remove the service account's <code>ApplicationImpersonation</code>
        role assignment, or the account itself.
      </li>
    </ul>`;
}

export function privacyPage(s: PolicySettings): PolicyPage {
  return {
    title: 'Privacy statement',
    summary:
      'What Exchange Connect reads in your Exchange organisation, what it stores and for how long, who can see it, and how to remove it.',
    body: html` ${readsInExchange(s)} ${stores(s)} ${whoSees()} ${disconnecting(s)}
      <h2 id="contact">Contact</h2>
      <p>${contactOf(s.publisherContact)}</p>
      <p class="meta">See also the <a href="${POLICY_PATHS.terms}">terms of use</a>.</p>`,
  };
}
