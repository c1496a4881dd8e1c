/**
 * CSL styles and locales shipped in `styles/` (no network at run time), registered with
 * citation-js, and the one place that renders citations with them. A name that is not shipped is
 * an error naming what is — citation-js would otherwise fall back to APA or en-US silently.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-csl';
import type { CslItem } from './csl-json.ts';

export const stylesFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../styles');

export interface CslStyleInfo {
  /** Short name used in the API ("apa", "chicago-author-date"). */
  name: string;
  title: string;
  /** The style's CSL ID (its zotero.org URL). */
  id: string;
  /** "author-date", "numeric", "note" … from the style's category. */
  citationFormat: string | null;
  /** The locale the style asks for when none is given; null for "any". */
  defaultLocale: string | null;
}

/**
 * Short names for shipped files whose file name is not the name people use. The file keeps its
 * official name so it can be compared with the CSL repository.
 */
const ALIASES: Readonly<Record<string, string>> = {
  'harvard-cite-them-right': 'harvard',
  'modern-language-association': 'mla',
};

export class UnknownStyleError extends Error {
  constructor(
    readonly kind: 'style' | 'locale',
    readonly requested: string,
    readonly available: readonly string[],
  ) {
    super(`Unknown citation ${kind} "${requested}". Available ${kind}s: ${available.join(', ')}.`);
    this.name = 'UnknownStyleError';
  }
}

interface Registry {
  styles: Map<string, CslStyleInfo>;
  locales: string[];
}

let registry: Registry | null = null;

function attr(xml: string, pattern: RegExp): string | null {
  return pattern.exec(xml)?.[1] ?? null;
}

interface CslConfig {
  styles: { add(name: string, xml: string): void };
  locales: { add(name: string, xml: string): void };
}

/** Reads `styles/` once and registers every style and locale with citation-js. */
function load(): Registry {
  if (registry) return registry;
  const config = plugins.config.get('@csl') as CslConfig;
  const styles = new Map<string, CslStyleInfo>();
  for (const file of readdirSync(stylesFolder).filter((f) => f.endsWith('.csl'))) {
    const xml = readFileSync(join(stylesFolder, file), 'utf8');
    const base = basename(file, '.csl');
    const name = ALIASES[base] ?? base;
    // Registered under our own name so a bundled citation-js style never stands in for a shipped one.
    config.styles.add(`bibgraph-${name}`, xml);
    styles.set(name, {
      name,
      title: attr(xml, /<title>([^<]*)<\/title>/) ?? name,
      id: attr(xml, /<id>([^<]*)<\/id>/) ?? name,
      citationFormat: attr(xml, /<category\s+citation-format="([^"]+)"/),
      defaultLocale: attr(xml, /<style\b[^>]*\bdefault-locale="([^"]+)"/),
    });
  }
  const locales: string[] = [];
  const localeFolder = join(stylesFolder, 'locales');
  for (const file of readdirSync(localeFolder).filter((f) => /^locales-.+\.xml$/.test(f))) {
    const lang = file.slice('locales-'.length, -'.xml'.length);
    config.locales.add(lang, readFileSync(join(localeFolder, file), 'utf8'));
    locales.push(lang);
  }
  registry = {
    styles: new Map([...styles].sort(([a], [b]) => a.localeCompare(b))),
    locales: locales.sort(),
  };
  return registry;
}

export function availableStyles(): CslStyleInfo[] {
  return [...load().styles.values()];
}

export function availableLocales(): string[] {
  return [...load().locales];
}

/** The shipped style, by short name (case-insensitive); throws UnknownStyleError otherwise. */
export function resolveStyle(name: string): CslStyleInfo {
  const { styles } = load();
  const style = styles.get(name.trim().toLowerCase());
  if (!style) throw new UnknownStyleError('style', name, [...styles.keys()]);
  return style;
}

/** The shipped locale (`de-de` and `de_DE` match `de-DE`); throws UnknownStyleError otherwise. */
export function resolveLocale(name: string): string {
  const { locales } = load();
  const wanted = name.trim().replace('_', '-').toLowerCase();
  const locale = locales.find((l) => l.toLowerCase() === wanted);
  if (!locale) throw new UnknownStyleError('locale', name, locales);
  return locale;
}

export type RenderFormat = 'text' | 'html';

export interface RenderOptions {
  style: string;
  locale: string;
  format: RenderFormat;
}

export interface RenderedBibliography {
  /** Item IDs in the order the style sorts them, each with its formatted entry. */
  entries: Array<{ id: string; formatted: string }>;
  /** The whole bibliography as one document (HTML wrapped in the style's `csl-bib-body`). */
  document: string;
}

/**
 * Formats items as a bibliography in the style's own order (author-date styles sort by author
 * and year; numeric styles keep the given order, which is the citation order).
 */
export function renderBibliography(items: CslItem[], options: RenderOptions): RenderedBibliography {
  const style = resolveStyle(options.style);
  const locale = resolveLocale(options.locale);
  if (items.length === 0) return { entries: [], document: '' };
  const entries = plugins.output.format('bibliography', items, {
    template: `bibgraph-${style.name}`,
    lang: locale,
    format: options.format,
    asEntryArray: true,
  }) as Array<[string, string]>;
  const cleaned = entries.map(([id, formatted]) => ({
    id,
    formatted: formatted.trim(),
  }));
  const document =
    options.format === 'html'
      ? `<div class="csl-bib-body">\n${cleaned.map((e) => `  ${e.formatted}`).join('\n')}\n</div>\n`
      : `${cleaned.map((e) => e.formatted).join('\n')}\n`;
  return { entries: cleaned, document };
}
