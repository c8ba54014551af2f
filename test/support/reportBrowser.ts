/**
 * An HTML report opened in Debian's headless Chromium (/usr/bin/chromium, through playwright-core)
 * as a reader would see it: what each chart drew, the page's visible text, and every console
 * error, page error or request leaving the file (the report must work offline).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The skip reason of a test that needs the browser, or false. */
export const chromiumSkip: string | false = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium): the report is not rendered`;

export interface DrawnChart {
  id: string;
  width: number;
  height: number;
  /** Pixels with ink on the chart's canvas. */
  inked: number;
  text: string;
}

export interface OpenedReport {
  page: Page;
  charts: DrawnChart[];
  /** The page's text without its scripts and the chart data. */
  text: string;
  problems: string[];
  close(): Promise<void>;
}

async function watch(page: Page, problems: string[]): Promise<void> {
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    problems.push(`network request: ${url}`);
    return route.abort();
  });
}

/** Opens `path` and waits until every chart figure holds a canvas or a line saying why it has none. */
export async function openReport(path: string): Promise<OpenedReport> {
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    await watch(page, problems);
    await page.goto(`file://${path}`);
    await page.waitForFunction('[...document.querySelectorAll("figure.chart .plot")].every((plot) => plot.querySelector("canvas") || plot.textContent)', undefined, { timeout: 10_000 });
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const canvas = figure.querySelector('canvas');
        let inked = 0;
        if (canvas) {
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
        }
        return { id: figure.id, width: canvas?.width ?? 0, height: canvas?.height ?? 0, inked, text: figure.textContent ?? '' };
      }),
    );
    const text = await page.$eval('body', (body) => {
      const copy = body.cloneNode(true) as typeof body;
      for (const script of copy.querySelectorAll('script')) script.remove();
      return copy.textContent ?? '';
    });
    return { page, charts, text, problems, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Every chart drawn: a canvas of real size with ink on it, no line saying it has nothing to draw. */
export function chartProblems(charts: readonly DrawnChart[]): string[] {
  return charts.flatMap((chart) => {
    if (chart.width <= 100 || chart.height <= 100) return [`${chart.id} has no canvas to speak of (${chart.width}×${chart.height}): ${chart.text}`];
    if (chart.inked <= 1000) return [`${chart.id} drew only ${chart.inked} pixels`];
    return [];
  });
}

/**
 * Every interval printed on the page with a bound that cannot be: a figure below zero ("[-703,
 * 3459]") or a change of -100 % or less (a throughput or a latency falling below zero).
 */
export function negativeBounds(text: string): string[] {
  const impossible = (bound: string): boolean => {
    const value = Number(bound.replace(/[%\s+]/g, '').replace('∞', 'Infinity'));
    return bound.includes('%') ? value <= -100 : value < 0;
  };
  return [...text.matchAll(/\[([^\[\],]+),([^\[\],]+)\]/g)].filter((match) => impossible(match[1]!) || impossible(match[2]!)).map((match) => match[0]);
}
