'use strict';
// The v2 REST API as @google-cloud/bigquery sees it: datasets, tables,
// tabledata.insertAll and tabledata.list, values typed by the client.

const assert = require('node:assert/strict');
const {after, before, describe, it} = require('node:test');

const {PROJECT, restClient, startEmulator} = require('./emulator');
const fx = require('./fixtures');

const DATASET = 'conformance_rest';

// An ApiError from @google-cloud/common carries the HTTP status as `code` and
// the body's error.errors[] as `errors`.
async function assertApiError(promise, code, reason) {
  await assert.rejects(promise, err => {
    assert.equal(err.code, code, `HTTP status (${err.message})`);
    assert.equal(err.errors?.[0]?.reason, reason, `errors[0].reason (${err.message})`);
    return true;
  });
}

describe('REST v2 through @google-cloud/bigquery', {timeout: 30000}, () => {
  let emu;
  let bq;

  before(async () => {
    emu = await startEmulator();
    bq = restClient(emu);
  });

  after(async () => {
    if (emu) await emu.stop();
  });

  it('datasets: create, get, list; a second create is 409 duplicate', async () => {
    const [dataset, created] = await bq.createDataset(DATASET);
    assert.equal(dataset.id, DATASET);
    assert.deepEqual(created.datasetReference, {projectId: PROJECT, datasetId: DATASET});

    const [exists] = await bq.dataset(DATASET).exists();
    assert.equal(exists, true);
    const [metadata] = await bq.dataset(DATASET).getMetadata();
    assert.equal(metadata.id, `${PROJECT}:${DATASET}`);

    const [datasets] = await bq.getDatasets();
    assert.deepEqual(datasets.map(d => d.id), [DATASET]);

    await assertApiError(bq.createDataset(DATASET), 409, 'duplicate');
    const [missing] = await bq.dataset('no_such_dataset').exists();
    assert.equal(missing, false);
  });

  it('tables: create with every column kind, get, list, page, 404, 409', async () => {
    const dataset = bq.dataset(DATASET);
    const [table, created] = await dataset.createTable('typed', {schema: fx.SCHEMA});
    assert.equal(table.id, 'typed');
    assert.deepEqual(created.tableReference,
                     {projectId: PROJECT, datasetId: DATASET, tableId: 'typed'});

    const [metadata] = await dataset.table('typed').getMetadata();
    assert.equal(metadata.kind, 'bigquery#table');
    assert.equal(metadata.id, `${PROJECT}:${DATASET}.typed`);
    assert.equal(metadata.type, 'TABLE');
    assert.equal(metadata.numRows, '0');
    assert.match(metadata.creationTime, /^\d+$/);
    assertSameSchema(metadata.schema.fields, fx.SCHEMA.fields);

    const [, other] = await dataset.createTable('other', {
      schema: {fields: [{name: 'x', type: 'STRING', description: 'a column'},
                        {name: 't', type: 'TIMESTAMP'}]},
      timePartitioning: {type: 'DAY', field: 't'},
      clustering: {fields: ['x']},
      description: 'a table',
    });
    assert.deepEqual(other.timePartitioning, {type: 'DAY', field: 't'});
    assert.deepEqual(other.clustering, {fields: ['x']});
    assert.equal(other.description, 'a table');
    assert.equal(other.schema.fields[0].description, 'a column');
    const [tables] = await dataset.getTables();
    assert.deepEqual(tables.map(t => t.id).sort(), ['other', 'typed']);

    const [page1, next] = await dataset.getTables({maxResults: 1, autoPaginate: false});
    assert.equal(page1.length, 1);
    assert.ok(next?.pageToken, 'first page of two has a nextPageToken');
    const [page2, last] = await dataset.getTables({...next, autoPaginate: false});
    assert.equal(page2.length, 1);
    assert.equal(last, null);
    assert.notEqual(page1[0].id, page2[0].id);

    await assertApiError(dataset.createTable('typed', {schema: fx.SCHEMA}), 409, 'duplicate');
    await assertApiError(dataset.table('nope').getMetadata(), 404, 'notFound');
    const [exists] = await dataset.table('nope').exists();
    assert.equal(exists, false);
    await assertApiError(
        dataset.createTable('bad', {schema: {fields: [{name: 'a b', type: 'STRING'}]}}), 400,
        'invalid');
  });

  it('tables: labels, friendlyName, description and expirationTime are kept', async () => {
    const dataset = bq.dataset(DATASET);
    const given = {
      labels: {team: 'ingest', env: 'dev'},
      friendlyName: 'Labelled',
      description: 'a labelled table',
      expirationTime: '4102444800000',
    };
    const [table, created] = await dataset.createTable('labelled', {
      schema: {fields: [{name: 'x', type: 'STRING'}]},
      ...given,
    });
    const [metadata] = await table.getMetadata();
    for (const resource of [created, metadata]) {
      assert.deepEqual(resource.labels, given.labels);
      assert.equal(resource.friendlyName, given.friendlyName);
      assert.equal(resource.description, given.description);
      assert.equal(resource.expirationTime, given.expirationTime);
    }
    const [tables] = await dataset.getTables();
    const listed = tables.find(t => t.id === 'labelled');
    assert.deepEqual(listed.metadata.labels, given.labels);
    assert.equal(listed.metadata.friendlyName, given.friendlyName);

    // tables.patch merges labels; a null value deletes one (the clients' DeleteLabel).
    const [patched] = await table.setMetadata({labels: {env: null, tier: 'gold'}});
    assert.deepEqual(patched.labels, {team: 'ingest', tier: 'gold'});
    assert.equal(patched.friendlyName, given.friendlyName);
  });

  // BigQuery returns selfLink as a full URL (https://bigquery.googleapis.com/bigquery/v2/…);
  // the emulator's is under its own base URL.
  it('tables and datasets: selfLink is the full URL of the resource', async () => {
    const [dataset] = await bq.dataset(DATASET).getMetadata();
    const datasetUrl = `${emu.rest}/bigquery/v2/projects/${PROJECT}/datasets/${DATASET}`;
    assert.equal(dataset.selfLink, datasetUrl);
    const [table] = await bq.dataset(DATASET).table('typed').getMetadata();
    assert.equal(table.selfLink, `${datasetUrl}/tables/typed`);
  });

  // BigQuery echoes a schema as given: its Node.js client's own system test
  // compares a tables.patch response to the schema it sent with assert.deepEqual.
  it('tables: a field created without a mode comes back without one', async () => {
    const schema = {fields: [{name: 'x', type: 'STRING'}, {name: 'y', type: 'INTEGER'}]};
    const [table, created] = await bq.dataset(DATASET).createTable('modeless', {schema});
    assert.deepEqual(created.schema, schema);
    const [metadata] = await table.getMetadata();
    assert.deepEqual(metadata.schema, schema);
    const updated = {fields: [...schema.fields, {name: 'z', type: 'STRING', mode: 'NULLABLE'}]};
    const [patched] = await table.setMetadata({schema: updated});
    assert.deepEqual(patched.schema, updated);
  });

  it('insert() (tabledata.insertAll), then getRows() with the client types', async () => {
    const table = bq.dataset(DATASET).table('typed');
    const [response] = await table.insert([fx.fullRowForInsert('full'), fx.sparseRow('sparse')]);
    assert.equal(response.kind, 'bigquery#tableDataInsertAllResponse');
    assert.equal(response.insertErrors, undefined);

    const [rows] = await table.getRows();
    assert.equal(rows.length, 2);
    const [full, sparse] = fx.byName(rows);
    fx.assertFullRow(full, 'full');
    fx.assertSparseRow(sparse, 'sparse');
    // numRows is not checked: BigQuery counts streamed rows there only once they
    // leave the streaming buffer.
  });

  it('getRows(): float-seconds timestamps, wrapped integers, paging, selectedFields', async () => {
    const table = bq.dataset(DATASET).table('typed');

    // Without formatOptions.useInt64Timestamp, TIMESTAMP cells are float seconds.
    const [floatRows] = await table.getRows({'formatOptions.useInt64Timestamp': false});
    const full = fx.byName(floatRows)[0];
    assert.equal(full.ts.value, fx.TS_TEXT);

    const [wrapped] = await table.getRows({wrapIntegers: true});
    fx.assertFullRow(fx.byName(wrapped)[0], 'full', {wrapIntegers: true});

    const [page1, next, raw1] = await table.getRows({maxResults: 1, autoPaginate: false});
    assert.equal(page1.length, 1);
    assert.equal(raw1.totalRows, '2');
    assert.ok(next?.pageToken, 'a page of 1 of 2 rows has a pageToken');
    const [page2, last] = await table.getRows({...next, autoPaginate: false});
    assert.equal(page2.length, 1);
    assert.equal(last, null);
    assert.deepEqual([page1[0].name, page2[0].name].sort(), ['full', 'sparse']);

    const [second] = await table.getRows({startIndex: '1', maxResults: 5, autoPaginate: false});
    assert.equal(second.length, 1);
    assert.equal(second[0].name, page2[0].name);

    const [selected] = await table.getRows({selectedFields: 'name,tags'});
    assert.deepEqual(fx.byName(selected), [{name: 'full', tags: ['x', 'y']},
                                           {name: 'sparse', tags: []}]);
    const [nested] = await table.getRows({selectedFields: 'name,address.city'});
    assert.deepEqual(fx.byName(nested), [{name: 'full', address: {city: 'Zürich'}},
                                         {name: 'sparse', address: null}]);

    await assertApiError(bq.dataset(DATASET).table('nope').getRows(), 404, 'notFound');
  });

  it('getRows(): timestampOutputFormat, alone and with useInt64Timestamp', async () => {
    const table = bq.dataset(DATASET).table('typed');
    const tsOf = async options => fx.byName((await table.getRows(options))[0])[0].ts.value;
    const format = 'formatOptions.timestampOutputFormat';
    const int64 = 'formatOptions.useInt64Timestamp';

    assert.equal(await tsOf({[format]: 'INT64'}), fx.TS_TEXT);
    assert.equal(await tsOf({[format]: 'INT64', [int64]: true}), fx.TS_TEXT);
    assert.equal(await tsOf({[format]: 'FLOAT64'}), fx.TS_TEXT);
    assert.equal(await tsOf({[format]: 'FLOAT64', [int64]: false}), fx.TS_TEXT);
    assert.equal(await tsOf({[format]: 'TIMESTAMP_OUTPUT_FORMAT_UNSPECIFIED', [int64]: true}),
                 fx.TS_TEXT);
    // ISO 8601 text; how many fractional zeros follow the micros is not pinned here.
    assert.match(await tsOf({[format]: 'ISO8601_STRING'}), /^2024-03-01T12:34:56\.789012(0*)Z$/);

    for (const conflicting of ['FLOAT64', 'ISO8601_STRING']) {
      await assert.rejects(table.getRows({[format]: conflicting, [int64]: true}), err => {
        assert.equal(err.code, 400);
        assert.equal(err.message,
                     'Cannot specify both use_int64_timestamp and timestamp_output_format.');
        return true;
      });
    }
  });

  it('insert(): a bad row fails the request with per-row insertErrors', async () => {
    const table = bq.dataset(DATASET).table('typed');
    const once = {partialRetries: 0};  // the client would otherwise resend failed rows
    await assert.rejects(
        table.insert([{name: 'good'}, {name: 'bad', count: 'not a number'}], once), err => {
          assert.equal(err.name, 'PartialFailureError');
          assert.deepEqual(err.errors.map(e => [e.row.name, e.errors.map(x => x.reason)]),
                           [['good', ['stopped']], ['bad', ['invalid']]]);
          const insertErrors = err.response.insertErrors;
          assert.deepEqual(insertErrors.map(e => e.index), [0, 1]);
          assert.equal(insertErrors[1].errors[0].location, 'count');
          return true;
        });
    await assert.rejects(table.insert([{name: 'x', no_such_column: 1}], once), err => {
      assert.equal(err.name, 'PartialFailureError');
      assert.equal(err.errors[0].errors[0].reason, 'invalid');
      assert.equal(err.response.insertErrors[0].errors[0].location, 'no_such_column');
      return true;
    });
    const [rows] = await table.getRows();
    assert.deepEqual(rows.map(r => r.name).sort(), ['full', 'sparse']);

    // skipInvalidRows stores the good rows; ignoreUnknownValues drops the extra column.
    await assert.rejects(
        table.insert([{name: 'kept'}, {name: 'bad', count: 'nan'}],
                     {...once, skipInvalidRows: true}),
        err => {
          assert.deepEqual(err.response.insertErrors.map(e => e.index), [1]);
          return true;
        });
    await table.insert([{name: 'lenient', no_such_column: 1}],
                       {...once, ignoreUnknownValues: true});
    const [after] = await table.getRows({selectedFields: 'name'});
    assert.deepEqual(after.map(r => r.name).sort(), ['full', 'kept', 'lenient', 'sparse']);
  });

  it('insert(): a repeated insertId is not stored twice; int64 keeps all 64 bits', async () => {
    const [table] = await bq.dataset(DATASET).createTable('dedup', {schema: fx.SCHEMA});
    const row = {insertId: 'row-1', json: {name: 'once', count: '9007199254740993'}};
    await table.insert([row], {raw: true});
    await table.insert([row], {raw: true});
    const [rows] = await table.getRows({wrapIntegers: true});
    assert.deepEqual(rows.map(r => [r.name, r.count.value]), [['once', '9007199254740993']]);

    await assertApiError(bq.dataset(DATASET).table('nope').insert([{name: 'x'}]), 404,
                         'notFound');
  });

  it('delete: table, then a dataset that is not empty only with force', async () => {
    const dataset = bq.dataset(DATASET);
    await dataset.table('other').delete();
    await assertApiError(dataset.table('other').getMetadata(), 404, 'notFound');
    await assertApiError(dataset.delete(), 400, 'resourceInUse');
    await dataset.delete({force: true});
    const [exists] = await dataset.exists();
    assert.equal(exists, false);
  });
});

// Names, types and modes as created: a mode comes back only where one was given.
function assertSameSchema(got, want) {
  assert.deepEqual(got.map(f => f.name), want.map(f => f.name));
  for (let i = 0; i < want.length; ++i) {
    assert.equal(got[i].type, want[i].type, `type of ${want[i].name}`);
    assert.equal(got[i].mode, want[i].mode, `mode of ${want[i].name}`);
    if (want[i].fields) assertSameSchema(got[i].fields, want[i].fields);
  }
}
