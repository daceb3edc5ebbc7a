/**
 * The call viewer in the browser: reads the form, calls `GET /calls` on this page's own origin
 * with the read key, and draws what lib/viewer makes of the answer. Every text from a call goes
 * into the page as a text node, never as HTML; the page's CSP forbids inline script and style.
 */
import { type CallRow, type CallView, formatDuration, formatSeconds, summariseCall, type Turn, viewCall } from '../lib/viewer/call-view';
import { emptyMessage, nextPageUrl, readAnswer, type Search, searchPath } from '../lib/viewer/search';

/** sessionStorage only: gone when the tab closes, never sent anywhere but in Authorization. */
const KEY_STORAGE = 'cekura-adapter.read-key';

interface Listed {
  call: unknown;
  serverNowMs: number | undefined;
  row: CallRow;
}

const state = {
  /** Bumped by each search, so a late answer to an older one is dropped. */
  generation: 0,
  key: '',
  search: undefined as Search | undefined,
  listed: [] as Listed[],
  next: undefined as string | undefined,
};

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

type Child = Node | string | undefined | false;

/** An element with text children as text nodes: nothing here is ever parsed as HTML. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

function button(text: string, onClick: () => void, className?: string): HTMLButtonElement {
  const element = h('button', className, text);
  element.type = 'button';
  element.addEventListener('click', onClick);
  return element;
}

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  const message = byId<HTMLParagraphElement>('message');
  message.textContent = text;
  message.className = `message ${kind}`;
  message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

function readKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

function keepKey(key: string): void {
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage disabled: the key is then only in the field.
  }
}

/** A datetime-local value (this machine's zone) as an ISO instant; empty stays empty. */
function instant(input: HTMLInputElement): string | undefined {
  if (input.value === '') return '';
  const ms = new Date(input.value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

async function fetchCalls(url: string, generation: number): Promise<void> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      headers: { authorization: state.key, accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    });
    body = await response.text();
  } catch (error) {
    if (generation !== state.generation) return;
    say(`Could not reach the adapter at ${location.origin} (${error instanceof Error ? error.message : String(error)}). Is it still running?`, 'error');
    return;
  }
  if (generation !== state.generation) return;
  const outcome = readAnswer({ status: response.status, contentType: response.headers.get('content-type'), date: response.headers.get('date'), body });
  if (!outcome.ok) {
    say(outcome.message, 'error');
    return;
  }
  const added = outcome.calls.map((call) => ({ call, serverNowMs: outcome.serverNowMs, row: summariseCall(call, outcome.serverNowMs) }));
  state.listed.push(...added);
  state.next = nextPageUrl(response.headers.get('link'), response.url, location.origin);
  renderList(added);
  if (state.listed.length === 0) say(emptyMessage(state.search!));
  else say(`${state.listed.length} call(s)${state.next ? ', more to load' : ''}.`);
}

function search(): void {
  const key = byId<HTMLInputElement>('key').value.trim();
  if (key === '') {
    say('Enter the read key: npm start prints it; deployed, it is in the ReadKeysSecretName secret.', 'error');
    byId('key').focus();
    return;
  }
  const from = instant(byId('from'));
  const to = instant(byId('to'));
  if (from === undefined || to === undefined) {
    say('From and To must be dates and times.', 'error');
    return;
  }
  keepKey(key);
  state.generation += 1;
  state.key = key;
  state.search = { number: byId<HTMLInputElement>('number').value, from, to, limit: byId<HTMLInputElement>('limit').value };
  state.listed = [];
  state.next = undefined;
  byId('rows').replaceChildren();
  byId('call').hidden = true;
  byId('list').hidden = true;
  say('Searching…');
  void fetchCalls(searchPath(state.search), state.generation);
}

function warningSummary(row: CallRow): string {
  if (row.warnings.length === 0) return 'none';
  const failing = row.warnings.filter((w) => w.level === 'fail').length;
  return failing > 0 ? `${row.warnings.length} (${failing} failing)` : String(row.warnings.length);
}

function renderList(added: Listed[]): void {
  const rows = byId('rows');
  for (const listed of added) {
    const { row } = listed;
    const open = button(row.id, () => openCall(listed, open), 'link');
    open.setAttribute('aria-label', `Open call ${row.id}`);
    const warnings = h('td', row.warnings.length > 0 ? 'warned' : undefined, warningSummary(row));
    if (row.warnings.length > 0) warnings.title = row.warnings.map((w) => w.text).join('\n');
    rows.append(
      h(
        'tr',
        undefined,
        h('td', undefined, open),
        h('td', undefined, row.number),
        h('td', undefined, row.startedAt),
        h('td', 'num', formatDuration(row.durationS)),
        h('td', 'num', String(row.messageCount)),
        warnings,
      ),
    );
  }
  byId('list').hidden = state.listed.length === 0;
  byId('more').hidden = state.next === undefined;
}

function loadMore(): void {
  if (!state.next) return;
  const next = state.next;
  state.next = undefined;
  byId('more').hidden = true;
  say('Loading more…');
  void fetchCalls(next, state.generation);
}

const ROLE_LABEL: Record<string, string> = { bot: 'Agent', user: 'Caller' };

/** `0.6–2.4 s`, or `3 s` for an instant (a system note). */
function span(start: number | undefined, end: number | undefined): string {
  if (start !== undefined && start === end) return formatSeconds(start);
  return `${formatSeconds(start).replace(' s', '')}–${formatSeconds(end)}`;
}

