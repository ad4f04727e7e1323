/**
 * The MongoDB driver's settings, checked without a server (the behaviour behind them runs in the MongoDB
 * suite where MONGO_URL is set): every wait bounded, and warm connections kept open for a rush.
 */
import t from 'tap'
import { WARM_CONNECTIONS } from '../../src/ledger/common.js'
import { mongoConnectOptions } from '../../src/ledger/mongo-connection.js'

t.test('warm connections: as many as the PostgreSQL pool keeps, never above the pool size', async (t) => {
  t.equal(mongoConnectOptions({}).minPoolSize, WARM_CONNECTIONS)
  t.equal(mongoConnectOptions({ maxPoolSize: 2 }).minPoolSize, 2, 'capped by maxPoolSize')
})

t.test('every wait is bounded: server selection, pool wait, connect', async (t) => {
  const options = mongoConnectOptions({})
  t.equal(options.serverSelectionTimeoutMS, 1000)
  t.equal(options.waitQueueTimeoutMS, 1000)
  t.equal(options.connectTimeoutMS, 1000)
  t.equal(options.bufferCommands, false, 'no operation queued behind a dead connection')
})
