/**
 * An in-test checklist and session events for component tests: the screens render from a real SessionStore fed
 * with journal events, exactly as the engine feeds it, without running anything.
 */
import { afterEach } from 'vitest';
import type { Checklist, Item } from '../../src/checklist/model.js';
import type { JournalEvent, OutputEvent } from '../../src/engine/events.js';
import { createSessionStore, type SessionStore } from '../../src/engine/store.js';
import type { SaveResult, UiActions, WatchView } from '../../src/ui/actions.js';
import type { Rendered } from './render.js';

const pos = { file: 'test.yaml', line: 1, col: 1 };

function item(p: Partial<Item> & { id: string; blockId: string; title: string }): Item {
  return {
    blocking: true,
    signoff: 'none',
    signoffRoles: [],
    approvals: 1,
    noSelfApproval: false,
    waiverApprovals: 0,
    dependsOn: [],
    retries: 0,
    pos,
    ...p,
  };
}

const cmd = (run: string, extra: Partial<{ mutating: boolean }> = {}) => ({ kind: 'command', params: { run }, mutating: extra.mutating ?? false });

export function testChecklist(o: { deliverables?: Checklist['deliverables'] } = {}): Checklist {
  return {
    apiVersion: 'readiness/v1',
    name: 'shop',
    title: 'Shop cutover readiness',
    vars: [],
    blocks: [
      {
        id: 'b0',
        title: 'Block 0: Foundations',
        successMetrics: ['all nodes ready', 'no critical CVEs'],
        pos,
        items: [
          item({ id: '0.1', blockId: 'b0', title: 'Nodes ready', metric: '>= 3 nodes Ready', estimateMs: 30 * 60_000, check: cmd('kubectl get nodes'), reference: 'Run kubectl get nodes and check every node is Ready.' }),
          item({ id: '0.2', blockId: 'b0', title: 'Image scan', metric: '0 critical CVEs', estimateMs: 2 * 3600_000, check: cmd('trivy image shop:1.0'), signoff: 'required', signoffRoles: ['security'] }),
          item({ id: '0.3', blockId: 'b0', title: 'Runbook reviewed', metric: 'runbook approved', estimateMs: 15 * 60_000, check: { kind: 'manual', params: {}, mutating: false } }),
        ],
      },
      {
        id: 'b1',
        title: 'Block 1: Resilience',
        successMetrics: ['RTO < 15 min'],
        pos,
        items: [
          item({ id: '1.1', blockId: 'b1', title: 'DR drill', metric: 'RTO < 15 minutes', estimateMs: 2 * 3600_000, check: cmd('./dr.sh --really', { mutating: true }) }),
          item({ id: '1.2', blockId: 'b1', title: 'Log streaming', metric: 'logs are JSON', estimateMs: 10 * 60_000, blocking: false, check: cmd('./logs.sh') }),
        ],
      },
    ],
    successMetrics: ['GO decision'],
    deliverables: o.deliverables ?? [],
    risks: [{ risk: 'Database migration stalls', probability: 'medium', impact: 'high', mitigation: 'pre-run on staging' }],
    rollback: { detection: ['error rate > 5%'], steps: ['switch traffic back to blue', 'restore the database snapshot'], time: '20 minutes' },
    source: { path: '/tmp/test.yaml', sha256: '0'.repeat(64), bytes: Buffer.from('') },
  };
}

