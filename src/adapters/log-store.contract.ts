import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogStore } from '../ports/log-store.js';

/**
 * The behaviour every LogStore implementation must show (the SQLite one now,
 * a PostgreSQL one later), as runStoreContract does for the document store.
 */
export function runLogStoreContract(name: string, newStore: () => Promise<LogStore>): void {
  const east = { account: '123456789012', region: 'us-east-1' };
  const west = { account: '123456789012', region: 'us-west-2' };
  const events = (from: number, count: number, prefix = 'line') => Array.from({ length: count }, (_, i) => ({ timestamp: from + i, message: `${prefix} ${i}` }));

  describe(`LogStore contract: ${name}`, () => {
    test('groups: create once, scoped, listed by name with prefix, substring and paging', async () => {
      const store = await newStore();
      assert.equal(await store.createGroup(east, { name: '/ecs/b', createdAt: 1, tags: { team: 'x' } }), true);
      assert.equal(await store.createGroup(east, { name: '/ecs/b', createdAt: 2 }), false);
      await store.createGroup(east, { name: '/ecs/a', createdAt: 3 });
      await store.createGroup(east, { name: 'other', createdAt: 4 });
      assert.equal(await store.groupExists(west, '/ecs/b'), false);
      assert.deepEqual(await store.getGroup(east, '/ecs/b'), { name: '/ecs/b', createdAt: 1, tags: { team: 'x' }, storedBytes: 0 });
      assert.deepEqual((await store.listGroups(east, { limit: 10 })).map((g) => g.name), ['/ecs/a', '/ecs/b', 'other']);
      assert.deepEqual((await store.listGroups(east, { prefix: '/ecs/', limit: 10 })).map((g) => g.name), ['/ecs/a', '/ecs/b']);
      assert.deepEqual((await store.listGroups(east, { contains: 'the', limit: 10 })).map((g) => g.name), ['other']);
      assert.deepEqual((await store.listGroups(east, { after: '/ecs/a', limit: 1 })).map((g) => g.name), ['/ecs/b']);
      assert.equal(await store.setRetention(east, '/ecs/a', 7), true);
      assert.equal((await store.getGroup(east, '/ecs/a'))?.retentionInDays, 7);
      assert.equal(await store.setRetention(east, '/ecs/a', null), true);
      assert.equal((await store.getGroup(east, '/ecs/a'))?.retentionInDays, undefined);
      assert.equal(await store.setTags(east, '/ecs/a', { k: 'v' }), true);
      assert.deepEqual((await store.getGroup(east, '/ecs/a'))?.tags, { k: 'v' });
      assert.equal(await store.setTags(east, 'nope', {}), false);
      assert.equal(await store.deleteGroup(east, '/ecs/b'), true);
      assert.equal(await store.deleteGroup(east, '/ecs/b'), false);
      await store.close();
    });

    test('streams: created in existing groups, statistics follow appends', async () => {
      const store = await newStore();
      assert.equal(await store.createStream(east, 'g', 's', 1), 'no-group');
      await store.createGroupIfMissing(east, 'g', 1);
      await store.createGroupIfMissing(east, 'g', 2);
      assert.equal((await store.getGroup(east, 'g'))?.createdAt, 1);
      assert.equal(await store.createStream(east, 'g', 's', 5), 'created');
      assert.equal(await store.createStream(east, 'g', 's', 6), 'exists');
      await store.ensureStream(east, 'g', 'app/t1', 7);
      await store.putEvents(east, 'g', 's', [{ timestamp: 100, message: 'héllo' }, { timestamp: 200, message: 'x' }], 300);
      const stream = await store.getStream(east, 'g', 's');
      assert.deepEqual(stream, { name: 's', createdAt: 5, firstEventTimestamp: 100, lastEventTimestamp: 200, lastIngestionTime: 300, storedBytes: 7 });
      assert.equal((await store.getGroup(east, 'g'))?.storedBytes, 7);
      assert.deepEqual((await store.listStreams(east, 'g')).map((s) => s.name), ['app/t1', 's']);
      assert.deepEqual((await store.listStreams(east, 'g', 'app/')).map((s) => s.name), ['app/t1']);
      assert.equal(await store.deleteStream(east, 'g', 's'), true);
      assert.equal(await store.deleteStream(east, 'g', 's'), false);
      assert.deepEqual(await store.readStream(east, 'g', 's', { direction: 'forward', limit: 10 }), []);
      await store.close();
    });

    test('append moves the ingest cursor in the same transaction', async () => {
      const store = await newStore();
      assert.equal(await store.cursor('container-1'), undefined);
      await assert.rejects(store.append(east, 'missing', 's', events(0, 1), { source: 'container-1', position: 'p1' }, 1));
      assert.equal(await store.cursor('container-1'), undefined, 'a failed append moves no cursor');
      await store.createGroupIfMissing(east, 'g', 1);
      await store.ensureStream(east, 'g', 's', 1);
      await store.append(east, 'g', 's', events(10, 3), { source: 'container-1', position: 'p3' }, 20);
      assert.equal(await store.cursor('container-1'), 'p3');
      assert.equal((await store.readStream(east, 'g', 's', { direction: 'forward', limit: 10 })).length, 3);
      await store.close();
    });

    test('stream reads: ordered, bounded by time, resumable from a position both ways', async () => {
      const store = await newStore();
      await store.createGroup(east, { name: 'g', createdAt: 0 });
      await store.createStream(east, 'g', 's', 0);
      // Two events share a timestamp: arrival order breaks the tie.
      await store.putEvents(east, 'g', 's', [...events(1000, 5), { timestamp: 1004, message: 'same ts' }], 2000);
      const all = await store.readStream(east, 'g', 's', { direction: 'forward', limit: 100 });
      assert.deepEqual(all.map((e) => e.message), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'same ts']);
      assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id));
      assert.equal(all[0]!.ingestionTime, 2000);
      assert.equal(all[0]!.stream, 's');
      const page2 = await store.readStream(east, 'g', 's', { direction: 'forward', from: all[1]!, limit: 2 });
      assert.deepEqual(page2.map((e) => e.message), ['line 2', 'line 3']);
      const back = await store.readStream(east, 'g', 's', { direction: 'backward', limit: 2 });
      assert.deepEqual(back.map((e) => e.message), ['same ts', 'line 4']);
      const backFrom = await store.readStream(east, 'g', 's', { direction: 'backward', from: back[1]!, limit: 10 });
      assert.deepEqual(backFrom.map((e) => e.message), ['line 3', 'line 2', 'line 1', 'line 0']);
      const window = await store.readStream(east, 'g', 's', { direction: 'forward', startTime: 1001, endTime: 1003, limit: 10 });
      assert.deepEqual(window.map((e) => e.timestamp), [1001, 1002]);
      await store.close();
    });

    test('group reads interleave streams by time and filter by names or prefix', async () => {
      const store = await newStore();
      await store.createGroup(east, { name: 'g', createdAt: 0 });
      for (const s of ['app/a', 'app/b', 'web/c']) await store.createStream(east, 'g', s, 0);
      await store.putEvents(east, 'g', 'app/a', [{ timestamp: 1, message: 'a1' }, { timestamp: 4, message: 'a4' }], 10);
      await store.putEvents(east, 'g', 'app/b', [{ timestamp: 2, message: 'b2' }], 10);
      await store.putEvents(east, 'g', 'web/c', [{ timestamp: 3, message: 'c3' }], 10);
      const all = await store.readGroup(east, 'g', { limit: 10 });
      assert.deepEqual(all.map((e) => `${e.stream}:${e.message}`), ['app/a:a1', 'app/b:b2', 'web/c:c3', 'app/a:a4']);
      assert.deepEqual((await store.readGroup(east, 'g', { after: all[1]!, limit: 10 })).map((e) => e.message), ['c3', 'a4']);
      assert.deepEqual((await store.readGroup(east, 'g', { streams: ['web/c', 'app/b'], limit: 10 })).map((e) => e.message), ['b2', 'c3']);
      assert.deepEqual((await store.readGroup(east, 'g', { streamPrefix: 'app/', startTime: 2, limit: 10 })).map((e) => e.message), ['b2', 'a4']);
      assert.deepEqual((await store.readGroup(east, 'g', { limit: 2 })).map((e) => e.message), ['a1', 'b2']);
      assert.deepEqual(await store.readGroup(west, 'g', { limit: 10 }), []);
      await store.close();
    });

    test('retention: groups with a policy are listed, old events deleted and bytes reclaimed', async () => {
      const store = await newStore();
      await store.createGroup(east, { name: 'g', createdAt: 0, retentionInDays: 1 });
      await store.createGroup(west, { name: 'h', createdAt: 0 });
      await store.createStream(east, 'g', 's', 0);
      await store.putEvents(east, 'g', 's', events(0, 10), 10);
      assert.deepEqual(await store.groupsWithRetention(), [{ scope: east, name: 'g', retentionInDays: 1 }]);
      assert.equal(await store.deleteEventsBefore(east, 'g', 4), 4);
      const left = await store.readStream(east, 'g', 's', { direction: 'forward', limit: 100 });
      assert.equal(left[0]!.timestamp, 4);
      assert.equal((await store.getStream(east, 'g', 's'))?.storedBytes, 6 * 'line 0'.length);
      await store.close();
    });

    test('deleting a group removes its streams and events; wipe removes everything', async () => {
      const store = await newStore();
      await store.createGroup(east, { name: 'g', createdAt: 0 });
      await store.createStream(east, 'g', 's', 0);
      await store.putEvents(east, 'g', 's', events(0, 3), 1);
      await store.deleteGroup(east, 'g');
      await store.createGroup(east, { name: 'g', createdAt: 5 });
      assert.equal(await store.getStream(east, 'g', 's'), undefined);
      assert.deepEqual(await store.readGroup(east, 'g', { limit: 10 }), []);
      await store.append(east, 'g', 's2', events(0, 2), { source: 'src', position: '2' }, 1);
      await store.wipe();
      assert.equal(await store.groupExists(east, 'g'), false);
      assert.equal(await store.cursor('src'), undefined);
      await store.close();
    });

    test('configuration resources: per group or per region, replaced in place, deleted with their group', async () => {
      const store = await newStore();
      assert.equal(await store.putResource(east, { kind: 'metricFilter', group: 'g', name: 'f' }, { a: 1 }), false, 'a group resource needs its group');
      await store.createGroup(east, { name: 'g', createdAt: 0 });
      assert.equal(await store.putResource(east, { kind: 'metricFilter', group: 'g', name: 'f2' }, { a: 2 }), true);
      await store.putResource(east, { kind: 'metricFilter', group: 'g', name: 'f1' }, { a: 1 });
      await store.putResource(east, { kind: 'metricFilter', group: 'g', name: 'f1' }, { a: 11 });
      await store.putResource(east, { kind: 'policy', name: 'p' }, { doc: '{}' });
      await store.putResource(west, { kind: 'policy', name: 'p' }, { doc: 'west' });
      assert.deepEqual((await store.listResources(east, 'metricFilter', 'g')).map((r) => [r.name, r.body]), [['f1', { a: 11 }], ['f2', { a: 2 }]]);
      assert.deepEqual(await store.listResources(east, 'metricFilter'), [], 'region resources are apart from group ones');
      assert.deepEqual(await store.getResource(east, { kind: 'policy', name: 'p' }), { kind: 'policy', name: 'p', body: { doc: '{}' } });
      assert.deepEqual((await store.getResource(east, { kind: 'metricFilter', group: 'g', name: 'f2' }))?.body, { a: 2 });
      assert.equal(await store.deleteResource(east, { kind: 'metricFilter', group: 'g', name: 'f2' }), true);
      assert.equal(await store.deleteResource(east, { kind: 'metricFilter', group: 'g', name: 'f2' }), false);
      await store.deleteGroup(east, 'g');
      await store.createGroup(east, { name: 'g', createdAt: 1 });
      assert.deepEqual(await store.listResources(east, 'metricFilter', 'g'), [], 'deleted with the group');
      assert.equal((await store.getResource(east, { kind: 'policy', name: 'p' }))?.name, 'p', 'region resources stay');
      await store.wipe();
      assert.equal(await store.getResource(west, { kind: 'policy', name: 'p' }), undefined);
      await store.close();
    });

    // Speed is the benchmark's (bench/awslogs-throughput.mjs, a million events); this checks the answers at that kind of size.
    test('range reads answer correctly over 100k events in two streams (index ranges, not scans)', async () => {
      const store = await newStore();
      await store.createGroup(east, { name: 'big', createdAt: 0 });
      for (const s of ['a', 'b']) await store.createStream(east, 'big', s, 0);
      const batch = 10_000;
      for (let b = 0; b < 10; b++) {
        const events = Array.from({ length: batch }, (_, i) => ({ timestamp: b * batch + i, message: `event ${b * batch + i}` }));
        await store.putEvents(east, 'big', b % 2 ? 'a' : 'b', events, 1);
      }
      for (const at of [0, 5_000, 49_999, 75_001, 89_950]) {
        const forward = await store.readStream(east, 'big', 'a', { direction: 'forward', startTime: at, limit: 100 });
        const group = await store.readGroup(east, 'big', { after: { timestamp: at, id: 0 }, limit: 100 });
        assert.ok(forward.length > 0 && forward.every((event) => event.timestamp >= at), `stream a from ${at}`);
        assert.equal(group.length, 100, `group from ${at}`);
        assert.ok(group.every((event, i) => i === 0 || event.timestamp >= group[i - 1]!.timestamp), `group from ${at} in time order`);
      }
      const tail = await store.readStream(east, 'big', 'b', { direction: 'backward', limit: 1 });
      assert.equal(tail[0]!.message, 'event 89999');
      await store.close();
    });
  });
}
