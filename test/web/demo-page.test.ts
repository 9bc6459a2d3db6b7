/**
 * The demo page (web/) in a real browser: Debian's Chromium driven by
 * playwright-core, against the real server on an ephemeral port with small real
 * models (two FAQ matchers, a seeded ResNet). Every test asserts that the page
 * logged no console error; screenshots go to test-artifacts/web/.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, findChromium, launchChromium, NO_CHROMIUM, screenshot } from '../helpers/browser.js';
import { makeFaqRepo, makeVisionRepo } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The functions passed to page.evaluate/waitForFunction run in the browser; the
// project compiles without the DOM library, so these few globals are declared here.
declare const document: any, window: any, DataTransfer: any, File: any, atob: (s: string) => string;
type HTMLImageElement = { naturalWidth: number };

const IMAGES = resolve(fileURLToPath(new URL('../fixtures/images', import.meta.url)));
const LONG_LABEL = 'balance_not_updated_after_cheque_or_cash_deposit';
const API_KEY = 'demo-page-test-key-0123456789';

const executable = findChromium();
if (!executable) console.warn(NO_CHROMIUM);

describe.skipIf(!executable)('demo page in Chromium', () => {
  let dir: string;
  let open: TestServer;
  let keyed: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'rtscore-demo-'));
    const repo = join(dir, 'models');
    await makeFaqRepo(repo, { name: 'faq', answersRepeatQuestion: true });
    await makeFaqRepo(repo, {
      name: 'banking77',
      ids: ['card_arrival', 'card_linking', 'exchange_rate', 'top_up_failed', 'pending_cash_withdrawal', 'change_pin', LONG_LABEL],
    });
    await makeVisionRepo(repo, { name: 'resnet' });
    const keyedRepo = join(dir, 'keyed');
    await makeFaqRepo(keyedRepo, { name: 'faq' });
    await writeFile(join(dir, 'not-an-image.txt'), 'plain text, not a picture\n');
    [open, keyed] = await Promise.all([startTestServer(repo), startTestServer(keyedRepo, { apiKeys: [API_KEY] })]);
    browser = await launchChromium(executable!);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([open?.close(), keyed?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openPage(server: TestServer, width = 1280, hash = ''): Promise<void> {
    context = await browser.newContext({ viewport: { width, height: 900 } });
    page = await context.newPage();
    errors = collectErrors(page);
    await page.goto(`${server.url}/${hash}`);
    await page.waitForSelector('body[data-ready="true"]');
  }

  afterEach(async () => {
    await context?.close();
  });

  /** No horizontal scrolling: nothing is wider than the viewport. */
  async function expectNoHorizontalOverflow(): Promise<void> {
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(client);
  }

  async function ask(model: string, question: string, topK = '5'): Promise<void> {
    await page.selectOption('#faq-model', model);
    await page.fill('#faq-topk', topK);
    await page.fill('#faq-question', question);
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/faq/match'));
    await page.press('#faq-question', 'Control+Enter');
    expect((await answered).status()).toBe(200);
    await page.waitForSelector('#faq-results li');
  }

  it('asks on both FAQ models (Ctrl+Enter and an example), shows the timings and the curl / JSON view', async () => {
    await openPage(open);
    expect(await page.locator('#faq-model option').allTextContents()).toEqual(['banking77', 'faq']);

    await ask('faq', 'my new card has still not arrived');
    const first = page.locator('#faq-results li').first();
    expect(await first.locator('.title').textContent()).toBe('When will my new card arrive?');
    expect(await first.locator('.score').textContent()).toMatch(/^(\d+\.\d %|<0\.1 %|>99\.9 %)$/);
    // The faq model's "answers" repeat the question: the field says what it is.
    expect(await first.locator('summary').textContent()).toMatch(/^Original post/);
    const meta = await page.textContent('#faq-meta');
    expect(meta).toMatch(/^faq v1 · best 5 matches · server [\d.]+ ms \(.*inference [\d.]+.*\) · [\d.]+ ms round trip$/);

    await page.click('#faq-exchange summary');
    const curl = await page.textContent('#faq-exchange [data-role="curl"]');
    expect(curl).toContain(`curl -sS -X POST '${open.url}/v1/faq/match'`);
    expect(curl).toContain('"question":"my new card has still not arrived"');
    const answer = JSON.parse((await page.textContent('#faq-exchange [data-role="answer"]'))!);
    expect(answer.matches[0].id).toBe('card_arrival');
    await screenshot(page, 'web', 'faq-1280');

    // The other model, through an example question; the answer field is a real answer there.
    await page.selectOption('#faq-model', 'banking77');
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/faq/match'));
    await page.click('#faq-examples .chip >> nth=0');
    await answered;
    await page.waitForFunction(() => document.querySelector('#faq-meta')?.textContent?.startsWith('banking77 v1'));
    expect(await page.locator('#faq-results li').count()).toBe(5);
    expect(await page.locator('#faq-results li >> nth=0 >> summary').textContent()).toBe('Answer');

    // topK "all": every FAQ, tiny scores readable.
    await ask('banking77', 'I would like to change my PIN', 'all');
    await page.waitForFunction(() => document.querySelectorAll('#faq-results li').length === 7);
    const scores = await page.locator('#faq-results .score').allTextContents();
    for (const s of scores) expect(s).toMatch(/^(\d+\.\d %|<0\.1 %|>99\.9 %|0 %)$/);
    expect(errors).toEqual([]);
  });

  it('classifies an image chosen with the file picker, warns about generated weights, and offers topK "all"', async () => {
    await openPage(open, 1280, '#images');
    const notice = page.locator('#image-weights-notice');
    await notice.waitFor({ state: 'visible' });
    expect(await notice.textContent()).toMatch(/generated \(random\) weights/);

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles(join(IMAGES, 'dog.jpg'));
    await page.waitForFunction(() => (document.querySelector('#preview-img') as HTMLImageElement).naturalWidth > 0);
    expect(await page.textContent('#preview-caption')).toMatch(/^dog\.jpg · \d+ KB$/);

    await page.fill('#image-topk', 'all');
    const answered = page.waitForResponse((r) => r.url().includes('/v1/images/classify'));
    await page.click('#image-submit');
    const res = await answered;
    expect(res.status()).toBe(200);
    expect(res.headers()['server-timing']).toMatch(/inference;dur=/);
    await page.waitForFunction(() => document.querySelectorAll('#image-results li').length === 1000);
    const scores = await page.locator('#image-results .score').allTextContents();
    expect(scores.some((s) => s === '<0.1 %')).toBe(true);
    for (const s of scores) expect(s).toMatch(/^(\d+\.\d %|<0\.1 %|>99\.9 %|0 %)$/);
    expect(await page.textContent('#image-meta')).toMatch(
      /^resnet v1 · server [\d.]+ ms \(.*preprocess [\d.]+.*queue [\d.]+.*inference [\d.]+\) · [\d.]+ ms round trip$/,
    );
    await page.click('#image-exchange summary');
    expect(await page.textContent('#image-exchange [data-role="curl"]')).toContain("--data-binary @'dog.jpg'");
    expect(errors).toEqual([]);
  });

  it('classifies an image dropped on the drop zone, and an example image on click', async () => {
    await openPage(open, 1280, '#images');
    const bytes = (await readFile(join(IMAGES, 'eagle.jpg'))).toString('base64');
    const transfer = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], 'eagle.jpg', { type: 'image/jpeg' }));
      return dt;
    }, bytes);
    await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer: transfer });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await page.waitForFunction(() => (document.querySelector('#preview-img') as HTMLImageElement).naturalWidth > 0);
    expect(await page.textContent('#preview-caption')).toMatch(/^eagle\.jpg/);
    await page.click('#image-submit');
    await page.waitForFunction(() => document.querySelectorAll('#image-results li').length === 5);

    const answered = page.waitForResponse((r) => r.url().includes('/v1/images/classify'));
    await page.click('[data-example="giraffe.jpg"]');
    expect((await answered).status()).toBe(200);
    await page.waitForFunction(() => document.querySelector('#preview-caption')?.textContent?.startsWith('giraffe.jpg'));
    await page.waitForFunction(() => document.querySelectorAll('#image-results li').length === 5);
    await screenshot(page, 'web', 'images-1280');
    expect(errors).toEqual([]);
  });

  it('refuses a non-image with a clear message and no broken preview, by picker and by drop', async () => {
    await openPage(open, 1280, '#images');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles(join(dir, 'not-an-image.txt'));
    const alert = page.locator('#panel-images .error');
    await alert.waitFor({ state: 'visible' });
    expect(await alert.textContent()).toMatch(/“not-an-image\.txt” is text\/plain, not an image .*Choose a JPEG, PNG, WebP, GIF or TIFF file/);
    expect(await page.isHidden('#preview')).toBe(true);
    expect(await page.isDisabled('#image-submit')).toBe(true);

    // A valid image first, then a dropped PDF: the old preview goes too.
    await page.click('[data-example="dog.jpg"]');
    await page.waitForFunction(() => document.querySelectorAll('#image-results li').length === 5);
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['%PDF-1.4'], 'report.pdf', { type: 'application/pdf' }));
      return dt;
    });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    expect(await alert.textContent()).toMatch(/“report\.pdf” is application\/pdf, not an image/);
    expect(await page.isHidden('#preview')).toBe(true);
    expect(await page.locator('#image-results li').count()).toBe(0);
    await screenshot(page, 'web', 'not-an-image');
    expect(errors).toEqual([]);
  });

  it('explains empty model lists on a server with keys, then works once a key is given', async () => {
    await openPage(keyed);
    const option = () => page.locator('#faq-model option').first().textContent();
    expect(await option()).toBe('enter an API key to list the models');
    expect(await page.isDisabled('#faq-model')).toBe(true);
    expect(await page.textContent('#panel-faq .error')).toMatch(/UNAUTHORIZED \(401\).*enter an API key above/);
    expect(await page.locator('#image-model option').first().textContent()).toBe('enter an API key to list the models');

    await page.fill('#api-key', 'not-the-key');
    await page.click('#key-submit');
    await page.waitForFunction(() => document.querySelector('#faq-model option')?.textContent === 'the API key was not accepted');
    expect(await page.textContent('#panel-faq .error')).toMatch(/check the API key above/);
    await screenshot(page, 'web', 'api-key-rejected');

    await page.fill('#api-key', API_KEY);
    await page.click('#key-submit');
    await page.waitForFunction(() => document.querySelector('#faq-model option')?.textContent === 'faq');
    expect(await page.isHidden('#panel-faq .error')).toBe(true);
    await ask('faq', 'how do I link my card');
    await page.click('#faq-exchange summary');
    const curl = await page.textContent('#faq-exchange [data-role="curl"]');
    expect(curl).toContain('Authorization: Bearer $RTSCORE_API_KEY');
    expect(curl).not.toContain(API_KEY);
    // The only console errors are Chromium's own notes on the refused (401) requests.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('runs the first route\'s example in /docs with "Try it out" (Swagger UI in Chromium)', async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    errors = collectErrors(page);
    await page.goto(`${open.url}/docs`);
    const operation = page.locator('#operations-faq-matchFaqs');
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('.try-out__btn').click();
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/faq/match'));
    await operation.locator('.execute').click();
    expect((await answered).status()).toBe(200);
    await operation.locator('.live-responses-table tbody .response-col_status').first().waitFor();
    expect((await operation.locator('.live-responses-table tbody .response-col_status').first().textContent())?.trim()).toBe('200');
    await screenshot(page, 'web', 'docs-try-it-out');
    expect(errors).toEqual([]);
  });

  for (const width of [390, 1280]) {
    it(`fits ${width} px without horizontal scrolling, long labels included`, async () => {
      await openPage(open, width);
      await ask('banking77', 'the cheque I deposited is not in my balance yet', 'all');
      await page.waitForFunction(() => document.querySelectorAll('#faq-results li').length === 7);
      expect(await page.locator('#faq-results .ids').allTextContents()).toContain(`id ${LONG_LABEL}`);
      await page.click('#faq-exchange summary');
      await expectNoHorizontalOverflow();
      await screenshot(page, 'web', `faq-${width}`);

      await page.click('#tab-images');
      await page.click('[data-example="dog.jpg"]');
      await page.waitForFunction(() => document.querySelectorAll('#image-results li').length === 5);
      await page.click('#image-exchange summary');
      await expectNoHorizontalOverflow();
      await screenshot(page, 'web', `images-${width}`);
      // The view docs/demo-page.png shows (copied from here when the page changes).
      if (width === 1280) {
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, 'web', 'demo-page', false);
      }
      expect(errors).toEqual([]);
    });
  }
});
