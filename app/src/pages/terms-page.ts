/**
 * /terms: the conditions of use that follow from how the product works. The deployment's agreement
 * with the customer (and its data processing agreement) takes precedence; this page says so.
 */
import { EWS_SHUTDOWN_DATE } from '../../../api/src/powershell-commands';
import { html } from './html';
import { POLICY_PATHS, type PolicyPage } from './layout';
import { contactOf, interval, longDate, type PolicySettings } from './policy-settings';

export function termsPage(s: PolicySettings): PolicyPage {
  const privacy = POLICY_PATHS.privacy;
  return {
    title: 'Terms of use',
    summary:
      'The terms under which your organisation uses Exchange Connect. Where your organisation has an agreement with the publisher of this deployment, that agreement takes precedence over this page.',
    body: html` <h2>The service</h2>
      <p>
        Exchange Connect is a Microsoft Teams app with which a Global Administrator connects your
        organisation's Exchange to a meeting-room and workplace platform: Exchange Online through Microsoft
        Graph (or, until ${longDate(EWS_SHUTDOWN_DATE)}, Exchange Web Services), or Exchange Server through a
        service account. It verifies the connection, checks it every ${interval(s.healthIntervalMs)}, and
        tells your admins in Teams when it stops working and when it recovers.
      </p>

      <h2>Who may connect Exchange</h2>
      <p>
        Only a Global Administrator of your organisation can connect, change or disconnect Exchange in
        Exchange Connect. By granting admin consent, or by entering a service account, they act for your
        organisation and confirm that your organisation may give the platform the access the
        <a href="${privacy}#reads">privacy statement</a> describes.
      </p>

      <h2>Your organisation's part</h2>
      <ul>
        <li>
          Grant only the permissions Exchange Connect shows, and limit them to room mailboxes where you can.
        </li>
        <li>
          Keep the Exchange Server service account under your control; change its password through the tab so
          the connection keeps working.
        </li>
        <li>Decide who in your organisation may install the Exchange Connect bot, which posts alerts.</li>
        <li>Use Exchange Connect within the terms of your Microsoft 365 or Exchange licences.</li>
      </ul>

      <h2>Your data</h2>
      <p>
        The Exchange data Exchange Connect accesses remains governed by the data processing agreement between
        your organisation and the publisher. What it reads, what it stores, for how long, and who can see it
        is in the <a href="${privacy}">privacy statement</a>. It stores no mailbox content.
      </p>

      <h2>Availability and change</h2>
      <p>
        Exchange Connect depends on Microsoft 365, Microsoft Entra ID and your Exchange servers being
        reachable, and on the Microsoft interfaces it uses. When Microsoft retires one (EWS in Exchange Online
        ends on ${longDate(EWS_SHUTDOWN_DATE)}), Exchange Connect warns your admins and offers the
        replacement. Anything beyond this, such as service levels, is a matter for your agreement with the
        publisher.
      </p>

      <h2>Ending</h2>
      <p>
        Your admins can disconnect Exchange at any time in the tab, and remove Exchange Connect's consent in
        Microsoft Entra; the <a href="${privacy}#disconnect">privacy statement</a> lists what each step
        removes and how long records remain.
      </p>

      <h2>Contact</h2>
      <p>${contactOf(s.publisherContact)}</p>`,
  };
}
