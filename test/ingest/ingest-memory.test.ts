import { describe, expect, it } from 'vitest';
import { IdList, IdMap } from '../../src/ingest/id-lists.ts';
import { titlesClearlyDiffer } from '../../src/ingest/match.ts';
import { prepareStream } from '../../src/ingest/prepare.ts';
import { foldRemembers } from '../../src/ris/normalize.ts';

/*
 * What an ingest keeps for a whole file (issue #13 item 4: the CLI's RSS grew with the file).
 * Structural, not timed: what the fold memo holds, and the typed lists that replaced Sets and Maps.
 */

describe('the fold memo keeps what repeats, not titles', () => {
  it('remembers the names of prepared records but none of their titles', async () => {
    const titles = ['A study of memory held by parsers 8127', 'Another title seen only once 9921'];
    const ris = titles
      .map(
        (t, i) =>
          `TY  - JOUR\nTI  - ${t}\nAU  - Memorywright, Ada\nN1  - ${t}\nPY  - 2020\nDO  - 10.5555/mem.${i}\nER  - \n`,
      )
      .join('\n');
    const records = [];
    for await (const e of prepareStream([ris])) if (e.type === 'record') records.push(e.record);
    expect(records.map((r) => r.fingerprint)).toEqual([
      'a study of memory held by parsers 8127|2020|memorywright',
      'another title seen only once 9921|2020|memorywright',
    ]);
    // The N1 note repeating the title is still dropped (EndNote writes the title there).
    expect(records.map((r) => r.citation?.notes)).toEqual([[], []]);
    expect(foldRemembers('Memorywright')).toBe(true);
    for (const t of titles) expect(foldRemembers(t)).toBe(false);
    expect(titlesClearlyDiffer(titles[0], 'Completely different words 1')).toBe(true);
    expect(foldRemembers('Completely different words 1')).toBe(false);
  });
});

describe('IdList', () => {
  it('gives each id once, ascending, across growth', () => {
    const list = new IdList();
    for (let i = 3000; i > 0; i--) list.push(i % 1500);
    expect(list.length).toBe(3000);
    const distinct = list.distinct();
    expect(distinct.length).toBe(1500);
    expect([...distinct.subarray(0, 3)]).toEqual([0, 1, 2]);
    expect(distinct[1499]).toBe(1499);
    expect(new IdList().distinct().length).toBe(0);
  });
});

describe('IdMap', () => {
  it('finds ids set in ascending order', () => {
    const map = new IdMap();
    for (let i = 1; i <= 5000; i++) map.set(i * 2, i);
    expect(map.size).toBe(5000);
    expect(map.get(2)).toBe(1);
    expect(map.get(10_000)).toBe(5000);
    expect(map.get(3)).toBeUndefined();
    expect(map.get(0)).toBeUndefined();
    expect(map.get(10_002)).toBeUndefined();
  });

  it('finds ids set out of order, also after more are set', () => {
    const map = new IdMap();
    for (const id of [50, 10, 40, 20]) map.set(id, id + 1);
    expect(map.get(10)).toBe(11);
    expect(map.get(40)).toBe(41);
    map.set(30, 31);
    map.set(5, 6);
    expect([5, 10, 20, 30, 40, 50].map((id) => map.get(id))).toEqual([6, 11, 21, 31, 41, 51]);
    expect(map.get(35)).toBeUndefined();
  });
});
