'use strict';
// The Storage Write API (gRPC) as @google-cloud/bigquery-storage's managedwriter
// sees it: the _default stream, COMMITTED streams with offsets and Finalize,
// PENDING streams with BatchCommitWriteStreams. Rows are read back through the
// REST client, so both halves of the emulator must agree.

const assert = require('node:assert/strict');
const {after, before, describe, it} = require('node:test');

const {PROJECT, adapt, managedwriter, restClient, startEmulator, writerClient} =
    require('./emulator');
const fx = require('./fixtures');

const {JSONWriter} = managedwriter;
const {StorageError} =
    require('@google-cloud/bigquery-storage').protos.google.cloud.bigquery.storage.v1;

// The google.cloud.bigquery.storage.v1.StorageError in an error's details
// (an AppendRowsResponse.error's, or a failed RPC's): what the Java and Go
// clients turn into OffsetAlreadyExists, OffsetOutOfRange, StreamFinalized...
const STORAGE_ERROR_TYPE = 'type.googleapis.com/google.cloud.bigquery.storage.v1.StorageError';
function storageErrorOf(error) {
  let found;
  if (error instanceof Error) {
    found = managedwriter.parseStorageErrors(error)[0];
  } else {
    const any = (error?.details ?? []).find(d => (d.type_url ?? d.typeUrl) === STORAGE_ERROR_TYPE);
    if (any) found = StorageError.decode(any.value);
  }
  assert.ok(found, `no StorageError detail in ${error?.message}`);
  const object = StorageError.toObject(StorageError.fromObject(found), {enums: String});
  return {code: object.code, entity: object.entity};
}

const DATASET = 'conformance_write';

// google.rpc.Code values the API puts in AppendRowsResponse.error.
const ALREADY_EXISTS = 6;
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;
const OUT_OF_RANGE = 11;

