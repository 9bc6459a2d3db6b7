// rtscore demo page: plain browser JavaScript, no build step, no dependencies.
// It calls the same HTTP API as any client: /v1/faq/match and /v1/images/classify.

const KEY_STORAGE = 'rtscore.apiKey';
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff'];
const $ = (id) => document.getElementById(id);

// ---------- API ----------

/** The API key of this tab (sessionStorage: gone when the tab closes). */
function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

/** Codes for answers whose body has no `{"error": {"code"}}` (the /v2 routes' `{"error": "message"}`). */
const STATUS_CODES = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

class ApiError extends Error {
  constructor(status, code, message, exchange) {
    super(message);
    this.status = status;
    this.code = code;
    this.exchange = exchange;
  }
}

/**
 * fetch with the API key; resolves with the parsed JSON, the round-trip time,
 * the server's own timings (`Server-Timing`) and the raw exchange (for the
 * curl / JSON view); rejects with an ApiError carrying the server's error code
 * and message (`{"error": {"code", "message"}}`, or `{"error": "message"}` from /v2).
 */
async function api(path, init = {}) {
  const headers = new Headers(init.headers ?? {});
  const key = apiKey();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  const started = performance.now();
  let response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `the server could not be reached (${err.message})`);
  }
  const text = await response.text();
  const ms = performance.now() - started;
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const exchange = { status: response.status, text, headers: response.headers };
  if (!response.ok) {
    const e = body?.error;
    const code = typeof e === 'object' && e ? e.code : (STATUS_CODES[response.status] ?? 'HTTP');
    const message = typeof e === 'object' && e ? e.message : typeof e === 'string' ? e : text.slice(0, 300) || response.statusText;
    throw new ApiError(response.status, code, message, exchange);
  }
  return { body, ms, exchange, timings: serverTimings(response.headers.get('Server-Timing')) };
}

/** `Server-Timing: decode;dur=0.4, inference;dur=12.1` → [{name, ms}]. */
function serverTimings(header) {
  if (!header) return [];
  return header
    .split(',')
    .map((entry) => {
      const [name, ...params] = entry.trim().split(';');
      const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
      return { name: name.trim(), ms: dur ? Number(dur.slice(4)) : NaN };
    })
    .filter((t) => t.name && Number.isFinite(t.ms));
}

// ---------- small view helpers ----------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

const visiblePanel = () => document.querySelector('[role="tabpanel"]:not([hidden])');

/** Show an error in a panel's alert box (default: the visible tab's); none: clear every box. */
function showError(err, panel) {
  const boxes = [...document.querySelectorAll('.error')];
  for (const box of boxes) {
    box.hidden = true;
    box.replaceChildren();
  }
  if (!err) return;
  const box = (panel ?? visiblePanel())?.querySelector('.error') ?? boxes[0];
  box.replaceChildren(
    el('strong', { text: err.code ? `${err.code}${err.status ? ` (${err.status})` : ''}` : 'Error' }),
    document.createTextNode(`: ${err.message}`),
  );
  if (err.status === 401) box.append(document.createTextNode(apiKey() ? ' — check the API key above.' : ' — enter an API key above.'));
  box.hidden = false;
}

/** A probability as a percentage that stays readable at both ends (exact value in the tooltip). */
function percent(p) {
  if (p <= 0) return '0 %';
  if (p < 0.001) return '<0.1 %';
  if (p >= 1) return '100 %';
  if (p > 0.999) return '>99.9 %';
  return `${(100 * p).toFixed(1)} %`;
}
const millis = (ms) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;

/** "server 31 ms (decode 0.4 · preprocess 2.1 · queue 0.1 · inference 28.0) · 40 ms round trip" */
function timingText(timings, roundTrip) {
  const parts = timings.filter((t) => t.name !== 'total');
  const total = timings.find((t) => t.name === 'total')?.ms ?? parts.reduce((s, t) => s + t.ms, 0);
  const server = parts.length ? `server ${millis(total)} (${parts.map((t) => `${t.name} ${t.ms.toFixed(1)}`).join(' · ')}) · ` : '';
  return `${server}${millis(roundTrip)} round trip`;
}

/** A labelled bar (visual only; the number next to it is the accessible value). */
function scoreBar(p) {
  const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'fill' }));
  bar.firstChild.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
  return bar;
}

function scoreText(p) {
  return el('span', { class: 'score', text: percent(p), title: String(p) });
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}

/** `topK` field: "all" or a whole number. */
function readTopK(input) {
  const v = input.value.trim().toLowerCase();
  return v === 'all' ? 'all' : Number(v);
}

