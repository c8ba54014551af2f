/** The ranking is right: a member whose feature equals the probe ranks first, on every design and driver. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionArgs, createTestDatabase, describeResult, featureFileArgs, runCli, SERVER, smallFeatureFile, type TestDatabase } from '../helpers.js';
import { featureSlice, loadFeatureSource } from '../../src/data/featureSource.js';
import { designOf } from '../../src/schema/designs/index.js';
import { libraryTables } from '../../src/schema/tables.js';
import { rankGroup } from '../../scenarios/rank-members.js';
import { DRIVERS } from '../../src/config/connection.js';
import { connectWorker } from '../../src/db/drivers/index.js';
import { queryRows } from '../../src/db/workerConnection.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

for (const design of ['surrogate', 'clustered', 'natural'] as const) {
  test(`${design}: the member holding the probe's own feature ranks first`, async () => {
    const flag = `rk_${design}`;
    const prepared = await runCli(['prepare', 'rank-members', '--flag', flag, '--design', design, '--groups', '2', '--members', '30', '--images', '4', ...featureFileArgs(), ...connectionArgs(db.name)]);
    assert.equal(prepared.code, 0, describeResult(prepared));
    const features = loadFeatureSource(smallFeatureFile(), 2000);
    // Slice 400 lies beyond the 2 × 30 × 4 = 240 slices the library was loaded with: only the planted copy matches.
    const probe = featureSlice(features, 400);
    const setup = await connectWorker({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name });
    const tables = libraryTables(flag, [1]);
    const d = designOf(design);
    const [group] = await queryRows(setup, d.groupKeysSql(tables) + ' LIMIT 1');
    const groupKey = group![0] as number | string;
    const members = await queryRows(setup, d.groupMembersSql(tables), [groupKey]);
    const planted = members[17]! as Array<number | string>;
    // Plant the probe as one image's feature of member 17.
    if (design === 'natural') {
      await queryRows(setup, `UPDATE feature_${flag}_1 SET feature = ? WHERE group_name = ? AND member_name = ? LIMIT 1`, [probe, planted[0], planted[1]]);
    } else {
      await queryRows(setup, `UPDATE feature_${flag}_1 f JOIN image_${flag} i ON i.id = f.image_id SET f.feature = ? WHERE i.member_id = ? AND i.id = (SELECT MIN(id) FROM image_${flag} WHERE member_id = ?)`, [probe, planted[0], planted[0]]);
    }
    await setup.end();
    for (const driver of DRIVERS) {
      const connection = await connectWorker({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name, driver });
      try {
        const ranking = await rankGroup({ groupFeaturesSql: d.groupFeaturesSql(tables, `feature_${flag}_1`), topK: 5 }, connection, groupKey, probe);
        assert.equal(ranking.rows, 30 * 4, `${driver}: every feature of the group read`);
        assert.equal(ranking.bytes, 30 * 4 * 2000, `${driver}: bytes read`);
        assert.equal(String(ranking.top[0]!.member), String(planted[planted.length - 1]), `${driver}: ${JSON.stringify(ranking.top)}`);
        assert.ok(Math.abs(ranking.top[0]!.score - 1) < 1e-9, driver);
      } finally {
        await connection.end();
      }
    }
  });
}
