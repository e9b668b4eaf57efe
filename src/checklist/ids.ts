/**
 * Ids and dependencies of a checklist's data: duplicate block and item ids, unknown or self `dependsOn`, and
 * dependency cycles (named in file order, reported once each).
 */
import type { AddProblem } from './errors.js';
import type { PathSeg } from './path-format.js';
import { didYouMean } from './suggest.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const NO_IDS: string[] = [];
const NO_AT: number[] = [];


export function checkIds(data: unknown, add: AddProblem): void {
  if (!isObj(data) || !Array.isArray(data.blocks)) return;
  // items by number (their block and index); paths are only built for a problem
  const bis: number[] = [];
  const iis: number[] = [];
  const itemPath = (n: number, ...rest: PathSeg[]): PathSeg[] => ['blocks', bis[n]!, 'items', iis[n]!, ...rest];
  const blockIds = new Map<string, number>();
  const itemIds = new Map<string, number>();
  /** per item id: the ids it depends on, and where each is written (-1: `dependsOn: x`, else the list index) */
  const deps = new Map<string, { n: number; ids: string[]; at: number[] }>();
  const order: string[] = [];
  const depPath = (d: { n: number; at: number[] }, k: number) => (d.at[k]! < 0 ? itemPath(d.n, 'dependsOn') : itemPath(d.n, 'dependsOn', d.at[k]!));
  data.blocks.forEach((b, bi) => {
    if (!isObj(b)) return;
    const bid = str(b.id);
    if (bid !== undefined) {
      const first = blockIds.get(bid);
      if (first !== undefined) add(['blocks', bi, 'id'], (lineOf) => `duplicate block id "${bid}" (first used at line ${lineOf(['blocks', first, 'id'])})`);
      else blockIds.set(bid, bi);
    }
    if (!Array.isArray(b.items)) return;
    b.items.forEach((it, ii) => {
      if (!isObj(it)) return;
      const id = str(it.id);
      if (id === undefined) return;
      const n = bis.length;
      bis.push(bi);
      iis.push(ii);
      const first = itemIds.get(id);
      if (first !== undefined) {
        add(itemPath(n, 'id'), (lineOf) => `duplicate item id "${id}" (first used at line ${lineOf(itemPath(first, 'id'))})`);
        return;
      }
      itemIds.set(id, n);
      order.push(id);
      const d = it.dependsOn;
      if (typeof d === 'string') deps.set(id, { n, ids: [d], at: [-1] });
      else if (Array.isArray(d) && d.length === 1 && typeof d[0] === 'string') deps.set(id, { n, ids: [d[0]], at: [0] });
      else if (Array.isArray(d)) {
        const ids: string[] = [];
        const at: number[] = [];
        for (let xi = 0; xi < d.length; xi++) {
          const x: unknown = d[xi];
          if (typeof x === 'string') {
            ids.push(x);
            at.push(xi);
          }
        }
        deps.set(id, { n, ids, at });
      } else deps.set(id, { n, ids: NO_IDS, at: NO_AT });
    });
  });
  deps.forEach((d, id) => {
    for (let k = 0; k < d.ids.length; k++) {
      const dep = d.ids[k]!;
      if (dep === id) add(depPath(d, k), `item "${id}" cannot depend on itself`);
      else if (!itemIds.has(dep)) {
        const isBlock = blockIds.has(dep) ? ` ("${dep}" is a block id; list the block's item ids)` : '';
        add(depPath(d, k), `unknown item "${dep}" in dependsOn${isBlock || didYouMean(dep, [...itemIds.keys()].filter((k) => k !== id))}`);
      }
    }
  });
  // cycles (self-dependencies already reported); none is possible when every item depends only on items above it
  let backward = true;
  deps.forEach((d) => {
    for (let k = 0; k < d.ids.length && backward; k++) {
      const to = itemIds.get(d.ids[k]!);
      if (to !== undefined && to >= d.n) backward = false;
    }
  });
  if (backward) return;
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 1);
    stack.push(id);
    const mine = deps.get(id)!.ids;
    for (let k = 0; k < mine.length; k++) {
      const dep = mine[k]!;
      if (dep === id || !deps.has(dep)) continue;
      const s = state.get(dep);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          const firstInFile = [...cycle].sort((a, b) => order.indexOf(a) - order.indexOf(b))[0]!;
          const i = cycle.indexOf(firstInFile);
          const rotated = [...cycle.slice(i), ...cycle.slice(0, i)];
          const next = rotated[1] ?? rotated[0]!;
          const d = deps.get(firstInFile)!;
          add(depPath(d, d.ids.indexOf(next)), `dependency cycle: ${[...rotated, firstInFile].join(' → ')}`);
        }
      } else if (s === undefined) visit(dep);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (let i = 0; i < order.length; i++) if (!state.has(order[i]!)) visit(order[i]!);
}
