// rtscore demo page: plain browser JavaScript, no build step, no dependencies.
// It calls the same HTTP API as any client: /v1/faq/match and /v1/images/classify.

const KEY_STORAGE = 'rtscore.apiKey';
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

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * fetch with the API key; resolves with the parsed JSON and the round-trip
 * time, rejects with an ApiError carrying the server's error code and message
 * (`{"error": {"code", "message"}}`, or `{"error": "message"}` from /v2).
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
  if (!response.ok) {
    const e = body?.error;
    const code = typeof e === 'object' && e ? e.code : `HTTP ${response.status}`;
    const message = typeof e === 'object' && e ? e.message : typeof e === 'string' ? e : text.slice(0, 300) || response.statusText;
    throw new ApiError(response.status, code, message);
  }
  return { body, ms, requestId: response.headers.get('X-Request-Id') };
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

/** Show an error in the visible tab's alert box (none: clear every box). */
function showError(err) {
  const boxes = [...document.querySelectorAll('.error')];
  for (const box of boxes) {
    box.hidden = true;
    box.replaceChildren();
  }
  if (!err) return;
  const box = document.querySelector('[role="tabpanel"]:not([hidden]) .error') ?? boxes[0];
  box.replaceChildren(
    el('strong', { text: err.code ? `${err.code}${err.status ? ` (${err.status})` : ''}` : 'Error' }),
    document.createTextNode(`: ${err.message}`),
  );
  if (err.status === 401) box.append(document.createTextNode(' — enter an API key above.'));
  box.hidden = false;
}

const percent = (p) => `${(100 * p).toFixed(p >= 0.9995 || p < 0.0005 ? 1 : 2)} %`;
const millis = (ms) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;

/** A labelled bar (visual only; the number next to it is the accessible value). */
function scoreBar(p) {
  const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'fill' }));
  bar.firstChild.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
  return bar;
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
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
    showError(null);
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

/**
 * Model names from /v2/models (else /version), sorted into FAQ and image
 * models by each model's metadata (`properties.kind`). A model whose
 * metadata cannot be read is offered in both lists; the server then says
 * which task it serves.
 */
async function loadModels() {
  let names;
  try {
    names = (await api('v2/models')).body.models;
  } catch (err) {
    if (err.status === 401 || err.status === 403) throw err;
    names = Object.keys((await api('version')).body.models ?? {});
  }
  const faq = [];
  const images = [];
  await Promise.all(names.map(async (name) => {
    let kind;
    try {
      kind = (await api(`v2/models/${encodeURIComponent(name)}`)).body?.properties?.kind;
    } catch {
      kind = undefined;
    }
    if (kind === 'image-classifier') images.push(name);
    else if (kind === 'faq-matcher') faq.push(name);
    else if (kind === undefined) { faq.push(name); images.push(name); }
  }));
  fillSelect($('faq-model'), faq.sort(), 'faq');
  fillSelect($('image-model'), images.sort(), 'resnet152');
  updateImageButton();
}

function fillSelect(select, names, preferred) {
  const previous = select.value;
  select.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
  if (names.length === 0) select.append(el('option', { value: '', text: 'no model loaded' }));
  select.disabled = names.length === 0;
  select.value = names.includes(previous) ? previous : names.includes(preferred) ? preferred : names[0] ?? '';
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
  faq: ['Do I need a transit visa to change planes in London?', 'Can I bring food through customs into Australia?', 'How early should I arrive at the airport for an international flight?'],
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
  const topK = Number($('faq-topk').value);
  if (!question) return;
  const button = $('faq-submit');
  setBusy(button, true);
  showError(null);
  try {
    const { body, ms } = await api('v1/faq/match', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ question, topK, ...(model ? { model } : {}) }),
    });
    $('faq-meta').textContent = `${body.model} v${body.version} · best ${body.matches.length} ${body.matches.length === 1 ? 'match' : 'matches'} · ${millis(ms)} round trip`;
    $('faq-results').replaceChildren(...body.matches.map((m, i) => faqItem(m, i === 0)));
  } catch (err) {
    $('faq-meta').textContent = '';
    $('faq-results').replaceChildren();
    showError(err);
  } finally {
    setBusy(button, false);
  }
}

function faqItem(m, open) {
  const answer = el('details', {}, el('summary', { text: 'Answer' }), el('p', { class: 'answer', text: m.answer || '(no answer text)' }));
  answer.open = open;
  return el('li', { class: 'result' },
    el('div', { class: 'result-head' },
      el('span', { class: 'rank', text: `#${m.rank}` }),
      el('span', { class: 'title', text: m.question }),
      el('span', { class: 'score', text: percent(m.score) })),
    scoreBar(m.score),
    el('p', { class: 'ids', text: String(m.id) === String(m.answerId) ? `id ${m.id}` : `id ${m.id} · answer ${m.answerId}` }),
    answer);
}

// ---------- images ----------

let chosenFile;

function chooseFile(file) {
  if (!file) return;
  chosenFile = file;
  const img = $('preview-img');
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(file);
  $('preview-caption').textContent = `${file.name} · ${(file.size / 1024).toFixed(0)} KB`;
  $('preview').hidden = false;
  $('image-results').replaceChildren();
  $('image-meta').textContent = '';
  updateImageButton();
}

function updateImageButton() {
  $('image-submit').disabled = !chosenFile || !$('image-model').value;
}

function setupDropZone() {
  const zone = $('drop-zone');
  const input = $('image-file');
  input.addEventListener('change', () => chooseFile(input.files?.[0]));
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
}

async function onImageSubmit(e) {
  e.preventDefault();
  if (!chosenFile) return;
  const model = $('image-model').value;
  const topK = Number($('image-topk').value);
  const button = $('image-submit');
  setBusy(button, true);
  showError(null);
  try {
    const query = new URLSearchParams({ topK: String(topK), ...(model ? { model } : {}) });
    const { body, ms } = await api(`v1/images/classify?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': chosenFile.type || 'application/octet-stream' },
      body: chosenFile,
    });
    const predictions = body.results[0]?.predictions ?? [];
    $('image-meta').textContent = `${body.model} v${body.version} · ${millis(ms)} round trip`;
    $('image-results').replaceChildren(...predictions.map((p, i) => el('li', { class: 'result' },
      el('div', { class: 'result-head' },
        el('span', { class: 'rank', text: `#${i + 1}` }),
        el('span', { class: 'title', text: p.label }),
        el('span', { class: 'score', text: percent(p.probability) })),
      scoreBar(p.probability),
      el('p', { class: 'ids', text: `class ${p.index}${p.wnid ? ` · ${p.wnid}` : ''}` }))));
  } catch (err) {
    $('image-meta').textContent = '';
    $('image-results').replaceChildren();
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
    void refreshModels();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  setupTabs();
  setupKey();
  setupDropZone();
  $('faq-form').addEventListener('submit', onFaqSubmit);
  $('image-form').addEventListener('submit', onImageSubmit);
  $('faq-model').addEventListener('change', renderExamples);
  $('image-model').addEventListener('change', updateImageButton);
  void refreshStatus();
  void refreshModels().then(renderExamples);
  setInterval(refreshStatus, 15000);
});
