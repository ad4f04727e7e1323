import t from 'tap'
import { loggerOptions } from '../../src/lib/log-options.js'

t.test('JSON for collectors, readable lines for a person at a terminal', async (t) => {
  t.same(loggerOptions('info', true, true), { level: 'info' }, 'production: JSON, even in a terminal')
  t.same(
    loggerOptions('debug', false, false),
    { level: 'debug' },
    'not a terminal (piped, a container): JSON',
  )
  const dev = loggerOptions('info', false, true) as { level: string; transport?: { target: string } }
  t.equal(dev.level, 'info')
  t.equal(dev.transport?.target, 'pino-pretty', 'development in a terminal: pino-pretty')
})
