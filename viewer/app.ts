/**
 * The call viewer in the browser: reads the form, calls `GET /calls` on this page's own origin
 * with the read key, and draws what lib/viewer makes of the answer. Every text from a call goes
 * into the page as a text node, never as HTML; the page's CSP forbids inline script and style.
 */
import {
  type CallRow,
  type CallView,
  formatDuration,
  formatInstant,
  formatSeconds,
  summariseCall,
  type Turn,
  textPieces,
  viewCall,
  warningLabel,
} from '../lib/viewer/call-view';
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
  /** A call the page's URL names, opened once the search that lists it has answered. */
  pendingCallId: undefined as string | undefined,
};

/**
 * The page's URL holds the search and the open call (`#number=…&from=…&call=…`), never the key,
 * so Back, reload and a shared link show the same thing (with the key typed again in a new tab).
 */
function locationFor(search: Search, callId?: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(search)) if (value !== '') params.set(name, value);
  if (callId !== undefined) params.set('call', callId);
  return `#${params.toString()}`;
}

function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

/** An ISO instant as a datetime-local value in this machine's zone, as the From / To fields take it. */
function localInputValue(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

type Child = Node | string | undefined | false;

/** Text as text nodes; a long one in pieces with a break opportunity between them (see textPieces). */
function textNodes(text: string): Node {
  const pieces = textPieces(text);
  if (pieces.length === 1) return document.createTextNode(text);
  const fragment = document.createDocumentFragment();
  pieces.forEach((piece, index) => {
    if (index > 0) fragment.append(document.createElement('wbr'));
    fragment.append(document.createTextNode(piece));
  });
  return fragment;
}

/** An element with text children as text nodes: nothing here is ever parsed as HTML. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? textNodes(child) : child);
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
  openPendingCall();
}

/** Opens the call the URL named when the page loaded, once it is listed. */
function openPendingCall(): void {
  const id = state.pendingCallId;
  if (id === undefined) return;
  const listed = state.listed.find((entry) => entry.row.id === id);
  if (listed) {
    state.pendingCallId = undefined;
    openCall(listed, { push: false });
  } else if (state.next === undefined) {
    state.pendingCallId = undefined;
    say(`Call ${id} is not among the calls this search finds.`, 'error');
  } else loadMore();
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
  history.replaceState(null, '', locationFor(state.search, state.pendingCallId));
  state.listed = [];
  state.next = undefined;
  byId('rows').replaceChildren();
  byId('call').hidden = true;
  byId('list').hidden = true;
  say('Searching…');
  void fetchCalls(searchPath(state.search), state.generation);
}

/** A cell that names its column, for the narrow layout where each row is a card. */
function cell(label: string, className: string | undefined, ...children: Child[]): HTMLTableCellElement {
  const element = h('td', className, ...children);
  element.dataset.label = label;
  return element;
}

function renderList(added: Listed[]): void {
  const rows = byId('rows');
  for (const listed of added) {
    const { row } = listed;
    const open = button(row.id, () => openCall(listed, { push: true }), 'link');
    open.setAttribute('aria-label', `Open call ${row.id}`);
    const warnings = cell('Warnings', row.warnings.length > 0 ? 'warned' : undefined, warningLabel(row.warnings));
    if (row.warnings.length > 0) warnings.title = row.warnings.map((w) => w.text).join('\n');
    const started = cell('Started', 'started', formatInstant(row.startedAt));
    started.title = row.startedAt;
    rows.append(
      h(
        'tr',
        undefined,
        cell('Call', 'call-id', open),
        cell('Number', undefined, row.number),
        started,
        cell('Duration', 'num', formatDuration(row.durationS)),
        cell('Messages', 'num', String(row.messageCount)),
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

/** Characters of one text drawn when a call opens; the rest on request (the JSON has it all too). */
const SHOWN_CHARACTERS = 10_000;

/** A long text's first SHOWN_CHARACTERS, with a button that draws the rest in place. */
function longText<K extends 'p' | 'pre'>(tag: K, className: string | undefined, text: string): HTMLElementTagNameMap[K] {
  if (text.length <= SHOWN_CHARACTERS) return h(tag, className, text);
  const element = h(tag, className, text.slice(0, SHOWN_CHARACTERS));
  const rest = button(
    `Show all ${text.length.toLocaleString('en-US')} characters`,
    () => {
      rest.remove();
      element.append(textNodes(text.slice(SHOWN_CHARACTERS)));
    },
    'show-all',
  );
  element.append('… ', rest);
  return element;
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
        longText('p', 'text', turn.text),
      );
    case 'system':
      return h('li', 'turn system', h('div', 'head', time, h('span', 'role', 'System')), longText('p', 'text', turn.text));
    case 'tool':
      return h(
        'li',
        'turn tool',
        h('div', 'head', time, h('span', 'role', 'Tool call'), h('code', 'tool-name', turn.name), h('span', 'tool-id', `id ${turn.id}`)),
        h(
          'div',
          'pair',
          h('div', undefined, h('h4', undefined, 'Arguments'), longText('pre', undefined, turn.arguments)),
          turn.result
            ? h(
                'div',
                turn.result.isError ? 'error' : undefined,
                h('h4', undefined, `Result at ${formatSeconds(turn.result.start)}${turn.result.isError ? ' (error)' : ''}`),
                longText('pre', undefined, turn.result.text),
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
          h('div', undefined, h('h4', undefined, 'Result'), longText('pre', undefined, turn.result.text)),
        ),
      );
    case 'other':
      return h('li', 'turn other', h('div', 'head', time, h('span', 'role', turn.role)), longText('p', 'text', turn.text));
  }
}

const SEGMENT_COLOURS: Record<string, string> = {
  bot: '--agent',
  user: '--caller',
  tool: '--tool',
  'unpaired-result': '--tool',
  system: '--system',
  other: '--system',
};

/**
 * The turns as segments of one bar, placed by time, drawn on a canvas: one element whatever the
 * number of turns (10,000 positioned elements took seconds to lay out). Redrawn at the bar's size.
 */
function track(view: CallView): HTMLElement {
  const bar = h('canvas', 'track');
  bar.setAttribute('aria-hidden', 'true');
  const length = view.turns.reduce((max, turn) => Math.max(max, turn.end ?? 0), view.durationS ?? 0);
  const segments = length <= 0 ? [] : view.turns.filter((turn) => turn.start !== undefined && turn.end !== undefined);
  bar.dataset.segments = String(segments.length);
  const draw = () => {
    const context = bar.getContext('2d');
    const ratio = window.devicePixelRatio || 1;
    const width = bar.clientWidth;
    if (!context || width === 0) return;
    bar.width = Math.round(width * ratio);
    bar.height = Math.round(bar.clientHeight * ratio);
    const colours = getComputedStyle(document.documentElement);
    context.globalAlpha = 0.85;
    for (const turn of segments) {
      const kind = turn.kind === 'speech' ? turn.role : turn.kind;
      context.fillStyle = colours.getPropertyValue(SEGMENT_COLOURS[kind] ?? '--system').trim();
      const x = (bar.width * turn.start!) / length;
      context.fillRect(x, 0, Math.max((bar.width * 0.4) / 100, (bar.width * (turn.end! - turn.start!)) / length), bar.height);
    }
  };
  // Called once the bar is laid out, and again whenever its width changes.
  new ResizeObserver(draw).observe(bar);
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

/** Turns drawn before the call is shown; the rest follow a batch per frame, so any call opens at once. */
const FIRST_TURNS = 100;
const TURNS_PER_FRAME = 400;
/** Bumped by each opened call, so the batches of a call no longer shown stop. */
let drawing = 0;

/** After the next frame is painted: a task, not a frame callback, so the paint never waits for it. */
const nextFrame = (run: () => void) => requestAnimationFrame(() => setTimeout(run, 0));

function timeline(turns: readonly Turn[]): HTMLOListElement {
  const list = h('ol', 'timeline', ...turns.slice(0, FIRST_TURNS).map(turnItem));
  list.setAttribute('aria-busy', String(turns.length > FIRST_TURNS));
  const current = ++drawing;
  const drawFrom = (from: number) => {
    if (current !== drawing) return;
    if (from >= turns.length) {
      list.setAttribute('aria-busy', 'false');
      return;
    }
    list.append(...turns.slice(from, from + TURNS_PER_FRAME).map(turnItem));
    nextFrame(() => drawFrom(from + TURNS_PER_FRAME));
  };
  if (turns.length > FIRST_TURNS) nextFrame(() => drawFrom(FIRST_TURNS));
  return list;
}

/** Back to the list, the focus on the call it left. */
function showList(): void {
  const openId = byId('call').dataset.callId;
  byId('call').hidden = true;
  delete byId('call').dataset.callId;
  byId('list').hidden = state.listed.length === 0;
  const opener = [...byId('rows').querySelectorAll<HTMLButtonElement>('button.link')].find((element) => element.textContent === openId);
  opener?.focus();
}

/** Opens a call; `push` gives it its own history entry (a click), not when the URL already names it. */
function openCall(listed: Listed, { push }: { push: boolean }): void {
  const view = viewCall(listed.call, listed.serverNowMs, listed.row);
  if (push && state.search) history.pushState({ call: view.id }, '', locationFor(state.search, view.id));
  const section = byId('call');
  section.dataset.callId = view.id;
  const title = h('h2', undefined, `Call ${view.id}`);
  title.id = 'call-title';
  title.tabIndex = -1;
  const back = button('Back to the calls', () => {
    if (history.state?.call === view.id) history.back();
    else {
      if (state.search) history.replaceState(null, '', locationFor(state.search));
      showList();
    }
  });
  // Drawn when first opened: a long call's JSON is as long as the call again.
  const raw = h('pre', 'raw');
  const rawBlock = h('details', 'raw-block', h('summary', undefined, 'Show the JSON'), raw);
  rawBlock.addEventListener('toggle', () => {
    if (rawBlock.open && raw.childNodes.length === 0) raw.append(textNodes(view.raw));
  });
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
    h('p', 'summary', `${view.number} · started ${formatInstant(view.startedAt)} · ${formatDuration(view.durationS)} · ${view.messageCount} message(s)`),
    h('h3', undefined, 'Warnings'),
    warnings,
    ...recordingPlayer(view.recording),
    h('h3', undefined, 'Timeline'),
    track(view),
    view.turns.length === 0 ? h('p', undefined, 'No messages.') : timeline(view.turns),
    h('h3', undefined, 'Details'),
    details,
    h('div', 'raw-head', h('h3', undefined, 'JSON as Cekura gets it'), copy, copied),
    rawBlock,
  );
  byId('list').hidden = true;
  section.hidden = false;
  title.focus();
}

/** Back and Forward between the list and a call. */
function onHistory(): void {
  const id = hashParams().get('call');
  const listed = id === null ? undefined : state.listed.find((entry) => entry.row.id === id);
  if (listed) openCall(listed, { push: false });
  else showList();
}

function start(): void {
  byId<HTMLInputElement>('key').value = readKey();
  byId('search').addEventListener('submit', (event) => {
    event.preventDefault();
    state.pendingCallId = undefined;
    search();
  });
  byId('more').addEventListener('click', loadMore);
  window.addEventListener('popstate', onHistory);
  // A reload or a shared link: the URL's search, run again when the tab has the key, and its call opened.
  const params = hashParams();
  if ([...params.keys()].length === 0) return;
  byId<HTMLInputElement>('number').value = params.get('number') ?? '';
  byId<HTMLInputElement>('from').value = localInputValue(params.get('from') ?? '');
  byId<HTMLInputElement>('to').value = localInputValue(params.get('to') ?? '');
  if (params.has('limit')) byId<HTMLInputElement>('limit').value = params.get('limit')!;
  state.pendingCallId = params.get('call') ?? undefined;
  if (byId<HTMLInputElement>('key').value !== '') search();
  else say('Enter the read key to see this search again.');
}

start();
