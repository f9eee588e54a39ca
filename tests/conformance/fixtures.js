'use strict';
// The table every conformance test writes to, the rows it writes and what the
// official client must hand back for them after a round trip.

const assert = require('node:assert/strict');
const {BigQueryDate, BigQueryInt, BigQueryTimestamp} = require('@google-cloud/bigquery');

const SCHEMA = {
  fields: [
    {name: 'name', type: 'STRING', mode: 'REQUIRED'},
    {name: 'count', type: 'INTEGER'},
    {name: 'score', type: 'FLOAT'},
    {name: 'active', type: 'BOOLEAN'},
    {name: 'ts', type: 'TIMESTAMP'},
    {name: 'day', type: 'DATE'},
    {name: 'amount', type: 'NUMERIC'},
    {name: 'blob', type: 'BYTES'},
    {name: 'doc', type: 'JSON'},
    {name: 'tags', type: 'STRING', mode: 'REPEATED'},
    {
      name: 'address',
      type: 'RECORD',
      fields: [
        {name: 'city', type: 'STRING'},
        {name: 'zip', type: 'INTEGER'},
      ],
    },
    {
      name: 'items',
      type: 'RECORD',
      mode: 'REPEATED',
      fields: [
        {name: 'sku', type: 'STRING', mode: 'REQUIRED'},
        {name: 'qty', type: 'INTEGER'},
      ],
    },
  ],
};

const TS_MICROS = 1709296496789012;  // 2024-03-01T12:34:56.789012Z
const TS_TEXT = '2024-03-01T12:34:56.789012000Z';  // BigQueryTimestamp.value for it
const BLOB = Buffer.from([0x68, 0x69, 0x00, 0xff, 0xfe]);
const DOC = '{"a":1,"b":[true,null],"c":{"d":"e"}}';

// One row with every column set, as the REST client's insert() takes it.
function fullRowForInsert(name) {
  return {
    name,
    count: 42,
    score: 3.25,
    active: true,
    ts: '2024-03-01T12:34:56.789012Z',
    day: '2024-02-29',
    amount: '12345.678901234',
    blob: BLOB,  // the client base64-encodes Buffers
    doc: DOC,
    tags: ['x', 'y'],
    address: {city: 'Zürich', zip: 8001},
    items: [{sku: 'a', qty: 1}, {sku: 'b', qty: 2}],
  };
}

// The same row as JSONWriter takes it: int64 micros for TIMESTAMP, a Date at
// UTC midnight for DATE (the encoder turns it into days since the epoch).
function fullRowForWriter(name) {
  return {
    name,
    count: 42,
    score: 3.25,
    active: true,
    ts: TS_MICROS,
    day: new Date(Date.UTC(2024, 1, 29)),
    amount: '12345.678901234',
    blob: BLOB,
    doc: DOC,
    tags: ['x', 'y'],
    address: {city: 'Zürich', zip: 8001},
    items: [{sku: 'a', qty: 1}, {sku: 'b', qty: 2}],
  };
}

// Only the REQUIRED column: everything else NULL (REPEATED reads as []).
function sparseRow(name) {
  return {name};
}

// What table.getRows() (default options: useInt64Timestamp) must return for
// fullRow*(name), with the client's own types.
function assertFullRow(row, name, {wrapIntegers = false} = {}) {
  assert.deepEqual(Object.keys(row).sort(), SCHEMA.fields.map(f => f.name).sort());
  assert.equal(row.name, name);
  if (wrapIntegers) {
    assert.ok(row.count instanceof BigQueryInt, `count is ${row.count?.constructor?.name}`);
    assert.equal(row.count.value, '42');
  } else {
    assert.equal(row.count, 42);
  }
  assert.equal(row.score, 3.25);
  assert.equal(row.active, true);
  assert.ok(row.ts instanceof BigQueryTimestamp, `ts is ${row.ts?.constructor?.name}`);
  assert.equal(row.ts.value, TS_TEXT);
  assert.ok(row.day instanceof BigQueryDate, `day is ${row.day?.constructor?.name}`);
  assert.equal(row.day.value, '2024-02-29');
  assert.equal(row.amount?.constructor?.name, 'Big');  // big.js, as the client parses NUMERIC
  assert.equal(row.amount.toString(), '12345.678901234');
  assert.ok(Buffer.isBuffer(row.blob), `blob is ${row.blob?.constructor?.name}`);
  assert.deepEqual(row.blob, BLOB);
  assert.equal(typeof row.doc, 'string');
  assert.deepEqual(JSON.parse(row.doc), JSON.parse(DOC));
  assert.deepEqual(row.tags, ['x', 'y']);
  assert.deepEqual(row.address, {city: 'Zürich', zip: wrapIntegers ? row.address.zip : 8001});
  assert.equal(row.items.length, 2);
  assert.deepEqual(
      row.items.map(i => [i.sku, wrapIntegers ? i.qty.value : i.qty]),
      wrapIntegers ? [['a', '1'], ['b', '2']] : [['a', 1], ['b', 2]]);
}

function assertSparseRow(row, name) {
  assert.deepEqual(row, {
    name,
    count: null,
    score: null,
    active: null,
    ts: null,
    day: null,
    amount: null,
    blob: null,
    doc: null,
    tags: [],
    address: null,
    items: [],
  });
}

function byName(rows) {
  return [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

module.exports = {
  SCHEMA,
  TS_TEXT,
  fullRowForInsert,
  fullRowForWriter,
  sparseRow,
  assertFullRow,
  assertSparseRow,
  byName,
};