// ---------- curl / JSON view ----------

const shellQuote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/**
 * The request as a curl command and the answer as the server sent it. The key
 * itself is never printed: the command reads it from $RTSCORE_API_KEY.
 */
function showExchange(details, request, exchange) {
  const url = new URL(request.path, location.href).href;
  const lines = [`curl -sS -X POST ${shellQuote(url)}`];
  if (apiKey()) lines.push('  -H "Authorization: Bearer $RTSCORE_API_KEY"');
  lines.push(`  -H ${shellQuote(`Content-Type: ${request.contentType}`)}`);
  lines.push(request.file ? `  --data-binary @${shellQuote(request.file)}` : `  -d ${shellQuote(request.json)}`);
  let answer = exchange.text;
  try {
    answer = JSON.stringify(JSON.parse(exchange.text), null, 2);
  } catch {
    // not JSON: shown as sent
  }
  const shown = ['content-type', 'server-timing', 'x-request-id'].filter((h) => exchange.headers.get(h)).map((h) => `${h}: ${exchange.headers.get(h)}`);
  details
    .querySelector('.exchange-body')
    .replaceChildren(
      el('h3', { text: 'Request' }),
      el('pre', { class: 'code', 'data-role': 'curl', text: lines.join(' \\\n') }),
      ...(request.json ? [el('h3', { text: 'Request body' }), el('pre', { class: 'code', text: JSON.stringify(JSON.parse(request.json), null, 2) })] : []),
      el('h3', { text: `Answer: HTTP ${exchange.status}` }),
      el('pre', { class: 'code', text: shown.join('\n') }),
      el('pre', { class: 'code', 'data-role': 'answer', text: answer }),
    );
  details.hidden = false;
}

function hideExchange(details) {
  details.hidden = true;
  details.querySelector('.exchange-body').replaceChildren();
}

// ---------- tabs (WAI-ARIA tabs pattern) ----------

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (e) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  });
  const initial = tabs.find((t) => `#${t.id.replace('tab-', '')}` === location.hash);
  if (initial) select(initial, false);
}

// ---------- server status and models ----------

async function refreshStatus() {
  const status = $('server-status');
  try {
    const { body } = await api('readyz');
    status.textContent = 'Server ready';
    status.dataset.state = body?.status ?? 'ready';
  } catch (err) {
    status.textContent = err.status === 503 ? 'Server loading models…' : `Server unavailable (${err.message})`;
    status.dataset.state = err.status === 503 ? 'loading' : 'down';
  }
}

/** Metadata of the listed models, by name (`properties.kind`, `properties.weights`, …). */
const modelInfo = new Map();

/**
 * Model names from /v2/models (else /version), sorted into FAQ and image
 * models by each model's metadata (`properties.kind`). A model whose
 * metadata cannot be read is offered in both lists; the server then says
 * which task it serves. Without a valid key the lists say so.
 */
async function loadModels() {
  let names;
  try {
    names = (await api('v2/models')).body.models;
  } catch (err) {
    if (err.status === 401 || err.status === 403) {
      const why = err.status === 403 ? 'this API key may not list models' : apiKey() ? 'the API key was not accepted' : 'enter an API key to list the models';
      fillSelect($('faq-model'), [], '', why);
      fillSelect($('image-model'), [], '', why);
      updateModelNotes();
      throw err;
    }
    names = Object.keys((await api('version')).body.models ?? {});
  }
  const faq = [];
  const images = [];
  modelInfo.clear();
  await Promise.all(
    names.map(async (name) => {
      let properties;
      try {
        properties = (await api(`v2/models/${encodeURIComponent(name)}`)).body?.properties;
      } catch {
        properties = undefined;
      }
      modelInfo.set(name, properties ?? {});
      const kind = properties?.kind;
      if (kind === 'image-classifier') images.push(name);
      else if (kind === 'faq-matcher') faq.push(name);
      else if (kind === undefined) {
        faq.push(name);
        images.push(name);
      }
    }),
  );
  fillSelect($('faq-model'), faq.sort(), 'faq', 'no FAQ model is loaded');
  fillSelect($('image-model'), images.sort(), 'resnet152', 'no image model is loaded');
  updateModelNotes();
}

function fillSelect(select, names, preferred, emptyText) {
  const previous = select.value;
  select.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
  if (names.length === 0) select.append(el('option', { value: '', text: emptyText }));
  select.disabled = names.length === 0;
  select.value = names.includes(previous) ? previous : names.includes(preferred) ? preferred : (names[0] ?? '');
}

