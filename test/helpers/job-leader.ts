import { request } from './app.js'
import { eventually } from './eventually.js'
import { parsePrometheus } from './metrics.js'
import type { ServerProcess } from './server-process.js'

/** Which of the server processes leads `job` (by its seatlock_job_leader gauge), once one does; null if none in time. */
export async function jobLeader(
  servers: ServerProcess[],
  job: string,
  withinMs = 10_000,
): Promise<ServerProcess | null> {
  const leads = async (server: ServerProcess) => {
    const res = await request(server.url, 'GET', '/metrics')
    return parsePrometheus(res.body as string).get('seatlock_job_leader', { job }) === 1
  }
  const leader = async () => {
    for (const server of servers) if (await leads(server)) return server
    return undefined
  }
  return eventually(`a leader of ${job}`, leader, { deadlineMs: withinMs }).catch(() => null)
}
