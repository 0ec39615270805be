// Unit tests of the outbox, without a browser: `node --test web/test/` (make web-test).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { webcrypto } from 'node:crypto'
import { Outbox, OfflineCache, newKey, MAX_ENTRIES, MAX_CACHED_TASKS } from '../src/outbox.js'

class MemoryStorage {
  constructor() { this.m = new Map() }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null }
  setItem(k, v) { this.m.set(k, String(v)) }
  removeItem(k) { this.m.delete(k) }
}

const failWith = (status, message = '拒绝') => Object.assign(new Error(message), { status })
const offline = () => Object.assign(new Error('网络不可用'), { offline: true })

test('the queue survives a new Outbox on the same storage (reload, re-login) and is per user', () => {
  const s = new MemoryStorage()
  new Outbox(s, 'inspector-a').enqueue('t1', 'k1', { operating: true }, '实地走访复核')
  assert.equal(new Outbox(s, 'inspector-a').pendingCount(), 1)
  assert.equal(new Outbox(s, 'inspector-a').get('t1').key, 'k1')
  assert.equal(new Outbox(s, 'inspector-b').pendingCount(), 0)
})

test('flush sends each pending entry once with its key and removes it', async () => {
  const s = new MemoryStorage()
  const o = new Outbox(s, 'u')
  o.enqueue('t1', 'k1', { a: 1 })
  o.enqueue('t2', 'k2', { a: 2 })
  const sent = []
  const out = await o.flush(async (e) => { sent.push([e.taskId, e.key]) }, async () => null)
  assert.deepEqual(sent, [['t1', 'k1'], ['t2', 'k2']])
  assert.deepEqual(out, { sent: 2, taken: 0, refused: 0, waiting: 0 })
  assert.equal(o.entries().length, 0)
  assert.equal(s.getItem('tandem.outbox.u'), null)
})

test('offline: nothing is lost and the flush stops at the first network failure', async () => {
  const o = new Outbox(new MemoryStorage(), 'u')
  o.enqueue('t1', 'k1', {})
  o.enqueue('t2', 'k2', {})
  let calls = 0
  const out = await o.flush(async () => { calls++; throw offline() }, async () => null)
  assert.equal(calls, 1)
  assert.equal(out.waiting, 2)
  assert.equal(o.pendingCount(), 2)
})

test('a 409 on a task completed by the same user counts as sent', async () => {
  const o = new Outbox(new MemoryStorage(), 'u')
  o.enqueue('t1', 'k1', {})
  const out = await o.flush(async () => { throw failWith(409) }, async () => ({ id: 't1', status: 'completed', completed_by: 'u' }))
  assert.equal(out.sent, 1)
  assert.equal(o.entries().length, 0)
})

test('a 409 on a task completed by a colleague keeps the draft and names them', async () => {
  const o = new Outbox(new MemoryStorage(), 'u')
  o.enqueue('t1', 'k1', { employees: 3 })
  const out = await o.flush(async () => { throw failWith(409) }, async () => ({ id: 't1', status: 'completed', completed_by: 'colleague' }))
  assert.equal(out.taken, 1)
  const e = o.get('t1')
  assert.equal(e.state, 'taken')
  assert.equal(e.completedBy, 'colleague')
  assert.deepEqual(e.result, { employees: 3 })
  // A taken entry is not sent again.
  let calls = 0
  await o.flush(async () => { calls++ }, async () => null)
  assert.equal(calls, 0)
})

test('a 422 keeps the draft as refused with its field errors; a 503 stays pending', async () => {
  const o = new Outbox(new MemoryStorage(), 'u')
  o.enqueue('t1', 'k1', { employees: -1 })
  o.enqueue('t2', 'k2', {})
  const out = await o.flush(async (e) => {
    if (e.taskId === 't1') throw Object.assign(failWith(422, '填写有误'), { fields: [{ field: 'employees', reason: '不能为负数' }] })
    throw failWith(503)
  }, async () => null)
  assert.deepEqual(out, { sent: 0, taken: 0, refused: 1, waiting: 1 })
  assert.equal(o.get('t1').state, 'refused')
  assert.equal(o.get('t1').fields[0].field, 'employees')
  assert.equal(o.get('t2').state, 'pending')
})

test('subscribers hear every change; bounds hold', () => {
  const o = new Outbox(new MemoryStorage(), 'u')
  const seen = []
  o.subscribe((l) => seen.push(l.length))
  for (let i = 0; i < MAX_ENTRIES; i++) o.enqueue(`t${i}`, `k${i}`, {})
  assert.throws(() => o.enqueue('one-more', 'k', {}), /已达/)
  o.enqueue('t0', 'k0', { again: true }) // replacing an entry is allowed at the limit
  assert.equal(seen.at(-1), MAX_ENTRIES)
  assert.throws(() => o.enqueue('big', 'k', { s: 'x'.repeat(200_000) }), /过长/)
})

test('newKey makes distinct version-4 UUIDs without randomUUID', () => {
  const a = newKey(webcrypto), b = newKey(webcrypto)
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.notEqual(a, b)
})

test('the offline cache keeps the inbox and the last opened tasks', () => {
  const c = new OfflineCache(new MemoryStorage(), 'u')
  c.saveInbox([{ id: 't1' }], '2026-12-01T00:00:00Z')
  for (let i = 0; i < MAX_CACHED_TASKS + 5; i++) c.saveTask({ id: `t${i}` })
  assert.equal(c.inbox().items[0].id, 't1')
  assert.equal(c.task('t0'), null)
  assert.equal(c.task(`t${MAX_CACHED_TASKS + 4}`).id, `t${MAX_CACHED_TASKS + 4}`)
  assert.equal(Object.keys(c.read().tasks).length, MAX_CACHED_TASKS)
})