/** The image panel's notice when the chosen model has generated weights (from its metadata). */
function updateModelNotes() {
  const imageModel = $('image-model').value;
  const notice = $('image-weights-notice');
  const props = modelInfo.get(imageModel);
  if (imageModel && props?.weights === 'random') {
    notice.textContent =
      `“${imageModel}” has generated (random) weights, not trained ones: its predictions are meaningless ` +
      "and only show the serving path (decoding, batching, inference). Put a pretrained ONNX export in the model's folder as a new version for real predictions.";
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
  updateImageButton();
}

async function refreshModels() {
  try {
    await loadModels();
  } catch (err) {
    showError(err);
  }
}

// ---------- FAQ ----------

const EXAMPLES = {
  banking77: ['My card still has not arrived, where is it?', 'Why was I charged a fee for a transfer?', 'How do I change my PIN?'],
  faq: [
    'Do I need a transit visa to change planes in London?',
    'Can I bring food through customs into Australia?',
    'How early should I arrive at the airport for an international flight?',
  ],
};

function renderExamples() {
  const box = $('faq-examples');
  const list = EXAMPLES[$('faq-model').value] ?? [];
  box.replaceChildren();
  if (list.length === 0) return;
  box.append(document.createTextNode('Try: '));
  list.forEach((q, i) => {
    const b = el('button', { type: 'button', class: 'chip', text: q });
    b.addEventListener('click', () => {
      $('faq-question').value = q;
      $('faq-form').requestSubmit();
    });
    if (i > 0) box.append(document.createTextNode(' '));
    box.append(b);
  });
}

async function onFaqSubmit(e) {
  e.preventDefault();
  const question = $('faq-question').value.trim();
  const model = $('faq-model').value;
  const topK = readTopK($('faq-topk'));
  if (!question) return;
  const button = $('faq-submit');
  setBusy(button, true);
  showError(null);
  const json = JSON.stringify({ question, topK, ...(model ? { model } : {}) });
  const request = { path: 'v1/faq/match', contentType: 'application/json', json };
  try {
    const { body, ms, timings, exchange } = await api('v1/faq/match', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: json,
    });
    $('faq-meta').textContent =
      `${body.model} v${body.version} · best ${body.matches.length} ${body.matches.length === 1 ? 'match' : 'matches'} · ${timingText(timings, ms)}`;
    $('faq-results').replaceChildren(...body.matches.map((m, i) => faqItem(m, i === 0)));
    showExchange($('faq-exchange'), request, exchange);
  } catch (err) {
    $('faq-meta').textContent = '';
    $('faq-results').replaceChildren();
    if (err.exchange) showExchange($('faq-exchange'), request, err.exchange);
    else hideExchange($('faq-exchange'));
    showError(err);
  } finally {
    setBusy(button, false);
  }
}

const normalised = (s) =>
  String(s)
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[?.!\s]+$/, '')
    .trim();

/**
 * Some FAQ sets have no answers: the travel set's "answer" is the original
 * post (title and body). Call the field by what it is.
 */
function answerLabel(m) {
  if (!m.answer) return 'Answer';
  return normalised(m.answer).startsWith(normalised(m.question)) ? 'Original post (this FAQ set has no separate answer)' : 'Answer';
}

function faqItem(m, open) {
  const answer = el(
    'details',
    { class: 'answer-box' },
    el('summary', { text: answerLabel(m) }),
    el('p', { class: 'answer', text: m.answer || '(no answer text)' }),
  );
  answer.open = open;
  return el(
    'li',
    { class: 'result' },
    el(
      'div',
      { class: 'result-head' },
      el('span', { class: 'rank', text: `#${m.rank}` }),
      el('span', { class: 'title', text: m.question }),
      scoreText(m.score),
    ),
    scoreBar(m.score),
    el('p', { class: 'ids', text: String(m.id) === String(m.answerId) ? `id ${m.id}` : `id ${m.id} · answer ${m.answerId}` }),
    answer,
  );
}

// ---------- images ----------

let chosenFile;

function clearImageResults() {
  $('image-results').replaceChildren();
  $('image-meta').textContent = '';
  hideExchange($('image-exchange'));
}

