/**
 * The hold → confirm scripts pass times in ms to commands as text (`int` in lua/includes/basics.lua). Redis
 * turns a Lua number argument into text with "%.17g": about 0.9 µs for such a time on Redis 7.0, against
 * 0.2 for the script's own "%d", and a perf profile put number formatting at 6% of the scripts' Redis CPU.
 * The scripts run here in a copy of the library whose redis.call counts, per function, the arguments that are
 * Lua numbers of a million or more.
 */
import { Redis } from 'ioredis'
import t from 'tap'
import { loadLibrary } from '../src/redis/scripts.js'
import { createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import { RedisServer } from './helpers/redis-server.js'

const COUNTING = `local KEYS, ARGV
local currentFn = '?'
local calls, bigNumbers = {}, {}
local function countedCall(command, ...)
  calls[currentFn] = (calls[currentFn] or 0) + 1
  for i = 1, select('#', ...) do
    local value = select(i, ...)
    if type(value) == 'number' and math.abs(value) >= 1e6 then
      local key = currentFn .. ' ' .. command
      bigNumbers[key] = (bigNumbers[key] or 0) + 1
    end
  end
  return redis['call'](command, ...)
end
`

const REPORT = `
redis.register_function{ function_name = 'numbers_report', flags = { 'no-writes' }, callback = function()
  local out = {}
  for name, n in pairs(calls) do out[#out + 1] = 'calls ' .. name .. '=' .. n end
  for name, n in pairs(bigNumbers) do out[#out + 1] = 'big ' .. name .. '=' .. n end
  return out
end }
redis.register_function{ function_name = 'numbers_probe', callback = function(keys)
  currentFn = 'probe'
  return countedCall('SET', keys[1], 1795873511241)
end }
`

/** The service's library, each redis.call counted, the function running named. */
function countingLibrary(): string {
  const { text } = loadLibrary()
  if (!text.includes('\nlocal KEYS, ARGV\n')) throw new Error('the library no longer opens as expected')
  return (
    text
      .replace('\nlocal KEYS, ARGV\n', `\n${COUNTING}`)
      .replaceAll('redis.call(', 'countedCall(')
      .replace(
        /function_name = '(seatlock_[0-9a-f]+_(\w+))',([\s\S]*?)KEYS, ARGV = callKeys, callArgs/g,
        "function_name = '$1',$3KEYS, ARGV = callKeys, callArgs\ncurrentFn = '$2'",
      ) + REPORT
  )
}

void eachLedger(t, 'hold and confirm pass no time as a Lua number', async (t, ledger) => {
  const server = await RedisServer.start(t)
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  // Loaded under the service's own library name, so the service calls it rather than loading its own.
  await redis.call('FUNCTION', 'LOAD', countingLibrary())
  const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, { jobs: false })

  const eventId = await createEvent(api, { seated: { s: seats('S', 10) }, ga: { g: 20 } })
  for (const [holder, items] of [
    ['ann', [{ section: 's', seats: ['S1', 'S2'] }]],
    ['bob', [{ section: 'g', quantity: 2 }]],
    [
      'cat',
      [
        { section: 's', seats: ['S3'] },
        { section: 'g', quantity: 1 },
      ],
    ],
  ] as const) {
    const hold = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder, items } })
    t.equal(hold.status, 201, `${holder}'s hold`)
    const { id, token } = hold.body as { id: string; token: string }
    const confirm = await api.request('POST', `/v1/events/${eventId}/holds/${id}/confirm`, { token })
    t.equal(confirm.status, 201, `${holder}'s confirm`)
  }

  await redis.call('FCALL', 'numbers_probe', '1', `probe:${eventId}`)
  const report = ((await redis.call('FCALL', 'numbers_report', '0')) as string[]).sort()
  const count = (line: string) => Number(report.find((l) => l.startsWith(`${line}=`))?.split('=')[1] ?? 0)
  t.equal(count('big probe SET'), 1, 'the count sees a time passed as a number (the probe)')
  for (const fn of ['createHold', 'pinHold', 'finaliseHolds']) {
    t.ok(count(`calls ${fn}`) > 0, `${fn} ran in the counting library`)
    t.strictSame(
      report.filter((line) => line.startsWith(`big ${fn} `)),
      [],
      `${fn} passes every time to its commands as text`,
    )
  }
})