function turnItem(turn: Turn): HTMLLIElement {
  const time = h('span', 'time', span(turn.start, turn.end));
  switch (turn.kind) {
    case 'speech':
      return h(
        'li',
        `turn ${turn.role}`,
        turn.latency !== undefined && h('p', 'latency', `responded after ${formatSeconds(turn.latency)}`),
        h('div', 'head', time, h('span', 'role', ROLE_LABEL[turn.role] ?? turn.role), turn.interrupted && h('span', 'badge interrupted', 'interrupted')),
        h('p', 'text', turn.text),
      );
    case 'system':
      return h('li', 'turn system', h('div', 'head', time, h('span', 'role', 'System')), h('p', 'text', turn.text));
    case 'tool':
      return h(
        'li',
        'turn tool',
        h('div', 'head', time, h('span', 'role', 'Tool call'), h('code', 'tool-name', turn.name), h('span', 'tool-id', `id ${turn.id}`)),
        h(
          'div',
          'pair',
          h('div', undefined, h('h4', undefined, 'Arguments'), h('pre', undefined, turn.arguments)),
          turn.result
            ? h(
                'div',
                turn.result.isError ? 'error' : undefined,
                h('h4', undefined, `Result at ${formatSeconds(turn.result.start)}${turn.result.isError ? ' (error)' : ''}`),
                h('pre', undefined, turn.result.text),
              )
            : h('div', 'missing', h('h4', undefined, 'Result'), h('p', undefined, 'No function_call_result has this id.')),
        ),
      );
    case 'unpaired-result':
      return h(
        'li',
        'turn tool',
        h('div', 'head', time, h('span', 'role', 'Tool result'), h('code', 'tool-name', turn.name), h('span', 'tool-id', `id ${turn.id}`)),
        h(
          'div',
          'pair',
          h('div', 'missing', h('h4', undefined, 'Arguments'), h('p', undefined, 'No function_call has this id.')),
          h('div', undefined, h('h4', undefined, 'Result'), h('pre', undefined, turn.result.text)),
        ),
      );
    case 'other':
      return h('li', 'turn other', h('div', 'head', time, h('span', 'role', turn.role)), h('p', 'text', turn.text));
  }
}

/** The turns as segments of one bar, placed by time (set through the CSSOM, which the CSP allows). */
function track(view: CallView): HTMLElement {
  const bar = h('div', 'track');
  bar.setAttribute('aria-hidden', 'true');
  const length = Math.max(view.durationS ?? 0, ...view.turns.map((t) => t.end ?? 0));
  if (length <= 0) return bar;
  for (const turn of view.turns) {
    if (turn.start === undefined || turn.end === undefined) continue;
    const segment = h('span', `segment ${turn.kind === 'speech' ? turn.role : turn.kind}`);
    segment.style.left = `${(100 * turn.start) / length}%`;
    segment.style.width = `${Math.max(0.4, (100 * (turn.end - turn.start)) / length)}%`;
    segment.title = `${span(turn.start, turn.end)} ${turn.kind === 'speech' ? (ROLE_LABEL[turn.role] ?? turn.role) : turn.kind}`;
    bar.append(segment);
  }
  return bar;
}

/** A player for the call's recording link; nothing is fetched until it is played (the link is a signed, expiring one). */
function recordingPlayer(link: string | undefined): HTMLElement[] {
  if (link === undefined) return [];
  const audio = h('audio', 'recording');
  audio.controls = true;
  audio.preload = 'none';
  audio.src = link;
  audio.setAttribute('aria-label', 'Recording of the call');
  return [h('h3', undefined, 'Recording'), audio, h('p', 'hint', 'A signed link: it stops working when it expires; search again for a fresh one.')];
}

function openCall(listed: Listed, opener: HTMLElement): void {
  const view = viewCall(listed.call, listed.serverNowMs);
  const section = byId('call');
  const title = h('h2', undefined, `Call ${view.id}`);
  title.id = 'call-title';
  title.tabIndex = -1;
  const back = button('Back to the calls', () => {
    section.hidden = true;
    byId('list').hidden = false;
    opener.focus();
  });
  const raw = h('pre', 'raw', view.raw);
  const copied = h('span', 'copied');
  copied.setAttribute('role', 'status');
  const copy = button('Copy JSON', () => {
    navigator.clipboard.writeText(view.raw).then(
      () => (copied.textContent = 'Copied.'),
      () => (copied.textContent = 'Could not copy: select the text instead.'),
    );
  });
  const warnings =
    view.warnings.length === 0
      ? h('p', 'ok', "No warnings: npm run verify's rules pass on this call.")
      : h('ul', 'warnings', ...view.warnings.map((w) => h('li', w.level, `${w.level === 'fail' ? 'Fails' : 'Warns'}: ${w.text}`)));
  const details = h(
    'dl',
    'details',
    ...view.details.flatMap(([label, value]) => [h('dt', undefined, label), h('dd', value.includes('\n') ? 'multiline' : undefined, value)]),
  );
  section.replaceChildren(
    h('div', 'call-head', title, back),
    h('p', 'summary', `${view.number} · started ${view.startedAt} · ${formatDuration(view.durationS)} · ${view.messageCount} message(s)`),
    h('h3', undefined, 'Warnings'),
    warnings,
    ...recordingPlayer(view.recording),
    h('h3', undefined, 'Timeline'),
    track(view),
    view.turns.length === 0 ? h('p', undefined, 'No messages.') : h('ol', 'timeline', ...view.turns.map(turnItem)),
    h('h3', undefined, 'Details'),
    details,
    h('div', 'raw-head', h('h3', undefined, 'JSON as Cekura gets it'), copy, copied),
    raw,
  );
  byId('list').hidden = true;
  section.hidden = false;
  title.focus();
}

function start(): void {
  byId<HTMLInputElement>('key').value = readKey();
  byId('search').addEventListener('submit', (event) => {
    event.preventDefault();
    search();
  });
  byId('more').addEventListener('click', loadMore);
}

start();