export class EventFeed {
  seq = 0;
  /** the session started an hour before the test runs: screens show the same clock on any date */
  private readonly base = Date.now() - 3_600_000;
  constructor(readonly live: SessionStore) {}
  ts(offsetMs = 0): string {
    return new Date(this.base + offsetMs).toISOString();
  }
  apply(e: Omit<JournalEvent, 'actor' | 'ts'> & { ts?: string; actor?: string }): void {
    this.live.apply({ actor: 'alice', ts: e.ts ?? this.ts(this.seq * 1000), ...e } as JournalEvent, this.seq++);
  }
  output(item: string, lines: string[]): void {
    const o: OutputEvent = { type: 'output', item, lines, dropped: 0, stream: 'stdout' };
    this.live.apply(o);
  }
  start(kube = { context: 'shop-prod-eu', cluster: 'prod-eu-1', server: 'https://10.0.0.1' }): this {
    this.apply({
      type: 'session.start',
      data: {
        sessionId: '20261127-100000-shop',
        checklist: { name: 'shop', title: 'Shop cutover readiness', path: '/tmp/test.yaml', sha256: '0'.repeat(64) },
        vars: {},
        secretVars: [],
        kube,
        host: 'test',
        tool: { name: 'readiness-tui', version: '0.1.0', node: process.version },
        mode: 'tui',
      },
    } as never);
    return this;
  }
  result(item: string, verdict: 'pass' | 'fail' | 'error' | 'timeout' | 'inconclusive', extra: Record<string, unknown> = {}): this {
    this.apply({ type: 'item.start', data: { item, attempt: 1, describe: `run ${item}` } } as never);
    this.apply({
      type: 'item.result',
      data: {
        item,
        attempt: 1,
        verdict,
        summary: `${item} ${verdict}`,
        durationMs: 62_000,
        evidence: [{ path: `evidence/${item}/1.log`, sha256: `sha-${item}`, bytes: 2048 }],
        ...extra,
      },
    } as never);
    return this;
  }
}

/** Actions that record what the screens asked for; save calls resolve when the test says so. */
export interface RecordingActions extends UiActions {
  calls: { name: string; args: unknown[] }[];
  resolveSave(r?: SaveResult): void;
  rejectSave(err: Error): void;
  runningIds: string[];
  mutatingIds: string[];
  /** what watchSchedule() returns (the tests set it) */
  watching: Map<string, WatchView>;
  watchOn: boolean;
}

export function recordingActions(): RecordingActions {
  let pending: { resolve: (r: SaveResult) => void; reject: (e: Error) => void } | undefined;
  const save = (name: string) => (arg: unknown) => {
    a.calls.push({ name, args: [arg] });
    return new Promise<SaveResult>((resolve, reject) => (pending = { resolve, reject }));
  };
  const a: RecordingActions = {
    operator: 'alice@example.com',
    readonly: false,
    calls: [],
    runningIds: [],
    mutatingIds: ['1.1'],
    watching: new Map(),
    watchOn: false,
    watchSchedule: () => a.watching,
    toggleWatch: async () => {
      a.calls.push({ name: 'toggleWatch', args: [] });
      return (a.watchOn = !a.watchOn);
    },
    run: (ids, o) => a.calls.push({ name: 'run', args: o ? [ids, o] : [ids] }),
    cancel: (id) => a.calls.push({ name: 'cancel', args: [id] }),
    handOver: async () => {
      a.calls.push({ name: 'handOver', args: [] });
    },
    running: () => a.runningIds,
    isMutating: (id) => a.mutatingIds.includes(id),
    describe: (id) => (id === '1.1' ? ['./dr.sh --really'] : [`sh -c 'check ${id}'`]),
    signoff: save('signoff') as UiActions['signoff'],
    waive: save('waive') as UiActions['waive'],
    approveWaiver: save('approveWaiver') as UiActions['approveWaiver'],
    note: save('note') as UiActions['note'],
    generateReport: save('generateReport') as UiActions['generateReport'],
    evidencePath: (rel) => `/tmp/session/${rel}`,
    openPager: (f) => a.calls.push({ name: 'openPager', args: [f] }),
    quit: () => a.calls.push({ name: 'quit', args: [] }),
    resolveSave(r = { message: 'recorded' }) {
      pending?.resolve(r);
      pending = undefined;
    },
    rejectSave(err) {
      pending?.reject(err);
      pending = undefined;
    },
  };
  return a;
}

export function newLive(checklist: Checklist = testChecklist()): { live: SessionStore; feed: EventFeed } {
  const live = createSessionStore(checklist);
  return { live, feed: new EventFeed(live) };
}

/**
 * For a test file (or describe) that renders the App on a real store: call once; `keep(r, live)` each render, and
 * after each test every kept App is unmounted and its store disposed.
 */
export function unmountAfterEach(): (r: Rendered, live: SessionStore) => void {
  let open: { r: Rendered; live: SessionStore }[] = [];
  afterEach(() => {
    for (const h of open) {
      h.r.unmount();
      h.live.dispose();
    }
    open = [];
  });
  return (r, live) => {
    open.push({ r, live });
  };
}
