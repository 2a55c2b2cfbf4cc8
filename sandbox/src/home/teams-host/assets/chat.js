/* global window, document */
/**
 * The chat pane: polls what the bot posted to the sandbox connector and renders it simply —
 * text, and Adaptive Card TextBlock / FactSet / ActionSet (inside Containers and ColumnSets).
 */

const POLL_MS = 1500;
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Teams' markdown subset, as far as alerts use it: **bold**. Built as DOM nodes, never as HTML. */
function appendMarkdown(parent, text) {
  String(text)
    .split(/(\*\*[^*]+\*\*)/)
    .forEach((part) => {
      if (/^\*\*[^*]+\*\*$/.test(part)) parent.append(el('strong', '', part.slice(2, -2)));
      else if (part) parent.append(document.createTextNode(part));
    });
  return parent;
}

function safeHttpUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function renderAction(action) {
  const title = action.title || 'Open';
  const href = action.type === 'Action.OpenUrl' ? safeHttpUrl(action.url) : undefined;
  if (href) {
    const link = el('a', 'card-action', title);
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    return link;
  }
  const button = el('button', 'card-action', title);
  button.type = 'button';
  button.disabled = true;
  button.title = 'Card actions are sent to the bot by the sandbox activity sender, not from this pane.';
  return button;
}

function renderActions(actions) {
  const row = el('div', 'card-actions');
  (Array.isArray(actions) ? actions : []).forEach((a) => row.append(renderAction(a)));
  return row;
}

function renderElement(item) {
  if (!item || typeof item !== 'object') return undefined;
  switch (item.type) {
    case 'TextBlock': {
      const emphasis = item.weight === 'bolder' || ['large', 'extraLarge', 'medium'].includes(item.size);
      const block = el(
        'p',
        `card-text${emphasis ? ' card-heading' : ''}${item.isSubtle ? ' card-subtle' : ''}`,
      );
      if (item.color === 'attention') block.classList.add('card-attention');
      if (item.color === 'good') block.classList.add('card-good');
      if (item.color === 'warning') block.classList.add('card-warning');
      return appendMarkdown(block, item.text ?? '');
    }
    case 'FactSet': {
      const list = el('dl', 'card-facts');
      (item.facts ?? []).forEach((fact) => {
        list.append(el('dt', '', fact.title ?? ''));
        list.append(appendMarkdown(el('dd'), fact.value ?? ''));
      });
      return list;
    }
    case 'ActionSet':
      return renderActions(item.actions);
    case 'Container':
      return renderElements(item.items, 'card-container');
    case 'ColumnSet': {
      const row = el('div', 'card-columns');
      (item.columns ?? []).forEach((column) => row.append(renderElements(column.items, 'card-column')));
      return row;
    }
    default:
      return undefined;
  }
}

function renderElements(items, className) {
  const box = el('div', className);
  (Array.isArray(items) ? items : []).forEach((item) => {
    const node = renderElement(item);
    if (node) box.append(node);
  });
  return box;
}

function renderCard(card) {
  const box = renderElements(card.body, 'adaptive-card');
  if (Array.isArray(card.actions) && card.actions.length > 0) box.append(renderActions(card.actions));
  return box;
}

function renderMessage(entry, botName) {
  const { activity } = entry;
  const item = el('li', 'chat-message');
  item.dataset.seq = String(entry.seq);
  const meta = el('div', 'chat-meta');
  meta.append(el('span', 'chat-sender', activity.from?.name || botName));
  const time = el('time', 'chat-time', new Date(entry.receivedAt).toLocaleString());
  time.dateTime = entry.receivedAt;
  meta.append(time);
  item.append(meta);
  const bubble = el('div', 'chat-bubble');
  if (activity.text) bubble.append(appendMarkdown(el('p', 'chat-text'), activity.text));
  (activity.attachments ?? []).forEach((attachment) => {
    if (attachment.contentType === ADAPTIVE_CARD && attachment.content)
      bubble.append(renderCard(attachment.content));
  });
  item.append(bubble);
  return item;
}

function activityTenant(activity) {
  return activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
}

async function fetchJson(url) {
  const res = await window.fetch(url, { headers: { accept: 'application/json' } });
  return res.ok ? res.json() : undefined;
}

/**
 * @param {object} options
 * @param {HTMLOListElement} options.log where messages go
 * @param {HTMLElement} options.empty the empty state, hidden once a message arrives
 * @param {string} options.upn the signed-in user: only chats they are a member of are shown, as in Teams
 * @param {string} options.tenantId for activities whose conversation the connector does not list
 * @param {string} options.botName sender name when the activity carries none
 * @param {(count: number) => void} options.onMessages told how many messages are shown
 */
export function startChatPane({ log, empty, upn, tenantId, botName, onMessages }) {
  let since = 0;
  /** conversation id → members (UPNs), from the connector's conversation list. */
  let members = new Map();
  /** activity id → its rendered message, so an update replaces it as Teams does. */
  const shown = new Map();

  async function refreshConversations() {
    const body = await fetchJson('/_sandbox/connector/conversations');
    members = new Map((body?.value ?? []).map((c) => [c.id, (c.members ?? []).map((m) => m.toLowerCase())]));
  }

  function isVisible(entry) {
    const known = members.get(entry.conversationId);
    if (known) return known.includes(upn);
    const tenant = activityTenant(entry.activity);
    return !tenant || tenant === tenantId;
  }

  function show(entry) {
    const node = renderMessage(entry, botName);
    const id = entry.activity.id;
    const previous = id === undefined ? undefined : shown.get(id);
    if (previous && entry.operation === 'update') previous.replaceWith(node);
    else log.append(node);
    shown.set(id ?? `seq-${entry.seq}`, node);
  }

  async function poll() {
    try {
      const body = await fetchJson(`/_sandbox/connector/activities?since=${since}`);
      const entries = (body?.value ?? []).filter((e) => e && e.activity);
      if (entries.some((e) => !members.has(e.conversationId))) await refreshConversations();
      for (const entry of entries) {
        since = Math.max(since, Number(entry.seq) || 0);
        const type = entry.activity.type;
        if ((type && type !== 'message') || !isVisible(entry)) continue;
        show(entry);
      }
      empty.hidden = shown.size > 0;
      onMessages(log.children.length);
    } catch {
      // The sandbox restarted or the network blinked: the next poll tries again.
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }
  void poll();
}
