import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSettings } from '../../scripts/print-settings.ts';
import { loadConfig, SETTINGS } from '../../src/config.ts';

describe('the settings reference', () => {
  it('lists exactly the variables loadConfig reads', () => {
    const read = new Set<string>();
    // Every lookup goes through the proxy, so a setting added to loadConfig without a SETTINGS
    // entry (or one removed from it) shows up here.
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    });
    loadConfig(env);
    expect([...read].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it('is the table committed in docs/configuration.md', () => {
    const committed = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    expect(renderSettings(committed), 'run npm run settings:print').toBe(committed);
  });
});