/** Take a file from the picker, a drop or an example; anything but an image is refused here, with a reason. */
function chooseFile(file) {
  if (!file) return;
  const panel = $('panel-images');
  const img = $('preview-img');
  clearImageResults();
  if (!IMAGE_TYPES.includes(file.type)) {
    chosenFile = undefined;
    $('preview').hidden = true;
    img.removeAttribute('src');
    showError(
      {
        code: 'NOT_AN_IMAGE',
        message: `“${file.name}” is ${file.type ? `${file.type}, ` : ''}not an image this demo can send. Choose a JPEG, PNG, WebP, GIF or TIFF file.`,
      },
      panel,
    );
    updateImageButton();
    return;
  }
  showError(null);
  chosenFile = file;
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  img.hidden = false;
  $('no-preview').hidden = true;
  img.src = URL.createObjectURL(file);
  $('preview-caption').textContent = `${file.name} · ${(file.size / 1024).toFixed(0)} KB`;
  $('preview').hidden = false;
  updateImageButton();
}

function updateImageButton() {
  $('image-submit').disabled = !chosenFile || !$('image-model').value;
}

function setupDropZone() {
  const zone = $('drop-zone');
  const input = $('image-file');
  input.addEventListener('change', () => {
    chooseFile(input.files?.[0]);
    input.value = '';
  });
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
  }
  for (const type of ['dragleave', 'drop']) zone.addEventListener(type, () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    chooseFile(e.dataTransfer?.files?.[0]);
  });
  // A type the browser cannot draw (TIFF) or a file that is not what it claims: no broken image.
  $('preview-img').addEventListener('error', () => {
    if (!$('preview-img').getAttribute('src')) return;
    $('preview-img').hidden = true;
    $('no-preview').hidden = false;
  });
  for (const button of document.querySelectorAll('[data-example]')) {
    button.addEventListener('click', () => void useExample(button.dataset.example));
  }
}

async function useExample(name) {
  try {
    const res = await fetch(`examples/${name}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const blob = await res.blob();
    chooseFile(new File([blob], name, { type: blob.type || 'image/jpeg' }));
    if (!$('image-submit').disabled) $('image-form').requestSubmit();
  } catch (err) {
    showError({ code: 'EXAMPLE', message: `the example image ${name} could not be loaded (${err.message})` }, $('panel-images'));
  }
}

async function onImageSubmit(e) {
  e.preventDefault();
  if (!chosenFile) return;
  const model = $('image-model').value;
  const topK = readTopK($('image-topk'));
  const button = $('image-submit');
  setBusy(button, true);
  showError(null);
  const query = new URLSearchParams({ topK: String(topK), ...(model ? { model } : {}) });
  const path = `v1/images/classify?${query}`;
  const request = { path, contentType: chosenFile.type, file: chosenFile.name };
  try {
    const { body, ms, timings, exchange } = await api(path, {
      method: 'POST',
      headers: { 'Content-Type': chosenFile.type },
      body: chosenFile,
    });
    const predictions = body.results[0]?.predictions ?? [];
    $('image-meta').textContent = `${body.model} v${body.version} · ${timingText(timings, ms)}`;
    $('image-results').replaceChildren(
      ...predictions.map((p, i) =>
        el(
          'li',
          { class: 'result' },
          el(
            'div',
            { class: 'result-head' },
            el('span', { class: 'rank', text: `#${i + 1}` }),
            el('span', { class: 'title', text: p.label }),
            scoreText(p.probability),
          ),
          scoreBar(p.probability),
          el('p', { class: 'ids', text: `class ${p.index}${p.wnid ? ` · ${p.wnid}` : ''}` }),
        ),
      ),
    );
    showExchange($('image-exchange'), request, exchange);
  } catch (err) {
    $('image-meta').textContent = '';
    $('image-results').replaceChildren();
    if (err.exchange) showExchange($('image-exchange'), request, err.exchange);
    else hideExchange($('image-exchange'));
    showError(err);
  } finally {
    setBusy(button, false);
  }
}

// ---------- start ----------

function setupKey() {
  const input = $('api-key');
  input.value = apiKey();
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      if (input.value.trim()) sessionStorage.setItem(KEY_STORAGE, input.value.trim());
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // storage disabled: the key is not kept
    }
    showError(null);
    void refreshModels().then(renderExamples);
  });
}

/** Ctrl+Enter (⌘+Enter on a Mac) submits the form being typed in. */
function setupShortcuts() {
  for (const form of [$('faq-form'), $('image-form')]) {
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  setupTabs();
  setupKey();
  setupDropZone();
  setupShortcuts();
  $('faq-form').addEventListener('submit', onFaqSubmit);
  $('image-form').addEventListener('submit', onImageSubmit);
  $('faq-model').addEventListener('change', renderExamples);
  $('image-model').addEventListener('change', updateModelNotes);
  void refreshStatus();
  void refreshModels().then(() => {
    renderExamples();
    document.body.dataset.ready = 'true';
  });
  setInterval(refreshStatus, 15000);
});