describe('Storage Write API through @google-cloud/bigquery-storage', {timeout: 30000}, () => {
  let emu;
  let bq;
  let client;
  // RPC-level errors per connection: StreamConnection re-emits them as
  // 'error', which would be thrown if nobody listened.
  const connectionErrors = new Map();

  before(async () => {
    emu = await startEmulator();
    bq = restClient(emu);
    client = writerClient(emu);
    await bq.createDataset(DATASET);
  });

  after(async () => {
    if (client) client.close();
    if (emu) await emu.stop();
  });

  async function newTable(tableId) {
    await bq.dataset(DATASET).createTable(tableId, {schema: fx.SCHEMA});
    return `projects/${PROJECT}/datasets/${DATASET}/tables/${tableId}`;
  }

  async function connect(request) {
    const connection = await client.createStreamConnection(request);
    const errors = [];
    connection.onConnectionError(err => errors.push(err));
    connectionErrors.set(connection, errors);
    return connection;
  }

  function descriptorFromRestSchema() {
    return adapt.convertStorageSchemaToProto2Descriptor(
        adapt.convertBigQuerySchemaToStorageTableSchema(fx.SCHEMA), 'root');
  }

  // A refused BatchCommitWriteStreams answers with stream_errors and no
  // commit_time (the RPC itself succeeds); an RPC error is accepted too.
  async function assertCommitRefused(parent, streamId, code = undefined) {
    const outcome = await client.batchCommitWriteStream({parent, writeStreams: [streamId]})
                        .then(response => response, err => ({rpcError: err}));
    if (outcome.rpcError) {
      assert.ok([INVALID_ARGUMENT, FAILED_PRECONDITION].includes(outcome.rpcError.code),
                String(outcome.rpcError));
      return;
    }
    assert.equal(outcome.streamErrors?.length, 1, JSON.stringify(outcome));
    assert.equal(outcome.streamErrors[0].entity, streamId);
    if (code) assert.equal(outcome.streamErrors[0].code, code);
    assert.equal(outcome.commitTime ?? null, null);
  }

  async function readRows(tableId) {
    const [rows] = await bq.dataset(DATASET).table(tableId).getRows();
    return fx.byName(rows);
  }

  it('_default stream: GetWriteStream FULL, append, read back typed over REST', async () => {
    const parent = await newTable('default_stream');
    const defaultName = `${parent}/streams/_default`;

    const stream = await client.getWriteStream({streamId: defaultName, view: 'FULL'});
    assert.equal(stream.name, defaultName);
    assert.equal(stream.type, 'COMMITTED');
    // The writer schema the client derives from the stream's table_schema is the
    // one it derives from the REST schema.
    const protoDescriptor =
        adapt.convertStorageSchemaToProto2Descriptor(stream.tableSchema, 'root');
    assert.deepEqual(protoDescriptor.toJSON(), descriptorFromRestSchema().toJSON());
    const connection =
        await connect({streamId: managedwriter.DefaultStream, destinationTable: parent});
    assert.equal(connection.getStreamId(), defaultName);
    const writer = new JSONWriter({connection, protoDescriptor});

    const first = await writer.appendRows([fx.fullRowForWriter('full')]).getResult();
    const second = await writer.appendRows([fx.sparseRow('sparse')]).getResult();
    for (const result of [first, second]) {
      assert.equal(result.error ?? null, null, JSON.stringify(result.error));
      assert.equal(result.appendResult?.offset ?? null, null, 'no offset on the default stream');
      assert.equal(result.writeStream, defaultName);
    }
    writer.close();

    const rows = await readRows('default_stream');
    assert.equal(rows.length, 2);
    fx.assertFullRow(rows[0], 'full');
    fx.assertSparseRow(rows[1], 'sparse');
    assert.deepEqual(connectionErrors.get(connection), []);
  });

  it('_default stream: a bad row fails the whole request, in the response', async () => {
    const parent = await newTable('default_errors');
    const connection =
        await connect({streamId: managedwriter.DefaultStream, destinationTable: parent});
    // Row 1 leaves the REQUIRED column `name` (field 1) unset: only `count` (field 2) = 1.
    // Hand-encoded, as protobufjs would fill a required field with its default.
    const writer =
        new managedwriter.Writer({connection, protoDescriptor: descriptorFromRestSchema()});
    const okRow = Buffer.from([0x0a, 0x02, 0x6f, 0x6b]);  // name = "ok"
    const noName = Buffer.from([0x10, 0x01]);
    const bad = await writer.appendRows({serializedRows: [okRow, noName]}).getResult();
    assert.equal(bad.error?.code, INVALID_ARGUMENT, JSON.stringify(bad.error));
    assert.match(bad.error.message, /^Errors found while processing rows/);
    assert.deepEqual(bad.rowErrors.map(e => [String(e.index), e.code]), [['1', 'FIELDS_ERROR']]);

    // The connection stays usable, and nothing of the failed request was stored.
    const good = await writer.appendRows({serializedRows: [okRow]}).getResult();
    assert.equal(good.error ?? null, null, JSON.stringify(good.error));
    writer.close();
    assert.deepEqual((await readRows('default_errors')).map(r => r.name), ['ok']);
    assert.deepEqual(connectionErrors.get(connection), []);
  });

  // BigQuery answers "Rows must be specified." (its Node.js client's system test
  // 'send empty rows request should return an error').
  it('_default stream: an append with no rows is refused', async () => {
    const parent = await newTable('default_empty');
    const connection =
        await connect({streamId: managedwriter.DefaultStream, destinationTable: parent});
    const writer = new JSONWriter({connection, protoDescriptor: descriptorFromRestSchema()});
    const empty = await writer.appendRows([]).getResult().then(r => r, err => ({rejected: err}));
    writer.close();
    assert.equal(empty.error?.code, INVALID_ARGUMENT, JSON.stringify(empty));
    assert.match(empty.error.message, /^Rows must be specified/);
  });

  it('COMMITTED stream: create, offsets, ALREADY_EXISTS, OUT_OF_RANGE, finalize', async () => {
    const parent = await newTable('committed');
    const connection =
        await connect({streamType: managedwriter.CommittedStream, destinationTable: parent});
    const streamId = connection.getStreamId();
    assert.ok(streamId.startsWith(`${parent}/streams/`), streamId);
    assert.notEqual(streamId, `${parent}/streams/_default`);

    const info = await client.getWriteStream({streamId});
    assert.equal(info.name, streamId);
    assert.equal(info.type, 'COMMITTED');
    assert.ok(info.createTime, 'createTime set');

    const writer = new JSONWriter({connection, protoDescriptor: descriptorFromRestSchema()});
    const r0 = await writer.appendRows([fx.fullRowForWriter('c0'), fx.sparseRow('c1')], 0)
                   .getResult();
    assert.equal(r0.error ?? null, null, JSON.stringify(r0.error));
    assert.equal(r0.appendResult?.offset?.value, '0');
    assert.equal(r0.writeStream, streamId);
    const r2 = await writer.appendRows([fx.sparseRow('c2')], 2).getResult();
    assert.equal(r2.appendResult?.offset?.value, '2');
    // No offset given: appended at the end, and the response says where.
    const r3 = await writer.appendRows([fx.sparseRow('c3')]).getResult();
    assert.equal(r3.appendResult?.offset?.value, '3');

    // Visible as soon as appended.
    assert.deepEqual((await readRows('committed')).map(r => r.name), ['c0', 'c1', 'c2', 'c3']);

    const dup = await writer.appendRows([fx.sparseRow('dup')], 1).getResult();
    assert.equal(dup.error?.code, ALREADY_EXISTS, JSON.stringify(dup));
    assert.deepEqual(storageErrorOf(dup.error), {code: 'OFFSET_ALREADY_EXISTS', entity: streamId});
    const gap = await writer.appendRows([fx.sparseRow('gap')], 9).getResult();
    assert.equal(gap.error?.code, OUT_OF_RANGE, JSON.stringify(gap));
    assert.deepEqual(storageErrorOf(gap.error), {code: 'OFFSET_OUT_OF_RANGE', entity: streamId});

    const finalized = await connection.finalize();
    assert.equal(String(finalized?.rowCount), '4');

    // A finalized stream takes no more rows.
    const late = await connect({streamId});
    const lateWriter =
        new JSONWriter({connection: late, protoDescriptor: descriptorFromRestSchema()});
    // Either an AppendRowsResponse.error or the RPC's status: INVALID_ARGUMENT
    // (StorageError STREAM_FINALIZED) in both cases.
    const refused = await lateWriter.appendRows([fx.sparseRow('late')], 4).getResult().then(
        response => response.error, err => err);
    assert.equal(refused?.code, INVALID_ARGUMENT, `append after finalize: ${refused}`);
    assert.deepEqual(storageErrorOf(refused), {code: 'STREAM_FINALIZED', entity: streamId});
    lateWriter.close();

    // BatchCommitWriteStreams is for PENDING streams only.
    const commit = await client.batchCommitWriteStream({parent, writeStreams: [streamId]});
    assert.deepEqual(commit.streamErrors?.map(e => e.code), ['INVALID_STREAM_TYPE']);

    const rows = await readRows('committed');
    assert.deepEqual(rows.map(r => r.name), ['c0', 'c1', 'c2', 'c3']);
    fx.assertFullRow(rows[0], 'c0');
  });

  // As in the Node.js client's system test 'should update proto descriptor
  // automatically': its Writer sends writer_schema in every request, and BigQuery
  // still reports updated_schema.
  it('schema update: tables.patch adds a column, AppendRows reports updated_schema,' +
         ' JSONWriter writes it',
     async () => {
    const schema = {
      fields: [{name: 'name', type: 'STRING', mode: 'REQUIRED'}, {name: 'n', type: 'INTEGER'}],
    };
    await bq.dataset(DATASET).createTable('evolving', {schema});
    const parent = `projects/${PROJECT}/datasets/${DATASET}/tables/evolving`;
    const protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(
        adapt.convertBigQuerySchemaToStorageTableSchema(schema), 'root');
    const connection =
        await connect({streamType: managedwriter.CommittedStream, destinationTable: parent});
    let notified = null;
    connection.onSchemaUpdated(updated => {
      notified = updated;
    });
    const writer = new JSONWriter({connection, protoDescriptor});
    let result = await writer.appendRows([{name: 'a', n: 1}, {name: 'b', n: 2}], 0).getResult();
    assert.equal(result.error ?? null, null, JSON.stringify(result.error));

    const updated = {fields: [...schema.fields, {name: 'email', type: 'STRING'}]};
    const [metadata] = await bq.dataset(DATASET).table('evolving').setMetadata({schema: updated});
    assert.deepEqual(metadata.schema.fields.map(f => f.name), ['name', 'n', 'email']);

    // Appends go on with the old writer schema until a response carries the new
    // table schema; the JSONWriter then switches its descriptor by itself.
    let offset = 2;
    const deadline = Date.now() + 5000;
    while (!result.updatedSchema) {
      assert.ok(Date.now() < deadline, 'no updated_schema within 5 s');
      result = await writer.appendRows([{name: `old${offset}`, n: offset}], offset).getResult();
      assert.equal(result.error ?? null, null, JSON.stringify(result.error));
      offset++;
    }
    assert.deepEqual(result.updatedSchema.fields.map(f => f.name), ['name', 'n', 'email']);
    assert.ok(notified, 'onSchemaUpdated listener called');

    result = await writer.appendRows([{name: 'new', n: 99, email: 'x@example.com'}], offset)
                 .getResult();
    assert.equal(result.error ?? null, null, JSON.stringify(result.error));
    writer.close();

    const [rows] = await bq.dataset(DATASET).table('evolving').getRows();
    assert.equal(rows.length, offset + 1);
    assert.deepEqual(rows.find(r => r.name === 'new'),
                     {name: 'new', n: 99, email: 'x@example.com'});
    assert.deepEqual(rows.find(r => r.name === 'a'), {name: 'a', n: 1, email: null});
  });

  it('PENDING stream: invisible until finalized and batch-committed, committed once', async () => {
    const parent = await newTable('pending');
    const connection =
        await connect({streamType: managedwriter.PendingStream, destinationTable: parent});
    const streamId = connection.getStreamId();
    const info = await client.getWriteStream({streamId});
    assert.equal(info.type, 'PENDING');

    const writer = new JSONWriter({connection, protoDescriptor: descriptorFromRestSchema()});
    const a = await writer.appendRows([fx.fullRowForWriter('p0'), fx.sparseRow('p1')])
                  .getResult();
    const b = await writer.appendRows([fx.sparseRow('p2'), fx.sparseRow('p3')]).getResult();
    assert.equal(a.error ?? null, null, JSON.stringify(a.error));
    assert.deepEqual([a.appendResult?.offset?.value, b.appendResult?.offset?.value], ['0', '2']);

    assert.deepEqual(await readRows('pending'), []);
    const [before] = await bq.dataset(DATASET).table('pending').getMetadata();
    assert.equal(before.numRows, '0');

    // Not finalized yet: the commit fails and nothing becomes visible.
    await assertCommitRefused(parent, streamId);
    assert.deepEqual(await readRows('pending'), []);

    const finalized = await connection.finalize();
    assert.equal(String(finalized?.rowCount), '4');
    assert.deepEqual(await readRows('pending'), []);

    const commit = await client.batchCommitWriteStream({parent, writeStreams: [streamId]});
    assert.deepEqual(commit.streamErrors ?? [], [], JSON.stringify(commit));
    assert.ok(commit.commitTime?.seconds, 'commitTime set');

    const rows = await readRows('pending');
    assert.deepEqual(rows.map(r => r.name), ['p0', 'p1', 'p2', 'p3']);
    fx.assertFullRow(rows[0], 'p0');
    fx.assertSparseRow(rows[1], 'p1');

    // Committing again fails and adds nothing.
    await assertCommitRefused(parent, streamId, 'STREAM_ALREADY_COMMITTED');
    assert.equal((await readRows('pending')).length, 4);
    const committedInfo = await client.getWriteStream({streamId});
    assert.ok(committedInfo.commitTime, 'a committed stream has commitTime');
  });
});
